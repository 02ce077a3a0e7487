// The runtime on Podman: Debian's podman 4.3 serving the Docker Engine API on its own socket
// (tests/runtime/podman-engine.mjs), reached with `dockerEngine({ host })` exactly as a dockerd is.
// What docs/runtime.md claims for Podman is shown here: the API version it speaks; a registry
// image run directly with the runtime files copied in; a derived image built by Podman (buildah
// behind the compatible /build, whose classic progress the client reads) and published, then
// reused by the e2e dockerd, and one the dockerd published reused by Podman (the tag scheme works
// across engines); a Python-less base run on the managed CPython, then on its optimized image;
// a failing RUN named by its spec step; a cancelled run. Run by tests/e2e/run.sh (step 7).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startRegistry } from "../registry/registry.mjs";
import { startPodman } from "./podman-engine.mjs";
import { apothic, counted, logs, nonce, pushBases, resolveOptions, runtime, sha256, work } from "./support.mjs";

const { Image, nodeHost, registryHost } = apothic;
const { ensure, run, dockerEngine } = runtime;

let registry;
let podman;
let engineP;
const engineD = dockerEngine();
let project;
let host;
/** @type {{ python: string, plain: string }} */
let bases;

before(async () => {
  registry = await startRegistry({ name: "podman" });
  // The e2e bases, pushed by the e2e dockerd: Podman pulls them from the registry.
  bases = pushBases(registry.host);
  podman = await startPodman({ dir: path.join(work, "..", "podman"), log: path.join(logs, "podman.log"), insecure: [registry.host] });
  engineP = dockerEngine({ host: podman.dockerHost });
  project = mkdtempSync(path.join(tmpdir(), "apothic-podman-"));
  mkdirSync(path.join(project, "data"), { recursive: true });
  writeFileSync(path.join(project, "tool.sh"), `#!/bin/sh\necho tool ${nonce}\n`);
  chmodSync(path.join(project, "tool.sh"), 0o755);
  writeFileSync(path.join(project, "data", "secret.bin"), randomBytes(2048));
  chmodSync(path.join(project, "data", "secret.bin"), 0o600);
  writeFileSync(path.join(project, "app.py"), `print("app ${nonce}")\n`);
  writeFileSync(path.join(project, "hello.py"), `import os, sys\nprint("hello from", sys.version.split()[0], os.path.realpath(sys.executable))\n`);
  host = { ...nodeHost({ root: project }), ...registryHost({ insecure: [registry.host] }) };
});

after(async () => {
  await podman?.stop();
  await registry?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

/** The names of every container Podman has, running or not (GET /containers/json?all=1). */
function containers() {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath: podman.dockerHost.slice("unix://".length), path: "/v1.41/containers/json?all=1" }, (answer) => {
      let body = "";
      answer.setEncoding("utf8");
      answer.on("data", (chunk) => (body += chunk));
      answer.on("end", () => resolve(JSON.parse(body).map((/** @type {{ Names: string[] }} */ c) => c.Names.join(","))));
    });
    request.on("error", reject);
  });
}

const repository = () => `${registry.host}/podman/envs-${nonce}`;
const publishTo = () => ({ repository: repository(), insecure: true });

