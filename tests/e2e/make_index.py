"""Makes the loopback package index the e2e specs install from (pip and uv options).

    python3 make_index.py OUT_DIR

OUT_DIR/simple/<project>/index.html   a PEP 503 index (for indexUrl / extraIndexUrl):
    apothic-e2e-probe 1.0 and 2.0rc1 (a pre-release: installed only with `pre`)
OUT_DIR/flat/                           a flat folder of wheels (for findLinks):
    apothic-e2e-flat 1.0

Each wheel is a pure-Python module `apothic_e2e_probe` / `apothic_e2e_flat` whose VERSION says
which one was installed. The wheels are byte-for-byte reproducible (fixed zip timestamps).
"""

import base64
import hashlib
import os
import sys
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


if __name__ == "__main__":
    main()
