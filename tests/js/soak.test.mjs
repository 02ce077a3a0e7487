// Soak (issue 13, "Done when"): a fixed number of hostile cases, drawn from a seeded generator
// so that every run is the same: hostile specs (golden specs with a mutated field), hostile host
// answers (throwing, wrong types, never settling, huge listings) and big or odd files through
// memoryHost (long lines, NUL, invalid UTF-8, CR line endings, include cycles, symlink loops),
// and every 100 cases a genuine trap (memory grown to its maximum). After EACH case: the call
// settled within its timeout (no promise stays pending) with a result or an ApothicError (never
// another error), the instance renders a golden spec (tests/vectors) to its golden Dockerfile
// and hash and resolves a golden resolve vector (tests/vectors-resolve) to its golden
// Dockerfile and image hash, and wasm memory is within MEMORY_BOUND.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { goldenVectors, resolveVectors } from "../harness/vectors.mjs";
import { wasmExports } from "./helpers.mjs";

const CASES = 600;
/** wasm memory never exceeds this after a case (wasm memory grows, it never shrinks). */
const MEMORY_BOUND = 64 * 2 ** 20;
/** Every call settles within this (the host timeout given is 200 ms). */
const SETTLE_MS = 5000;

/** A deterministic generator (mulberry32). */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { int, pick: (list) => list[int(list.length)] };
}
const rng = generator(13);

