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
mkdir -p "$worker/node_modules/.cache"
tap="$worker/node_modules/.cache/worker-results.tap"
status=0
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" || status=$?

passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n 1)"
failed="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n 1)"
skipped="$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -n 1)"
cancelled="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -n 1)"
failed=$(( ${failed:-0} + ${cancelled:-0} ))
echo "worker: ${passed:-0} passed, ${failed} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "worker: node --test exited with status $status" >&2
fi
exit "$status"
