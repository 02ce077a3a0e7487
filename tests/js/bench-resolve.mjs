// `make bench`, the resolve part (run after scripts/build-pkg.mjs): ARCHITECTURE.md §6's two resolution
// budgets, measured on the built package in pkg/.
//
//   1. Resolving a 10,000-file, 200 MiB folder with `nodeHost` runs at ≥ 0.9 of the speed of the fastest plain
//      Node script that reads and hashes the same files with node:crypto. The folder is generated
//      once (deterministic: fixed seed, mixed sizes, nested folders) and reused while complete.
//      Each round times, in turn: the plain script, `resolve(nodeHost({ root }))` (hashFile →
//      node:crypto), and the same host without `hashFile` (the wasm reads every file through
//      `readFile` and hashes it itself); the table gives medians over the rounds, after one
//      untimed warm-up round (page cache, JIT tiers). Every digest is checked against the plain
//      script's. Two reference rows help read the result: the plain script one file at a time,
//      and a readFileSync loop (the fastest simple script on a warm page cache, and the
//      like-for-like comparison for nodeHost, which reads small files synchronously).
//   2. Hashing a 1 GiB file in wasm (no `hashFile`) keeps wasm memory under 32 MiB. Each case runs
//      in a fresh process (a fresh wasm instance); `memory.buffer.byteLength` is sampled before,
//      when `readFile` hands over the bytes, in `onProgress` and after. Wasm memory never
//      shrinks, so the last sample is the peak of the whole run.
//
//   node tests/js/bench-resolve.mjs [--rounds N] [--dir /tmp/apothic-bench-tree] [--concurrency N]
//                                   [--no-1gib] [--json out.json]
//
// About 75–95 s on 2 cores with the defaults (5 rounds), plus ~1 s to generate the folder the
// first time. Timings move with the machine's load: the 1-minute load average is printed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const pkg = join(repo, "pkg");
const entryUrl = pathToFileURL(join(pkg, "node.js")).href;
const glueUrl = pathToFileURL(join(pkg, "apothic_image.js")).href;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

const MiB = 1 << 20;
const GiB = 1 << 30;
const FILES = 10_000;
const TOTAL = 200 * MiB;
const SEED = 0x5eed_2024;
const TREE_VERSION = 1; // bump when the generator changes, so an old folder is regenerated
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (n) => `${(n / MiB).toFixed(2)} MiB`;

// ---- the 1 GiB child (a fresh process, a fresh wasm instance) ----------------------------------------
if (args[0] === "--child-1gib") {
  const [, mode, dir] = args;
  const { Image, nodeHost } = await import(entryUrl);
  const { initSync } = await import(glueUrl);
  const memory = initSync().memory; // already instantiated by node.js: returns its exports
  const samples = [];
  const sample = (at) => {
    const { rss, arrayBuffers } = process.memoryUsage();
    samples.push({ at, wasm: memory.buffer.byteLength, rss, arrayBuffers });
  };
  sample("before");
  let host;
  if (mode === "node") {
    // nodeHost without hashFile, over a sparse 1 GiB file: readFile returns it whole (a 1 GiB Buffer).
    const { hashFile, ...rest } = nodeHost({ root: dir });
    host = { ...rest, async readFile(path) { const bytes = await rest.readFile(path); sample("readFile returned"); return bytes; } };
  } else {
    // A custom host that serves 1 GiB of zeros: one Uint8Array, as readFile must return, but
    // zero-filled memory that the OS commits only when written (the wasm only reads it).
    host = {
      async readDir() { return [{ name: "zeros.bin", kind: "file", size: GiB, mode: 0o644 }]; },
      async readFile() { const bytes = new Uint8Array(GiB); sample("readFile returned"); return bytes; },
    };
  }
  const image = Image.debianSlim().copyLocalDir("big", "/big");
  const t = performance.now();
  const resolution = await image.resolve(host, { onProgress: () => sample("onProgress"), timeoutMs: 600_000 });
  const seconds = (performance.now() - t) / 1000;
  sample("after");
  image.free();
  console.log(JSON.stringify({ mode, seconds, sha256: resolution.context[0].sha256, size: resolution.context[0].size, samples }));
  process.exit(0);
}

// ---- the folder ------------------------------------------------------------------------------------
const benchDir = option("--dir", "/tmp/apothic-bench-tree");
const treeDir = join(benchDir, "tree");
const manifestPath = join(benchDir, "manifest.json");
const manifestWanted = { version: TREE_VERSION, seed: SEED, files: FILES, bytes: TOTAL };

