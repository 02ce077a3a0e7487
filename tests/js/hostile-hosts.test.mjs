// Hosts that fight back (issue 8): callbacks that throw values that are not Errors, reject,
// return thenables that never settle or whose `then` throws, return the wrong type in every
// field, Proxies whose traps throw, huge and endless listings, symlink loops, names with `/`,
// `..`, NUL or lone UTF-16 surrogates, huge files and answers. Each resolution must end, within
// the timeout, in an ApothicError with the expected code, or in the documented result; never a
// TypeError, a RuntimeError (a wasm trap) or a hang. After each one the module must still
// resolve correctly, and after all of them (several rounds) wasm memory must stop growing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { wasmExports } from "./helpers.mjs";

const FILES = {
  "requirements.txt": "-r base.txt\nflask\n",
  "base.txt": "numpy>=2\n",
  ".env": "A=1\nB=two words\n",
  "proj/a.py": "print(1)\n",
  "proj/sub/b.txt": "b\n",
};
const memory = memoryHost(FILES);

/** An image that reads every kind of input: a file with includes, an env file, a folder. */
const image = Image.debianSlim({ pythonVersion: "3.12" })
  .pipInstallFromRequirements("requirements.txt")
  .envFile(".env")
  .copyLocalDir("proj", "/app");
const withModule = Image.debianSlim().copyLocalPythonSource("app");
const fromRegistry = Image.fromRegistry("python:3.12").pipInstall("x");

const good = await image.resolve(memory);

/** A host like `memory`, with some callbacks replaced. */
const host = (overrides) => ({
  readFile: (p) => memory.readFile(p),
  readDir: (p) => memory.readDir(p),
  ...overrides,
});
/** `readDir` answers `answer(path)` for the folder `proj` (and as usual elsewhere). */
const listing = (answer) => host({ readDir: (p) => (p === "proj" ? answer(p) : memory.readDir(p)) });
/** `readFile` answers `answer(path)` for `.env`. */
const envFile = (answer) => host({ readFile: (p) => (p === ".env" ? answer(p) : memory.readFile(p)) });
const entry = (fields) => listing(() => [{ name: "a.py", kind: "file", size: 9, mode: 0o644 }, fields]);

/** A value whose every reflective operation throws. */
const throwingProxy = (target = {}) =>
  new Proxy(target, {
    get() { throw new Error("trap"); },
    has() { throw new Error("trap"); },
    ownKeys() { throw new Error("trap"); },
    getOwnPropertyDescriptor() { throw new Error("trap"); },
    getPrototypeOf() { throw new Error("trap"); },
  });
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  return proxy;
};
const bytes = (text) => new TextEncoder().encode(text);

