import os
from checklib import *

# The Dockerfile's final stage is the base; its ENV, WORKDIR and COPYs are all there.
env("GREETING", "hello from ARG")
env("SECOND", "two words")
env("AFTER", "yes")
eq("the container starts in the Dockerfile's WORKDIR", os.getcwd(), "/app")
same_as_source("/app/main.py", "ctx/app/main.py")
same_as_source("/app/pkg/__init__.py", "ctx/app/pkg/__init__.py")
absent("/app/secret.txt")  # .dockerignore
absent("/app/scratch.tmp")  # .dockerignore **/*.tmp
absent("/app/pkg/deep.tmp")
absent("/app/.dockerignore")
file_has("/etc/app/with space.cfg", "key = value\n")
file_has("/artifact.txt", "built by 3.11\n", what="COPY --from the first stage")
file_has("/usr/local/bin/pkg-init", "VALUE = 1\n", 0o755)
file_has("/app/ran.txt", "ran in /app\n")
file_has("/app/fragment.txt", "fragment\n", what="withDockerfile after fromDockerfile")
file_has("/app/pwd.txt", "/app\n", what="runCommands runs in the Dockerfile's WORKDIR")
import sys
eq("the final stage's Python", "%d.%d" % sys.version_info[:2], "3.13")
imports("six", "1.16.0")
done()
