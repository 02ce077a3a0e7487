// `make bench`, the wasm part (run after scripts/build-pkg.mjs): size of the .wasm, Node cold
// start, first render, and per-call times in wasm under Node for the images of
// benches/compose_render_hash.rs. Prints a table with ARCHITECTURE.md §6's budgets beside the numbers.
//
//   node tests/js/bench.mjs [--runs N] [--json out.json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { compose as composeWith, spread, timeSamples } from "./bench-chain.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = join(root, "pkg");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(option("--runs", 21));
const median = (xs) => spread(xs).median;
/** "median (first–third quartile)" of fresh-process samples, in ms. */
const msSpread = (xs) => {
  const s = spread(xs);
  return `${s.median.toFixed(2)} ms (${s.q1.toFixed(2)}–${s.q3.toFixed(2)})`;
};
const KiB = (n) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (x) => `${x.toFixed(2)} ms`;
const us = (x) => (x < 10 ? `${x.toFixed(2)} µs` : `${x.toFixed(1)} µs`);
/** "median (first–third quartile)" of per-call times, in µs. */
const usSpread = (s) => `${us(s.median)} (${us(s.q1)}–${us(s.q3)})`;

// ---- size ---------------------------------------------------------------------------------------
const wasm = readFileSync(join(pkg, "apothic_image_bg.wasm"));
const size = {
  raw: wasm.length,
  gzip: gzipSync(wasm, { level: 9 }).length,
  brotli: brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
};

// ---- cold start, in fresh processes -----------------------------------------------------------------
// Each child times itself with process.hrtime, from before the import to after it (the entry reads
// the .wasm, compiles and instantiates it synchronously), then the first render.
const entryUrl = pathToFileURL(join(pkg, "node.js")).href;
const glueUrl = pathToFileURL(join(pkg, "apothic_image.js")).href;
const wasmPath = join(pkg, "apothic_image_bg.wasm");
const coldChild = `
const h = () => process.hrtime.bigint();
const t0 = h();
const { Image } = await import(${JSON.stringify(entryUrl)});
const t1 = h();
const base = Image.debianSlim({ pythonVersion: "3.12" });
const t2 = h();
const image = base.pipInstall(["numpy", "pandas"]);
const t3 = h();
const dockerfile = image.dockerfile();
const t4 = h();
const hash = image.definitionHash();
const t5 = h();
if (!dockerfile.includes("pandas") || !hash.startsWith("sha256:")) throw new Error("bad render");
const d = (a, b) => Number(b - a) / 1e6;
console.log(JSON.stringify({ importMs: d(t0, t1), firstRenderMs: d(t1, t5), constructMs: d(t1, t2), methodMs: d(t2, t3), dockerfileMs: d(t3, t4), hashMs: d(t4, t5) }));`;
// The same start, in steps: the glue's JavaScript, reading the file, compiling, instantiating.
const stepsChild = `
import { readFileSync } from "node:fs";
const t0 = process.hrtime.bigint();
const glue = await import(${JSON.stringify(glueUrl)});
const t1 = process.hrtime.bigint();
const bytes = readFileSync(${JSON.stringify(wasmPath)});
const t2 = process.hrtime.bigint();
const module = new WebAssembly.Module(bytes);
const t3 = process.hrtime.bigint();
glue.initSync({ module });
const t4 = process.hrtime.bigint();
// The rest of what the Node entry imports at load: the argument checks, then the three hosts.
await import(${JSON.stringify(pathToFileURL(join(pkg, "arguments.js")).href)});
const t5 = process.hrtime.bigint();
await import(${JSON.stringify(pathToFileURL(join(pkg, "memory-host.js")).href)});
await import(${JSON.stringify(pathToFileURL(join(pkg, "registry-host.js")).href)});
await import(${JSON.stringify(pathToFileURL(join(pkg, "node-host.js")).href)});
const t6 = process.hrtime.bigint();
const d = (a, b) => Number(b - a) / 1e6;
console.log(JSON.stringify({ glueMs: d(t0, t1), readMs: d(t1, t2), compileMs: d(t2, t3), instantiateMs: d(t3, t4), argumentsMs: d(t4, t5), hostsMs: d(t5, t6) }));`;
// Node's own cost of the first import() of a file in a process (the ESM loader starting up), for
// reference: the import above pays it too.
const emptyModule = join(mkdtempSync(join(tmpdir(), "apothic-bench-")), "empty.mjs");
writeFileSync(emptyModule, "export default 1;\n");
const baselineChild = `
const t0 = process.hrtime.bigint();
await import(${JSON.stringify(pathToFileURL(emptyModule).href)});
console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6 }));`;
const child = (source) =>
  JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8" }));
