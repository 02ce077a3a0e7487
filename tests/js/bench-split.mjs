// `make bench`, the size of a two-module split (a builder module, resolution loaded on the first
// `resolve()`), measured without restructuring the package: the crate is copied to
// target/bench/split/src with `resolve` and `buildContext` removed from the bindings (the
// `impl JsImage` block of src/wasm/resolve.rs), built like scripts/build-pkg.mjs builds the
// package (wasm-release profile, wasm-bindgen with the same flags, wasm-opt -Oz), and compared
// with pkg/'s module. Link-time optimisation then drops everything only resolution reaches, so
// the result is what a builder-only module would weigh. Its own target folder
// (target/bench/split/target): the first run builds the dependencies, about 2–4 minutes.
//
//   node tests/js/bench-split.mjs [--json out.json]
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = join(root, "target/bench/split");
const src = join(work, "src");
const toolsBin = execFileSync(join(root, "scripts/npm-tools.sh"), { encoding: "utf8" }).trim().split("\n").pop() ?? "";
// scripts/build-pkg.mjs's wasm-opt flags.
const FLAGS = ["-Oz", "--enable-bulk-memory", "--enable-bulk-memory-opt", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types",
  "--enable-multivalue", "--enable-call-indirect-overlong"];

// The copy: the crate as it is, minus the resolution bindings.
rmSync(src, { recursive: true, force: true });
mkdirSync(src, { recursive: true });
for (const file of ["Cargo.toml", "Cargo.lock", "src", "benches"]) cpSync(join(root, file), join(src, file), { recursive: true });
// Cargo checks that the test targets the manifest names exist (only the library is built).
mkdirSync(join(src, "tests"));
for (const file of readdirSync(join(root, "tests"))) if (file.endsWith(".rs")) cpSync(join(root, "tests", file), join(src, "tests", file));
const bindings = join(src, "src/wasm/resolve.rs");
const lines = readFileSync(bindings, "utf8").split("\n");
const start = lines.indexOf("#[wasm_bindgen(js_class = Image)]");
const end = lines.findIndex((line, i) => i > start && line === "}");
if (start < 0 || end < 0 || !lines[start + 1].startsWith("impl JsImage")) throw new Error("src/wasm/resolve.rs: the `impl JsImage` block of the resolution bindings was not found");
lines.splice(start, end - start + 1);
writeFileSync(bindings, lines.join("\n"));

execFileSync("cargo", ["build", "--quiet", "--profile", "wasm-release", "--lib", "--target", "wasm32-unknown-unknown", "--features", "wasm"], {
  cwd: src,
  stdio: "pipe", // its warnings (helpers left unused by the removal) are noise here; errors are thrown with it
  env: { ...process.env, CARGO_TARGET_DIR: join(work, "target") }, // warnings (now unused helpers) are not errors
});
const out = join(work, "bindgen");
rmSync(out, { recursive: true, force: true });
execFileSync("wasm-bindgen", ["--target", "web", "--weak-refs", "--experimental-reset-state-function", "--out-dir", out, "--out-name", "apothic_image",
  join(work, "target/wasm32-unknown-unknown/wasm-release/apothic_image.wasm")]);
execFileSync(join(toolsBin, "wasm-opt"), [...FLAGS, join(out, "apothic_image_bg.wasm"), "-o", join(out, "builder.wasm")]);

const size = (path) => {
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const whole = size(join(root, "pkg/apothic_image_bg.wasm"));
const builder = size(join(out, "builder.wasm"));
const KiB = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log("| module | raw | gzip -9 |\n| --- | --- | --- |");
console.log(`| one module, every method (pkg/, today) | ${KiB(whole.raw)} | ${KiB(whole.gzip)} |`);
console.log(`| builder module: every method but \`resolve\` / \`buildContext\` | ${KiB(builder.raw)} | ${KiB(builder.gzip)} (${KiB(whole.gzip - builder.gzip)} less; budget 150 KiB: ${builder.gzip <= 150 * 1024 ? "within" : "OVER"}) |`);
console.log(`| resolution module (spec decoding, resolution, formats, render, host glue): not built; at most the whole module | ≤ ${KiB(whole.raw)} | ≤ ${KiB(whole.gzip)} |`);
const i = process.argv.indexOf("--json");
if (i >= 0) writeFileSync(process.argv[i + 1], JSON.stringify({ whole, builder }, null, 2) + "\n");
