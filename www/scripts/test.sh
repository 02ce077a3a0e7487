#!/usr/bin/env bash
# `make test-www`: checks that no import circle joins the modules of src/ (check-imports.mjs),
# type-checks and builds the console (tsc, vite build), compiles src/core for Node, then runs
# www/test/*.test.mjs with node's test runner: the import checker itself, the core against the
# package's golden vectors in Node, and the console in headless Chromium (playwright-core driving
# /usr/bin/chromium; screenshots to www/screenshots/). Ends with a "www: N passed, N failed" line.
set -euo pipefail
www="$(cd "$(dirname "$0")/.." && pwd)"
cd "$www"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "www: Chromium is missing (Debian's chromium package; make setup installs it)" >&2
  exit 1
fi
node scripts/check-imports.mjs
if ! out="$(npm run --silent build 2>&1)"; then
  echo "$out" >&2
  echo "www: the console does not build (tsc or vite above)" >&2
  exit 1
fi
npm run --silent build:core
exec ../scripts/node-test.sh www build/results.tap --test-concurrency=1 test/*.test.mjs
