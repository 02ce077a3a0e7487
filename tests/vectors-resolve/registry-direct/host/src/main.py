print('direct')
