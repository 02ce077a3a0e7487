import json
import os
from checklib import *

# File names a shell, a glob or a Dockerfile would read as syntax (made by e2e.json "files").
NAMES = json.load(open(os.path.join(SPEC, "names.json"), encoding="utf-8"))
for name in NAMES:
    file_has("/d/" + name, f"content of {name}\n", what=f"copyLocalDir keeps {name!r}")
eq("copyLocalDir: nothing more, nothing less", sorted(os.listdir("/d")), sorted(NAMES + ["sub"]))
# ignore patterns with escapes and globs: \[x\], \#hash, sub/*.log, *name.
for name in ["[x]", "#hash", "tab\tname", "nbsp\u00a0name", "sub/[x].log"]:
    absent("/ignored/" + name)
for name in ["-rf", "*", "$HOME", "sub/kept.txt"]:
    exists("/ignored/" + name)
file_has("/single/[x]", "content of [x]\n")
file_has("/single/star", "content of *\n")
file_has("/single/$HOME", "content of $HOME\n")
# workdir with a space, then an absolute one with $, a space and a quote: literal, not expanded.
file_has("/tmp/pwd1", "/root/my dir\n")
file_has("/tmp/pwd2", "/tmp/$HOME x/it's\n")
eq("the container starts in the workdir", os.getcwd(), "/tmp/$HOME x/it's")
file_has("/opt/$weird dir/it's \"q\".txt", "A\n")
file_has("/tmp/$HOME x/it's/rel $x/a.txt", "A\n")
done()
