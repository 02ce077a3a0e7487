from checklib import *
from importlib.metadata import version

imports("six", "1.16.0")
imports("apothic_e2e_flat", "1.0", "VERSION")
eq("idna version", version("idna"), "3.10")
# indexUrl + pre (--prerelease=allow): the pre-release.
imports("apothic_e2e_probe", "2.0rc1", "VERSION")
# The last step copied uv 0.13.8 (uvVersion), over the default's 0.13.9.
runs("uv is the last step's uvVersion", ["/usr/local/bin/uv", "--version"], "uv 0.13.8")
done()
