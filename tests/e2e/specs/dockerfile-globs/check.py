import os
from checklib import *

file_has("/app/a.txt", "a\n")
file_has("/app/b.txt", "b\n")
absent("/app/ignored.txt")  # Dockerfile.dockerignore
file_has("/app/sub/x.cfg", "x\n")
file_has("/app/sub/.hidden", "h\n")
eq("COPY --chown", (os.stat("/app/sub/x.cfg").st_uid, os.stat("/app/sub/x.cfg").st_gid), (1000, 1000))
file_has("/app/added.cfg", "added\n", what="ADD of a local file")
file_has("/odd/tab\tname", "tab\n")
file_has("/odd/a\\b", "backslash\n")
file_has("/odd/*", "star\n")
exists("/all/Dockerfile")
file_has("/all/a.txt", "a\n")
absent("/all/ignored.txt")
absent("/all/not-here")
absent("/all/Dockerfile.dockerignore")
# The .dockerignore beside it ("*") is not the one that applies.
done()
