"""Recomputes every golden hash from HASHING.md alone (stdlib only).

Definition hashes: for each tests/vectors/NAME, the canonical JSON of spec.json must equal
canonical.json byte for byte, and its SHA-256 must equal the pinned hash.

Image and spec hashes: for each tests/vectors-resolve/NAME, every layer document is rebuilt from
spec.json, host.json and the bytes of the files under host/ (each input's digest and mode are
recomputed from the host file it comes from), hashed and chained; the layer hashes, imageHash and
specHash must equal the ones pinned in resolution.json. Which files a layer reads (the walk of a
folder, the includes of a requirements file, the sources of a Dockerfile) is taken from
resolution.json; what they hash to is not.

Build keys: from the recomputed imageHash, the rendered Dockerfile pinned in resolution.json and
the context format HASHING.md states; it must equal resolution.json's buildKey and plan.buildKey,
and a derived plan's image must be what host.json's "derived" holds for that key (lookupDerived
is asked for the build key).

Proves another language can reproduce the hashes.
"""
import hashlib
import json
import pathlib
import sys

TESTS = pathlib.Path(__file__).resolve().parent.parent
VECTORS = TESTS / "vectors"
RESOLVE_VECTORS = TESTS / "vectors-resolve"

# The managed CPython when the base image has none (ResolveOptions::default, HASHING.md).
MANAGED_VERSION = "3.12.11"
MANAGED_RELEASE = "20250723"
MANAGED_URL = (
    "https://github.com/astral-sh/python-build-standalone/releases/download/{release}/"
    "cpython-{version}+{release}-{arch}-unknown-linux-{libc}-install_only.tar.gz"
)

# The build-context tar layout the build key covers (HASHING.md "buildKey"; CONTEXT_FORMAT in
# src/resolve/context_tar.rs).
CONTEXT_FORMAT = 1

# Steps whose inputs are files the step names by host path (never copied into the context).
HOST_PATH_STEPS = {"envFile", "pipInstallFromPyproject", "uvPipInstallFromPyproject"}
# Steps whose inputs are copied with mode 0644 whatever the host says.
FIXED_MODE_STEPS = HOST_PATH_STEPS | {"pipInstallFromRequirements", "uvPipInstallFromRequirements"}


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def H(value) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def definition_hashes() -> tuple[int, int]:
    passed, failed = 0, 0
    for folder in sorted(p for p in VECTORS.iterdir() if (p / "spec.json").is_file()):
        spec = json.loads((folder / "spec.json").read_text("utf-8"))
        text = canonical(spec)
        digest = "sha256:" + hashlib.sha256(text).hexdigest()
        pinned = (folder / "hash").read_text("utf-8").strip()
        if text != (folder / "canonical.json").read_bytes():
            print(f"FAIL {folder.name}: canonical JSON differs from canonical.json")
            failed += 1
        elif digest != pinned:
            print(f"FAIL {folder.name}: {digest} != pinned {pinned}")
            failed += 1
        else:
            passed += 1
    return passed, failed


def python_document(spec_base: dict, images: dict):
    """The base image digest and the base layer's "python" member (HASHING.md)."""
    if spec_base["op"] == "debianSlim":
        reference, decides_python = f"python:{spec_base['pythonVersion']}-slim-trixie", False
    elif spec_base["op"] == "fromRegistry":
        reference, decides_python = spec_base["ref"], not spec_base["prebuilt"]
    else:
        return None, None  # the FROM lines of a fromDockerfile base are not inspected
    inspection = images.get(reference)  # looked up by the reference as written
    if spec_base.get("addPython") is not None:
        return added_python_document(spec_base["addPython"], inspection or {})
    if inspection is None:
        return None, None
    if not decides_python:
        return inspection.get("digest"), None  # debianSlim and prebuilt: the digest only
    version = inspection.get("pythonVersion")
    parts = version.split(".") if version else []
    suitable = version is None or (
        len(parts) >= 2 and parts[0] == "3" and parts[1].isdigit() and int(parts[1]) >= 9
    )
    if inspection.get("pythonPath") is not None and suitable:
        return inspection.get("digest"), None
    arch = inspection.get("arch") or "x86_64"
    arch = {"amd64": "x86_64", "x86-64": "x86_64", "arm64": "aarch64", "arm64/v8": "aarch64"}.get(arch, arch)
    libc = "musl" if inspection.get("libc") == "musl" else "gnu"
    url = MANAGED_URL.format(release=MANAGED_RELEASE, version=MANAGED_VERSION, arch=arch, libc=libc)
    managed = {"version": MANAGED_VERSION, "arch": arch, "libc": libc, "url": url}
    return inspection.get("digest"), {"managed": managed}


