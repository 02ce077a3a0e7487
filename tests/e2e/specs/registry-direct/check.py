import sys
from checklib import *

same_as_source("/mnt/hello.txt", "hello.txt", what="the runtime mount on the base image")
eq("the base's Python", "%d.%d" % sys.version_info[:2], "3.13")
done()
