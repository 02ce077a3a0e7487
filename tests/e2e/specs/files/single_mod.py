NAME = "single_mod"
