# prebuilt: true: no Python check, no managed CPython; the image has no Python at all.
if [ "$(cat /prebuilt.txt)" = prebuilt ]; then echo "ok the RUN step ran"; else echo "not ok the RUN step ran: $(cat /prebuilt.txt)"; fi
if [ ! -e /opt/apothic ]; then echo "ok no managed CPython"; else echo "not ok no managed CPython: /opt/apothic exists"; fi
if ! command -v python3 >/dev/null; then echo "ok no python3"; else echo "not ok no python3: $(command -v python3)"; fi
