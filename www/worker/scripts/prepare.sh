#!/usr/bin/env bash
# What the Worker's tests and bench need, each step idempotent: the package tarball
# (scripts/build-pkg.mjs, a no-op when current), the pinned npm tools with the workerd binary
# (scripts/npm-tools.sh), the Worker's own dependencies (scripts/npm-ci-local-package.sh) and its bundle
# (npm run build). Prints the workerd binary's path, and nothing else, on stdout.
set -euo pipefail
worker="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$worker/../.." && pwd)"
cd "$repo"
scripts/build-pkg.mjs >/dev/null
tools_bin="$(scripts/npm-tools.sh)"
scripts/npm-ci-local-package.sh "$worker"
(cd "$worker" && node scripts/build.mjs) >&2
echo "$tools_bin/workerd"
