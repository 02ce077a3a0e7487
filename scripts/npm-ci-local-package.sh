#!/usr/bin/env bash
# Usage: scripts/npm-ci-local-package.sh DIR
# Installs the npm dependencies of DIR (www/, www/worker/) from its package-lock.json with
# `npm ci`, the way a user of the package would: "@apothic/image" is the tarball that `make pkg`
# packed (dist/apothic-image-<version>.tgz, a file: dependency); everything else is pinned by
# the lockfile. Idempotent: skipped when node_modules was made from the same package.json,
# lockfile and tarball and still holds the tarball's files.
#
# The lockfile keeps no integrity hash for the local tarball: the tarball changes whenever the
# package is rebuilt, and with a hash npm ci either fails or, worse, installs an older copy from
# its cache. This script removes such a hash if `npm install` wrote one back, and checks after
# every install that node_modules/@apothic/image holds exactly the tarball's files.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
cd "$1"
where="$(basename "$PWD")"

log() { echo "$where-install: $*" >&2; }

spec="$(node -p 'require("./package.json").dependencies["@apothic/image"]')"
tarball="${spec#file:}"
if [ ! -f "$tarball" ]; then
  log "$tarball is missing: build the package first (make pkg)"
  exit 1
fi

node --input-type=module - <<'JS'
import { readFileSync, writeFileSync } from "node:fs";
const text = readFileSync("package-lock.json", "utf8");
const lock = JSON.parse(text);
for (const entry of Object.values(lock.packages ?? {})) {
  if (typeof entry.resolved === "string" && entry.resolved.startsWith("file:")) delete entry.integrity;
}
const out = JSON.stringify(lock, null, 2) + "\n";
if (out !== text) {
  writeFileSync("package-lock.json", out);
  console.error("install: removed the integrity hash of the local tarball from package-lock.json");
}
JS

# The installed package must be the tarball's files, byte for byte.
verify() {
  local tmp status=0
  [ -d node_modules/@apothic/image ] || return 1
  tmp="$(mktemp -d)"
  tar -xzf "$tarball" -C "$tmp"
  diff -rq "$tmp/package" node_modules/@apothic/image >/dev/null || status=1
  rm -rf "$tmp"
  return "$status"
}

stamp=node_modules/.apothic-install.sha256
want="$(cat package.json package-lock.json "$tarball" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && verify; then
  exit 0
fi
log "npm ci"
npm ci --no-audit --no-fund --loglevel=error >&2
if ! verify; then
  log "node_modules/@apothic/image is not the contents of $tarball"
  exit 1
fi
echo "$want" >"$stamp"
