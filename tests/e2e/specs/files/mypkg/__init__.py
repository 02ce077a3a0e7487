VALUE = "mypkg"
