// The Docker Engine API client (js/runtime/docker-engine.js) against the e2e harness's private
// dockerd (DOCKER_HOST, Debian's 20.10 with BuildKit) and its bases, with real docker-registries
// on 127.0.0.1 (tests/registry/registry.mjs: anonymous, and htpasswd Basic auth); and, for what a
// real engine never answers, a hostile engine on a Unix socket of this process. Run by
// tests/e2e/run.sh (step 7; `E2E_ONLY=runtime tests/e2e/run.sh` runs it alone).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { freePort, startRegistry } from "../registry/registry.mjs";

// The engine client as the package ships it (installed by tests/e2e/run.sh); the decoders are
// not exports of the package, so they are imported from its folder by path.
if (!process.env.E2E_WORK) throw new Error("engine.test: E2E_WORK is not set (run tests/e2e/run.sh, or E2E_ONLY=runtime tests/e2e/run.sh)");
const runtimeDir = join(process.env.E2E_WORK, "cli", "node_modules", "@apothic", "image", "runtime");
const load = (/** @type {string} */ file) => import(pathToFileURL(join(runtimeDir, file)).href);
const { decodeStatus, TraceFormatError } = await load("buildkit-trace.js");
const { dockerEngine, MIN_API_VERSION } = await load("docker-engine.js");
const { frameDecoder, jsonMessages, MAX_JSON_LINE_BYTES } = await load("docker-stream.js");
const { packFiles } = await load("tar-pack.js");

if (!process.env.DOCKER_HOST) throw new Error("engine.test: DOCKER_HOST is not set (run tests/e2e/run.sh, or E2E_ONLY=runtime tests/e2e/run.sh)");
const BASE = "debian:bookworm-slim";
const engine = dockerEngine();
/** A name unique to this run, for tags and file contents (no cache hit from an earlier run). */
const run = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const text = (/** @type {string} */ s) => new TextEncoder().encode(s);
const sha256 = (/** @type {Uint8Array} */ b) => createHash("sha256").update(b).digest("hex");

/** A build context: the Dockerfile and other files at the context's root. */
function context(dockerfile, files = {}) {
  return packFiles([{ path: "/Dockerfile", bytes: text(dockerfile) }, ...Object.entries(files).map(([name, bytes]) => ({ path: `/${name}`, bytes }))]);
}