/** mulberry32: a small seeded PRNG, so the folder is the same on every machine. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes: 16 big files of 1–8 MiB, the rest log-uniform (tens of bytes to ~100 KiB), scaled so the total is exactly TOTAL. */
function sizes(random) {
  const big = Array.from({ length: 16 }, () => Math.round(MiB + random() * 7 * MiB));
  const smallRaw = Array.from({ length: FILES - big.length }, () => Math.exp(Math.log(32) + random() * (Math.log(256 * 1024) - Math.log(32))));
  const left = TOTAL - big.reduce((a, b) => a + b, 0);
  const scale = left / smallRaw.reduce((a, b) => a + b, 0);
  const small = smallRaw.map((s) => Math.max(1, Math.floor(s * scale)));
  small[small.length - 1] += left - small.reduce((a, b) => a + b, 0);
  // Interleave the big files among the small ones (every 625th file).
  const out = [...small];
  big.forEach((s, k) => out.splice(k * 625 + 311, 0, s));
  return out;
}

/** Nested folders: 8 top folders × 6 sub-folders, every fourth file one level deeper, a few at the top. */
function relativePath(i) {
  const ext = [".py", ".json", ".txt", ".bin", ".csv"][i % 5];
  if (i % 997 === 0) return `top-${i}${ext}`;
  const a = i % 8;
  const b = Math.floor(i / 8) % 6;
  const deep = Math.floor(i / 48) % 4 === 3 ? `/deep${Math.floor(i / 192) % 3}` : "";
  return `pkg${a}/mod${b}${deep}/file-${String(i).padStart(5, "0")}${ext}`;
}

function treeComplete() {
  try {
    const found = JSON.parse(readFileSync(manifestPath, "utf8"));
    return Object.entries(manifestWanted).every(([k, v]) => found[k] === v) && statSync(join(treeDir, relativePath(FILES - 1))).isFile();
  } catch {
    return false;
  }
}

function generateTree() {
  rmSync(manifestPath, { force: true });
  rmSync(treeDir, { recursive: true, force: true });
  mkdirSync(treeDir, { recursive: true });
  const random = prng(SEED);
  const pool = Buffer.alloc(16 * MiB);
  const words = new Uint32Array(pool.buffer, pool.byteOffset, pool.length / 4);
  for (let k = 0; k < words.length; k++) words[k] = Math.floor(random() * 4294967296);
  const made = new Set();
  let bytes = 0;
  sizes(random).forEach((size, i) => {
    const rel = relativePath(i);
    const dir = join(treeDir, rel.slice(0, rel.lastIndexOf("/") + 1));
    if (!made.has(dir)) mkdirSync(dir, { recursive: true }), made.add(dir);
    const start = Math.floor(random() * (pool.length - size));
    const data = Buffer.from(pool.subarray(start, start + size)); // a copy: the header below must not touch the pool
    data.write(`${i}:`.slice(0, size), 0, "latin1"); // every file distinct
    writeFileSync(join(treeDir, rel), data);
    bytes += size;
  });
  if (bytes !== TOTAL) throw new Error(`generated ${bytes} bytes, expected ${TOTAL}`);
  writeFileSync(manifestPath, JSON.stringify(manifestWanted) + "\n"); // last: marks the folder complete
}

let generatedSeconds = null;
if (!treeComplete()) {
  const t = performance.now();
  process.stderr.write(`bench-resolve: generating ${FILES} files (${mib(TOTAL)}) under ${treeDir} …\n`);
  generateTree();
  generatedSeconds = (performance.now() - t) / 1000;
}

// ---- the three contenders ---------------------------------------------------------------------------
const { Image, nodeHost } = await import(entryUrl);
const { initSync } = await import(glueUrl);
const wasmMemory = initSync().memory;

// nodeHost lists folders and reads files up to 1 MiB with synchronous calls, one file at a time
// (the wasm walk awaits each hashFile before it asks for the next). The plain script reads
// CONCURRENCY files at once through fs.promises; the readFileSync reference row is the
// synchronous counterpart, the fastest simple script on a warm page cache.
const CONCURRENCY = Number(option("--concurrency", 16));

async function listPlain(dir, rel = "", out = []) {
  const entries = await readdir(join(dir, rel), { withFileTypes: true });
  const subdirs = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) subdirs.push(listPlain(dir, r, out));
    else if (e.isFile()) out.push(r);
  }
  await Promise.all(subdirs);
  return out;
}

