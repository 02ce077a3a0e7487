import os
import shutil
import sys
from checklib import *

# fromRegistry("debian:bookworm-slim", { addPython: "3.11" }): the base has no Python (the
# harness's base build asserts it); the one this script runs on was installed by addPython.
PREFIX = "/opt/apothic/python"
eq("Python 3.11", "%d.%d" % sys.version_info[:2], "3.11")
eq("sys.prefix", sys.prefix, PREFIX)
absent("/usr/bin/python3")
absent("/tmp/apothic-python.tar.gz")
for name in ("python", "python3", "pip", "pip3"):
    found = shutil.which(name)
    eq(f"{name} on PATH", found, f"/usr/local/bin/{name}")
    if found:
        check(f"{name} is the added CPython's", os.path.realpath(found).startswith(PREFIX + "/bin/"), os.path.realpath(found))
runs("python --version", ["python", "--version"], "Python 3.11.")
runs("python3 --version", ["python3", "--version"], "Python 3.11.")
runs("pip --version", ["pip", "--version"], "(python 3.11)")
runs("pip3 --version", ["pip3", "--version"], "(python 3.11)")
text = read("/root/pip-at-build.txt", "r")
check("pip on PATH during the build", text.startswith("pip ") and "(python 3.11)" in text, text)
# pipInstall from the loopback index, into the added CPython.
imports("apothic_e2e_probe", "1.0", "VERSION")
import apothic_e2e_probe
check("installed under the added CPython", apothic_e2e_probe.__file__.startswith(PREFIX + "/"), apothic_e2e_probe.__file__)
for module in ("ssl", "sqlite3", "ctypes", "venv"):
    imports(module)
done()