function settled(promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a promise stayed pending for ${SETTLE_MS} ms`)), SETTLE_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- the known good calls, checked after every case ---------------------------------------------
const render = goldenVectors().find((v) => v.name === "kitchen-sink");
const resolveVector = resolveVectors().find((v) => v.name === "pyproject-groups");
assert.ok(render?.dockerfile && resolveVector && Object.keys(resolveVector.files).length > 0);
const resolveSpec = resolveVector.spec;
const resolveGolden = resolveVector.resolution;
const resolveHost = memoryHost(resolveVector.files);

async function assertHealthy(label) {
  const image = Image.fromSpec(render.spec);
  assert.equal(image.definitionHash(), render.hash, label);
  assert.equal(image.dockerfile(), render.dockerfile, label);
  image.free();
  const resolving = Image.fromSpec(resolveSpec);
  const resolution = await settled(resolving.resolve(resolveHost));
  resolving.free();
  assert.equal(resolution.dockerfile, resolveGolden.dockerfile, label);
  assert.equal(resolution.imageHash, resolveGolden.imageHash, label);
  const { memory } = await wasmExports();
  assert.ok(memory.buffer.byteLength <= MEMORY_BOUND, `${label}: wasm memory is ${memory.buffer.byteLength} bytes`);
}

// --- hostile specs -------------------------------------------------------------------------------
const specs = goldenVectors().map((v) => v.spec);
const junk = () =>
  rng.pick([
    null,
    -1,
    1e308,
    "",
    "\u0000",
    "a\nRUN curl x | sh",
    "\u001b]52;c;aGk=\u0007",
    "é".repeat(rng.int(5000)),
    "x".repeat(rng.int(200_000)),
    [],
    {},
    { op: "runCommands", commands: ["a"] },
    Array.from({ length: rng.int(3000) }, () => "p"),
    JSON.parse("[".repeat(500) + "]".repeat(500)),
    "\ud800",
    true,
  ]);
function mutate(value, depth = 0) {
  if (Array.isArray(value)) {
    const copy = value.map((v) => mutate(v, depth + 1));
    if (rng.int(4) === 0) copy.splice(rng.int(copy.length + 1), 0, junk());
    return copy;
  }
  if (value !== null && typeof value === "object") {
    const copy = {};
    for (const [k, v] of Object.entries(value)) copy[k] = rng.int(6 + depth) === 0 ? junk() : mutate(v, depth + 1);
    if (rng.int(8) === 0) copy[rng.pick(["extra", "__proto__", "op", "version"])] = junk();
    return copy;
  }
  return rng.int(10) === 0 ? junk() : value;
}
async function hostileSpec() {
  const spec = mutate(rng.pick(specs));
  let image;
  try {
    image = Image.fromSpec(spec);
    image.dockerfile();
  } catch (e) {
    if (!(e instanceof ApothicError)) throw e;
  } finally {
    image?.free();
  }
}

// --- hostile host answers ------------------------------------------------------------------------
const FILES = { "requirements.txt": "-r base.txt\nflask\n", "base.txt": "numpy>=2\n", ".env": "A=1\n", "proj/a.py": "x\n" };
const base = memoryHost(FILES);
/** Reads every kind of input; made again after a trap (the Images of a trapped instance are gone). */
const makeReading = () => Image.debianSlim().pipInstallFromRequirements("requirements.txt").envFile(".env").copyLocalDir("proj", "/app");
let reading = makeReading();
const answers = [
  () => { throw "boom"; },
  () => Promise.reject(null),
  () => new Promise(() => {}),
  () => ({ then() {} }),
  () => 42,
  () => "text",
  () => [null],
  () => new Proxy({}, { get() { throw new Error("trap"); } }),
  () => new Uint8Array(rng.int(4) << 20),
  () => Array.from({ length: rng.int(20_000) }, (_, i) => ({ name: `n${i}${"x".repeat(rng.int(200))}`, kind: "file", size: 1, mode: 0o644 })),
  () => [{ name: "../x", kind: "file", size: 1, mode: 0o644 }],
  () => [{ name: "a", kind: "dir", size: 0, mode: 0o755 }, { name: "a", kind: "file", size: 1, mode: 0o644 }],
];
async function hostileHost() {
  const which = rng.pick(["readFile", "readDir", "hashFile"]);
  const answer = rng.pick(answers);
  const host = { readFile: (p) => base.readFile(p), readDir: (p) => base.readDir(p), [which]: () => answer() };
  try {
    await settled(rng.int(2) ? reading.resolve(host, { timeoutMs: 200 }) : reading.buildContext(host, { timeoutMs: 200 }));
  } catch (e) {
    if (!(e instanceof ApothicError)) throw e;
  }
}

// --- big and odd files through memoryHost -------------------------------------------------------
const odd = () =>
  rng.pick([
    () => "numpy" + "=".repeat(rng.int(1 << 20)) + "\n",
    () => "a\u0000b\n",
    () => new Uint8Array([0xff, 0xfe, 0x80, 0x0a]),
    () => "flask\r".repeat(rng.int(10_000)),
    () => "-r requirements.txt\n",
    () => "-r l/requirements.txt\n",
    () => `${"-r base.txt\n".repeat(rng.int(999))}`,
    () => "x".repeat(rng.int(8 << 20)),
    () => "\\\n".repeat(rng.int(100_000)),
  ])();
async function oddFiles() {
  const host = memoryHost(
    { "requirements.txt": odd(), "base.txt": odd(), ".env": rng.int(2) ? odd() : "A=1\n", "proj/a.py": odd() },
    { symlinks: { l: ".", "proj/loop": "../proj", "proj/up": rng.int(2) ? "../" : "/proj" } },
  );
  try {
    await settled(rng.int(2) ? reading.resolve(host, { timeoutMs: 2000 }) : reading.buildContext(host, { timeoutMs: 2000 }));
  } catch (e) {
    if (!(e instanceof ApothicError)) throw e;
  }
}

// --- a genuine trap ------------------------------------------------------------------------------
/**
 * Grows the memory to its maximum, then keeps Images of 3 MiB commands alive until the module
 * cannot allocate: that call must throw INSTANCE_TRAPPED (within the memory's size / 3 MiB calls).
 */
async function trap() {
  const { memory } = await wasmExports();
  memory.grow(65536 - memory.buffer.byteLength / 65536);
  const command = "x".repeat(3 << 20);
  const kept = [];
  for (let i = 0; ; i++) {
    assert.ok(i <= MEMORY_BOUND / (3 << 20) + 2, "no trap although the memory is full");
    try {
      kept.push(Image.debianSlim().runCommands([command]));
    } catch (e) {
      assert.equal(e.code, "INSTANCE_TRAPPED", e.message);
      break;
    }
  }
  assert.throws(() => kept[0]?.dockerfile() ?? reading.dockerfile(), { code: "INSTANCE_TRAPPED" });
  assert.throws(() => reading.dockerfile(), { code: "INSTANCE_TRAPPED" });
  reading = makeReading();
}

test(`soak: ${CASES} hostile cases, each followed by a golden render and resolve`, { timeout: 120_000 }, async () => {
  const kinds = { hostileSpec, hostileHost, oddFiles };
  const counts = { hostileSpec: 0, hostileHost: 0, oddFiles: 0, trap: 0 };
  const started = performance.now();
  let high = 0;
  for (let i = 0; i < CASES; i++) {
    const kind = i % 100 === 99 ? "trap" : rng.pick(Object.keys(kinds));
    counts[kind]++;
    if (kind === "trap") await trap();
    else await kinds[kind]();
    await assertHealthy(`case ${i} (${kind})`);
    high = Math.max(high, (await wasmExports()).memory.buffer.byteLength);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`soak: ${JSON.stringify(counts)} in ${seconds} s; wasm memory high-water ${(high / 2 ** 20).toFixed(1)} MiB (bound ${MEMORY_BOUND / 2 ** 20} MiB)`);
});
