// A trap never poisons the instance (issue 13, hole 1): genuine traps are forced by growing the
// instance's exported memory to its 4 GiB maximum, so that the module's allocator cannot grow
// and an allocation fails (`RuntimeError: unreachable`): once in a synchronous call (Images kept
// alive until the allocator's free memory is used up), once in the continuation of a pending
// `resolve()` (a 16 MiB folder listing copied in after the memory was filled). Each time: the call
// rejects (or throws) an ApothicError "INSTANCE_TRAPPED", every other pending promise of that
// instance rejects with it too (none stays pending), nothing is thrown uncaught, the next call
// runs on a fresh instance (small memory, golden output), Images made before the trap throw
// "INSTANCE_TRAPPED" from every method, their free() does nothing, and a host answer that arrives
// for the dead instance afterwards is ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { goldenVectors } from "../harness/vectors.mjs";
import { wasmExports } from "./helpers.mjs";

const WASM_PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB

/** Grows the current instance's memory to its maximum: the module cannot allocate more. */
async function exhaustMemory() {
  const { memory } = await wasmExports();
  memory.grow(MAX_PAGES - memory.buffer.byteLength / WASM_PAGE);
  return memory;
}

/**
 * Fills the memory, then keeps Images of 3 MiB commands alive until the module cannot allocate:
 * that synchronous call must throw INSTANCE_TRAPPED (a genuine `RuntimeError: unreachable`).
 * Returns the trapped memory.
 */
async function trapSynchronously() {
  const memory = await exhaustMemory();
  const command = "x".repeat(3 << 20);
  const kept = [];
  for (let i = 0; ; i++) {
    assert.ok(i * (3 << 20) <= memory.buffer.byteLength, "no trap although the memory is full");
    try {
      kept.push(Image.debianSlim().runCommands([command]));
    } catch (e) {
      assert.ok(isTrapped(e), `${e}`);
      return memory;
    }
  }
}

/** Settles within `ms` or fails the test (a promise that never settles is the bug). */
function settled(promise, ms = 20_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const isTrapped = (e) => e instanceof ApothicError && e.code === "INSTANCE_TRAPPED" && e.cause instanceof WebAssembly.RuntimeError;

/** Errors nobody caught, collected while a test runs (a trap used to surface only there). */
function collectUncaught() {
  const seen = [];
  const onError = (e) => seen.push(e);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    seen,
    stop() {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    },
  };
}

/** The fresh instance works: a small memory (not the trapped 4 GiB) and golden output. */
async function assertFreshInstance(oldMemory) {
  const { memory } = await wasmExports();
  assert.notEqual(memory, oldMemory, "the instance was not replaced");
  assert.ok(memory.buffer.byteLength < 64 * 2 ** 20, `fresh memory is ${memory.buffer.byteLength} bytes`);
  const vector = goldenVectors().find((v) => v.dockerfile !== undefined && v.calls.length > 2);
  const image = Image.fromSpec(vector.spec);
  assert.equal(image.definitionHash(), vector.hash);
  assert.equal(image.dockerfile(), vector.dockerfile);
  image.free();
  const resolved = Image.debianSlim().pipInstallFromRequirements("requirements.txt");
  const resolution = await settled(resolved.resolve(memoryHost({ "requirements.txt": "numpy==2.1.0\n" })));
  assert.match(resolution.dockerfile, /pip install --no-cache-dir -r \/tmp\/apothic-requirements\/0\/requirements\.txt/);
  resolved.free();
}

/** An Image of a replaced instance: every method throws INSTANCE_TRAPPED; free() does nothing. */
function assertStale(image) {
  for (const call of [
    () => image.dockerfile(),
    () => image.definitionHash(),
    () => image.toSpec(),
    () => image.length,
    () => image.pipInstall(["numpy"]),
    () => image.resolve(memoryHost({})),
  ]) {
    assert.throws(call, (e) => e instanceof ApothicError && e.code === "INSTANCE_TRAPPED" && /make it again/.test(e.message));
  }
  image.free();
  image.free();
}

test("a trap in a synchronous call: INSTANCE_TRAPPED thrown, fresh instance next, old Images stale", async () => {
  const uncaught = collectUncaught();
  try {
    const before = Image.debianSlim().pipInstall(["numpy"]);
    const hash = before.definitionHash();
    const memory = await trapSynchronously();
    await assertFreshInstance(memory);
    assertStale(before);
    assert.equal(Image.debianSlim().pipInstall(["numpy"]).definitionHash(), hash);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(uncaught.seen, []);
  } finally {
    uncaught.stop();
  }
});

test("a trap in a pending resolve(): it and every other pending promise reject, none stays pending", async () => {
  const uncaught = collectUncaught();
  try {
    let memory;
    // The trapping call: its folder listing arrives after the memory was filled, so copying the
    // names in (16 MiB) cannot allocate.
    const names = Array.from({ length: 65536 }, (_, i) => String(i).padStart(8, "0") + "x".repeat(247));
    const trapping = Image.debianSlim().copyLocalDir("src", "/app");
    const trappingHost = {
      async readDir() {
        await new Promise((r) => setTimeout(r, 10));
        memory ??= await exhaustMemory(); // once: a second listing arrives for the dead instance
        return names.map((name) => ({ name, kind: "file", size: 1, mode: 0o644 }));
      },
      async readFile() {
        return new Uint8Array(1);
      },
    };
    // Bystanders on the same instance: one waits on a host that never answers, one on a host
    // that answers only after the instance was replaced (the answer must be ignored). Short
    // timeouts: the timers the dead instance set keep running (and the process alive) until due.
    let answerLate;
    const late = new Promise((r) => (answerLate = r));
    const waiting = Image.debianSlim().pipInstallFromRequirements("a.txt");
    const lateOne = Image.debianSlim().pipInstallFromRequirements("b.txt");
    const promises = [
      trapping.resolve(trappingHost, { timeoutMs: 3000 }),
      waiting.resolve({ readFile: () => new Promise(() => {}), async readDir() { return []; } }, { timeoutMs: 3000 }),
      lateOne.resolve({ readFile: () => late, async readDir() { return []; } }, { timeoutMs: 3000 }),
      trapping.buildContext(trappingHost, { timeoutMs: 3000 }),
    ];
    const outcomes = await settled(Promise.allSettled(promises));
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.status, "rejected", `promise ${i} did not reject`);
      assert.ok(isTrapped(outcome.reason), `promise ${i}: ${outcome.reason}`);
    }
    answerLate(new TextEncoder().encode("numpy\n"));
    await new Promise((r) => setTimeout(r, 50));
    await assertFreshInstance(memory);
    for (const image of [trapping, waiting, lateOne]) assertStale(image);
    assert.deepEqual(uncaught.seen, []);
  } finally {
    uncaught.stop();
  }
});

test("recovery repeats: five traps in a row, each followed by a working fresh instance", async () => {
  for (let round = 0; round < 5; round++) {
    const memory = await trapSynchronously();
    await assertFreshInstance(memory);
  }
});
