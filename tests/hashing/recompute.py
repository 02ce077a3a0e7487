"""Recomputes every golden definition hash from HASHING.md alone (stdlib only).

For each tests/vectors/NAME: canonical JSON of spec.json must equal canonical.json byte for byte,
and its SHA-256 must equal the pinned hash. Proves another language can reproduce the hashes.
"""
import hashlib
import json
import pathlib
import sys

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"


def canonical(spec: dict) -> bytes:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def main() -> int:
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
    print(f"definition hashes recomputed in Python from HASHING.md:")
    print(f"hashing: {passed} passed, {failed} failed")
    return 1 if failed or passed < 30 else 0


if __name__ == "__main__":
    sys.exit(main())
