from checklib import *
from importlib.metadata import version

imports("six", "1.16.0")  # from the host's configured index
imports("idna")
eq("idna version", version("idna"), "3.10")
# indexUrl: the loopback index's 1.0 first; then extraIndexUrl + pre + extraOptions --upgrade
# moved it to the pre-release 2.0rc1.
imports("apothic_e2e_probe", "2.0rc1", "VERSION")
# findLinks + extraOptions "--no-index --no-deps": from the flat folder only.
imports("apothic_e2e_flat", "1.0", "VERSION")
runs("pip works", ["python", "-m", "pip", "--version"])
done()
