print('fragment')
