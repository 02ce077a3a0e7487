#!/usr/bin/env bash
# The JavaScript side of `make test`: builds the package (scripts/build-pkg.mjs, a no-op when
# nothing changed), installs the packed tarball into a fresh scratch project (target/js-scratch)
# the way a user would, and runs from there, so that every import goes through the package's
# `exports`:
#   tests/js/*.test.mjs          ESM, require, golden and error vectors, 100,000 failing calls, ...
#   tests/types/types.test.mjs   strict tsc over tests/types/usage.ts (TypeScript 5.9 and 7.0)
#   tests/workerd/*.test.mjs     the package in the real workerd runtime, over loopback
# with node's test runner. Ends with a "js: N passed, N failed" line; exits non-zero on failure.
# Arguments, if any, are test files to run instead of all (paths as in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

tarball="$(scripts/build-pkg.mjs | tail -n 1)"
tools_bin="$(scripts/npm-tools.sh)"

scratch="$root/target/js-scratch"
rm -rf "$scratch"
mkdir -p "$scratch"
cat >"$scratch/package.json" <<'EOF'
{ "name": "apothic-image-js-scratch", "private": true, "type": "module" }
EOF
(cd "$scratch" && npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null)
# tests/harness (the vector readers, the error checks, the workerd launcher) comes along, so the
# suites import it as ../harness/ here as in the repository (APOTHIC_REPO points it at the vectors).
for suite in harness js types workerd; do
  mkdir -p "$scratch/$suite"
  cp -R "tests/$suite/." "$scratch/$suite/"
done

if [ "$#" -gt 0 ]; then
  files=()
  for f in "$@"; do files+=("$scratch/${f#tests/}"); done
else
  files=("$scratch"/js/*.test.mjs "$scratch"/types/*.test.mjs "$scratch"/workerd/*.test.mjs)
fi

export APOTHIC_REPO="$root"
export APOTHIC_NPM_TOOLS="$root/scripts/tools/node_modules"
export APOTHIC_WORKERD="$tools_bin/workerd"

cd "$scratch"
exec "$root/scripts/node-test.sh" js "$scratch/results.tap" "${files[@]}"