const cold = Array.from({ length: RUNS }, () => child(coldChild));
const steps = Array.from({ length: RUNS }, () => child(stepsChild));
const baseline = Array.from({ length: RUNS }, () => child(baselineChild));
const coldStart = {
  importMs: median(cold.map((r) => r.importMs)),
  emptyImportMs: median(baseline.map((r) => r.ms)),
  firstRenderMs: median(cold.map((r) => r.firstRenderMs)),
  constructMs: median(cold.map((r) => r.constructMs)),
  methodMs: median(cold.map((r) => r.methodMs)),
  dockerfileMs: median(cold.map((r) => r.dockerfileMs)),
  hashMs: median(cold.map((r) => r.hashMs)),
  glueMs: median(steps.map((r) => r.glueMs)),
  readMs: median(steps.map((r) => r.readMs)),
  compileMs: median(steps.map((r) => r.compileMs)),
  instantiateMs: median(steps.map((r) => r.instantiateMs)),
  argumentsMs: median(steps.map((r) => r.argumentsMs)),
  hostsMs: median(steps.map((r) => r.hostsMs)),
};

// ---- per-call times in wasm -------------------------------------------------------------------------
const { Image } = await import(entryUrl);
/** @param {number} n */
const compose = (n) => composeWith(Image, n);

/** Median per-call time (µs) and quartiles, from tests/js/bench-chain.mjs's timer. */
const time = (fn) => spread(timeSamples(fn));

const perCall = {};
for (const n of [5, 20, 500]) {
  const composeRenderHash = time(() => {
    const image = compose(n);
    const out = image.dockerfile() + image.definitionHash();
    image.free();
    return out;
  });
  const built = compose(n);
  const renderHash = time(() => built.dockerfile() + built.definitionHash());
  built.free();
  perCall[n] = { composeRenderHash, renderHash };
}

// ---- report ----------------------------------------------------------------------------------------
const verdict = (ok) => (ok ? "within" : "OVER");
const rows = [
  ["`.wasm` raw", KiB(size.raw), "", ""],
  ["`.wasm` gzip -9", KiB(size.gzip), "≤ 150 KiB gzip", verdict(size.gzip <= 150 * 1024)],
  ["`.wasm` brotli -11", KiB(size.brotli), "", ""],
  [`Node cold start: import + compile + instantiate (median (quartiles) of ${RUNS} fresh processes)`, msSpread(cold.map((r) => r.importMs)), "≤ 10 ms", verdict(coldStart.importMs <= 10)],
  ["— for reference: Node's first import() of an empty module in a fresh process (included above)", msSpread(baseline.map((r) => r.ms)), "", ""],
  ["— in steps: import of the glue (with the loader start) / read file / compile / instantiate / arguments.js / the three hosts (memoryHost, registryHost, nodeHost)", `${ms(coldStart.glueMs)} / ${ms(coldStart.readMs)} / ${ms(coldStart.compileMs)} / ${ms(coldStart.instantiateMs)} / ${ms(coldStart.argumentsMs)} / ${ms(coldStart.hostsMs)}`, "", ""],
  ["first render after that: `debianSlim().pipInstall([2 packages])`, `dockerfile()`, `definitionHash()`", msSpread(cold.map((r) => r.firstRenderMs)), "≤ 1 ms", verdict(coldStart.firstRenderMs <= 1)],
  ["— of which: debianSlim / pipInstall / dockerfile / definitionHash (first calls: V8 compiles wasm functions lazily, on first use)", `${ms(coldStart.constructMs)} / ${ms(coldStart.methodMs)} / ${ms(coldStart.dockerfileMs)} / ${ms(coldStart.hashMs)}`, "", ""],
  // Node's compile cache (V8 code cache for JavaScript modules, Node ≥ 22.1) is the only code
  // cache a package could turn on from Node; a compiled WebAssembly.Module cannot be cached to disk.
  ["— Node's compile cache (`module.enableCompileCache`) in this Node", typeof (/** @type {any} */ (await import("node:module")).default.enableCompileCache) === "function" ? "available" : "not available (Node ≥ 22.1)", "", ""],
];
for (const n of [5, 20, 500]) {
  rows.push([
    `${n} steps: compose + render + hash`,
    `${usSpread(perCall[n].composeRenderHash)}, ${us(perCall[n].composeRenderHash.median / n)}/step`,
    n === 20 ? "≤ 40 µs, linear in steps" : "linear in steps",
    n === 20 ? verdict(perCall[n].composeRenderHash.median <= 40) : "",
  ]);
  rows.push([
    `${n} steps: render + hash (\`dockerfile()\` + \`definitionHash()\`)`,
    `${usSpread(perCall[n].renderHash)}, ${us(perCall[n].renderHash.median / n)}/step`,
    "linear in steps",
    "",
  ]);
}
console.log(`wasm under Node ${process.version} (${process.arch}), @apothic/image from pkg/, load average ${loadavg()[0].toFixed(2)}\n`);
console.log("| measure | result | ARCHITECTURE.md §6 budget | |\n| --- | --- | --- | --- |");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);

const jsonOut = option("--json");
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ node: process.version, size, coldStart, perCall }, null, 2) + "\n");