/** Rejects with `code` (and whatever else `check` asserts). */
async function rejectsWith(promise, code, check = () => {}) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected an error with code ${code}, got none`);
  assert.equal(error.code, code, `expected code ${code}, got ${error.code}: ${error.message}`);
  check(error);
  return error;
}

/** Whether the engine still knows the container (docker CLI, the harness's). */
const containerExists = (id) => spawnSync("/usr/bin/docker", ["container", "inspect", id], { stdio: "ignore" }).status === 0;

describe("dockerEngine on the e2e dockerd", () => {
  test("version: the engine's API is negotiated (20.10 speaks 1.41)", async () => {
    const v = await engine.version();
    assert.match(v.version, /^20\.10\./);
    assert.equal(v.apiVersion, "1.41");
    assert.equal(v.usedApiVersion, "1.41");
    assert.equal(v.os, "linux");
    assert.equal(engine.host, process.env.DOCKER_HOST);
  });

  let built = "";
  const tag = `apothic-runtime-test/built:${run}`;
  test("build: BuildKit from a context tar, with progress (steps, their output) and labels", { timeout: 120_000 }, async () => {
    const events = [];
    const dockerfile = `FROM ${BASE}\nCOPY hello.txt /hello.txt\nRUN echo "built ${run}" && echo "to stderr" >&2 && cat /hello.txt\n`;
    const { imageId } = await engine.build(context(dockerfile, { "hello.txt": text(`hello ${run}\n`) }), {
      tag,
      network: "none",
      labels: { "org.example.run": run },
      onProgress: (e) => events.push(e),
    });
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    built = imageId;
    const image = await engine.inspectImage(tag);
    assert.equal(image.id, imageId);
    assert.deepEqual(image.labels, { "org.example.run": run });
    assert.deepEqual(image.cmd, ["bash"]);
    const steps = events.filter((e) => e.kind === "vertex").map((e) => e.name);
    assert.ok(steps.includes(`[3/3] RUN echo "built ${run}" && echo "to stderr" >&2 && cat /hello.txt`), steps.join("\n"));
    assert.ok(events.some((e) => e.kind === "vertex" && e.name.startsWith("[3/3]") && e.completed !== undefined && e.started !== undefined));
    const logs = events.filter((e) => e.kind === "log");
    assert.ok(logs.some((e) => e.stream === 1 && e.text.includes(`built ${run}`)), JSON.stringify(logs));
    assert.ok(logs.some((e) => e.stream === 2 && e.text.includes("to stderr")), JSON.stringify(logs));
    assert.ok(logs.some((e) => e.stream === 1 && e.text.includes(`hello ${run}`)), JSON.stringify(logs));
  });

  test("build: the same context as a stream of chunks builds the same image (all cached)", { timeout: 120_000 }, async () => {
    const tar = context(`FROM ${BASE}\nCOPY hello.txt /hello.txt\nRUN echo "built ${run}" && echo "to stderr" >&2 && cat /hello.txt\n`, { "hello.txt": text(`hello ${run}\n`) });
    async function* chunks() {
      for (let i = 0; i < tar.length; i += 700) yield tar.subarray(i, i + 700);
    }
    const cached = [];
    const { imageId } = await engine.build(chunks(), { tag: `${tag}-again`, network: "none", labels: { "org.example.run": run }, onProgress: (e) => e.kind === "vertex" && e.cached && cached.push(e.name) });
    assert.equal(imageId, built);
    assert.ok(cached.some((n) => n.startsWith("[3/3] RUN")), cached.join("\n"));
  });

  test("build: a failing RUN is ENGINE_BUILD_FAILED with the step, its instruction and the log's tail", { timeout: 120_000 }, async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line-${i}`).join(" ");
    const dockerfile = `FROM ${BASE}\nRUN echo fine ${run}\nRUN for l in ${lines}; do echo $l; done; echo "going wrong"; exit 3\n`;
    await rejectsWith(engine.build(context(dockerfile), { tag: `${tag}-fails`, network: "none" }), "ENGINE_BUILD_FAILED", (error) => {
      assert.equal(error.step, 3);
      assert.equal(error.instruction, `RUN for l in ${lines}; do echo $l; done; echo "going wrong"; exit 3`);
      assert.match(error.message, /failed at step 3\/3 \(RUN for l in/);
      assert.match(error.message, /exit code: 3/);
      const log = error.log.split("\n");
      assert.ok(log.length <= 40 && log.length >= 30, `${log.length} lines`);
      assert.ok(log.some((l) => l.endsWith("line-59")) && !log.some((l) => l.endsWith(" line-0")), error.log);
      assert.ok(log.some((l) => l.endsWith("going wrong")), error.log);
      assert.ok(log.at(-1).includes("exit code: 3"), error.log);
    });
    assert.equal(await engine.imageExists(`${tag}-fails`), false);
  });

  test("build: the classic builder's failure names its step too (Step 3/3)", { timeout: 120_000 }, async () => {
    const dockerfile = `FROM ${BASE}\nRUN echo classic ${run}\nRUN echo "classic wrong" && exit 4\n`;
    await rejectsWith(engine.build(context(dockerfile), { tag: `${tag}-classic`, network: "none", builder: "classic" }), "ENGINE_BUILD_FAILED", (error) => {
      assert.equal(error.step, 3);
      assert.equal(error.instruction, 'RUN echo "classic wrong" && exit 4');
      assert.match(error.message, /returned a non-zero code: 4/);
      assert.match(error.log, /classic wrong/);
    });
  });

  test("build: a Dockerfile BuildKit cannot parse, and a context that is not a tar, are ENGINE_BUILD_FAILED", { timeout: 60_000 }, async () => {
    await rejectsWith(engine.build(context(`FROM ${BASE}\nNOPE here\n`), { tag: `${tag}-parse` }), "ENGINE_BUILD_FAILED", (error) => {
      assert.match(error.message, /unknown instruction: NOPE/);
      assert.equal(error.instruction, undefined);
    });
    await rejectsWith(engine.build(text("\x00\x01not a tar"), { tag: `${tag}-garbage`, builder: "classic" }), "ENGINE_BUILD_FAILED", (error) => {
      assert.equal(error.status, 500);
    });
  });

  test("build: an abort stops it within a second (ABORTED)", { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const building = engine.build(context(`FROM ${BASE}\nRUN echo ${run} && sleep 60\n`), {
      tag: `${tag}-aborted`,
      network: "none",
      signal: controller.signal,
      onProgress: (e) => e.kind === "vertex" && e.name.startsWith("[2/2] RUN") && e.started !== undefined && controller.abort(),
    });
    const start = Date.now();
    await rejectsWith(building, "ABORTED");
    assert.ok(Date.now() - start < 60_000);
    const aborted = Date.now();
    await rejectsWith(
      engine.build(context(`FROM ${BASE}\n`), { tag: `${tag}-aborted`, signal: AbortSignal.abort() }),
      "ABORTED",
    );
    assert.ok(Date.now() - aborted < 1000);
  });

  test("run: the exit code is returned (not thrown), stdout and stderr apart, streamed and captured", { timeout: 60_000 }, async () => {
    const streamed = { out: [], err: [] };
    const result = await engine.run({
      image: BASE,
      cmd: ["sh", "-c", 'echo "out $GREETING"; echo "err in $(pwd) as $(id -u)" >&2; printf tail; exit 7'],
      env: { GREETING: "hi there" },
      workdir: "/usr",
      user: "65534",
      network: "none",
      stdout: (chunk) => streamed.out.push(Buffer.from(chunk)),
      stderr: (chunk) => streamed.err.push(Buffer.from(chunk)),
      capture: true,
    });
    assert.deepEqual(result, { exitCode: 7, stdout: "out hi there\ntail", stderr: "err in /usr as 65534\n" });
    assert.equal(Buffer.concat(streamed.out).toString(), result.stdout);
    assert.equal(Buffer.concat(streamed.err).toString(), result.stderr);
    const quiet = await engine.run({ image: BASE, cmd: ["true"], network: "none" });
    assert.deepEqual(quiet, { exitCode: 0 });
  });

  test("run: an entrypoint, and the output past maxOutputBytes is cut (truncated)", { timeout: 60_000 }, async () => {
    const result = await engine.run({ image: BASE, entrypoint: ["/bin/sh", "-c"], cmd: ["head -c 100000 /dev/zero | tr '\\0' x"], network: "none", capture: true, maxOutputBytes: 1000 });
    assert.deepEqual(result, { exitCode: 0, stdout: "x".repeat(1000), stderr: "", truncated: true });
  });

  test("run: files are copied in before start, bytes and modes exact, new parents 0755, existing folders untouched", { timeout: 60_000 }, async () => {
    const binary = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    const long = `/opt/${"deep/".repeat(25)}file.txt`;
    const files = [
      { path: "/app/bin/tool.sh", bytes: text("#!/bin/sh\necho tool ran\n"), mode: 0o755 },
      { path: "/app/data/blob.bin", bytes: binary, mode: 0o600 },
      { path: "/tmp/note", bytes: text(""), mode: 0o4751 },
      { path: long, bytes: text("long path\n") },
    ];
    const script = [
      "stat -c '%n %a %s %u:%g' /app /app/bin /app/bin/tool.sh /app/data/blob.bin /tmp /tmp/note",
      "sha256sum /app/data/blob.bin",
      "/app/bin/tool.sh",
      `cat ${long}`,
      `stat -c '%a' ${long}`,
    ].join(" && ");
    const result = await engine.run({ image: BASE, cmd: ["sh", "-c", script], network: "none", files, capture: true });
    assert.equal(result.stderr, "");
    assert.equal(result.exitCode, 0);
    assert.deepEqual(result.stdout.split("\n"), [
      "/app 755 4096 0:0",
      "/app/bin 755 4096 0:0",
      "/app/bin/tool.sh 755 24 0:0",
      "/app/data/blob.bin 600 70000 0:0",
      "/tmp 1777 4096 0:0",
      "/tmp/note 4751 0 0:0",
      `${sha256(binary)}  /app/data/blob.bin`,
      "tool ran",
      "long path",
      "644",
      "",
    ]);
  });

  test("run: archives (tar and gzip) are extracted where asked, in order, before the files", { timeout: 60_000 }, async () => {
    const first = packFiles([{ path: "/opt/tool/bin/run", bytes: text("#!/bin/sh\necho from the archive\n"), mode: 0o755 }, { path: "/opt/tool/VERSION", bytes: text("1\n") }]);
    const second = gzipSync(packFiles([{ path: "/bin/run", bytes: text("#!/bin/sh\necho replaced\n"), mode: 0o700 }]));
    const result = await engine.run({
      image: BASE,
      cmd: ["sh", "-c", "/opt/tool/bin/run && cat /opt/tool/VERSION && stat -c '%a' /opt/tool/bin/run"],
      network: "none",
      archives: [
        { path: "/", tar: first },
        { path: "/opt/tool", tar: second },
      ],
      files: [{ path: "/opt/tool/VERSION", bytes: text("2\n") }],
      capture: true,
    });
    assert.deepEqual(result, { exitCode: 0, stdout: "replaced\n2\n700\n", stderr: "" });
    let id = "";
    await rejectsWith(
      engine.run({ image: BASE, cmd: ["true"], network: "none", archives: [{ path: "/no/such/folder", tar: first }], onProgress: (e) => e.kind === "container" && (id = e.id) }),
      "ENGINE_API",
      (e) => assert.equal(e.status, 404),
    );
    assert.equal(containerExists(id), false);
  });

  test("run: an abort kills and removes the container within a second (ABORTED)", { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    let id = "";
    const running = engine.run({
      image: BASE,
      cmd: ["sleep", "60"],
      network: "none",
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === "container" && e.state === "started") {
          id = e.id;
          setTimeout(() => controller.abort(), 200);
        }
      },
    });
    let aborted = 0;
    controller.signal.addEventListener("abort", () => (aborted = Date.now()));
    await rejectsWith(running, "ABORTED");
    const took = Date.now() - aborted;
    console.log(`     run abort: rejected and container removed ${took} ms after the abort`);
    assert.ok(took < 1500, `${took} ms`);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(containerExists(id), false);
  });

  test("run: a failed start (no such executable) is ENGINE_API and leaves no container", { timeout: 60_000 }, async () => {
    let id = "";
    await rejectsWith(engine.run({ image: BASE, cmd: ["/no/such/tool"], network: "none", onProgress: (e) => e.kind === "container" && (id = e.id) }), "ENGINE_API", (error) => {
      assert.match(error.message, /no such file or directory/);
      assert.ok(error.status >= 400);
    });
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(containerExists(id), false);
  });

  test("run, inspectImage, imageExists, removeImage: an image the engine does not have", { timeout: 60_000 }, async () => {
    await rejectsWith(engine.run({ image: `apothic-runtime-test/missing:${run}`, cmd: ["true"] }), "ENGINE_API", (e) => assert.equal(e.status, 404));
    await rejectsWith(engine.inspectImage(`apothic-runtime-test/missing:${run}`), "ENGINE_API", (e) => assert.equal(e.status, 404));
    assert.equal(await engine.imageExists(`apothic-runtime-test/missing:${run}`), false);
    await rejectsWith(engine.removeImage(`apothic-runtime-test/missing:${run}`), "ENGINE_API", (e) => assert.equal(e.status, 404));
  });

  describe("with registries", () => {
    /** @type {import("../registry/registry.mjs").Registry} */
    let open;
    /** @type {import("../registry/registry.mjs").Registry} */
    let guarded;
    const user = "runtime-tester";
    const password = `pw-${randomBytes(12).toString("hex")}`;
    before(async () => {
      open = await startRegistry({ name: "runtime-open" });
      guarded = await startRegistry({ name: "runtime-basic", basic: { user, password } });
    });
    after(async () => {
      await open?.stop();
      await guarded?.stop();
    });

    /** The registry's digest of a manifest (Docker-Content-Digest, checked against its bytes). */
    async function manifestDigest(registry, repo, reference, headers = {}) {
      const response = await fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, {
        headers: { accept: "application/vnd.docker.distribution.manifest.v2+json", ...headers },
      });
      assert.equal(response.status, 200);
      const digest = `sha256:${sha256(new Uint8Array(await response.arrayBuffer()))}`;
      assert.equal(response.headers.get("docker-content-digest"), digest);
      return digest;
    }

    test("push: the digest is the registry's manifest digest; pull after removeImage brings the same image back", { timeout: 120_000 }, async () => {
      assert.ok(built, "the build test ran first");
      const ref = `${open.host}/runtime/app:${run}`;
      await engine.tag(tag, `${open.host}/runtime/app`, run);
      assert.equal((await engine.inspectImage(ref)).id, built);
      const statuses = [];
      const { digest } = await engine.push(ref, { onProgress: (e) => e.kind === "status" && statuses.push(e.status) });
      assert.equal(digest, await manifestDigest(open, "runtime/app", run));
      assert.ok(statuses.includes("Pushed"), statuses.join(", "));

      await engine.removeImage(ref);
      await engine.removeImage(tag);
      await engine.removeImage(`${tag}-again`);
      assert.equal(await engine.imageExists(ref), false);
      assert.equal(await engine.imageExists(built), false);
      const pulled = await engine.pull(ref);
      assert.equal(pulled.digest, digest);
      const image = await engine.inspectImage(ref);
      assert.equal(image.id, built);
      assert.deepEqual(image.repoDigests, [`${open.host}/runtime/app@${digest}`]);
      const byDigest = await engine.pull(`${open.host}/runtime/app@${digest}`);
      assert.equal(byDigest.digest, digest);
    });

    test("push and pull with credentials: refused ones are reason \"auth\" with no password anywhere; good ones work", { timeout: 120_000 }, async () => {
      const ref = `${guarded.host}/runtime/private:${run}`;
      await engine.tag(BASE, `${guarded.host}/runtime/private`, run);
      const wrong = `wrong-${password}`;
      for (const [auth, said] of [
        [undefined, /failed: no basic auth credentials$/],
        [{ username: user, password: wrong, serveraddress: guarded.host }, /failed: unauthorized: authentication required$/],
      ]) {
        await rejectsWith(engine.push(ref, { auth }), "ENGINE_PUSH_FAILED", (error) => {
          assert.equal(error.reason, "auth", error.message);
          assert.ok(!JSON.stringify({ ...error, message: error.message, stack: error.stack }).includes(password), error.message);
          assert.match(error.message, said);
        });
      }
      const { digest } = await engine.push(ref, { auth: { username: user, password, serveraddress: guarded.host } });
      const basic = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      assert.equal(digest, await manifestDigest(guarded, "runtime/private", run, { authorization: basic }));
      await engine.removeImage(ref);
      await rejectsWith(engine.pull(ref, { auth: { username: user, password: wrong } }), "ENGINE_PULL_FAILED", (error) => {
        assert.equal(error.reason, "auth", error.message);
        assert.ok(!error.message.includes(password) && !String(error.stack).includes(password));
      });
      assert.equal((await engine.pull(ref, { auth: { username: user, password } })).digest, digest);
      await engine.removeImage(ref);
    });

    test("push of an image the engine does not have, pull of a tag the registry does not have", { timeout: 60_000 }, async () => {
      await rejectsWith(engine.push(`${open.host}/runtime/none:${run}`), "ENGINE_PUSH_FAILED", (error) => {
        assert.match(error.message, /failed: An image does not exist locally with the tag: 127\.0\.0\.1:\d+\/runtime\/none$/);
        assert.equal(error.reason, undefined);
      });
      await rejectsWith(engine.pull(`${open.host}/runtime/app:not-${run}`), "ENGINE_PULL_FAILED", (error) => {
        assert.match(error.message, /not found|manifest unknown/);
        assert.equal(error.reason, undefined);
      });
    });
  });
});

