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
# Cargo.toml's `wasm-release` profile (release at opt-level "z": size first, ARCHITECTURE.md §6), or
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
# --experimental-reset-state-function: the glue can instantiate the module again after a trap, and
# tags objects and closures with the instance that made them (see pkg-template/recovery.js).
log "wasm-bindgen --target web --weak-refs --experimental-reset-state-function"
wasm-bindgen --target web --weak-refs --experimental-reset-state-function --out-dir "$gen" --out-name apothic_image "$raw"
log "wasm-opt -Oz ($binaryen_version)"
"$wasm_opt" "${wasm_opt_flags[@]}" "$gen/apothic_image_bg.wasm" -o "$gen/apothic_image_bg.opt.wasm"

# --- assemble pkg/ ----------------------------------------------------------------------------
rm -rf pkg && mkdir -p pkg
cp -R pkg-template/. pkg/
cp "$gen/apothic_image_bg.opt.wasm" pkg/apothic_image_bg.wasm

# Trap recovery (pkg-template/recovery.js): the glue passes every instance's exports through
# `guardExports`, so that a trap rejects the instance's pending promises, is reported as an
# "INSTANCE_TRAPPED" ApothicError and replaces the instance once the trapped call has unwound.
# Objects and closures of a replaced instance must then never touch the new one: a stale Image
# throws that coded error, its free() does nothing, and a stale callback (a host promise settling,
# a queued microtask) does nothing. Each edit names the exact text it replaces and how often it
# must occur; when wasm-bindgen's output differs, the build fails here.
node --input-type=module - "$gen/apothic_image.js" pkg/apothic_image.js <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const [from, to] = process.argv.slice(2);
let text = readFileSync(from, "utf8");
const count = (pattern) => (typeof pattern === "string" ? text.split(pattern).length - 1 : (text.match(pattern) ?? []).length);
const freeMethods = count(/^    free\(\) \{$/gm);
const promiseExecutors = count("const ret = new Promise(cb0);");
const edits = [
  {
    what: "import the recovery helpers",
    find: '/* @ts-self-types="./apothic_image.d.ts" */\n',
    replace: '/* @ts-self-types="./apothic_image.d.ts" */\nimport { guardExports, isHandledTrap, staleImageError } from "./recovery.js";\n',
    times: 1,
  },
  { what: "guard the first instance's exports", find: "    wasm = instance.exports;\n", replace: "    wasm = guardExports(instance.exports, __wbg_reset_state);\n", times: 1 },
  { what: "guard a new instance's exports", find: "    wasm = wasmInstance.exports;\n", replace: "    wasm = guardExports(wasmInstance.exports, __wbg_reset_state);\n", times: 1 },
  {
    what: "a stale object's method throws the coded error",
    find: "throw new Error('Invalid stale object from previous Wasm instance');",
    replace: "throw staleImageError();",
    times: "at least 1",
  },
  {
    what: "a stale object's free() does not touch the new instance",
    find: /^    free\(\) \{\n        const ptr = this\.__destroy_into_raw\(\);\n        __wbg_call_guard\(\);\n/gm,
    replace:
      "    free() {\n        const stale = this.__wbg_inst !== undefined && this.__wbg_inst !== __wbg_instance_id;\n" +
      "        const ptr = this.__destroy_into_raw();\n        if (stale) return;\n        __wbg_call_guard();\n",
    times: freeMethods,
  },
  {
    what: "a stale closure does nothing",
    find: "            throw new Error('Cannot invoke closure from previous WASM instance');\n",
    replace: "            return;\n",
    times: 1,
  },
  {
    what: "a closure drops a trap that was handled (it runs from a microtask or a host promise)",
    find: "        try {\n            return f(a, state.b, ...args);\n        } finally {\n",
    replace: "        try {\n            return f(a, state.b, ...args);\n        } catch (error) {\n            if (!isHandledTrap(error)) throw error;\n        } finally {\n",
    times: 1,
  },
  {
    what: "a stale closure's release does not touch the new instance",
    find: "    real._wbg_cb_unref = () => {\n",
    replace: "    real._wbg_cb_unref = () => {\n        if (state.instance !== __wbg_instance_id) return;\n",
    times: 1,
  },
  {
    what: "a promise executor drops a trap that was handled (the promise is never returned)",
    find: /^( +)try \{\n( +return wasm_bindgen__convert__closures_____invoke__\w+\(a, state0\.b, arg0, arg1\);\n)( +)\} finally \{\n/gm,
    replace: "$1try {\n$2$3} catch (error) {\n$3    if (!isHandledTrap(error)) throw error;\n$3} finally {\n",
    times: promiseExecutors,
  },
];
const problems = [];
if (freeMethods < 1) problems.push("no free() method found");
for (const { what, find, replace, times } of edits) {
  const found = count(find);
  const ok = times === "at least 1" ? found >= 1 : found === times;
  if (!ok) problems.push(`${what}: expected ${times} occurrence(s), found ${found}`);
  else text = typeof find === "string" ? text.split(find).join(replace) : text.replace(find, replace);
}
if (problems.length) {
  console.error("build-pkg: the generated glue does not have the shape the trap recovery patches expect:\n  " + problems.join("\n  "));
  process.exit(1);
}
writeFileSync(to, text);
EOF

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
// The reset function is the trap recovery's (pkg-template/recovery.js), not an API.
const reset = "\nexport function __wbg_reset_state(): void;\n";
if (!text.includes(reset)) throw new Error(`build-pkg: __wbg_reset_state's declaration was not found in ${from}`);
text = text.replace(reset, "");
for (const name of ["InitInput", "InitOutput", "SyncInitInput", "initSync", "__wbg_init", "__wbg_reset_state"]) {
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
const internal = new Set(["initSync", "default", "InitInput", "InitOutput", "SyncInitInput", "__wbg_reset_state"]);
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
