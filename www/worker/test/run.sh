#!/usr/bin/env bash
# `make test-worker`: the preview Worker end to end. Builds what it needs (scripts/prepare.sh:
# the package tarball, the pinned workerd, `npm ci` in www/worker, the bundle), then runs
# test/*.test.mjs with node's test runner: they serve the bundle in the real workerd binary on
# 127.0.0.1 and call it over loopback. Ends with a "worker: N passed, N failed, N skipped" line.
# Arguments, if any, are test files to run instead of all.
set -euo pipefail
worker="$(cd "$(dirname "$0")/.." && pwd)"

APOTHIC_WORKERD="$("$worker/scripts/prepare.sh")"
export APOTHIC_WORKERD

cd "$worker"
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/*.test.mjs); fi
exec "$worker/../../scripts/node-test.sh" worker "$worker/node_modules/.cache/worker-results.tap" --test-concurrency=1 "${files[@]}"