describe("dockerEngine: unreachable engines and bad arguments", () => {
  test("a socket nobody listens on, a closed TCP port: ENGINE_UNREACHABLE naming the address", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apothic-engine-"));
    try {
      const host = `unix://${dir}/docker.sock`;
      await rejectsWith(dockerEngine({ host }).version(), "ENGINE_UNREACHABLE", (e) => {
        assert.ok(e.message.includes(host), e.message);
        assert.equal(e.host, host);
      });
      await rejectsWith(dockerEngine({ host }).run({ image: BASE, cmd: ["true"] }), "ENGINE_UNREACHABLE");
      const port = await freePort();
      await rejectsWith(dockerEngine({ host: `tcp://127.0.0.1:${port}` }).build(context(`FROM ${BASE}\n`), { tag: "x/y:z" }), "ENGINE_UNREACHABLE", (e) => {
        assert.ok(e.message.includes(`tcp://127.0.0.1:${port}`), e.message);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad options and arguments are INVALID_ARGUMENT before any request", async () => {
    const bad = (fn) => assert.throws(fn, (e) => e.code === "INVALID_ARGUMENT" && e.message.startsWith("dockerEngine: "));
    const badAsync = (promise) => rejectsWith(promise, "INVALID_ARGUMENT");
    bad(() => dockerEngine({ host: "ssh://me@box" }));
    bad(() => dockerEngine({ host: "https://box:2376" }));
    bad(() => dockerEngine({ host: "tcp://box:99999" }));
    bad(() => dockerEngine({ apiVersion: "1.40" }));
    bad(() => dockerEngine({ apiVersion: "2.0" }));
    await badAsync(engine.run({ image: BASE, files: [{ path: "relative/file", bytes: text("") }] }));
    await badAsync(engine.run({ image: BASE, files: [{ path: "/a/../etc/passwd", bytes: text("") }] }));
    await badAsync(engine.run({ image: BASE, files: [{ path: "/a", bytes: text("") }, { path: "/a", bytes: text("") }] }));
    await badAsync(engine.run({ image: BASE, files: [{ path: "/a", bytes: text(""), mode: 0o10000 }] }));
    await badAsync(engine.run({ image: BASE, files: [{ path: "/a", bytes: "text" }] }));
    await badAsync(engine.run({ image: BASE, env: { "A=B": "c" } }));
    await badAsync(engine.run({ image: BASE, archives: [{ path: "/a/../b", tar: text("") }] }));
    await badAsync(engine.run({ image: BASE, archives: [{ path: "relative", tar: text("") }] }));
    await badAsync(engine.run({ image: BASE, archives: [{ path: "/", tar: "not bytes" }] }));
    await badAsync(engine.run({ image: "bad image name" }));
    await badAsync(engine.run({ image: BASE, stdout: 42 }));
    await badAsync(engine.build("not bytes", { tag: "x/y:z" }));
    await badAsync(engine.build(context(""), { tag: "x/y:z", network: "host; rm -rf" }));
    await badAsync(engine.push(`127.0.0.1:5000/x@sha256:${"0".repeat(64)}`));
    await badAsync(engine.push("x/y:z", { auth: { username: "u" } }));
    await badAsync(engine.tag(BASE, "x/y", "bad tag"));
  });

  test("an API version given is used without asking GET /version", async () => {
    const pinned = dockerEngine({ apiVersion: MIN_API_VERSION });
    assert.equal(await pinned.imageExists(BASE), true);
  });
});

describe("dockerEngine against a hostile engine", () => {
  /** What the hostile engine answers, by test. */
  let mode = "";
  let deleted = 0;
  const dir = mkdtempSync(join(tmpdir(), "apothic-hostile-"));
  const socket = join(dir, "engine.sock");
  const hostile = dockerEngine({ host: `unix://${socket}` });
  const id = "a".repeat(64);
  const server = createServer((req, res) => {
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    req.resume();
    if (req.url === "/version") {
      if (mode === "garbage") return res.end("<html>not an engine</html>");
      if (mode === "old") return json(200, { Version: "19.03.15", ApiVersion: "1.40", MinAPIVersion: "1.12" });
      return json(200, { Version: "99.0", ApiVersion: "1.99", MinAPIVersion: "1.24" });
    }
    if (req.url?.startsWith("/v1.47/build")) {
      res.writeHead(200, { "content-type": "application/json" });
      if (mode === "long-line") return res.end(`{"stream":"${"x".repeat(MAX_JSON_LINE_BYTES)}"}\n`);
      if (mode === "not-base64") return res.end('{"id":"moby.buildkit.trace","aux":"!!!!"}\n');
      if (mode === "not-protobuf") return res.end(`{"id":"moby.buildkit.trace","aux":"${Buffer.from([0x0a, 0x05, 0x0a]).toString("base64")}"}\n`);
      if (mode === "bad-id") return res.end('{"id":"moby.image.id","aux":{"ID":"sha256:nope"}}\n');
      if (mode === "no-id") return res.end('{"stream":"done\\n"}\n');
      return res.end("[1, 2]\n");
    }
    if (req.url?.startsWith("/v1.47/images/x/y/push")) {
      res.writeHead(200, { "content-type": "application/json" });
      const line = (/** @type {string} */ digit, tag = "z") => JSON.stringify({ status: `${tag}: digest: sha256:${digit.repeat(64)} size: 528` });
      const aux = (/** @type {string} */ digit) => JSON.stringify({ progressDetail: {}, aux: { Tag: "z", Digest: `sha256:${digit.repeat(64)}`, Size: 528 } });
      if (mode === "push-podman") return res.end(`{"status":"The push refers to repository [x/y:z]"}\n${line("b")}\n`);
      if (mode === "push-docker") return res.end(`${line("c")}\n${aux("c")}\n`);
      if (mode === "push-two-digests") return res.end(`${line("b")}\n${aux("c")}\n`);
      if (mode === "push-other-tag") return res.end(`${line("b", "other")}\n`);
      return res.end(`${line("b").replace("b".repeat(64), "b".repeat(63))}\n`);
    }
    if (req.url?.startsWith("/v1.47/containers/create")) return json(201, { Id: id, Warnings: [] });
    if (req.url?.startsWith(`/v1.47/containers/${id}/wait`)) {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return setTimeout(() => res.end('{"StatusCode":0}'), 100);
    }
    if (req.url?.startsWith(`/v1.47/containers/${id}/start`)) {
      res.writeHead(204);
      return res.end();
    }
    if (req.method === "DELETE" && req.url?.startsWith(`/v1.47/containers/${id}`)) {
      deleted += 1;
      res.writeHead(204);
      return res.end();
    }
    json(404, { message: `no route ${req.method} ${req.url}` });
  });
  server.on("upgrade", (req, sock) => {
    sock.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    // A good stdout frame, then a frame header naming stream 9.
    sock.end(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from("ok\n"), Buffer.from([9, 0, 0, 0, 0, 0, 0, 1, 65])]));
  });
  before(() => new Promise((ok) => server.listen(socket, ok)));
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("GET /version that is not JSON, or an API older than 1.41", async () => {
    mode = "garbage";
    await rejectsWith(dockerEngine({ host: `unix://${socket}` }).version(), "ENGINE_BAD_ANSWER", (e) => assert.match(e.message, /did not answer JSON/));
    mode = "old";
    await rejectsWith(dockerEngine({ host: `unix://${socket}` }).build(context(""), { tag: "x/y:z" }), "ENGINE_UNSUPPORTED", (e) => assert.match(e.message, /speaks API 1\.40; this client needs 1\.41/));
  });

  test("a newer engine is spoken to in 1.47; build streams that do not decode are ENGINE_BAD_ANSWER", async () => {
    mode = "";
    assert.equal((await hostile.version()).usedApiVersion, "1.47");
    for (const [m, pattern] of [
      ["long-line", /longer than 1048576 bytes/],
      ["not-base64", /not base64/],
      ["not-protobuf", /not a StatusResponse: a length-delimited field runs past the end/],
      ["bad-id", /is not "sha256:<64 hex>"/],
      ["no-id", /without the built image's ID/],
      ["array", /not a JSON object/],
    ]) {
      mode = m;
      await rejectsWith(hostile.build(context(""), { tag: "x/y:z" }), "ENGINE_BAD_ANSWER", (e) => assert.match(e.message, pattern, m));
    }
  });

  test("push: the digest of the aux, else of the closing status line (Podman sends only that); two digests, another tag's or a cut one are ENGINE_BAD_ANSWER", async () => {
    mode = "push-podman";
    assert.deepEqual(await hostile.push("x/y:z"), { digest: `sha256:${"b".repeat(64)}` });
    mode = "push-docker";
    assert.deepEqual(await hostile.push("x/y:z"), { digest: `sha256:${"c".repeat(64)}` });
    for (const [m, pattern] of [
      ["push-two-digests", /stated two digests/],
      ["push-other-tag", /without the pushed digest/],
      ["push-cut-digest", /without the pushed digest/],
    ]) {
      mode = m;
      await rejectsWith(hostile.push("x/y:z"), "ENGINE_BAD_ANSWER", (e) => assert.match(e.message, pattern, m));
    }
  });

  test("run: a bad frame header on the attached stream is ENGINE_BAD_ANSWER, and the container is removed", async () => {
    mode = "";
    const out = [];
    await rejectsWith(hostile.run({ image: "x/y:z", cmd: ["true"], stdout: (c) => out.push(Buffer.from(c).toString()) }), "ENGINE_BAD_ANSWER", (e) => {
      assert.match(e.message, /names stream 9/);
    });
    assert.deepEqual(out, ["ok\n"]);
    assert.equal(deleted, 1);
  });
});

describe("decoders, byte by byte", () => {
  test("frameDecoder: frames split anywhere; padding, unknown streams, cut frames and the engine's stream 3 refused", () => {
    const frames = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 2]), Buffer.from("ab"), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([2, 0, 0, 0, 0, 0, 0, 1]), Buffer.from("c")]);
    for (let split = 0; split <= frames.length; split++) {
      const got = [];
      const d = frameDecoder((s, p) => got.push(`${s}:${Buffer.from(p)}`));
      d.push(frames.subarray(0, split));
      d.push(frames.subarray(split));
      d.end();
      assert.deepEqual(got, ["1:ab", "2:c"]);
    }
    const fails = (bytes, pattern, code = "ENGINE_BAD_ANSWER") =>
      assert.throws(
        () => {
          const d = frameDecoder(() => {});
          d.push(Buffer.from(bytes));
          d.end();
        },
        (e) => e.code === code && pattern.test(e.message),
      );
    fails([0, 0, 0, 0, 0, 0, 0, 0], /names stream 0/);
    fails([1, 0, 1, 0, 0, 0, 0, 0], /non-zero padding/);
    fails([1, 0, 0, 0, 0, 0x10, 0, 1], /a frame of 1048577 bytes/);
    fails([1, 0, 0, 0, 0, 0, 0, 5, 65], /ends inside a frame/);
    fails([1, 0, 0], /ends inside a frame/);
    fails([3, 0, 0, 0, 0, 0, 0, 4, ...Buffer.from("boom")], /reported an error on the attached stream: boom/, "ENGINE_API");
  });

  test("jsonMessages: lines split across chunks, a line over 1 MiB refused even without its newline", async () => {
    const chunks = async function* (/** @type {string[]} */ parts) {
      for (const p of parts) yield Buffer.from(p);
    };
    const got = [];
    for await (const m of jsonMessages(chunks(['{"a":', '1}\n\n{"b"', ':2}\n{"c":3}']), "test")) got.push(m);
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    await rejectsWith(
      (async () => {
        for await (const _ of jsonMessages(chunks(["x".repeat(600_000), "x".repeat(600_000)]), "test"));
      })(),
      "ENGINE_BAD_ANSWER",
    );
  });

  test("decodeStatus: a vertex, a log and a status decode; malformed protobuf is a TraceFormatError", () => {
    const varint = (n) => {
      const out = [];
      while (n >= 128) {
        out.push((n % 128) | 128);
        n = Math.floor(n / 128);
      }
      return [...out, n];
    };
    const ld = (field, bytes) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
    const int = (field, n) => [...varint(field << 3), ...varint(n)];
    const str = (field, s) => ld(field, [...Buffer.from(s)]);
    const vertex = [...str(1, "sha256:v"), ...str(3, "[2/2] RUN false"), ...int(4, 1), ...ld(5, int(1, 1_700_000_000)), ...ld(6, [...int(1, 1_700_000_001), ...int(2, 500_000_000)]), ...str(7, "exit code: 1"), ...int(99, 5)];
    const log = [...str(1, "sha256:v"), ...int(3, 2), ...str(4, "oops\n")];
    const status = [...str(1, "layer"), ...str(2, "sha256:v"), ...str(3, "extracting"), ...int(4, 10), ...int(5, 20)];
    const decoded = decodeStatus(Uint8Array.from([...ld(1, vertex), ...ld(3, log), ...ld(2, status)]));
    assert.deepEqual(decoded.vertexes, [{ digest: "sha256:v", inputs: [], name: "[2/2] RUN false", cached: true, started: 1_700_000_000_000, completed: 1_700_000_001_500, error: "exit code: 1" }]);
    assert.equal(Buffer.from(decoded.logs[0].msg).toString(), "oops\n");
    assert.equal(decoded.logs[0].stream, 2);
    assert.deepEqual(decoded.statuses, [{ id: "layer", vertex: "sha256:v", name: "extracting", current: 10, total: 20 }]);
    for (const [bytes, pattern] of [
      [[0x0a, 0x05, 0x0a], /runs past the end/],
      [[0x08, 0x01], /vertexes has wire type 0/],
      [ld(1, int(3, 1)), /Vertex.name has wire type 0/],
      [[0x48, ...Array(11).fill(0xff)], /longer than 10 bytes|beyond 2\^53/],
      [[0x4b], /wire type 3/],
      [[0x00], /field number 0/],
      [ld(1, ld(3, [0xff, 0xfe])), /not UTF-8/],
      [ld(1, ld(5, int(2, 1_000_000_000))), /nanos is 1000000000/],
    ]) {
      assert.throws(() => decodeStatus(Uint8Array.from(bytes)), (e) => e instanceof TraceFormatError && pattern.test(e.message), String(pattern));
    }
  });
});
