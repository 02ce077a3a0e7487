#!/usr/bin/env bash
# Installs what the real-build tests need (as root, from Debian's packages): Debian's docker.io
# (dockerd with BuildKit, containerd, runc and the 20.10 client at /usr/bin/docker), debootstrap
# (the base images), patchelf (the relocatable CPython), ca-certificates, and podman (the runtime's
# second engine: its Docker-compatible service, tests/runtime/podman-engine.mjs). Idempotent: nothing
# is fetched when everything is there. Installing docker.io does not start a daemon here: the
# tests start their own (tests/e2e/dockerd.sh).
set -euo pipefail

missing=()
for pair in docker.io:/usr/sbin/dockerd docker.io:/usr/bin/docker debootstrap:/usr/sbin/debootstrap \
  patchelf:/usr/bin/patchelf ca-certificates:/etc/ssl/certs/ca-certificates.crt podman:/usr/bin/podman; do
  package="${pair%%:*}"
  file="${pair#*:}"
  if [ ! -e "$file" ]; then missing+=("$package"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  # De-duplicated, in order.
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
  echo "e2e setup: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  # policy-rc.d may refuse to start the packaged service; that is what we want.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in /usr/sbin/dockerd /usr/bin/docker /usr/sbin/debootstrap /usr/bin/patchelf /usr/sbin/runc /usr/bin/containerd /usr/bin/podman /usr/bin/conmon; do
  if [ ! -x "$tool" ]; then
    echo "e2e setup: $tool is missing after the install" >&2
    exit 1
  fi
done
