#!/usr/bin/env bash
# The registry-host tests (`make test-registry`, part of `make test`): installs Debian's
# docker-registry and apache2-utils when missing (tests/registry/setup.sh), builds the package
# (scripts/build-pkg.mjs, a no-op when nothing changed), installs the packed tarball into a fresh
# scratch project (target/registry/scratch) as a user would, and runs tests/registry/*.test.mjs
# from there with node's test runner: each file starts its own registries on 127.0.0.1 (storage
# and logs under target/registry/runs/<run>/) and stops them on exit. Ends with a
# "registry: N passed, N failed" line. Arguments, if any, are test files to run instead of all
# (paths as in the repository).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

tests/registry/setup.sh
tarball="$(scripts/build-pkg.mjs | tail -n 1)"

scratch="$root/target/registry/scratch"
rm -rf "$scratch"
mkdir -p "$scratch/registry"
cat >"$scratch/package.json" <<'JSON'
{ "name": "apothic-image-registry-scratch", "private": true, "type": "module" }
JSON
(cd "$scratch" && npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null)
cp -R tests/registry/. "$scratch/registry/"

if [ "$#" -gt 0 ]; then
  files=()
  for f in "$@"; do files+=("$scratch/${f#tests/}"); done
else
  files=("$scratch"/registry/*.test.mjs)
fi

# The registries' folders live in the repository's target/, not the scratch copy.
export APOTHIC_REPO="$root"
cd "$scratch"
exec "$root/scripts/node-test.sh" registry "$scratch/results.tap" "${files[@]}"
