from checklib import *
from importlib.metadata import version

imports("six", "1.16.0")
imports("iniconfig")
eq("iniconfig (group cli)", version("iniconfig"), "2.0.0")
not_importable("attrs")
imports("packaging", "24.2")
imports("apothic_e2e_probe", "1.0", "VERSION")
imports("idna")
eq("idna (group extra_b)", version("idna"), "3.10")
not_importable("e2e_proj")
done()
