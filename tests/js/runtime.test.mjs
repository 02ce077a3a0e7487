// The runtime's parts that need no engine (the real-engine tests are tests/runtime/, run by the
// e2e harness): option and command checks, the managed CPython cache (fetched once, checked
// against its SHA-256, a bad cached copy fetched again, failures coded), naming the spec step of a
// failing Dockerfile line, and hosts whose methods are inherited (class instances).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { Image, memoryHost, nodeHost } from "@apothic/image";
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
    ["registry.insecure neither a boolean nor a list of hosts", { host, registry: { repository: "127.0.0.1:5000/envs", insecure: "yes" } }],
    ["registry.insecure listing a number", { host, registry: { repository: "127.0.0.1:5000/envs", insecure: ["127.0.0.1:5000", 5001] } }],
    ["credentials without a password", { host, credentials: { "ghcr.io": { username: "u" } } }],
    ["credentials as a list", { host, credentials: [{ username: "u", password: "p" }] }],
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
  let flakyUp = false;
  let server;
  let base;
  let cacheDir;
  before(async () => {
    server = createServer((req, res) => {
      requests += 1;
      if (req.url === "/python.tar.gz" || (req.url === "/flaky.tar.gz" && flakyUp)) {
        res.writeHead(200, { "content-length": String(tarball.length) });
        res.end(tarball);
      } else if (req.url === "/flaky.tar.gz") {
        res.writeHead(503);
        res.end();
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

  test("a cached copy that fails its SHA-256 is deleted and fetched again, once", async () => {
    const other = mkdtempSync(join(tmpdir(), "apothic-cache-"));
    try {
      const first = await managedPythonTarball(`${base}/python.tar.gz`, { sha256: digest, cacheDir: other });
      writeFileSync(first.file, "damaged");
      const before = requests;
      const again = await managedPythonTarball(`${base}/python.tar.gz`, { sha256: digest, cacheDir: other });
      assert.equal(again.cached, false);
      assert.deepEqual(again.bytes, tarball);
      assert.equal(requests, before + 1);
      assert.deepEqual(new Uint8Array(readFileSync(first.file)), tarball, "the cache holds the good copy again");
      // From the cache from then on.
      assert.equal((await managedPythonTarball(`${base}/python.tar.gz`, { sha256: digest, cacheDir: other })).cached, true);
      assert.equal(requests, before + 1);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("when the fresh fetch fails too, the error names the deleted cache file", async () => {
    const other = mkdtempSync(join(tmpdir(), "apothic-cache-"));
    try {
      const { file } = await managedPythonTarball(`${base}/python.tar.gz`, { cacheDir: other });
      // The digest is now another one (a new release's, say): the server's bytes do not match it either.
      const expected = "1".repeat(64);
      await assert.rejects(
        managedPythonTarball(`${base}/python.tar.gz`, { sha256: expected, cacheDir: other }),
        (e) => e.code === "PYTHON_DIGEST_MISMATCH" && e.message.includes(`the cached copy ${file}`) && e.message.includes("was deleted") && e.file === file,
      );
      assert.equal(existsSync(file), false);
      // A server that no longer serves it: PYTHON_FETCH_FAILED, naming the cache file deleted.
      flakyUp = true;
      const flaky = await managedPythonTarball(`${base}/flaky.tar.gz`, { cacheDir: other });
      writeFileSync(flaky.file, "damaged");
      flakyUp = false;
      await assert.rejects(
        managedPythonTarball(`${base}/flaky.tar.gz`, { sha256: digest, cacheDir: other }),
        (e) => e.code === "PYTHON_FETCH_FAILED" && e.message.includes("HTTP 503") && e.message.includes(`the cached copy ${flaky.file}`),
      );
      assert.equal(existsSync(flaky.file), false);
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

  test("an instruction that is part of a later one names its own step, in either order", async () => {
    // FROM, ENV, then three RUN lines (steps 1-3); BuildKit numbers them [2/4]-[4/4] (ENV makes
    // no step of its own), the classic builder and buildah 3/5-5/5.
    for (const [first, second] of [["make", "make install"], ["make install", "make"]]) {
      const image = Image.fromRegistry("python:3.12").env({ A: "1" }).runCommands(first).runCommands(second).runCommands(first);
      const resolution = await image.resolve(memoryHost({}));
      assert.deepEqual(stepOfInstruction(resolution, `RUN ${second}`), { step: 2, op: "runCommands", line: 4 }, second);
      assert.deepEqual(stepOfInstruction(resolution, `/bin/sh -c ${second}`), { step: 2, op: "runCommands", line: 4 }, second);
      // The same instruction twice: the first without a step number, else the one the engine's number names.
      assert.deepEqual(stepOfInstruction(resolution, `RUN ${first}`), { step: 1, op: "runCommands", line: 3 }, first);
      assert.equal(stepOfInstruction(resolution, `RUN ${first}`, 2)?.step, 1, "BuildKit [2/4]");
      assert.equal(stepOfInstruction(resolution, `RUN ${first}`, 4)?.step, 3, "BuildKit [4/4]");
      assert.equal(stepOfInstruction(resolution, `RUN ${first}`, 3)?.step, 1, "classic Step 3/5");
      assert.equal(stepOfInstruction(resolution, `RUN ${first}`, 5)?.step, 3, "classic Step 5/5");
      assert.equal(stepOfInstruction(resolution, `[stage-0 4/4] RUN ${first}`, 4)?.step, 3);
    }
  });

  test("continuation lines and spacing are one instruction; a lower-case keyword is the same instruction", async () => {
    const host = memoryHost({ Dockerfile: "FROM python:3.12\nrun make \\\n    && echo   done\nRUN make\n" });
    const resolution = await Image.fromDockerfile("Dockerfile").runCommands("make").resolve(host);
    assert.deepEqual(stepOfInstruction(resolution, "RUN make && echo done"), { step: null, op: "fromDockerfile", line: 2 });
    assert.deepEqual(stepOfInstruction(resolution, "RUN make"), { step: null, op: "fromDockerfile", line: 4 });
    assert.deepEqual(stepOfInstruction(resolution, "RUN make", 3), { step: null, op: "fromDockerfile", line: 4 });
    assert.deepEqual(stepOfInstruction(resolution, "RUN make", 4), { step: 0, op: "runCommands", line: 5 });
  });
});

describe("hosts", () => {
  test("a registry repository on Docker Hub (team/envs) has its lookup sent to Docker Hub with its credentials", async () => {
    const { dockerEngine } = await import("@apothic/image/runtime");
    const engine = dockerEngine({ host: `unix://${join(tmpdir(), "apothic-no-engine.sock")}` });
    /** @type {{ url: string, authorization: string | undefined }[]} */
    const asked = [];
    const fetch = async (/** @type {string} */ url, /** @type {{ headers?: Record<string, string> }} */ init) => {
      const authorization = init?.headers?.authorization;
      asked.push({ url, authorization });
      if (authorization === undefined) return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="hub"' } });
      return new Response(null, { status: 404 });
    };
    const registry = { repository: "team/envs", credentials: { username: "u", password: "p" }, fetch };
    const image = Image.fromRegistry("python:3.12").copyLocalFile("app.py", "/app/app.py");
    // Not published (404 with the credentials): the build is next, and no engine listens.
    await assert.rejects(ensure(image, { host: memoryHost({ "app.py": "print(1)\n" }), engine, registry }), (e) => e.code === "ENGINE_UNREACHABLE");
    assert.equal(asked.length, 2);
    assert.match(asked[0].url, /^https:\/\/registry-1\.docker\.io\/v2\/team\/envs\/manifests\/sha256-[0-9a-f]{64}$/);
    assert.equal(asked[1].authorization, `Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  test("a class-instance host keeps its inherited methods (and private fields) through ensure's lookup", async () => {
    const project = mkdtempSync(join(tmpdir(), "apothic-host-"));
    writeFileSync(join(project, "app.py"), "print(1)\n");
    class ProjectHost {
      #inner = nodeHost({ root: project });
      readFile(/** @type {string} */ file) {
        return this.#inner.readFile(file);
      }
      readDir(/** @type {string} */ dir) {
        return this.#inner.readDir(dir);
      }
    }
    const { dockerEngine } = await import("@apothic/image/runtime");
    const engine = dockerEngine({ host: `unix://${join(tmpdir(), "apothic-no-engine.sock")}` });
    const image = Image.fromRegistry("python:3.12").copyLocalFile("app.py", "/app/app.py");
    /** @type {string[]} */
    const phases = [];
    try {
      // Resolution reads app.py through the host's own methods, the registry (nothing listens)
      // answers "not published", and only the engine is missing.
      await assert.rejects(
        ensure(image, { host: new ProjectHost(), engine, registry: { repository: "127.0.0.1:1/envs", insecure: true }, onProgress: (e) => phases.push(e.phase) }),
        (e) => e.code === "ENGINE_UNREACHABLE",
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
    assert.deepEqual(phases, ["resolve"]);
  });
});
