#!/usr/bin/env bash
# Real builds (`make test-e2e`, part of `make test`): every spec in tests/e2e/specs/ is packed by
# the package's CLI (`apothic-image context`), built by a real engine, run, and checked.
#
#   1. installs docker.io, debootstrap and patchelf from Debian (tests/e2e/setup.sh, idempotent);
#   2. builds the npm package and installs its tarball into a scratch project, as a user would;
#   3. starts a private dockerd (own socket, data and exec roots; no iptables, no bridge) and
#      stops it on exit, whatever happens;
#   4. makes the base images the renderer names with debootstrap (tests/e2e/bases.sh), the uv
#      image from the `uv` wheel, a relocatable CPython for the managed-Python path, and a
#      loopback package index; serves the last two on 127.0.0.1;
#   5. runs tests/e2e/run-specs.mjs: per spec, `apothic-image context` → `docker build
#      --network host -` → `docker run` of the spec's check.py; prints "e2e: N passed, N failed";
#   6. runs tests/e2e/registry-plans.mjs: the bases pushed to a local docker-registry, inspected
#      and planned through the package's registryHost, checked against the images themselves;
#      it ends with the total of both steps;
#   7. runs tests/runtime/*.test.mjs with node's test runner (the package's Docker Engine client
#      and runtime against this dockerd and local docker-registries); prints "e2e runtime: N
#      passed, N failed, N skipped".
#
# Needs root (debootstrap, dockerd). Arguments, if any, are spec names to run instead of all;
# E2E_SPECS_DIR=DIR builds the specs of another folder (see run-specs.mjs); E2E_ONLY=runtime
# runs step 7 alone after the engine and bases are ready (skips the specs and registry plans).
# Everything it makes lives under target/e2e/ (debootstrap roots are cached in target/e2e/cache).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
start_time=$SECONDS

case "${E2E_ONLY:-}" in
  "" | runtime) ;;
  *) echo "e2e: E2E_ONLY must be empty or \"runtime\", got \"$E2E_ONLY\"" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
  echo "e2e: needs root (debootstrap and dockerd)" >&2
  exit 1
fi

export E2E_DIR="$root/target/e2e"
export E2E_CACHE="$E2E_DIR/cache"
export E2E_LOGS="$E2E_DIR/logs"
export E2E_WORK="$E2E_DIR/work"
# Debian's client (20.10, the daemon's version) first: another `docker` on PATH may expect a
# buildx plugin or a newer API.
export PATH="/usr/bin:/usr/sbin:$PATH"

source tests/e2e/dockerd.sh
source tests/e2e/bases.sh

tests/e2e/setup.sh

# Leftovers of an interrupted run: its engine (if it was killed before its trap ran), its
# mounts, then its folders.
e2e_dockerd_stop_stale "$E2E_DIR/docker"
if [ -s "$E2E_DIR/http.pid" ]; then
  stale="$(cat "$E2E_DIR/http.pid")"
  if [ -r "/proc/$stale/cmdline" ] && tr '\0' '\n' <"/proc/$stale/cmdline" | grep -qx -- "$E2E_WORK/www"; then
    echo "e2e: stopping the loopback server (pid $stale) an interrupted run left" >&2
    kill "$stale" 2>/dev/null || true
  fi
  rm -f "$E2E_DIR/http.pid"
fi
e2e_unmount_under "$E2E_DIR/docker" "$E2E_WORK"
rm -rf "$E2E_DIR/docker" "$E2E_WORK" "$E2E_LOGS"
mkdir -p "$E2E_CACHE" "$E2E_LOGS" "$E2E_WORK"

# --- the package and its CLI, from the tarball ----------------------------------------------
# E2E_PACKAGE=FILE.tgz: a package tarball built already (by `scripts/build-pkg.mjs`) instead.
if [ -n "${E2E_PACKAGE:-}" ]; then
  tarball="$(realpath "$E2E_PACKAGE")"
else
  tarball="$(scripts/build-pkg.mjs | tail -n 1)"
fi
mkdir -p "$E2E_WORK/cli"
echo '{ "name": "apothic-image-e2e", "private": true }' >"$E2E_WORK/cli/package.json"
(cd "$E2E_WORK/cli" && npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null)
export E2E_CLI="$E2E_WORK/cli/node_modules/.bin/apothic-image"
"$E2E_CLI" --version >/dev/null
echo "e2e: package and CLI ready after $((SECONDS - start_time)) s" >&2