/** The plain Node script: walk, fs.promises.readFile, createHash("sha256"), `concurrency` files in flight. */
async function plainNode(concurrency) {
  const files = await listPlain(treeDir);
  const digests = new Map();
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const rel = files[next++];
      const data = await readFile(join(treeDir, rel));
      bytes += data.length;
      digests.set(rel, `sha256:${createHash("sha256").update(data).digest("hex")}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { files: files.length, bytes, digests };
}

async function resolveWith(host) {
  const image = Image.debianSlim().copyLocalDir("tree", "/app");
  try {
    const { context } = await image.resolve(host);
    const digests = new Map(context.map((f) => [f.source.slice("tree/".length), f.sha256]));
    return { files: context.length, bytes: context.reduce((a, f) => a + f.size, 0), digests };
  } finally {
    image.free();
  }
}

const withoutHashFile = () => {
  const { hashFile, ...rest } = nodeHost({ root: benchDir });
  return rest;
};

/** For reference, the simplest script of all: readFileSync in a loop (no event loop round trips). */
async function plainSync() {
  const files = await listPlain(treeDir);
  const digests = new Map();
  let bytes = 0;
  for (const rel of files) {
    const data = readFileSync(join(treeDir, rel));
    bytes += data.length;
    digests.set(rel, `sha256:${createHash("sha256").update(data).digest("hex")}`);
  }
  return { files: files.length, bytes, digests };
}

const contenders = [
  { key: "plain", label: `(1) plain Node: fs.promises.readFile + node:crypto, ${CONCURRENCY} files in flight`, run: () => plainNode(CONCURRENCY) },
  { key: "plain1", label: "— reference: the same, one file at a time", run: () => plainNode(1) },
  { key: "plainSync", label: "— reference: plain Node with readFileSync in a loop", run: plainSync },
  { key: "nodeHost", label: "(2) resolve(nodeHost({ root })): hashFile → node:crypto", run: () => resolveWith(nodeHost({ root: benchDir })) },
  { key: "wasmHash", label: "(3) resolve(nodeHost without hashFile): readFile → SHA-256 in wasm", run: () => resolveWith(withoutHashFile()) },
];

const ROUNDS = Number(option("--rounds", 5));
const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
const cpuTimes = Object.fromEntries(contenders.map((c) => [c.key, []]));
const loadBefore = loadavg()[0];
let reference;
for (let round = 0; round <= ROUNDS; round++) {
  // Round 0 warms up (page cache, JIT tiers) and is not counted; later rounds rotate the order.
  const order = contenders.map((_, k) => contenders[(k + round) % contenders.length]);
  for (const c of order) {
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await c.run();
    const seconds = (performance.now() - t) / 1000;
    const cpu1 = process.cpuUsage(cpu0);
    reference ??= c.key === "plain" ? result : undefined;
    if (round > 0) times[c.key].push(seconds), cpuTimes[c.key].push((cpu1.user + cpu1.system) / 1e6);
    if (c.key === "plain" && (result.files !== FILES || result.bytes !== TOTAL)) {
      throw new Error(`the folder has ${result.files} files / ${result.bytes} bytes, expected ${FILES} / ${TOTAL}; delete ${benchDir} and rerun`);
    }
    if (reference && c.key !== "plain") {
      if (result.files !== reference.files || result.bytes !== reference.bytes) throw new Error(`${c.key}: ${result.files} files / ${result.bytes} bytes, expected ${reference.files} / ${reference.bytes}`);
      for (const [rel, digest] of reference.digests) {
        if (result.digests.get(rel) !== digest) throw new Error(`${c.key}: ${rel} hashed to ${result.digests.get(rel)}, node:crypto says ${digest}`);
      }
    }
  }
  if (!reference) throw new Error("the plain script did not run first"); // round 0 runs it first
}
const wasmAfterTree = wasmMemory.buffer.byteLength;
const loadAfter = loadavg()[0];

// ---- the 1 GiB file ----------------------------------------------------------------------------------
let gib = null;
if (!args.includes("--no-1gib")) {
  const bigRoot = join(benchDir, "gib");
  mkdirSync(join(bigRoot, "big"), { recursive: true });
  const bigFile = join(bigRoot, "big", "one-gib.bin");
  if (!existsSync(bigFile) || statSync(bigFile).size !== GiB) {
    const fd = openSync(bigFile, "w");
    ftruncateSync(fd, GiB); // sparse: 1 GiB of zeros, no disk blocks
    closeSync(fd);
  }
  const zeros = Buffer.alloc(MiB);
  const expected = createHash("sha256");
  for (let k = 0; k < GiB / MiB; k++) expected.update(zeros);
  const expectedDigest = `sha256:${expected.digest("hex")}`;
  const child = (mode) => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child-1gib", mode, bigRoot], { encoding: "utf8", maxBuffer: 1 << 24 });
    const result = JSON.parse(out.trim().split("\n").pop());
    if (result.sha256 !== expectedDigest || result.size !== GiB) throw new Error(`1 GiB (${mode}): got ${result.sha256} / ${result.size}, expected ${expectedDigest}`);
    return result;
  };
  gib = { node: child("node"), memory: child("memory") };
}

// ---- report ------------------------------------------------------------------------------------------
const med = Object.fromEntries(contenders.map((c) => [c.key, median(times[c.key])]));
const medCpu = Object.fromEntries(contenders.map((c) => [c.key, median(cpuTimes[c.key])]));
const speed = (key) => TOTAL / MiB / med[key];
const fmt = (s) => `${s.toFixed(3)} s`;
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`resolve under Node ${process.version} (${process.arch}), ${cpus().length} CPUs (${cpu}), @apothic/image from pkg/`);
console.log(`folder: ${treeDir}: ${FILES} files, ${mib(TOTAL)}${generatedSeconds === null ? " (reused)" : ` (generated in ${generatedSeconds.toFixed(1)} s)`}; page cache warm; median of ${ROUNDS} rounds after a warm-up round; 1-min load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
console.log("baseline (1) reads and hashes " + CONCURRENCY + " files at once through fs.promises; nodeHost reads files up to 1 MiB synchronously, one at a time, so the readFileSync loop is the like-for-like reference\n");
console.log("| run | files | MiB | seconds (median) | MiB/s | CPU s (median, all threads) | speed vs (1) | ARCHITECTURE.md §6 budget | |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const verdict = (ok) => (ok ? "within" : "OVER");
for (const c of contenders) {
  const ratio = med.plain / med[c.key];
  // ≥ 0.9 of the fastest plain script: (1) and the readFileSync loop both count.
  const fastest = Math.min(med.plain, med.plainSync) / med[c.key];
  const budget = c.key === "nodeHost" ? [`≥ 0.9 of the fastest plain script: ${fastest.toFixed(2)}`, verdict(fastest >= 0.9)] : ["", ""];
  console.log(`| ${c.label} | ${FILES} | ${(TOTAL / MiB).toFixed(0)} | ${fmt(med[c.key])} | ${speed(c.key).toFixed(0)} | ${medCpu[c.key].toFixed(2)} | ${ratio.toFixed(2)} | ${budget.join(" | ")} |`);
}
const r = (a, b) => (med[b] / med[a]).toFixed(2);
console.log(`\nspeed ratios (baseline seconds / run seconds): (2)/(1) nodeHost = ${r("nodeHost", "plain")}, (3)/(1) in-wasm hashing = ${r("wasmHash", "plain")}; against the readFileSync loop: nodeHost ${r("nodeHost", "plainSync")}, in-wasm ${r("wasmHash", "plainSync")}`);
console.log(`all rounds (s): ${contenders.map((c) => `${c.key} ${times[c.key].map((s) => s.toFixed(2)).join(" ")}`).join("; ")}`);
console.log(`wasm memory after all the folder runs: ${mib(wasmAfterTree)}`);

if (gib) {
  console.log("\n| 1 GiB file hashed in wasm (no hashFile), fresh process | seconds | MiB/s | wasm memory before → peak | JS memory when readFile returned | ARCHITECTURE.md §6 budget | |\n| --- | --- | --- | --- | --- | --- | --- |");
  for (const [mode, label] of [["node", "nodeHost without hashFile, sparse file: readFile returns a 1 GiB Buffer"], ["memory", "custom host: readFile returns new Uint8Array(1 GiB) (zero pages, committed lazily)"]]) {
    const r = gib[mode];
    const before = r.samples[0].wasm;
    const peak = Math.max(...r.samples.map((s) => s.wasm));
    const handed = r.samples.find((s) => s.at === "readFile returned");
    console.log(
      `| ${label} | ${r.seconds.toFixed(2)} | ${(GiB / MiB / r.seconds).toFixed(0)} | ${mib(before)} → ${mib(peak)} | rss ${mib(handed.rss)}, arrayBuffers ${mib(handed.arrayBuffers)} | < 32 MiB | ${verdict(peak < 32 * MiB)} |`,
    );
  }
  console.log(`samples (wasm bytes): ${Object.entries(gib).map(([m, r]) => `${m}: ${r.samples.map((s) => `${s.at} ${s.wasm}`).join(", ")}`).join("; ")}`);
}

const jsonOut = option("--json");
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({ node: process.version, cpus: cpus().length, cpu, load: [loadBefore, loadAfter], files: FILES, bytes: TOTAL, rounds: ROUNDS, concurrency: CONCURRENCY, times, cpuTimes, medians: med, wasmAfterTree, gib }, null, 2) + "\n");
}
