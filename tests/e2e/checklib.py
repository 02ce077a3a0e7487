"""Assertions for the e2e specs' check.py scripts, which run inside the built image.

run-specs.mjs mounts the spec's folder (after templating) at /e2e/spec and this file at
/e2e/lib/checklib.py, runs /e2e/spec/check.py with python3 (both folders on sys.path, no
environment variable changed) in a container of the image, and reads its standard output: one line per assertion, `ok <what>` or `not ok <what>: <why>`.
Works on Python 3.9 and newer (the bases have 3.11 and 3.13).
"""

import hashlib
import importlib
import os
import stat
import subprocess
import sys

SPEC = "/e2e/spec"
_failed = 0


def check(what, condition, why=""):
    global _failed
    what = what.replace("\n", "\\n")
    if condition:
        print(f"ok {what}", flush=True)
    else:
        _failed += 1
        why = str(why).replace("\n", "\\n")
        print(f"not ok {what}: {why}", flush=True)
    return bool(condition)


def eq(what, actual, expected):
    return check(what, actual == expected, f"expected {expected!r}, got {actual!r}")


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def file_has(path, content, mode=None, what=None):
    """`path` exists with exactly these bytes (str is UTF-8) and, when given, these permission bits."""
    what = what or f"{path} has its contents"
    if isinstance(content, str):
        content = content.encode()
    if not os.path.isfile(path):
        return check(what, False, "no such file")
    ok = eq(what, read(path), content)
    if mode is not None:
        ok = eq(f"{path} has mode {mode:o}", _mode(path), mode) and ok
    return ok


def same_as_source(path, source, what=None):
    """`path` in the image has the bytes and the permission bits of `source` in the spec's folder."""
    src = os.path.join(SPEC, source)
    what = what or f"{path} is {source}"
    if not os.path.isfile(path):
        return check(what, False, "no such file")
    ok = eq(what, hashlib.sha256(read(path)).hexdigest(), hashlib.sha256(read(src)).hexdigest())
    return eq(f"{path} has the mode of {source}", oct(_mode(path)), oct(_mode(src))) and ok


def exists(path):
    return check(f"{path} exists", os.path.lexists(path), "missing")


def absent(path):
    return check(f"{path} is absent", not os.path.lexists(path), "present")


def env(key, value):
    actual = os.environb.get(key.encode()) if hasattr(os, "environb") else os.environ.get(key)
    return eq(f"env {key}", actual, value.encode() if actual is not None else value)


def imports(module, version=None, attribute="__version__"):
    try:
        mod = importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - any failure to import is the finding
        return check(f"import {module}", False, repr(e))
    ok = check(f"import {module}", True)
    if version is not None:
        ok = eq(f"{module} version", getattr(mod, attribute, None), version) and ok
    return ok


def not_importable(module):
    try:
        importlib.import_module(module)
    except ImportError:
        return check(f"{module} is not installed", True)
    return check(f"{module} is not installed", False, "it imports")


def run(argv):
    """Runs a command; returns (exit status, stdout+stderr as text)."""
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        return 127, str(e)
    return done.returncode, done.stdout.decode(errors="replace")


def runs(what, argv, expect_output=None):
    status, output = run(argv)
    ok = check(what, status == 0, f"exit {status}: {output[-500:]}")
    if ok and expect_output is not None:
        ok = check(f"{what}: output", expect_output in output, f"{expect_output!r} not in {output[-500:]!r}")
    return ok


def done():
    sys.exit(1 if _failed else 0)
