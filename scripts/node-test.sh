#!/usr/bin/env bash
# Usage: scripts/node-test.sh LABEL TAPFILE [node --test options and files...]
# Runs node's test runner in the current folder with the spec reporter on stdout and a TAP copy
# in TAPFILE, then ends with one line "LABEL: N passed, N failed, N skipped" (cancelled tests
# count as failed). Exits with the runner's status.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 LABEL TAPFILE [node --test args...]" >&2; exit 2; }
label=$1 tap=$2
shift 2
mkdir -p "$(dirname "$tap")"
status=0
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "$@" || status=$?

count() { sed -n "s/^# $1 \([0-9]*\)\$/\1/p" "$tap" | tail -n 1; }
passed="$(count pass)" failed="$(count fail)" skipped="$(count skipped)" cancelled="$(count cancelled)"
failed=$(( ${failed:-0} + ${cancelled:-0} ))
echo "$label: ${passed:-0} passed, ${failed} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "$label: node --test exited with status $status" >&2
fi
exit "$status"
