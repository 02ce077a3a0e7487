#!/usr/bin/env bash
# `make pkg`: builds the npm package @apothic/image.
#
#   cargo build (wasm-release profile, wasm32, --features wasm) → wasm-bindgen --target web --weak-refs
#   → wasm-opt -Oz (npm binaryen, pinned in scripts/tools) → pkg/ (pkg-template/ + generated
#   files) → npm pack → dist/apothic-image-<version>.tgz
#
# Installs what it needs (the wasm32 target, wasm-bindgen-cli of the version in Cargo.lock, the
# npm tools) and skips every step whose result is already there, so a second run with nothing
# changed takes about a second. Prints the tarball's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "build-pkg: $*" >&2; }

# --- toolchain --------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >&2
fi

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
bindgen_version="${bindgen_version:-0.2.130}"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  log "cargo install wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "=$bindgen_version" --locked >&2 ||
    cargo install wasm-bindgen-cli --version "=$bindgen_version" >&2
fi

tools_bin="$(scripts/npm-tools.sh)"
wasm_opt="$tools_bin/wasm-opt"
binaryen_version="$("$wasm_opt" --version)"

# --- build ------------------------------------------------------------------------------------
# Cargo.toml's `wasm-release` profile (release at opt-level "z": size first, DESIGN §8), or
# plain release where there is none.
profile=release
if grep -q '^\[profile\.wasm-release\]' Cargo.toml; then profile=wasm-release; fi
log "cargo build --profile $profile --target wasm32-unknown-unknown --features wasm"
cargo build --quiet --profile "$profile" --lib --target wasm32-unknown-unknown --features wasm >&2
raw="target/wasm32-unknown-unknown/$profile/apothic_image.wasm"

# The features the Rust target enables by default (Rust ≥ 1.82); wasm-opt must keep to them.
wasm_opt_flags=(-Oz --enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types
  --enable-multivalue --enable-call-indirect-overlong)

version="$(node -p 'require("./pkg-template/package.json").version')"
tarball="dist/apothic-image-$version.tgz"

# Everything the package is made from; when none of it changed, the tarball is current.
inputs_hash="$(
  {
    sha256sum "$raw" scripts/build-pkg.sh
    find pkg-template -type f -print0 | sort -z | xargs -0 sha256sum
    echo "wasm-bindgen $bindgen_version / $binaryen_version / ${wasm_opt_flags[*]}"
  } | sha256sum | cut -d' ' -f1
)"
if [ -f pkg/.inputs.sha256 ] && [ "$(cat pkg/.inputs.sha256)" = "$inputs_hash" ] && [ -f "$tarball" ]; then
  log "up to date"
  echo "$root/$tarball"
  exit 0
fi

gen="target/wasm-bindgen"
rm -rf "$gen" && mkdir -p "$gen"
log "wasm-bindgen --target web --weak-refs"
wasm-bindgen --target web --weak-refs --out-dir "$gen" --out-name apothic_image "$raw"
log "wasm-opt -Oz ($binaryen_version)"
"$wasm_opt" "${wasm_opt_flags[@]}" "$gen/apothic_image_bg.wasm" -o "$gen/apothic_image_bg.opt.wasm"

# --- assemble pkg/ ----------------------------------------------------------------------------
rm -rf pkg && mkdir -p pkg
cp -R pkg-template/. pkg/
cp "$gen/apothic_image.js" pkg/
cp "$gen/apothic_image_bg.opt.wasm" pkg/apothic_image_bg.wasm

# The generated .d.ts ends with the glue's loader declarations (InitInput, InitOutput with the raw
# wasm exports typed `any`, SyncInitInput, initSync, the default init). The entries do not export
# those (index.d.ts declares the package's own `init`), and they name DOM-only types that a Node
# project without the DOM lib cannot resolve, so they are cut from the published file.
node --input-type=module - "$gen/apothic_image.d.ts" pkg/apothic_image.d.ts <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const [from, to] = process.argv.slice(2);
let text = readFileSync(from, "utf8");
const start = text.indexOf("\nexport type InitInput =");
if (start < 0) throw new Error(`build-pkg: the glue's loader declarations were not found in ${from}`);
text = text.slice(0, start).trimEnd() + "\n";
for (const name of ["InitInput", "InitOutput", "SyncInitInput", "initSync", "__wbg_init"]) {
  if (new RegExp(`\\b${name}\\b`).test(text)) throw new Error(`build-pkg: ${name} is still declared after the cut`);
}
writeFileSync(to, text);
EOF

# The entries name the generated exports one by one (so the public types stay free of the glue's
# internals); fail here when the bindings gained an export that the entries do not pass on.
node --input-type=module - "$root/pkg" <<'EOF'
import { readFileSync } from "node:fs";
const dir = process.argv[2];
const read = (f) => readFileSync(`${dir}/${f}`, "utf8");
const internal = new Set(["initSync", "default", "InitInput", "InitOutput", "SyncInitInput"]);
const values = new Set();
for (const m of read("apothic_image.js").matchAll(/^export (?:class|function|const) (\w+)/gm)) values.add(m[1]);
for (const m of read("apothic_image.js").matchAll(/^export \{([^}]*)\}/gm))
  for (const part of m[1].split(",")) values.add(part.trim().split(/\s+as\s+/).pop());
const types = new Set();
for (const m of read("apothic_image.d.ts").matchAll(/^export (?:declare )?(?:type|interface|class|function) (\w+)/gm)) types.add(m[1]);
const problems = [];
for (const name of values) {
  if (internal.has(name)) continue;
  for (const entry of ["node.js", "browser.js", "workerd.js"])
    if (!new RegExp(`\\b${name}\\b`).test(read(entry))) problems.push(`${entry} does not export ${name}`);
}
const index = read("index.d.ts");
for (const name of types) {
  if (internal.has(name)) continue;
  if (!new RegExp(`\\b${name}\\b`).test(index)) problems.push(`index.d.ts does not export ${name}`);
}
if (problems.length) {
  console.error("build-pkg: the generated bindings export names the package does not:\n  " + problems.join("\n  "));
  process.exit(1);
}
EOF

# --- pack -------------------------------------------------------------------------------------
mkdir -p dist
rm -f "$tarball"
log "npm pack"
(cd pkg && npm pack --silent --pack-destination "$root/dist" >/dev/null)
test -f "$tarball"
echo "$inputs_hash" >pkg/.inputs.sha256
node -e '
  const fs = require("fs"), zlib = require("zlib");
  const wasm = fs.readFileSync(process.argv[1]), tgz = fs.statSync(process.argv[2]).size;
  const kb = (n) => (n / 1024).toFixed(1) + " KiB";
  console.error(`build-pkg: apothic_image_bg.wasm ${kb(wasm.length)} raw, ${kb(zlib.gzipSync(wasm, { level: 9 }).length)} gzip; tarball ${kb(tgz)}`);
' pkg/apothic_image_bg.wasm "$tarball"
echo "$root/$tarball"
