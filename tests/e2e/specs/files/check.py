import os
import sys
from checklib import *

# copyLocalFile: a remote ending in "/" takes the local name; the mode comes along.
same_as_source("/usr/local/bin/run.sh", "files/run.sh")
runs("the copied script runs", ["run.sh", "x"], "run.sh ran: x")
# No remote: {workdir}/{basename}, workdir /root at that point; binary bytes intact.
same_as_source("/root/data.bin", "files/data.bin")
# A relative remote with spaces; a source with a space and a dollar.
same_as_source("/root/rel/target name.txt", "files/with space $dollar.txt")

# copyLocalDir with ignore patterns ["**/*.log", "!keep.log", "secret", "**/__pycache__"].
for f in ["top.txt", "keep.log", "ünïcode.txt", "sub/nested.txt", "sub/tool.sh", "sub/readonly.txt", "sub/deeper/deep.txt"]:
    same_as_source(f"/srv/tree/{f}", f"tree/{f}")
for f in ["drop.log", "sub/deeper/drop.log", "secret", "secret/key.txt", "__pycache__", "sub/__pycache__"]:
    absent(f"/srv/tree/{f}")
# After workdir("/work"): a relative remote lands under it.
for f in ["nested.txt", "tool.sh", "deeper/deep.txt"]:
    same_as_source(f"/work/copied-sub/{f}", f"tree/sub/{f}")
same_as_source("/work/copied-sub/deeper/drop.log", "tree/sub/deeper/drop.log")  # no ignore here
same_as_source("/work/bin/run.sh", "files/run.sh")
eq("the container starts in the workdir", os.getcwd(), "/work")

# copyLocalPythonSource: packages and modules under /root, .py files only.
same_as_source("/root/mypkg/__init__.py", "mypkg/__init__.py")
same_as_source("/root/mypkg/sub/mod.py", "mypkg/sub/mod.py")
absent("/root/mypkg/data.txt")
same_as_source("/root/single_mod.py", "single_mod.py")
sys.path.insert(0, "/root")
imports("mypkg.sub.mod")
imports("single_mod")

# addLocal* (runtime): not in the image; the test attaches the plan's mounts read-only.
same_as_source("/runtime/runtime.txt", "files/runtime.txt")
same_as_source("/runtime/dir/a.txt", "runtime-dir/a.txt")
same_as_source("/runtime/dir/nested/c.txt", "runtime-dir/nested/c.txt")
absent("/runtime/dir/b.skip")
same_as_source("/root/rtmod/__init__.py", "rtmod/__init__.py")
done()
