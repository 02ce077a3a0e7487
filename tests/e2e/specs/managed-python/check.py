import os
import sys
from checklib import *

# This script itself runs on the managed CPython: the base has no Python.
eq("python3 is the managed CPython", os.path.realpath("/usr/local/bin/python3"), os.path.realpath("/opt/apothic/python/bin/python3"))
eq("sys.executable", os.path.realpath(sys.executable), os.path.realpath("/opt/apothic/python/bin/python3"))
check("Python 3.9 or newer", sys.version_info >= (3, 9), sys.version)
eq("sys.prefix", sys.prefix, "/opt/apothic/python")
absent("/usr/bin/python3")
absent("/tmp/apothic-python.tar.gz")
file_has("/root/exe.txt", "/usr/local/bin/python3\n", what="RUN python3 after the install")
for module in ("ssl", "sqlite3", "ctypes", "lzma", "bz2", "zlib", "hashlib", "json", "venv"):
    imports(module)
import ssl
check("ssl links OpenSSL", "OpenSSL" in ssl.OPENSSL_VERSION, ssl.OPENSSL_VERSION)
imports("six", "1.16.0")  # python -m pip install, on the managed CPython
runs("python -m pip", ["python", "-m", "pip", "--version"])
# uv pip install --system finds the managed CPython; a wheel with a C extension loads.
imports("markupsafe", "3.0.2")
imports("markupsafe._speedups")  # its C extension
runs("apt on the Python-less base: jq", ["jq", "--version"], "jq-")
done()