#: The CPython builds `addPython` installs by X.Y (HASHING.md).
ADDED_PYTHON = {"3.10": "3.10.18", "3.11": "3.11.13", "3.12": "3.12.11", "3.13": "3.13.5"}


def added_python_document(add_python: str, inspection: dict):
    """A registry base with addPython: the build for the inspected arch and libc, as {"added": …}."""
    version = ADDED_PYTHON.get(add_python, add_python)
    arch = inspection.get("arch") or "x86_64"
    arch = {"amd64": "x86_64", "x86-64": "x86_64", "arm64": "aarch64", "arm64/v8": "aarch64"}.get(arch, arch)
    libc = "musl" if inspection.get("libc") == "musl" else "gnu"
    url = MANAGED_URL.format(release=MANAGED_RELEASE, version=version, arch=arch, libc=libc)
    added = {"version": version, "arch": arch, "libc": libc, "url": url}
    return inspection.get("digest"), {"added": added}


class Vector:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.spec = json.loads((folder / "spec.json").read_text("utf-8"))
        self.resolution = json.loads((folder / "resolution.json").read_text("utf-8"))
        host_json = folder / "host.json"
        self.host = json.loads(host_json.read_text("utf-8")) if host_json.is_file() else {}
        self.sources = {c["path"]: c["source"] for c in self.resolution["context"]}

    def read(self, host_path: str) -> bytes:
        path = host_path[2:] if host_path.startswith("./") else host_path
        return (self.folder / "host" / path).read_bytes()

    def host_mode(self, host_path: str) -> int:
        return int(self.host.get("modes", {}).get(host_path, "644"), 8)

    def input(self, op: str, path: str, base: bool) -> dict:
        """Recomputes one input {path, sha256, mode} from the host file it comes from."""
        if base and path == "Dockerfile":
            source, mode = self.spec["base"]["path"], 0o644  # the user's Dockerfile, as read
        elif op in HOST_PATH_STEPS:
            source, mode = path, 0o644  # the host path itself
        else:
            source = self.sources[path]  # a build-context file: back to its host file
            mode = 0o644 if op in FIXED_MODE_STEPS else self.host_mode(source)
        digest = "sha256:" + hashlib.sha256(self.read(source)).hexdigest()
        return {"path": path, "sha256": digest, "mode": mode}

    def check(self) -> list[str]:
        problems = []
        pinned = self.resolution["layers"]
        digest, python = python_document(self.spec["base"], self.host.get("images", {}))
        plan_python = self.resolution["plan"]["python"]
        if (python is None) != (plan_python["kind"] != "managed") or (
            python and {**python["managed"], "kind": "managed"} != plan_python
        ):
            problems.append(f"the plan's python {plan_python} is not {python}")
        prev = None
        for k, layer in enumerate(pinned):
            base = k == 0
            step = None if base else self.spec["steps"][layer["step"]]
            op = self.spec["base"]["op"] if base else step["op"]
            if op != layer["op"]:
                problems.append(f"layer {k}: op {layer['op']} is not {op}")
            inputs = [self.input(op, i["path"], base) for i in layer["inputs"]]
            inputs.sort(key=lambda i: i["path"].encode("utf-8"))
            if inputs != layer["inputs"]:
                problems.append(f"layer {k}: recomputed inputs {inputs} != pinned {layer['inputs']}")
            if base:
                document = {"base": {"python": python, "spec": self.spec["base"]}, "digest": digest, "inputs": inputs}
            else:
                document = {"inputs": inputs, "prev": prev, "step": step}
            prev = H(document)
            if prev != layer["hash"]:
                problems.append(f"layer {k} ({op}): {prev} != pinned {layer['hash']}")
        steps_with_layers = [layer["step"] for layer in pinned[1:]]
        build_steps = [i for i, s in enumerate(self.spec["steps"]) if not s["op"].startswith("addLocal")]
        if steps_with_layers != build_steps:
            problems.append(f"layers for steps {steps_with_layers}, build steps are {build_steps}")
        if prev != self.resolution["imageHash"]:
            problems.append(f"imageHash: {prev} != pinned {self.resolution['imageHash']}")

        mounts = []
        for mount in self.resolution["mounts"]:
            files = []
            for f in mount["files"]:
                data = self.read(f["source"])
                files.append({
                    "source": f["source"],
                    "remote": f["remote"],
                    "size": len(data),
                    "mode": self.host_mode(f["source"]),
                    "sha256": "sha256:" + hashlib.sha256(data).hexdigest(),
                })
            files.sort(key=lambda f: f["remote"].encode("utf-8"))
            step = mount["step"]
            mounts.append({"step": step, "op": self.spec["steps"][step]["op"], "files": files})
        if mounts != self.resolution["mounts"]:
            problems.append(f"recomputed mounts {mounts} != pinned {self.resolution['mounts']}")
        # The host paths (`source`) are not hashed: same files, same hash on every machine.
        hashed = [{**m, "files": [{k: v for k, v in f.items() if k != "source"} for f in m["files"]]} for m in mounts]
        spec_hash = H({"imageHash": prev, "mounts": hashed})
        if spec_hash != self.resolution["specHash"]:
            problems.append(f"specHash: {spec_hash} != pinned {self.resolution['specHash']}")
        problems.extend(self.check_build_key(prev))
        return problems

    def check_build_key(self, image_hash: str) -> list[str]:
        """The build key from the image hash and the rendered Dockerfile, and the lookup by it."""
        dockerfile = "sha256:" + hashlib.sha256(self.resolution["dockerfile"].encode("utf-8")).hexdigest()
        key = H({"context": CONTEXT_FORMAT, "dockerfile": dockerfile, "imageHash": image_hash})
        plan = self.resolution["plan"]
        problems = [
            f"{where}: {key} != pinned {pinned}"
            for where, pinned in [("buildKey", self.resolution["buildKey"]), ("plan.buildKey", plan["buildKey"])]
            if pinned != key
        ]
        if plan["mode"] == "derived" and plan["image"] != self.host.get("derived", {}).get(key):
            problems.append(f"plan.image {plan['image']} is not host.json's derived image for {key}")
        return problems


def image_hashes() -> tuple[int, int, int, int]:
    passed, failed, layers, mounts = 0, 0, 0, 0
    folders = sorted(p for p in RESOLVE_VECTORS.iterdir() if (p / "spec.json").is_file())
    for folder in folders:
        try:
            vector = Vector(folder)
            problems = vector.check()
        except (OSError, KeyError, ValueError) as e:
            problems = [f"{type(e).__name__}: {e}"]
            vector = None
        if problems:
            failed += 1
            for problem in problems:
                print(f"FAIL {folder.name}: {problem}")
        else:
            passed += 1
            layers += len(vector.resolution["layers"])
            mounts += len(vector.resolution["mounts"])
    return passed, failed, layers, mounts


def main() -> int:
    passed, failed = definition_hashes()
    print("definition hashes recomputed in Python from HASHING.md:")
    print(f"hashing: {passed} passed, {failed} failed")
    r_passed, r_failed, layers, mounts = image_hashes()
    print("image and spec hashes and build keys recomputed in Python from HASHING.md and the host files:")
    print(f"resolve hashing: {r_passed} passed, {r_failed} failed ({layers} layers, {mounts} mounts)")
    if failed or passed < 30 or r_failed or r_passed < 12:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
