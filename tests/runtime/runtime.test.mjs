// The runtime (`@apothic/image/runtime`, from the installed package) making plans happen on real
// engines and a real registry: the e2e harness's private dockerd (machine A), a second private
// dockerd with its own data root (machine B, tests/runtime/second-engine.mjs), and Debian's
// docker-registry on 127.0.0.1 (tests/registry/registry.mjs), the e2e bases pushed to it so both
// machines pull them from there. Every runtime note of the reference is shown happening:
//   - a registry image with only addLocal* steps runs directly: no build, the files copied in
//     byte for byte with their modes, absent from the image;
//   - a richer image is built and published by A, reused by B (no build, one pull), rebuilt when
//     a file changes;
//   - a Python-less base runs at once on the managed CPython (no build before the command), its
//     optimized image is published after, and the next run uses it;
//   - failures: registry down before and during a run, a refused push, a failing RUN, a
//     cancelled build.
// Times to a running command and the builds and pulls of each scenario are written to
// target/e2e/logs/runtime-times.json (the README's table). Run by tests/e2e/run.sh (step 7).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { startRegistry, startTokenIssuer } from "../registry/registry.mjs";
import { startSecondEngine } from "./second-engine.mjs";

const env = (/** @type {string} */ name) => {
  const value = process.env[name];
  if (!value) throw new Error(`runtime.test: ${name} is not set (run tests/e2e/run.sh, or E2E_ONLY=runtime tests/e2e/run.sh)`);
  return value;
};
const work = env("E2E_WORK");
const logs = env("E2E_LOGS");
const pkg = path.join(work, "cli", "node_modules", "@apothic", "image");
const { Image, nodeHost, registryHost } = await import(pathToFileURL(path.join(pkg, "node.js")).href);
const { ensure, run, dockerEngine } = await import(pathToFileURL(path.join(pkg, "runtime", "index.js")).href);
const resolveOptions = {
  managedPython: { version: env("E2E_MANAGED_PYTHON_VERSION"), release: env("E2E_MANAGED_PYTHON_RELEASE"), urlTemplate: env("E2E_MANAGED_PYTHON_URL") },
};
/** A name unique to this run (no cache hit from an earlier one). */
const nonce = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const sha256 = (/** @type {string | Uint8Array} */ bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * The engine, with its calls counted (the real engine does the work).
 * @param {ReturnType<typeof dockerEngine>} engine
 */
function counted(engine) {
  const counts = { build: 0, pull: 0, push: 0, run: 0 };
  /** @type {Record<string, unknown>} */
  const wrapped = { host: engine.host };
  for (const name of ["version", "build", "push", "pull", "inspectImage", "imageExists", "tag", "removeImage", "run"]) {
    wrapped[name] = (/** @type {unknown[]} */ ...args) => {
      if (name in counts) counts[/** @type {keyof typeof counts} */ (name)] += 1;
      return engine[name](...args);
    };
  }
  return { engine: /** @type {ReturnType<typeof dockerEngine>} */ (/** @type {unknown} */ (wrapped)), counts };
}

/** What runs once per scenario for the README. */
const times = /** @type {Record<string, unknown>} */ ({});

let registry;
let readonlyRegistry;
let issuer;
let tokenRegistry;
const READER = { username: "reader", password: `reader-pw-${randomBytes(4).toString("hex")}` };
let machineB;
let engineA;
let engineB;
let project;
let host;
const bases = {};

before(async () => {
  registry = await startRegistry({ name: "runtime" });
  readonlyRegistry = await startRegistry({ name: "runtime-readonly", storage: registry.storage, readonly: true });
  issuer = await startTokenIssuer({ users: { [READER.username]: READER.password }, readers: [READER.username] });
  tokenRegistry = await startRegistry({ name: "runtime-token", token: issuer });
  // The e2e bases, pushed by machine A (dockerd pushes over plain HTTP to 127.0.0.0/8).
  for (const [name, source] of [["python", "python:3.11-slim-trixie"], ["plain", "debian:bookworm-slim"]]) {
    const ref = `${registry.host}/e2e/${name}:base`;
    for (const argv of [["docker", "tag", source, ref], ["docker", "push", ref]]) {
      const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
    }
    bases[name] = ref;
  }
  engineA = dockerEngine();
  const b = startSecondEngine({ dataRoot: path.join(work, "..", "docker-b"), log: path.join(logs, "dockerd-b.log") });
  machineB = b;
  engineB = dockerEngine({ host: b.dockerHost });
  project = mkdtempSync(path.join(tmpdir(), "apothic-runtime-"));
  mkdirSync(path.join(project, "data", "sub"), { recursive: true });
  writeFileSync(path.join(project, "tool.sh"), `#!/bin/sh\necho tool ${nonce}\n`);
  chmodSync(path.join(project, "tool.sh"), 0o755);
  writeFileSync(path.join(project, "data", "a.txt"), `a ${nonce}\n`);
  writeFileSync(path.join(project, "data", "sub", "b.bin"), randomBytes(3000));
  chmodSync(path.join(project, "data", "sub", "b.bin"), 0o600);
  writeFileSync(path.join(project, "app.py"), `print("app ${nonce}")\n`);
  writeFileSync(path.join(project, "changing.txt"), "on disk\n");
  writeFileSync(path.join(project, "hello.py"), `import os, sys\nprint("hello from", sys.version.split()[0], os.path.realpath(sys.executable))\n`);
  host = { ...nodeHost({ root: project }), ...registryHost({ insecure: [registry.host] }) };
});

after(async () => {
  machineB?.stop();
  await Promise.all([registry?.stop(), readonlyRegistry?.stop(), tokenRegistry?.stop(), issuer?.stop()]);
  if (project) rmSync(project, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  writeFileSync(path.join(logs, "runtime-times.json"), `${JSON.stringify(times, null, 2)}\n`);
});

const repository = () => `${registry.host}/runtime/envs-${nonce}`;
const publishTo = () => ({ repository: repository(), insecure: true });

describe("direct", () => {
  test("a registry image with only addLocal* steps runs with no build; the files are there byte for byte, and not in the image", async () => {
    const image = Image.fromRegistry(bases.python).addLocalFile("tool.sh", "/opt/tool.sh").addLocalDir("data", "/data");
    const { engine, counts } = counted(engineA);
    const result = await run(image, ["sh", "-c", "stat -c '%a %s %n' /opt/tool.sh /data/a.txt /data/sub/b.bin && sha256sum /opt/tool.sh /data/a.txt /data/sub/b.bin && /opt/tool.sh"], {
      host,
      engine,
      network: "host",
      capture: true,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.action, "direct");
    assert.equal(result.ref, bases.python);
    assert.equal(result.python, "image");
    assert.equal(counts.build, 0);
    assert.equal(counts.push, 0);
    const bytes = (/** @type {string} */ rel) => new Uint8Array(spawnSync("cat", [path.join(project, rel)]).stdout);
    const lines = result.stdout.trim().split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      `755 ${bytes("tool.sh").length} /opt/tool.sh`,
      `644 ${bytes("data/a.txt").length} /data/a.txt`,
      `600 3000 /data/sub/b.bin`,
    ]);
    assert.deepEqual(lines.slice(3, 6), [
      `${sha256(bytes("tool.sh"))}  /opt/tool.sh`,
      `${sha256(bytes("data/a.txt"))}  /data/a.txt`,
      `${sha256(bytes("data/sub/b.bin"))}  /data/sub/b.bin`,
    ]);
    assert.equal(lines[6], `tool ${nonce}`);
    // The image itself has none of them.
    const bare = await engineA.run({ image: result.ref, cmd: ["sh", "-c", "test -e /opt/tool.sh || test -e /data/a.txt; echo $?"], network: "none", capture: true });
    assert.equal(bare.stdout.trim(), "1");
    times.direct = { timeToCommandMs: result.timeToCommandMs, builds: counts.build, pulls: counts.pull };
  });
});

describe("two machines", () => {
  test("A builds and publishes; B's first ensure reuses it (no build, one pull); a changed file is a new build", async () => {
    const image = () => Image.fromRegistry(bases.python).runCommands(`echo built-${nonce} > /built.txt`).copyLocalFile("app.py", "/app/app.py");
    const a = counted(engineA);
    const built = await ensure(image(), { host, engine: a.engine, registry: publishTo(), network: "host" });
    assert.equal(built.action, "built");
    assert.equal(built.published, true);
    assert.match(built.ref, new RegExp(`^${repository().replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
    assert.deepEqual([a.counts.build, a.counts.push], [1, 1]);
    // The tag is the build key's.
    const tagged = await fetch(`${registry.url}/v2/runtime/envs-${nonce}/manifests/sha256-${built.resolution.buildKey.slice(7)}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
    });
    assert.equal(tagged.headers.get("docker-content-digest"), built.ref.split("@")[1]);

    const b = counted(engineB);
    const start = performance.now();
    const reused = await run(image(), ["sh", "-c", "cat /built.txt && python3 /app/app.py"], { host, engine: b.engine, registry: publishTo(), network: "host", capture: true });
    assert.equal(reused.action, "reused");
    assert.equal(reused.ref, built.ref);
    assert.equal(reused.pulled, true);
    assert.deepEqual([b.counts.build, b.counts.pull, b.counts.push], [0, 1, 0]);
    assert.equal(reused.stdout, `built-${nonce}\napp ${nonce}\n`);
    times.reused = { timeToCommandMs: reused.timeToCommandMs, totalMs: Math.round(performance.now() - start), builds: b.counts.build, pulls: b.counts.pull };

    writeFileSync(path.join(project, "app.py"), `print("app ${nonce} changed")\n`);
    const rebuilt = await run(image(), ["python3", "/app/app.py"], { host, engine: b.engine, registry: publishTo(), network: "host", capture: true });
    assert.equal(rebuilt.action, "built");
    assert.equal(rebuilt.published, true);
    assert.equal(rebuilt.stdout, `app ${nonce} changed\n`);
    assert.notEqual(rebuilt.resolution.buildKey, built.resolution.buildKey);
    assert.deepEqual([b.counts.build, b.counts.pull], [1, 1]);
    times.built = { timeToCommandMs: rebuilt.timeToCommandMs, buildMs: rebuilt.times.buildMs, pushMs: rebuilt.times.pushMs, builds: 1, pulls: 0 };
  });

  test("without a `registry` option, the host's own lookupDerived is asked: B reuses what A published, and publishes nothing", async () => {
    const image = () => Image.fromRegistry(bases.python).runCommands(`echo lookup-${nonce} > /lookup.txt`);
    const built = await ensure(image(), { host, engine: engineA, registry: publishTo(), network: "host" });
    assert.equal(built.action, "built");
    const lookingHost = { ...nodeHost({ root: project }), ...registryHost({ insecure: [registry.host], derivedRepository: repository() }) };
    const b = counted(engineB);
    const reused = await run(image(), ["cat", "/lookup.txt"], { host: lookingHost, engine: b.engine, network: "host", capture: true });
    assert.equal(reused.action, "reused");
    assert.equal(reused.ref, built.ref);
    assert.equal(reused.published, false);
    assert.deepEqual([b.counts.build, b.counts.pull, b.counts.push], [0, 1, 0]);
    assert.equal(reused.stdout, `lookup-${nonce}\n`);
  });
});

describe("a Python-less base", () => {
  test("the first run executes on the managed CPython with no build before it; the next run uses the published optimized image", async () => {
    const image = () => Image.fromRegistry(bases.plain).addLocalFile("hello.py", "/app/hello.py");
    const cacheDir = mkdtempSync(path.join(tmpdir(), "apothic-python-cache-"));
    try {
      const a = counted(engineA);
      /** @type {string[]} */
      const phases = [];
      const first = await run(image(), ["python3", "/app/hello.py"], {
        host,
        engine: a.engine,
        registry: publishTo(),
        resolveOptions,
        network: "host",
        capture: true,
        cacheDir,
        onProgress: (/** @type {{ phase: string }} */ e) => phases.at(-1) !== e.phase && phases.push(e.phase),
      });
      assert.equal(first.exitCode, 0, first.stderr);
      assert.equal(first.python, "attached");
      assert.match(first.stdout, new RegExp(`^hello from ${resolveOptions.managedPython.version.replace(/\./g, "\\.")} /opt/apothic/python/bin/python3`));
      // The command ran before any build: the build is the optimized image's, after it.
      assert.ok(phases.indexOf("run") >= 0 && phases.indexOf("run") < phases.indexOf("build"), phases.join(" → "));
      assert.equal(first.optimized?.action, "built");
      assert.equal(first.optimized?.published, true);
      times.managedFirst = { timeToCommandMs: first.timeToCommandMs, buildsBeforeCommand: 0, pythonMs: first.times.pythonMs };

      phases.length = 0;
      const second = await run(image(), ["python3", "/app/hello.py"], { host, engine: a.engine, registry: publishTo(), resolveOptions, network: "host", capture: true, cacheDir, onProgress: (e) => phases.push(e.phase) });
      assert.equal(second.exitCode, 0, second.stderr);
      assert.equal(second.python, "baked");
      assert.equal(second.action, "reused");
      assert.equal(second.ref, first.optimized.ref);
      assert.ok(!phases.includes("python") && !phases.includes("build"), phases.join(" → "));
      assert.equal(second.stdout, first.stdout);
      times.managedNext = { timeToCommandMs: second.timeToCommandMs, builds: 0 };
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe("the command line", () => {
  const cli = (/** @type {string[]} */ args, /** @type {Record<string, string>} */ extra = {}) =>
    spawnSync(env("E2E_CLI"), args, { encoding: "utf8", env: { ...process.env, ...extra } });

  test("build prints what it did; run streams the command's output and exits with its code", async () => {
    const spec = Image.fromRegistry(bases.python).runCommands(`echo cli-${nonce} > /cli.txt`).addLocalFile("tool.sh", "/opt/tool.sh").toSpec();
    const specFile = path.join(project, "cli-spec.json");
    writeFileSync(specFile, JSON.stringify(spec));
    const registryArgs = ["--registry", "--insecure-registry", registry.host, "--derived-repository", `${repository()}-cli`];
    const built = cli(["build", ...registryArgs, "--push", "--network", "host", specFile]);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, new RegExp(`^built ${repository().replace(/\./g, "\\.")}-cli@sha256:[0-9a-f]{64} \\(published\\); resolve [0-9.]+ m?s, build [0-9.]+ m?s, push [0-9.]+ m?s\\n$`));
    // Plain lines on a pipe, one per phase.
    assert.match(built.stderr, /^resolving the spec\nbuild .*\npush .*\n$/);
    const again = cli(["build", ...registryArgs, "--json", specFile]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).action, "reused");

    const ran = cli(["run", ...registryArgs, "--network", "host", specFile, "--", "sh", "-c", "cat /cli.txt; /opt/tool.sh; echo to-stderr >&2; exit 7"]);
    assert.equal(ran.status, 7, ran.stderr);
    assert.equal(ran.stdout, `cli-${nonce}\ntool ${nonce}\n`);
    assert.match(ran.stderr, /to-stderr\n/);
    assert.match(ran.stderr, /reused .*; python image; exit 7\n$/);

    const usage = cli(["run", specFile]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /run needs a SPEC and a command/);
    const noRepo = cli(["build", "--push", specFile]);
    assert.equal(noRepo.status, 2);
    assert.match(noRepo.stderr, /--push needs --registry and --derived-repository/);
  });
});

describe("failures", () => {
  test("a registry down before the lookup: built locally, run, and a diagnostic says nothing was published", async () => {
    const down = await startRegistry({ name: "runtime-down" });
    await down.stop();
    const image = Image.fromRegistry(bases.python).runCommands(`echo offline-${nonce} > /o.txt`);
    const result = await run(image, ["cat", "/o.txt"], { host, engine: engineA, registry: { repository: `${down.host}/envs`, insecure: true }, network: "host", capture: true });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `offline-${nonce}\n`);
    assert.equal(result.action, "built");
    assert.equal(result.published, false);
    assert.ok(result.diagnostics.some((d) => d.code === "REGISTRY_UNAVAILABLE"), JSON.stringify(result.diagnostics));
  });

  test("a registry stopped mid-run (after the lookup): the push fails, the image is run from the engine, nothing published", async () => {
    const midway = await startRegistry({ name: "runtime-midway" });
    const image = Image.fromRegistry(bases.python).runCommands(`echo midway-${nonce} > /m.txt`);
    const result = await run(image, ["cat", "/m.txt"], {
      host,
      engine: engineA,
      registry: { repository: `${midway.host}/envs`, insecure: true },
      network: "host",
      capture: true,
      onProgress: (/** @type {{ phase: string }} */ e) => {
        if (e.phase === "build") void midway.stop();
      },
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `midway-${nonce}\n`);
    assert.equal(result.published, false);
    assert.ok(result.diagnostics.some((d) => d.code === "REGISTRY_UNAVAILABLE"), JSON.stringify(result.diagnostics));
  });

  test("a refused push is PUSH_FAILED and leaves no tag", async () => {
    const image = Image.fromRegistry(bases.python).runCommands(`echo refused-${nonce}`);
    const target = { repository: `${readonlyRegistry.host}/runtime/refused-${nonce}`, insecure: true };
    const error = await ensure(image, { host, engine: engineA, registry: target, network: "host" }).then(
      () => assert.fail("expected PUSH_FAILED"),
      (e) => e,
    );
    assert.equal(error.code, "PUSH_FAILED", error.message);
    const resolution = await image.resolve(host);
    const head = await fetch(`${readonlyRegistry.url}/v2/runtime/refused-${nonce}/manifests/sha256-${resolution.buildKey.slice(7)}`, { method: "HEAD" });
    assert.equal(head.status, 404);
  });

  test("a push refused by the registry's auth (a user who may pull, not push) is PUSH_FAILED with no credential in it", async () => {
    const image = Image.fromRegistry(bases.python).runCommands(`echo auth-${nonce}`);
    const target = { repository: `${tokenRegistry.host}/runtime/denied-${nonce}`, insecure: true, credentials: READER };
    const error = await ensure(image, { host, engine: engineA, registry: target, network: "host" }).then(
      () => assert.fail("expected PUSH_FAILED"),
      (e) => e,
    );
    assert.equal(error.code, "PUSH_FAILED", error.message);
    assert.equal(error.reason, "auth", error.message);
    assert.ok(!JSON.stringify({ message: error.message, stack: error.stack, ...error }).includes(READER.password), "the password leaked");
  });

  test("two machines building the same image at once both end with a working image; the tag names one of them", async () => {
    const image = () => Image.fromRegistry(bases.python).runCommands(`echo race-${nonce} > /race.txt`);
    const [a, b] = await Promise.all([engineA, engineB].map((engine) => ensure(image(), { host, engine, registry: publishTo(), network: "host" })));
    assert.deepEqual([a.action, b.action], ["built", "built"]);
    for (const [engine, result] of /** @type {const} */ ([[engineA, a], [engineB, b]])) {
      const out = await engine.run({ image: result.ref, cmd: ["cat", "/race.txt"], network: "none", capture: true });
      assert.equal(out.stdout, `race-${nonce}\n`);
    }
    const head = await fetch(`${registry.url}/v2/runtime/envs-${nonce}/manifests/sha256-${a.resolution.buildKey.slice(7)}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
    });
    const tagged = `${repository()}@${head.headers.get("docker-content-digest")}`;
    assert.ok(tagged === a.ref || tagged === b.ref, `${tagged} is neither ${a.ref} nor ${b.ref}`);
  });

  test("a runtime file that changes after resolution is FILE_CHANGED, and no container runs", async () => {
    let reads = 0;
    const changing = {
      ...host,
      readFile: (/** @type {string} */ file) => (file === "changing.txt" ? new TextEncoder().encode(`read ${++reads}`) : host.readFile(file)),
    };
    const { engine, counts } = counted(engineA);
    const image = Image.fromRegistry(bases.python).addLocalFile("changing.txt", "/changing.txt");
    await assert.rejects(run(image, ["cat", "/changing.txt"], { host: changing, engine, network: "host" }), (e) => e.code === "FILE_CHANGED" && e.message.includes("changing.txt"));
    assert.equal(counts.run, 0);
  });

  test("a failing RUN is BUILD_FAILED naming the spec step, with the build log's tail", async () => {
    const image = Image.fromRegistry(bases.python).env({ A: "1" }).runCommands(`echo failing-${nonce} && exit 3`);
    const error = await ensure(image, { host, engine: engineA, network: "host" }).then(
      () => assert.fail("expected BUILD_FAILED"),
      (e) => e,
    );
    assert.equal(error.code, "BUILD_FAILED", error.message);
    assert.equal(error.step, 1);
    assert.equal(error.op, "runCommands");
    assert.match(error.message, /step 1 \(runCommands/);
    assert.ok(error.log.includes(`failing-${nonce}`), error.log);
  });

  test("a cancelled build is ABORTED", async () => {
    const image = Image.fromRegistry(bases.python).runCommands(`sleep 30 # ${nonce}`);
    const controller = new AbortController();
    const start = performance.now();
    const error = await ensure(image, {
      host,
      engine: engineA,
      network: "host",
      signal: controller.signal,
      onProgress: (/** @type {{ phase: string }} */ e) => {
        if (e.phase === "build") setTimeout(() => controller.abort(), 1500);
      },
    }).then(
      () => assert.fail("expected ABORTED"),
      (e) => e,
    );
    assert.equal(error.code, "ABORTED", error.message);
    assert.ok(performance.now() - start < 20_000, "the build was not cut short");
  });
});
