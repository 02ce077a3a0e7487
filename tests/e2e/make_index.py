"""Makes the loopback package index the e2e specs install from (pip and uv options).

    python3 make_index.py OUT_DIR

OUT_DIR/simple/<project>/index.html   a PEP 503 index (for indexUrl / extraIndexUrl):
    apothic-e2e-probe 1.0 and 2.0rc1 (a pre-release: installed only with `pre`)
OUT_DIR/flat/                           a flat folder of wheels (for findLinks):
    apothic-e2e-flat 1.0
OUT_DIR/sdist/                          a flat folder with one source distribution and no wheel:
    apothic-e2e-cext 1.0, a C extension module `apothic_e2e_cext` (setuptools `ext_modules`)
    whose `add(a, b)` is written in C: installing it compiles it, so it needs a C compiler and
    the Python headers (what `debianSlim({ buildTools: true })` is for)

Each wheel is a pure-Python module `apothic_e2e_probe` / `apothic_e2e_flat` whose VERSION says
which one was installed. The wheels and the sdist are byte-for-byte reproducible (fixed zip and
tar timestamps).
"""

import base64
import gzip
import hashlib
import io
import os
import sys
import tarfile
import zipfile

EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def make_wheel(folder: str, project: str, version: str) -> str:
    module = project.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'VERSION = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
            "Summary: apothic-image e2e test package\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: apothic-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/top_level.txt": f"{module}\n".encode(),
    }
    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in files.items())
    record += f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    name = f"{module}-{version}-py3-none-any.whl"
    path = os.path.join(folder, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files.items():
            info = zipfile.ZipInfo(member, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return name


CEXT_C = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* add(a, b): the sum of two C longs, computed here in C. */
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, "add(a, b) -> a + b, in C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "apothic_e2e_cext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_apothic_e2e_cext(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL) PyModule_AddStringConstant(m, "VERSION", "1.0");
    return m;
}
"""


def make_cext_sdist(folder: str) -> str:
    """apothic-e2e-cext 1.0 as a hand-made sdist: pyproject.toml (setuptools), setup.py with one
    C extension module, the C file and PKG-INFO."""
    project, version = "apothic-e2e-cext", "1.0"
    root = f"apothic_e2e_cext-{version}"
    pkg_info = (
        f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
        "Summary: apothic-image e2e test package (a C extension, source only)\n"
    )
    files = {
        "PKG-INFO": pkg_info,
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        "setup.py": (
            "from setuptools import Extension, setup\n\n"
            f'setup(name="{project}", version="{version}",\n'
            '      ext_modules=[Extension("apothic_e2e_cext", ["apothic_e2e_cext.c"])])\n'
        ),
        "apothic_e2e_cext.c": CEXT_C,
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            data = files[name].encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    name = f"apothic_e2e_cext-{version}.tar.gz"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(gzip.compress(raw.getvalue(), mtime=0))
    return name


def main() -> None:
    out = sys.argv[1]
    wheels = os.path.join(out, "wheels")
    flat = os.path.join(out, "flat")
    os.makedirs(wheels, exist_ok=True)
    os.makedirs(flat, exist_ok=True)
    project = "apothic-e2e-probe"
    links = []
    for version in ("1.0", "2.0rc1"):
        name = make_wheel(wheels, project, version)
        with open(os.path.join(wheels, name), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        links.append(f'<a href="../../wheels/{name}#sha256={sha}">{name}</a><br>')
    page = os.path.join(out, "simple", project)
    os.makedirs(page, exist_ok=True)
    with open(os.path.join(page, "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n")
    with open(os.path.join(out, "simple", "index.html"), "w") as f:
        f.write(f'<!DOCTYPE html>\n<html><body><a href="{project}/">{project}</a></body></html>\n')
    make_wheel(flat, "apothic-e2e-flat", "1.0")
    sdist = os.path.join(out, "sdist")
    os.makedirs(sdist, exist_ok=True)
    make_cext_sdist(sdist)


if __name__ == "__main__":
    main()
