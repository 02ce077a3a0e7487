#!/usr/bin/env bash
# Installs what the registry tests need (as root, from Debian's packages): `docker-registry`
# (the CNCF distribution registry, 2.8) and `apache2-utils` (htpasswd, for the bcrypt entry the
# Basic-auth registry checks). Idempotent: nothing is fetched when both are there. Installing
# docker-registry does not leave a registry running for the tests: they start their own
# (tests/registry/registry.mjs) on a free loopback port with their own config and storage.
set -euo pipefail

missing=()
for pair in docker-registry:/usr/bin/docker-registry apache2-utils:/usr/bin/htpasswd; do
  package="${pair%%:*}"
  file="${pair#*:}"
  if [ ! -e "$file" ]; then missing+=("$package"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "registry setup: ${missing[*]} missing, and installing needs root" >&2
    exit 1
  fi
  echo "registry setup: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  # policy-rc.d may refuse to start the packaged service; that is what we want.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in /usr/bin/docker-registry /usr/bin/htpasswd; do
  if [ ! -x "$tool" ]; then
    echo "registry setup: $tool is missing after the install" >&2
    exit 1
  fi
done
