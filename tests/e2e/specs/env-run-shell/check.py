import os
from checklib import *

# env(): byte-exact values, hostile ones included.
expected = {
    "HOME_REF": "$HOME",
    "BRACES": "${PATH:-/bin}",
    "SINGLE": "it's",
    "DOUBLE": 'say "hi"',
    "TRAIL": "ends with \\",
    "MIXED": "a\\'b\" c `uname` $(id)",
    "UNICODE": "한국어 ✓ 🚀",
    "TAB": "a\tb",
    "DASH": "--flag",
    "EMPTY": "",
    "SPACES": "  padded  ",
    "EQUALS": "a=b=c",
    "HASH": "#not a comment",
    "-LEADING_DASH": "x",
    "dotted.key": "d",
    "ünïcode_key": "ü",
    "NUMBER": "42",
    "BOOL": "true",
    "SEMI": "a; rm -rf / #",
    "GLOB": "*?[a]",
    "BACKSLASHES": "C:\\new\\table",
    "FROM_FRAGMENT": "1",
}
# envFile(): dotenv, no expansion.
expected.update({
    "PLAIN": "plain value",
    "EXPORTED": "yes",
    "SINGLE_QUOTED": "no $EXPANSION here",
    "DOUBLE_QUOTED": 'tab\there "quoted"',
    "EMPTY_FROM_FILE": "",
    "URL": "http://example.invalid/?a=1&b=2#frag",
    "INLINE": "value",
    "WINDOWS": "C:\\dir",
})
for key, value in expected.items():
    env(key, value)

# runCommands: newlines (heredoc), exec forms (leading [, leading/trailing blanks), quoting.
file_has("/root/run/home.txt", "/root\n$HOME\n")
file_has("/root/run/heredoc.txt", "line1\n/root\n")
file_has("/root/run/bracket.txt", "bracket\n")
file_has("/root/run/indented.txt", "indented\n")
file_has("/root/run/quote.txt", "single ' quote\n")
# commandShell("/bin/bash -euo pipefail"), then null (back to /bin/sh).
text = read("/root/run/bash.txt", "r")
check("commandShell ran bash", text.startswith("bash=yes "), text)
for option in ("errexit", "nounset", "pipefail"):
    check(f"commandShell set -o {option}", option in text.strip().split("opts=")[1].split(":"), text)
file_has("/root/run/sh.txt", "bash=no\n", what="commandShell(null) restored /bin/sh")
# workdir("app"), workdir("sub"): relative to /root, then to /root/app.
file_has("/root/app/sub/here.txt", "/root/app/sub\n", what="RUN ran in the workdir")
eq("the container starts in the workdir", os.getcwd(), "/root/app/sub")
# withDockerfile: ENV, LABEL, RUN, COPY --from an image, SHELL (used by the next runCommands).
file_has("/root/run/fragment.txt", "fragment\n")
check("COPY --from=python:3.13-slim-trixie", read("/root/run/trixie_version", "r").startswith("13"), read("/root/run/trixie_version", "r"))
file_has("/root/run/after-fragment.txt", "bash=yes\nsecond-line\n", what="the fragment's SHELL ran the next (multi-line) command")
# aptInstall: both packages, once.
runs("apt: jq", ["jq", "--version"], "jq-")
runs("apt: tree", ["tree", "--version"], "tree v")
check("apt lists removed", not os.listdir("/var/lib/apt/lists") or os.listdir("/var/lib/apt/lists") == ["partial"], os.listdir("/var/lib/apt/lists"))
done()
