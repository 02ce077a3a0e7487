import sys
from checklib import *

env("FRAGMENT", "yes")
same_as_source("/frag/files/a.txt", "files/a.txt")
same_as_source("/frag/files/b.txt", "files/b.txt")
eq("the default base's Python", "%d.%d" % sys.version_info[:2], "3.11")
text = read("/frag/python-version.txt", "r")
check("RUN python on the default base", text.startswith("Python 3.11."), text)
done()
