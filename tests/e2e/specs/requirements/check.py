from checklib import *

imports("six", "1.16.0")
imports("idna")
from importlib.metadata import version
eq("idna is constrained by ../constraints.txt", version("idna"), "3.7")
imports("iniconfig")
eq("iniconfig from the nested include", version("iniconfig"), "2.0.0")
imports("apothic_e2e_probe", "1.0", "VERSION")
imports("packaging", "24.2")
done()