const BIG = 1 << 20;
// Each case: [label, host, expected code ("ok" for a documented success), options?, image?].
const cases = [
  // Throwing and rejecting with values that are not Errors.
  ...[
    ["a string", "boom"],
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
    ["a symbol", Symbol("s")],
    ["a bigint", 10n],
    ["an object whose message getter throws", { get message() { throw new Error("again"); } }],
    ["an object whose toString throws", { toString() { throw new Error("again"); } }],
    ["a throwing proxy", throwingProxy()],
    ["a revoked proxy", revoked()],
    ["an error with a 10 MB message", new Error("x".repeat(10 * BIG))],
  ].flatMap(([what, value]) => [
    [`readFile throws ${what}`, envFile(() => { throw value; }), "HOST_CALLBACK_FAILED"],
    [`readFile rejects with ${what}`, envFile(() => Promise.reject(value)), "HOST_CALLBACK_FAILED"],
    [`readDir throws ${what}`, listing(() => { throw value; }), "HOST_CALLBACK_FAILED"],
  ]),
  // Thenables.
  ["readFile never settles", envFile(() => new Promise(() => {})), "HOST_TIMEOUT"],
  ["readFile returns a thenable that never calls back", envFile(() => ({ then() {} })), "HOST_TIMEOUT"],
  ["readFile returns a thenable whose then throws", envFile(() => ({ then() { throw new Error("then"); } })), "HOST_CALLBACK_FAILED"],
  ["readFile returns an object whose then getter throws", envFile(() => ({ get then() { throw new Error("get then"); } })), "HOST_CALLBACK_FAILED"],
  ["readFile returns a thenable resolving twice then rejecting", envFile(() => ({ then(ok, bad) { ok(bytes("A=1\n")); ok(bytes("B=2\n")); bad(new Error("late")); } })), "ok"],
  // Not tried: a thenable that resolves with itself (`t.then = (ok) => ok(t)`) makes the
  // engine's promise adoption run microtasks forever, so no timer fires, the same as a callback
  // that loops forever; no JavaScript code can time that out.
  ["readFile returns a promise of a promise that never settles", envFile(() => Promise.resolve(new Promise(() => {}))), "HOST_TIMEOUT"],
  ["readDir never settles", listing(() => new Promise(() => {})), "HOST_TIMEOUT"],
  ["hashFile never settles", host({ hashFile: () => new Promise(() => {}) }), "HOST_TIMEOUT"],
  ["inspectImage never settles", host({ inspectImage: () => new Promise(() => {}) }), "HOST_TIMEOUT", {}, fromRegistry],
  ["lookupDerived never settles", host({ lookupDerived: () => new Promise(() => {}) }), "HOST_TIMEOUT"],
  // readFile: wrong types.
  ...[
    ["a string", "A=1\n"],
    ["a number", 1],
    ["null", null],
    ["an array of numbers", [65, 61, 49]],
    ["an ArrayBuffer", new ArrayBuffer(4)],
    ["a plain object with a length", { length: 1e12 }],
    ["a throwing proxy", throwingProxy()],
    ["a revoked proxy", revoked()],
    ["a proxy around a Uint8Array", throwingProxy(bytes("A=1\n"))],
    ["a function", () => {}],
  ].map(([what, value]) => [`readFile returns ${what}`, envFile(() => value), "HOST_CALLBACK_FAILED"]),
  ["readFile returns a Uint8Array whose own length getter throws", envFile(() => Object.defineProperty(bytes("A=1\n"), "length", { get() { throw new Error("len"); } })), "ok"],
  ["readFile returns a Uint8Array whose subarray is replaced", envFile(() => Object.assign(bytes("A=1\n"), { subarray() { throw new Error("sub"); } })), "ok"],
  ["readFile returns a DataView (any ArrayBuffer view is bytes)", envFile(() => new DataView(bytes("A=1\n").buffer)), "ok"],
  ["readFile returns 17 MiB for an env file", envFile(() => new Uint8Array(17 * BIG)), "FILE_TOO_LARGE"],
  // readDir: wrong types and shapes.
  ...[
    ["an object", {}],
    ["a string", "a.py"],
    ["null", null],
    ["a throwing proxy", throwingProxy()],
    ["a revoked proxy", revoked()],
    ["an array proxy whose traps throw", throwingProxy([])],
    ["an array of null", [null]],
    ["an array of numbers", [1, 2]],
    ["an array whose item getter throws", Object.defineProperty([], 0, { get() { throw new Error("item"); }, enumerable: true })],
  ].map(([what, value]) => [`readDir returns ${what}`, listing(() => value), "HOST_CALLBACK_FAILED"]),
  ...[
    ["no name", { kind: "file" }],
    ["a number as name", { name: 1, kind: "file" }],
    ["a name getter that throws", { get name() { throw new Error("name"); }, kind: "file" }],
    ["kind socket", { name: "x", kind: "socket" }],
    ["no kind", { name: "x" }],
    ["size -1", { name: "x", kind: "file", size: -1 }],
    ["size 1.5", { name: "x", kind: "file", size: 1.5 }],
    ["size NaN", { name: "x", kind: "file", size: NaN }],
    ["size as a string", { name: "x", kind: "file", size: "10" }],
    ["size 2^60", { name: "x", kind: "file", size: 2 ** 60 }],
    ["mode 0o10000", { name: "x", kind: "file", mode: 0o10000 }],
    ["mode -1", { name: "x", kind: "file", mode: -1 }],
    ["mode as a string", { name: "x", kind: "file", mode: "644" }],
    ["the name a.py twice", { name: "a.py", kind: "dir" }],
  ].map(([what, fields]) => [`readDir entry with ${what}`, entry(fields), "HOST_CALLBACK_FAILED"]),
  ...[
    ["", "an empty name"],
    [".", "."],
    ["..", ".."],
    ["a/b", "a slash"],
    ["../../etc/passwd", "a climbing path"],
    ["/etc/passwd", "an absolute path"],
    ["a\0b", "a NUL"],
    ["\ud800x", "a lone high surrogate"],
    ["x\udc00", "a lone low surrogate"],
    ["n".repeat(5000), "5,000 characters"],
    ["n".repeat(10 * BIG), "10 M characters"],
  ].map(([name, what]) => [`readDir entry named with ${what}`, entry({ name, kind: "file", size: 1 }), "INVALID_PATH"]),
  // Huge and endless listings, loops.
  ["readDir returns 300,000 entries", listing(() => Array.from({ length: 300_000 }, (_, i) => ({ name: `f${i}`, kind: "symlink" }))), "FOLDER_TOO_LARGE"],
  ["readDir returns a sparse array of length 2^32 - 1", listing(() => new Array(2 ** 32 - 1)), "FOLDER_TOO_LARGE"],
  ["readDir returns a proxy claiming 10^9 entries", listing(() => new Proxy([], { get: (t, k) => (k === "length" ? 1e9 : { name: `f${String(k)}`, kind: "file" }) })), "FOLDER_TOO_LARGE"],
  ["every folder holds itself (an endless tree)", host({ readDir: (p) => (p.startsWith("proj") ? [{ name: "loop", kind: "dir" }] : memory.readDir(p)) }), "FOLDER_TOO_LARGE"],
  ["every folder holds 1,000 folders", host({ readDir: (p) => (p.startsWith("proj") ? Array.from({ length: 1000 }, (_, i) => ({ name: `d${i}`, kind: "dir" })) : memory.readDir(p)) }), "FOLDER_TOO_LARGE"],
  ["a symlink loop (listed as symlinks: skipped with a diagnostic)", entry({ name: "loop", kind: "symlink" }), "ok"],
  ["requirements that include a longer path forever", host({ readFile: (p) => (p.endsWith(".txt") ? bytes("-r x/r.txt\n") : memory.readFile(p)) }), "REQUIREMENTS_SYNTAX"],
  // Other callbacks.
  ...[
    ["a number", 1],
    ["uppercase hex", `sha256:${"A".repeat(64)}`],
    ["63 digits", `sha256:${"a".repeat(63)}`],
    ["a 10 MB string", "a".repeat(10 * BIG)],
    ["a throwing proxy", throwingProxy()],
  ].map(([what, value]) => [`hashFile returns ${what}`, host({ hashFile: () => value }), "HOST_CALLBACK_FAILED"]),
  ...[
    ["a number", 1],
    ["an object without isPackage", { path: "app.py" }],
    ["a 10 MB path", { path: "p".repeat(10 * BIG), isPackage: false }],
    ["a throwing proxy", throwingProxy()],
  ].map(([what, value]) => [`resolvePythonModule returns ${what}`, host({ resolvePythonModule: () => value }), "HOST_CALLBACK_FAILED", {}, withModule]),
  ...[
    ["a number", 1],
    ["a digest that is a number", { digest: 5 }],
    ["a 10 MB digest", { digest: "d".repeat(10 * BIG) }],
    ["a throwing proxy", throwingProxy()],
  ].map(([what, value]) => [`inspectImage returns ${what}`, host({ inspectImage: () => value }), "HOST_CALLBACK_FAILED", {}, fromRegistry]),
  ...[
    ["a number", 1],
    ["an object", {}],
    ["a 10 MB string", "r".repeat(10 * BIG)],
  ].map(([what, value]) => [`lookupDerived returns ${what}`, host({ lookupDerived: () => value }), "HOST_CALLBACK_FAILED"]),
  // The host object itself.
  ["the host is a throwing proxy", throwingProxy(), "MISSING_HOST_CALLBACK"],
  ["the host is a revoked proxy", revoked(), "MISSING_HOST_CALLBACK"],
  ["the host's readFile getter throws", { get readFile() { throw new Error("getter"); }, readDir: (p) => memory.readDir(p) }, "MISSING_HOST_CALLBACK"],
  ["readFile is not a function", { readFile: "yes", readDir: (p) => memory.readDir(p) }, "MISSING_HOST_CALLBACK"],
  ["onProgress throws", memory, "ok", { onProgress() { throw new Error("progress"); } }],
  ["the signal's aborted getter throws", memory, "ok", { signal: { get aborted() { throw new Error("aborted"); } } }],
];

