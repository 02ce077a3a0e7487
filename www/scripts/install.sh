#!/usr/bin/env bash
# Installs the console's npm dependencies (www/node_modules) with `npm ci` from the committed
# package-lock.json, the package itself included: @apothic/image is a `file:` dependency on the
# tarball that `make pkg` packs (dist/apothic-image-<version>.tgz), so the console imports it by
# name exactly as a user's project would. Idempotent: skipped when node_modules was made from the
# same lockfile and the same tarball.
set -euo pipefail
www="$(cd "$(dirname "$0")/.." && pwd)"
cd "$www"
tarball="$(node -p 'require("./package.json").dependencies["@apothic/image"].replace(/^file:/, "")')"
if [ ! -f "$tarball" ]; then
  echo "www: $tarball is missing: run 'make pkg' first" >&2
  exit 1
fi
stamp="node_modules/.apothic-install.sha256"
want="$(cat package-lock.json "$tarball" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "www: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