# --- engine and loopback server, stopped on exit ----------------------------------------------
server_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -f "$E2E_DIR/http.pid"
  fi
  e2e_dockerd_stop
  e2e_unmount_under "$E2E_DIR/docker"
  # The engine's images and layers (about 1 GB) go with it; logs stay in target/e2e/logs.
  rm -rf "$E2E_DIR/docker" 2>/dev/null || true
  echo "e2e: dockerd stopped; $((SECONDS - start_time)) s in all" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

e2e_dockerd_start "$E2E_DIR/docker" "$E2E_LOGS/dockerd.log"
export E2E_ENGINE="docker.io $(/usr/bin/docker version --format "{{.Server.Version}}")"

www="$E2E_WORK/www"
mkdir -p "$www/python"
python3 tests/e2e/make_index.py "$www"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$port" >"$E2E_LOGS/http.log" 2>&1 &
server_pid=$!
echo "$server_pid" >"$E2E_DIR/http.pid"
export E2E_LOOPBACK="http://127.0.0.1:$port"
for i in $(seq 1 50); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$E2E_LOOPBACK/simple/" 2>/dev/null; then break; fi
  sleep 0.1
done

# --- base images ------------------------------------------------------------------------------
bookworm_python="$(e2e_rootfs bookworm-python bookworm python3,python3-venv,ca-certificates)"
trixie_python="$(e2e_rootfs trixie-python trixie python3,python3-venv,ca-certificates)"
bookworm_plain="$(e2e_rootfs bookworm-plain bookworm "")"
echo "e2e: debootstrap roots ready after $((SECONDS - start_time)) s" >&2
e2e_build_base "$bookworm_python" --python python:3.11-slim-trixie python:3.11-slim
e2e_build_base "$trixie_python" --python python:3.13-slim-trixie python:3.13-slim
e2e_build_base "$bookworm_plain" --no-python debian:bookworm-slim

python_tarball="$(e2e_managed_python "$bookworm_python" "$www/python")"
# The plan's source is configuration: the CLI's --managed-python-* options.
export E2E_MANAGED_PYTHON_VERSION="${python_tarball#cpython-}"
E2E_MANAGED_PYTHON_VERSION="${E2E_MANAGED_PYTHON_VERSION%%+*}"
export E2E_MANAGED_PYTHON_RELEASE=e2e
export E2E_MANAGED_PYTHON_URL="$E2E_LOOPBACK/python/cpython-{version}+{release}-{arch}-unknown-linux-{libc}-install_only.tar.gz"
# `fromRegistry(ref, { addPython: "X.Y" })` installs the build the package pins for X.Y (3.11.13
# for 3.11: the CLI's plan names it); the harness has one CPython of that X.Y, Debian's, so it
# serves it under that build's file name too (the add-python spec checks X.Y, not the patch).
E2E_ADDED_PYTHON="${E2E_MANAGED_PYTHON_VERSION%.*}"
added_build="$(printf '{"version":1,"base":{"op":"fromRegistry","ref":"debian:bookworm-slim","normalized":"docker.io/library/debian:bookworm-slim","prebuilt":false,"addPython":"%s"},"steps":[]}' "$E2E_ADDED_PYTHON" |
  "$E2E_CLI" plan --no-progress --root "$E2E_WORK" - |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["python"]["version"])')"
if [ "$added_build" != "$E2E_MANAGED_PYTHON_VERSION" ]; then
  cp "$www/python/$python_tarball" "$www/python/${python_tarball/#cpython-$E2E_MANAGED_PYTHON_VERSION+/cpython-$added_build+}"
fi
echo "e2e: managed CPython $E2E_MANAGED_PYTHON_VERSION, served for addPython \"$E2E_ADDED_PYTHON\" as $added_build too" >&2

# uv: every version the specs name.
for version in $(grep -rhoE '"uvVersion": *"[^"]+"' "${E2E_SPECS_DIR:-tests/e2e/specs}" | sed -E 's/.*"([^"]+)"$/\1/' | sort -u); do
  e2e_uv_image "$version"
done
echo "e2e: engine and bases ready after $((SECONDS - start_time)) s" >&2

# --- the specs, then the plans of the bases pushed to a registry -----------------------------
# (registry-plans.mjs prints the total of both from the specs' output, saved here.)
status=0
if [ -z "${E2E_ONLY:-}" ]; then
  node tests/e2e/run-specs.mjs "$@" | tee "$E2E_LOGS/specs.out" || status=$?
fi
tests/registry/setup.sh
if [ -z "${E2E_ONLY:-}" ]; then
  node tests/e2e/registry-plans.mjs "$E2E_LOGS/specs.out" || status=1
fi

# --- the runtime: its engine client (and what is built on it) on this engine -----------------
scripts/node-test.sh "e2e runtime" "$E2E_LOGS/runtime.tap" tests/runtime/*.test.mjs || status=1
exit "$status"