const TIMEOUT_MS = 150;

/** "ok", a code, or a description of what went wrong. */
async function outcome(label, hostValue, options, target) {
  let timer;
  const deadline = new Promise((resolve) => { timer = setTimeout(() => resolve("HANG"), 20 * TIMEOUT_MS + 5000); });
  const run = target.resolve(hostValue, { timeoutMs: TIMEOUT_MS, ...options }).then(
    (resolution) => {
      if (target === image && label.includes("symlink loop")) {
        return resolution.diagnostics.some((d) => d.code === "SYMLINK_SKIPPED") ? "ok" : "no SYMLINK_SKIPPED diagnostic";
      }
      return resolution.dockerfile ? "ok" : "a resolution without a Dockerfile";
    },
    (error) => {
      if (!(error instanceof ApothicError)) return `threw ${error?.constructor?.name}: ${String(error?.message).slice(0, 200)}`;
      if (error.message.length > 4000) return `an error message of ${error.message.length} characters`;
      return error.code;
    },
  );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The module still resolves correctly; the problem otherwise. */
async function health() {
  try {
    const again = await image.resolve(memory);
    return again.imageHash === good.imageHash && again.dockerfile === good.dockerfile ? undefined : "wrong resolution";
  } catch (e) {
    return `broken: ${e?.constructor?.name}: ${e?.message}`;
  }
}

test("the reference host resolves", () => {
  assert.match(good.dockerfile, /COPY/);
  assert.ok(good.context.length >= 4);
});

test(`hostile hosts (${cases.length} kinds): a coded error or the documented result, no hang, module keeps working`, async (t) => {
  const wasm = await wasmExports();
  const problems = [];
  const run = async () => {
    for (const [label, hostValue, expected, options = {}, target = image] of cases) {
      const got = await outcome(label, hostValue, options, target);
      if (got !== expected) problems.push(`${label}: expected ${expected}, got ${got}`);
      const broken = await health();
      if (broken) assert.fail(`after "${label}" the module is ${broken}\n  ${problems.join("\n  ")}`);
    }
  };
  await run(); // warm-up: memory may grow to its working size once
  const before = wasm.memory.buffer.byteLength;
  await run();
  await run();
  const after = wasm.memory.buffer.byteLength;
  t.diagnostic(`${cases.length * 3} hostile resolutions; wasm memory ${before} → ${after} bytes`);
  assert.deepEqual([...new Set(problems)], []);
  assert.ok(after <= before + (4 << 20), `wasm memory grew from ${before} to ${after} bytes`);
});

test("builder arguments with NUL or lone surrogates are refused, not silently changed", () => {
  const code = (f) => {
    try {
      f();
      return "did not throw";
    } catch (e) {
      return e instanceof ApothicError ? e.code : `threw ${e?.constructor?.name}`;
    }
  };
  assert.equal(code(() => Image.debianSlim().copyLocalFile("a\0b")), "INVALID_PATH");
  assert.equal(code(() => Image.debianSlim().copyLocalFile("\ud800.txt")), "INVALID_ARGUMENT");
  assert.equal(code(() => Image.debianSlim().workdir("/x\udfff")), "INVALID_ARGUMENT");
  assert.equal(code(() => Image.debianSlim().pipInstall(["\ud800"])), "INVALID_ARGUMENT");
  // A real replacement character is text like any other.
  assert.equal(code(() => Image.debianSlim().workdir("/x\ufffd")), "did not throw");
});

test("limits: past each one a coded error, never a trap", () => {
  const code = (f) => {
    try {
      f()?.free?.();
      return "did not throw";
    } catch (e) {
      return e instanceof ApothicError ? e.code : `threw ${e?.constructor?.name}: ${e?.message}`;
    }
  };
  const debian = { op: "debianSlim", pythonVersion: "3.12" };
  const manySteps = (n) => ({ version: 1, base: debian, steps: Array.from({ length: n }, (_, i) => ({ op: "env", values: { [`K${i}`]: "v" } })) });
  assert.equal(code(() => Image.fromSpec(manySteps(10_000))), "did not throw");
  assert.equal(code(() => Image.fromSpec(manySteps(10_001))), "SPEC_TOO_LARGE");
  const bigValue = { version: 1, base: debian, steps: [{ op: "runCommands", commands: ["x".repeat(5 * BIG)] }] };
  assert.equal(code(() => Image.fromSpec(bigValue)), "SPEC_TOO_LARGE");
  assert.equal(code(() => Image.debianSlim().runCommands(["y".repeat(5 * BIG)])), "SPEC_TOO_LARGE");
  assert.equal(code(() => Image.debianSlim().workdir("/" + "w".repeat(5 * BIG))), "SPEC_TOO_LARGE");
  assert.equal(code(() => Image.debianSlim().env({ A: "v".repeat(5 * BIG) })), "SPEC_TOO_LARGE");
  assert.equal(code(() => Image.debianSlim().withDockerfile("RUN " + "z".repeat(300 * BIG))), "SPEC_TOO_LARGE");
  // A chain of builder calls grows the spec step by step up to the limit.
  let chained = Image.debianSlim();
  let last = "did not throw";
  for (let i = 0; i < 40 && last === "did not throw"; i++) {
    try {
      const next = chained.runCommands([`${i} ${"c".repeat(200_000)}`]);
      chained.free();
      chained = next;
    } catch (e) {
      last = e instanceof ApothicError ? e.code : `threw ${e?.constructor?.name}`;
    }
  }
  chained.free();
  assert.equal(last, "SPEC_TOO_LARGE");
  // The module still works.
  assert.match(Image.debianSlim().pipInstall("x").dockerfile(), /pip install/);
});
