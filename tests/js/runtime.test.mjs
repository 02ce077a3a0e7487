// The runtime's parts that need no engine (the real-engine tests are tests/runtime/, run by the
// e2e harness): option and command checks, the managed CPython cache (fetched once, checked
// against its SHA-256, failures coded), and naming the spec step of a failing Dockerfile line.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { Image, memoryHost } from "@apothic/image";
import { ensure, run, stepOfInstruction } from "@apothic/image/runtime";
import { packageDir } from "./helpers.mjs";

const { managedPythonTarball } = await import(pathToFileURL(join(packageDir, "runtime", "managed-python.js")).href);

describe("arguments", () => {
  const image = Image.fromRegistry("python:3.12");
  const host = memoryHost({});
  for (const [what, options] of [
    ["no options", undefined],
    ["no host", {}],
    ["a registry without host/repo", { host, registry: { repository: "envs" } }],
    ["a registry repository with a tag", { host, registry: { repository: "127.0.0.1:5000/envs:latest" } }],
  ]) {
    test(`ensure with ${what} is INVALID_ARGUMENT`, async () => {
      await assert.rejects(ensure(image, /** @type {any} */ (options)), (e) => e.code === "INVALID_ARGUMENT" && e.message.startsWith("apothic-image runtime:"));
    });
  }
  for (const command of [[], "python3", [1], undefined]) {
    test(`run with the command ${JSON.stringify(command)} is INVALID_ARGUMENT`, async () => {
      await assert.rejects(run(image, /** @type {any} */ (command), { host }), (e) => e.code === "INVALID_ARGUMENT");
    });
  }
  test("an engine that is not there is ENGINE_UNREACHABLE, naming it", async () => {
    const { dockerEngine } = await import("@apothic/image/runtime");
    const engine = dockerEngine({ host: `unix://${join(tmpdir(), "apothic-no-engine.sock")}` });
    await assert.rejects(ensure(image, { host, engine }), (e) => e.code === "ENGINE_UNREACHABLE" && e.message.includes("apothic-no-engine.sock"));
  });
});

describe("the managed CPython cache", () => {
  const tarball = new Uint8Array(Buffer.from("not really a tarball, but bytes with a digest"));
  const digest = createHash("sha256").update(tarball).digest("hex");
  let requests = 0;
  let server;
  let base;
  let cacheDir;
  before(async () => {
    server = createServer((req, res) => {
      requests += 1;
      if (req.url === "/python.tar.gz") {
        res.writeHead(200, { "content-length": String(tarball.length) });
        res.end(tarball);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${server.address().port}`;
    cacheDir = mkdtempSync(join(tmpdir(), "apothic-cache-"));
  });
  after(() => {
    server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test("fetched once, then answered from the cache, checked against its SHA-256 both times", async () => {
    const first = await managedPythonTarball(`${base}/python.tar.gz`, { sha256: digest, cacheDir });
    assert.equal(first.cached, false);
    assert.deepEqual(first.bytes, tarball);
    const second = await managedPythonTarball(`${base}/python.tar.gz`, { sha256: digest, cacheDir });
    assert.equal(second.cached, true);
    assert.deepEqual(second.bytes, tarball);
    assert.equal(requests, 1);
    // No partial file is left beside it.
    assert.deepEqual(readdirSync(join(cacheDir, "python")).filter((f) => f.endsWith(".partial")), []);
  });

  test("bytes that do not match the SHA-256 are PYTHON_DIGEST_MISMATCH, and are not cached", async () => {
    const other = mkdtempSync(join(tmpdir(), "apothic-cache-"));
    try {
      await assert.rejects(managedPythonTarball(`${base}/python.tar.gz`, { sha256: "0".repeat(64), cacheDir: other }), (e) => e.code === "PYTHON_DIGEST_MISMATCH" && e.message.includes(digest));
      assert.equal(existsSync(join(other, "python")) && readdirSync(join(other, "python")).length > 0, false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a 404 or nothing listening is PYTHON_FETCH_FAILED naming the URL", async () => {
    await assert.rejects(managedPythonTarball(`${base}/missing.tar.gz`, { cacheDir }), (e) => e.code === "PYTHON_FETCH_FAILED" && e.message.includes("HTTP 404"));
    await assert.rejects(managedPythonTarball("http://127.0.0.1:1/python.tar.gz", { cacheDir }), (e) => e.code === "PYTHON_FETCH_FAILED" && e.message.includes("127.0.0.1:1"));
  });
});

describe("the spec step of a failing instruction", () => {
  test("each Dockerfile line leads to the step that rendered it", async () => {
    const image = Image.fromRegistry("python:3.12").env({ A: "1" }).runCommands("echo one", "exit 3").aptInstall("git");
    const resolution = await image.resolve(memoryHost({}));
    assert.deepEqual(stepOfInstruction(resolution, "RUN exit 3"), { step: 1, op: "runCommands", line: 4 });
    assert.deepEqual(stepOfInstruction(resolution, "/bin/sh -c exit 3"), { step: 1, op: "runCommands", line: 4 });
    assert.equal(stepOfInstruction(resolution, "FROM python:3.12")?.step, null);
    assert.equal(stepOfInstruction(resolution, "RUN something else entirely"), undefined);
    assert.equal(stepOfInstruction(resolution, undefined), undefined);
  });
});
