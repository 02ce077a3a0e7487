#!/usr/bin/env bash
# Installs the pinned npm tools of scripts/tools/package-lock.json (binaryen's wasm-opt,
# TypeScript, workerd) into scripts/tools/node_modules with `npm ci`. Idempotent: skipped when
# the installed tree was made from the same lockfile. Prints the folder of the tools' binaries.
set -euo pipefail
tools="$(cd "$(dirname "$0")/tools" && pwd)"
stamp="$tools/node_modules/.apothic-lock.sha256"
want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "npm-tools: npm ci in scripts/tools" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi
echo "$tools/node_modules/.bin"
