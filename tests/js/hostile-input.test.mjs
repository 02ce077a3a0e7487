// ARCHITECTURE.md §5, the hard part: input that fights back. Objects whose getters or proxy traps throw,
// sparse and array-like values, and deeply nested values (which overflow a recursive
// deserializer's stack). Each call must end in an ApothicError, or in the very error the
// caller's own getter threw; never a RangeError or a RuntimeError from inside the module. The
// module must keep working, the receiver must be unchanged, and memory must not grow.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image } from "@apothic/image";
import { wasmExports } from "./helpers.mjs";

const ROUNDS = 200; // × the cases below ≈ 10,000 calls

const base = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
const baseCanonical = base.canonicalJson();

const nestedArray = (depth, leaf = "a") => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const nestedObject = (depth) => {
  let v = "a";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

/** A value whose every reflective operation throws `marker`. */
const throwingProxy = (marker, target = {}) =>
  new Proxy(target, {
    get() { throw marker; },
    has() { throw marker; },
    ownKeys() { throw marker; },
    getOwnPropertyDescriptor() { throw marker; },
    getPrototypeOf() { throw marker; },
  });

// Each case: (marker) => call. `marker` is a fresh Error the input may throw; the call may end
// in it (the caller's own exception, passed on) or in an ApothicError.
const cases = {
  "options with a throwing getter": (m) => Image.debianSlim({ get pythonVersion() { throw m; } }),
  "options as a throwing proxy": (m) => base.pipInstall("x", throwingProxy(m)),
  "list as a throwing proxy": (m) => base.pipInstall(throwingProxy(m, [])),
  "list whose item getter throws": (m) => base.aptInstall(new Proxy(["git", "curl"], { get: (t, k) => { if (k === "1") throw m; return Reflect.get(t, k); } })),
  "list whose length getter throws": (m) => base.runCommands(new Proxy(["true"], { get: (t, k) => { if (k === "length") throw m; return Reflect.get(t, k); } })),
  "env with a throwing getter": (m) => base.env({ B: "x".repeat(100), get A() { throw m; } }),
  "env as a throwing proxy": (m) => base.env(throwingProxy(m)),
  "env value as a throwing proxy": (m) => base.env({ A: throwingProxy(m) }),
  "env as an array holding null": () => base.env([null]),
  "env as an array": () => base.env(["A=1", "B=2"]),
  "string argument as a throwing proxy": (m) => base.workdir(throwingProxy(m)),
  "spec with a throwing getter": (m) => Image.fromSpec({ get version() { throw m; }, base: {}, steps: [] }),
  "spec as a throwing proxy": (m) => Image.fromSpec(throwingProxy(m)),
  "spec step as a throwing proxy": (m) => Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [throwingProxy(m)] }),
  "sparse list": () => base.pipInstall([, "a"]),
  "list nested 1,000 deep": () => base.pipInstall(nestedArray(1_000)),
  "list nested 10,000 deep": () => base.pipInstall(nestedArray(10_000)),
  "list nested 100,000 deep": () => base.uvPipInstall(nestedArray(100_000)),
  "env nested 10,000 deep": () => base.env(nestedObject(10_000)),
  "options nested 10,000 deep": () => base.pipInstall("x", { indexUrl: nestedObject(10_000) }),
  "spec base nested 10,000 deep": () => Image.fromSpec({ version: 1, base: nestedObject(10_000), steps: [] }),
  "spec steps nested 10,000 deep": () => Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: nestedArray(10_000, {}) }),
  "spec value nested 100,000 deep": () =>
    Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "env", values: { A: nestedArray(100_000) } }] }),
};

function callOnce(label, makeCall) {
  const marker = new Error(`marker thrown by the test's own getter (${label})`);
  try {
    const result = makeCall(marker);
    result?.free?.();
    return `did not throw`;
  } catch (e) {
    if (e === marker) return undefined;
    if (e instanceof ApothicError) return undefined;
    return `threw ${e?.constructor?.name}: ${String(e?.message ?? e).slice(0, 120)}`;
  }
}

/** Whether the module still works; the failure message otherwise. */
function health() {
  try {
    const image = base.pipInstall(["pandas"]);
    const ok = image.dockerfile().endsWith("pip install --no-cache-dir pandas\n") && base.canonicalJson() === baseCanonical;
    image.free();
    return ok ? undefined : "the module gives wrong results";
  } catch (e) {
    return `the module is broken: ${e?.constructor?.name}: ${e?.message}`;
  }
}

test(`hostile input (${Object.keys(cases).length} kinds × ${ROUNDS}): no trap, no leak, module keeps working`, async (t) => {
  const wasm = await wasmExports();
  const memory = () => wasm.memory.buffer.byteLength;
  const problems = new Map();
  const report = () => [...problems].map(([label, p]) => `${label}: ${p}`).join("\n  ");

  // Warm-up, one call of each kind, each followed by a health check.
  for (const [label, makeCall] of Object.entries(cases)) {
    const problem = callOnce(label, makeCall);
    if (problem) problems.set(label, problem);
    const broken = health();
    if (broken) {
      problems.set(label, `${problem ?? "failed right"}; then ${broken}`);
      assert.fail(`after one call of "${label}":\n  ${report()}`);
    }
  }
  const before = memory();
  let calls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, makeCall] of Object.entries(cases)) {
      calls++;
      const problem = callOnce(label, makeCall);
      if (problem && !problems.has(label)) problems.set(label, problem);
    }
    const broken = health();
    if (broken) assert.fail(`${broken}, after ${calls} hostile calls (round ${round + 1}):\n  ${report()}`);
  }
  const after = memory();
  t.diagnostic(`${calls} hostile calls; wasm memory ${before} → ${after} bytes`);
  assert.equal(problems.size, 0, `kinds of call that did not fail as they should:\n  ${report()}`);
  assert.equal(after, before, `wasm memory grew from ${before} to ${after} bytes`);
});
