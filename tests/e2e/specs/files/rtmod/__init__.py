RT = "rtmod"