describe("Podman's Docker-compatible service", () => {
  test("speaks the Docker Engine API 1.41, which the client uses as it uses a dockerd's", async () => {
    const version = await engineP.version();
    assert.match(version.version, /^4\.\d+\.\d+/);
    assert.equal(version.usedApiVersion, "1.41");
    assert.equal(version.os, "linux");
  });

  test("direct: a registry image with addLocal* steps is pulled and run with no build; the files byte for byte with their modes", async () => {
    const image = Image.fromRegistry(bases.python).addLocalFile("tool.sh", "/opt/tool.sh").addLocalDir("data", "/data");
    const { engine, counts } = counted(engineP);
    const result = await run(image, ["sh", "-c", "stat -c '%a %n' /opt/tool.sh /data/secret.bin && sha256sum /data/secret.bin && /opt/tool.sh"], { host, engine, network: "host", capture: true });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.action, "direct");
    assert.equal(result.ref, bases.python);
    assert.deepEqual([counts.build, counts.pull, counts.push], [0, 1, 0]);
    assert.equal(result.stdout, `755 /opt/tool.sh\n600 /data/secret.bin\n${sha256(readFileSync(path.join(project, "data", "secret.bin")))}  /data/secret.bin\ntool ${nonce}\n`);
  });

  test("built and published by Podman, reused by a dockerd (no build, one pull); published by the dockerd, reused by Podman", async () => {
    const podmanImage = () => Image.fromRegistry(bases.python).runCommands(`echo podman-${nonce} > /built.txt`).copyLocalFile("app.py", "/app/app.py");
    const p = counted(engineP);
    const built = await ensure(podmanImage(), { host, engine: p.engine, registry: publishTo(), network: "host" });
    assert.equal(built.action, "built");
    assert.equal(built.published, true);
    assert.match(built.ref, /@sha256:[0-9a-f]{64}$/);
    assert.deepEqual([p.counts.build, p.counts.push], [1, 1]);
    const d = counted(engineD);
    const reused = await run(podmanImage(), ["sh", "-c", "cat /built.txt && python3 /app/app.py"], { host, engine: d.engine, registry: publishTo(), network: "host", capture: true });
    assert.equal(reused.action, "reused");
    assert.equal(reused.ref, built.ref);
    assert.deepEqual([d.counts.build, d.counts.pull], [0, 1]);
    assert.equal(reused.stdout, `podman-${nonce}\napp ${nonce}\n`);

    const dockerImage = () => Image.fromRegistry(bases.python).runCommands(`echo docker-${nonce} > /built.txt`);
    const byDocker = await ensure(dockerImage(), { host, engine: engineD, registry: publishTo(), network: "host" });
    assert.equal(byDocker.action, "built");
    const p2 = counted(engineP);
    const onPodman = await run(dockerImage(), ["cat", "/built.txt"], { host, engine: p2.engine, registry: publishTo(), network: "host", capture: true });
    assert.equal(onPodman.action, "reused");
    assert.equal(onPodman.ref, byDocker.ref);
    assert.deepEqual([p2.counts.build, p2.counts.pull], [0, 1]);
    assert.equal(onPodman.stdout, `docker-${nonce}\n`);
  });

  test("a Python-less base runs at once on the managed CPython; the optimized image Podman builds after is used next time", async () => {
    const image = () => Image.fromRegistry(bases.plain).addLocalFile("hello.py", "/app/hello.py");
    const cacheDir = mkdtempSync(path.join(tmpdir(), "apothic-podman-python-"));
    try {
      /** @type {string[]} */
      const phases = [];
      const first = await run(image(), ["python3", "/app/hello.py"], {
        host,
        engine: engineP,
        registry: publishTo(),
        resolveOptions,
        network: "host",
        capture: true,
        cacheDir,
        onProgress: (/** @type {{ phase: string }} */ e) => phases.at(-1) !== e.phase && phases.push(e.phase),
      });
      assert.equal(first.exitCode, 0, first.stderr);
      assert.equal(first.python, "attached");
      assert.match(first.stdout, /^hello from \S+ \/opt\/apothic\/python\/bin\/python3/);
      assert.ok(phases.indexOf("run") >= 0 && phases.indexOf("run") < phases.indexOf("build"), phases.join(" → "));
      assert.equal(first.optimized?.action, "built");
      assert.equal(first.optimized?.published, true);

      const second = await run(image(), ["python3", "/app/hello.py"], { host, engine: engineP, registry: publishTo(), resolveOptions, network: "host", capture: true, cacheDir });
      assert.equal(second.exitCode, 0, second.stderr);
      assert.equal(second.python, "baked");
      assert.equal(second.action, "reused");
      assert.equal(second.stdout, first.stdout);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test("a failing RUN is BUILD_FAILED naming the spec step, with the build log's tail (buildah's STEP lines)", async () => {
    const image = Image.fromRegistry(bases.python).env({ A: "1" }).runCommands(`echo failing-${nonce} && exit 3`);
    const error = await ensure(image, { host, engine: engineP, network: "host" }).then(
      () => assert.fail("expected BUILD_FAILED"),
      (e) => e,
    );
    assert.equal(error.code, "BUILD_FAILED", error.message);
    assert.equal(error.step, 1);
    assert.equal(error.op, "runCommands");
    assert.ok(error.log.includes(`failing-${nonce}`), error.log);
  });

  test("an aborted run is ABORTED, and its container is removed", async () => {
    const controller = new AbortController();
    const image = Image.fromRegistry(bases.python);
    const started = performance.now();
    const pending = run(image, ["sleep", "60"], { host, engine: engineP, network: "host", signal: controller.signal, onProgress: (/** @type {{ phase: string }} */ e) => e.phase === "run" && setTimeout(() => controller.abort(), 1000) });
    await assert.rejects(pending, (/** @type {any} */ e) => e.code === "ABORTED");
    assert.ok(performance.now() - started < 20_000, "the container was not stopped");
    assert.deepEqual(await containers(), [], "a container was left behind");
  });
});
