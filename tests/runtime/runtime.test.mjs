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
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startProxy } from "../registry/proxy.mjs";
import { startRegistry, startTokenIssuer } from "../registry/registry.mjs";
import { startSecondEngine } from "./second-engine.mjs";
import { apothic, counted, env, logs, nonce, pushBases, resolveOptions, runtime, sha256, work } from "./support.mjs";

const { Image, nodeHost, registryHost } = apothic;
const { ensure, run, dockerEngine } = runtime;

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
/** @type {{ python: string, plain: string }} */
let bases;

before(async () => {
  registry = await startRegistry({ name: "runtime" });
  readonlyRegistry = await startRegistry({ name: "runtime-readonly", storage: registry.storage, readonly: true });
  issuer = await startTokenIssuer({ users: { [READER.username]: READER.password }, readers: [READER.username] });
  tokenRegistry = await startRegistry({ name: "runtime-token", token: issuer });
  // The e2e bases, pushed by machine A (dockerd pushes over plain HTTP to 127.0.0.0/8).
  bases = pushBases(registry.host);
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
    const was = { ...b.counts };
    const rebuilt = await run(image(), ["python3", "/app/app.py"], { host, engine: b.engine, registry: publishTo(), network: "host", capture: true });
    assert.equal(rebuilt.action, "built");
    assert.equal(rebuilt.published, true);
    assert.equal(rebuilt.stdout, `app ${nonce} changed\n`);
    assert.notEqual(rebuilt.resolution.buildKey, built.resolution.buildKey);
    assert.deepEqual([b.counts.build, b.counts.pull], [1, 1]);
    times.built = { timeToCommandMs: rebuilt.timeToCommandMs, buildMs: rebuilt.times.buildMs, pushMs: rebuilt.times.pushMs, builds: b.counts.build - was.build, pulls: b.counts.pull - was.pull };
  });

  test("publish: false builds and keeps the image on the engine; the next ensure reuses it from there with no build, and pushes it when asked", async () => {
    const image = () => Image.fromRegistry(bases.python).runCommands(`echo kept-${nonce} > /kept.txt`);
    const a = counted(engineA);
    const kept = await ensure(image(), { host, engine: a.engine, registry: publishTo(), publish: false, network: "host" });
    assert.equal(kept.action, "built");
    assert.equal(kept.published, false);
    const tag = `${registry.url}/v2/runtime/envs-${nonce}/manifests/sha256-${kept.resolution.buildKey.slice(7)}`;
    const accept = { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" };
    assert.equal((await fetch(tag, { method: "HEAD", headers: accept })).status, 404, "publish: false pushed");

    const again = await ensure(image(), { host, engine: a.engine, registry: publishTo(), publish: false, network: "host" });
    assert.equal(again.action, "reused");
    assert.equal(again.published, false);
    assert.deepEqual([a.counts.build, a.counts.push], [1, 0]);

    const pushed = await ensure(image(), { host, engine: a.engine, registry: publishTo(), network: "host" });
    assert.equal(pushed.action, "reused");
    assert.equal(pushed.published, true);
    assert.deepEqual([a.counts.build, a.counts.push], [1, 1]);
    assert.equal((await fetch(tag, { method: "HEAD", headers: accept })).headers.get("docker-content-digest"), pushed.ref.split("@")[1]);
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
  const image = () => Image.fromRegistry(bases.plain).addLocalFile("hello.py", "/app/hello.py");
  /** The managed CPython options with the tarball's SHA-256 (the release's SHA256SUMS, here computed). */
  let pinnedOptions;
  let tarballName;
  let cacheDir;
  /** The managed CPython tarballs fetched, by URL (the global fetch, counted; the real one does the work). */
  const pythonFetches = [];
  const realFetch = globalThis.fetch;
  before(async () => {
    cacheDir = mkdtempSync(path.join(tmpdir(), "apothic-python-cache-"));
    const { plan } = await image().resolve(host, resolveOptions);
    assert.equal(plan.python.kind, "managed");
    tarballName = new URL(plan.python.url).pathname.split("/").pop();
    const bytes = new Uint8Array(await (await realFetch(plan.python.url)).arrayBuffer());
    pinnedOptions = { managedPython: { ...resolveOptions.managedPython, sha256: { [tarballName]: sha256(bytes) } } };
    globalThis.fetch = (/** @type {any} */ input, /** @type {any} */ init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("/python/")) pythonFetches.push(url);
      return realFetch(input, init);
    };
  });
  after(() => {
    globalThis.fetch = realFetch;
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  test("the first run executes on the managed CPython (fetched once, its SHA-256 checked) with no build before it; the next run uses the published optimized image", async () => {
    const a = counted(engineA);
    /** @type {string[]} */
    const phases = [];
    /** The engine's builds and pulls when the command started. */
    let beforeCommand;
    const first = await run(image(), ["python3", "/app/hello.py"], {
      host,
      engine: a.engine,
      registry: publishTo(),
      resolveOptions: pinnedOptions,
      network: "host",
      capture: true,
      cacheDir,
      onProgress: (/** @type {{ phase: string }} */ e) => {
        if (e.phase === "run") beforeCommand = { builds: a.counts.build, pulls: a.counts.pull };
        if (phases.at(-1) !== e.phase) phases.push(e.phase);
      },
    });
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.python, "attached");
    assert.deepEqual(beforeCommand, { builds: 0, pulls: 0 });
    assert.match(first.stdout, new RegExp(`^hello from ${resolveOptions.managedPython.version.replace(/\./g, "\\.")} /opt/apothic/python/bin/python3`));
    // The base the resolution inspected, pinned by its digest (the registry's).
    const head = await fetch(`${registry.url}/v2/e2e/plain/manifests/base`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
    });
    assert.equal(first.ref, `${registry.host}/e2e/plain@${head.headers.get("docker-content-digest")}`);
    // The command ran before any build: the build is the optimized image's, after it.
    assert.ok(phases.indexOf("run") >= 0 && phases.indexOf("run") < phases.indexOf("build"), phases.join(" → "));
    assert.equal(first.optimized?.action, "built");
    assert.equal(first.optimized?.published, true);
    assert.deepEqual(pythonFetches.map((u) => u.split("/").pop()), [tarballName], "fetched once, into the cache");
    assert.deepEqual([a.counts.build, a.counts.push], [1, 1]);
    times.managedFirst = { timeToCommandMs: first.timeToCommandMs, pythonMs: first.times.pythonMs, buildsBeforeCommand: beforeCommand.builds, pullsBeforeCommand: beforeCommand.pulls, buildsAfter: a.counts.build, pushesAfter: a.counts.push };

    phases.length = 0;
    const b = counted(engineA);
    const second = await run(image(), ["python3", "/app/hello.py"], { host, engine: b.engine, registry: publishTo(), resolveOptions: pinnedOptions, network: "host", capture: true, cacheDir, onProgress: (e) => phases.push(e.phase) });
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(second.python, "baked");
    assert.equal(second.action, "reused");
    assert.equal(second.ref, first.optimized.ref);
    assert.ok(!phases.includes("python") && !phases.includes("build"), phases.join(" → "));
    assert.equal(second.stdout, first.stdout);
    times.managedNext = { timeToCommandMs: second.timeToCommandMs, builds: b.counts.build, pulls: b.counts.pull };
  });

  test("a second attached run takes the CPython from the cache, and runs the inspected base, not a stale local tag of it", async () => {
    // The registry's e2e/stale-…:base is the Python-less base; this engine's tag of that name is
    // another image (the one with Debian's python3).
    const name = `${registry.host}/e2e/stale-${nonce}`;
    for (const argv of [["docker", "tag", bases.plain, `${name}:base`], ["docker", "push", `${name}:base`], ["docker", "tag", bases.python, `${name}:base`]]) {
      const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
    }
    const fetched = pythonFetches.length;
    const { engine, counts } = counted(engineA);
    const result = await run(Image.fromRegistry(`${name}:base`), ["sh", "-c", "if [ -e /usr/bin/python3 ]; then echo stale; else echo inspected; fi; python3 -c 'import sys; print(sys.prefix)'"], {
      host,
      engine,
      resolveOptions: pinnedOptions,
      network: "host",
      capture: true,
      cacheDir,
      publishOptimized: false,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.python, "attached");
    assert.match(result.ref, new RegExp(`^${name.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
    assert.equal(result.stdout, "inspected\n/opt/apothic/python\n");
    assert.equal(pythonFetches.length, fetched, "the cached tarball was used");
    assert.equal(result.optimized, undefined);
    assert.equal(counts.build, 0);
  });

  test("a wrong SHA-256 for the tarball, given through run's resolveOptions, is PYTHON_DIGEST_MISMATCH and no container runs", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "apothic-python-cache-"));
    try {
      const wrong = { managedPython: { ...resolveOptions.managedPython, sha256: { [tarballName]: "0".repeat(64) } } };
      const { engine, counts } = counted(engineA);
      await assert.rejects(
        run(image(), ["python3", "/app/hello.py"], { host, engine, resolveOptions: wrong, network: "host", cacheDir: other }),
        (e) => e.code === "PYTHON_DIGEST_MISMATCH" && e.message.includes(tarballName),
      );
      assert.equal(counts.run, 0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("an optimized image that cannot be published does not lose the command's result: exit code, output, and the error", async () => {
    const target = { repository: `${readonlyRegistry.host}/runtime/optimize-${nonce}`, insecure: true };
    const result = await run(image(), ["sh", "-c", "python3 /app/hello.py; exit 4"], { host, engine: engineA, registry: target, resolveOptions: pinnedOptions, network: "host", capture: true, cacheDir });
    assert.equal(result.exitCode, 4);
    assert.equal(result.python, "attached");
    assert.match(result.stdout, /^hello from /);
    assert.equal(result.optimized?.error?.code, "PUSH_FAILED", JSON.stringify(result.optimized));
    assert.ok(result.diagnostics.some((d) => d.code === "OPTIMIZE_FAILED" && d.message.includes("PUSH_FAILED")), JSON.stringify(result.diagnostics));

    // The command line: the command's exit status, and stderr says the optimized image was not published.
    const specFile = path.join(project, "optimize-spec.json");
    writeFileSync(specFile, JSON.stringify(image().toSpec()));
    const { version, release, urlTemplate } = resolveOptions.managedPython;
    const ran = spawnSync(
      env("E2E_CLI"),
      [
        "run",
        "--registry",
        "--insecure-registry",
        readonlyRegistry.host,
        "--insecure-registry",
        registry.host,
        "--derived-repository",
        `${target.repository}-cli`,
        "--push",
        "--network",
        "host",
        "--managed-python-version",
        version,
        "--managed-python-release",
        release,
        "--managed-python-url",
        urlTemplate,
        "--managed-python-sha256",
        `${tarballName}=${pinnedOptions.managedPython.sha256[tarballName]}`,
        specFile,
        "--",
        "sh",
        "-c",
        "python3 /app/hello.py; exit 5",
      ],
      { encoding: "utf8", env: { ...process.env, XDG_CACHE_HOME: cacheDir } },
    );
    assert.equal(ran.status, 5, ran.stderr);
    assert.match(ran.stdout, /^hello from /);
    assert.match(ran.stderr, /warning OPTIMIZE_FAILED: the command ran, but the optimized image .* was not built or published: PUSH_FAILED/);
    assert.match(ran.stderr, /; python attached; exit 5\n/);
    assert.doesNotMatch(ran.stderr, /^optimized: /m);
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

    // --no-progress: no phase lines; --progress: the status line, with the build's steps, even on a pipe.
    const quiet = cli(["build", ...registryArgs, "--no-progress", "--json", specFile]);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
    const quietRun = cli(["run", ...registryArgs, "--no-progress", "--network", "host", specFile, "--", "cat", "/cli.txt"]);
    assert.equal(quietRun.status, 0, quietRun.stderr);
    assert.match(quietRun.stderr, /^reused .*; python image; exit 0\n$/);
    writeFileSync(path.join(project, "cli-progress.json"), JSON.stringify(Image.fromRegistry(bases.python).runCommands(`echo progress-${nonce}`).toSpec()));
    const forced = cli(["build", "--registry", "--insecure-registry", registry.host, "--progress", "--network", "host", path.join(project, "cli-progress.json")]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stderr, /^\r\x1b\[Kresolving the spec\r\x1b\[Kbuild apothic-image\/derived:sha256-[0-9a-f]+(\r\x1b\[Kbuild: [^\r]*)*\r\x1b\[Kbuild: \[2\/2\] RUN echo progress-[^\r]*(\r\x1b\[Kbuild: [^\r]*)*\r\x1b\[K$/);

    // A registry image with nothing to build: direct, no build, nothing pushed.
    const directSpec = path.join(project, "cli-direct.json");
    writeFileSync(directSpec, JSON.stringify(Image.fromRegistry(bases.python).addLocalFile("tool.sh", "/opt/tool.sh").toSpec()));
    const direct = cli(["build", ...registryArgs, "--push", directSpec]);
    assert.equal(direct.status, 0, direct.stderr);
    assert.match(direct.stdout, new RegExp(`^direct ${bases.python.replace(/[.]/g, "\\.")}; resolve [0-9.]+ m?s\\n$`));
    const directRun = cli(["run", ...registryArgs, "--no-progress", "--network", "host", directSpec, "--", "/opt/tool.sh"]);
    assert.equal(directRun.status, 0, directRun.stderr);
    assert.equal(directRun.stdout, `tool ${nonce}\n`);
    assert.match(directRun.stderr, /^direct .*; python image; exit 0\n$/);

    const usage = cli(["run", specFile]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /run needs a SPEC and a command/);
    const noRepo = cli(["build", "--push", specFile]);
    assert.equal(noRepo.status, 2);
    assert.match(noRepo.stderr, /--push needs --registry and --derived-repository/);
  });
});

describe("the command line on a terminal", () => {
  test("build draws one status line, redrawn with each build step, and erases it; --no-progress draws none", () => {
    assert.equal(spawnSync("script", ["--version"]).status, 0, "script(1) is missing: install util-linux");
    const specFile = path.join(project, "tty-spec.json");
    writeFileSync(specFile, JSON.stringify(Image.fromRegistry(bases.python).runCommands(`echo tty-${nonce}`).toSpec()));
    const onTerminal = (/** @type {string[]} */ args) => {
      const command = [env("E2E_CLI"), ...args].map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(" ");
      return spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8" });
    };
    const registryArgs = ["--registry", "--insecure-registry", registry.host];
    const shown = onTerminal(["build", ...registryArgs, "--network", "host", specFile]);
    assert.equal(shown.status, 0, shown.stdout);
    // stderr and stdout share the terminal: the status line, erased, then the summary.
    assert.match(shown.stdout, /^\r\x1b\[Kresolving the spec\r\x1b\[Kbuild apothic-image\/derived:sha256-[0-9a-f]+\r/);
    assert.match(shown.stdout, new RegExp(`\\r\\x1b\\[Kbuild: \\[2/2\\] RUN echo tty-${nonce}`));
    assert.match(shown.stdout, /\r\x1b\[Kbuilt apothic-image\/derived:sha256-[0-9a-f]{64}; resolve [0-9.]+ m?s, build [0-9.]+ m?s\r\n$/);
    const hidden = onTerminal(["build", ...registryArgs, "--no-progress", "--network", "host", specFile]);
    assert.equal(hidden.status, 0, hidden.stdout);
    assert.match(hidden.stdout, /^reused apothic-image\/derived:sha256-[0-9a-f]{64}; resolve [0-9.]+ m?s\r\n$/);
  });
});

describe("private images", () => {
  test("a private base is pulled with options.credentials, run directly and built from on an engine that lacks it; without them the engine's pull is refused", async () => {
    const WRITER = { user: "writer", password: `writer-pw-${randomBytes(4).toString("hex")}` };
    // The same storage as the open registry, behind Basic auth: the bases are there already.
    const privateRegistry = await startRegistry({ name: "runtime-private", storage: registry.storage, basic: WRITER });
    try {
      const ref = `${privateRegistry.host}/e2e/python:base`;
      const credentials = { [privateRegistry.host]: { username: WRITER.user, password: WRITER.password } };
      const inspecting = { ...nodeHost({ root: project }), ...registryHost({ insecure: [privateRegistry.host], credentials }) };
      const direct = () => Image.fromRegistry(ref).addLocalFile("tool.sh", "/opt/tool.sh");

      const refused = await run(direct(), ["/opt/tool.sh"], { host: inspecting, engine: engineB, network: "host", capture: true }).then(
        () => assert.fail("expected the pull to be refused"),
        (e) => e,
      );
      assert.equal(refused.code, "PULL_FAILED", refused.message);
      assert.equal(refused.reason, "auth");
      assert.match(refused.message, /give its registry's credentials in options\.credentials/);

      const b = counted(engineB);
      const ran = await run(direct(), ["/opt/tool.sh"], { host: inspecting, engine: b.engine, credentials, network: "host", capture: true });
      assert.equal(ran.action, "direct");
      assert.equal(ran.stdout, `tool ${nonce}\n`);
      assert.deepEqual([b.counts.pull, b.counts.build], [1, 0]);

      await engineB.removeImage(ref, { force: true });
      const built = await ensure(Image.fromRegistry(ref).runCommands(`echo private-${nonce} > /private.txt`), { host: inspecting, engine: b.engine, credentials, network: "host" });
      assert.equal(built.action, "built");
      assert.deepEqual([b.counts.pull, b.counts.build], [2, 1], "the base is pulled with the credentials before the build");
      const check = await engineB.run({ image: built.ref, cmd: ["cat", "/private.txt"], network: "none", capture: true });
      assert.equal(check.stdout, `private-${nonce}\n`);
    } finally {
      await privateRegistry.stop();
    }
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

  test("a push cut after its blobs were uploaded (the manifest refused) is PUSH_FAILED and tags nothing; the next ensure publishes it", async () => {
    const proxy = await startProxy(registry.url);
    try {
      // The manifest is the last request of a push: every blob before it went through.
      proxy.inject = (req) =>
        req.method === "PUT" && /\/manifests\//.test(req.url ?? "")
          ? (_req, res) => {
              res.writeHead(500, { "content-type": "application/json" });
              res.end('{"errors":[{"code":"UNKNOWN","message":"the test refuses this manifest"}]}');
            }
          : undefined;
      const image = () => Image.fromRegistry(bases.python).runCommands(`echo half-${nonce} > /half.txt`);
      const target = { repository: `${proxy.host}/runtime/half-${nonce}`, insecure: true };
      const error = await ensure(image(), { host, engine: engineA, registry: target, network: "host" }).then(
        () => assert.fail("expected PUSH_FAILED"),
        (e) => e,
      );
      assert.equal(error.code, "PUSH_FAILED", error.message);
      assert.ok(proxy.seen.some((r) => r.method === "POST" && /\/blobs\/uploads\/$/.test(r.path)), "no blob upload was started before the manifest");
      assert.ok(proxy.seen.some((r) => r.method === "PUT" && /\/manifests\//.test(r.path)), "the manifest was never sent");
      const { buildKey } = await image().resolve(host);
      const tag = `${registry.url}/v2/runtime/half-${nonce}/manifests/sha256-${buildKey.slice(7)}`;
      assert.equal((await fetch(tag, { method: "HEAD" })).status, 404, "a tag points at the half-pushed image");

      proxy.inject = undefined;
      const published = await ensure(image(), { host, engine: engineA, registry: target, network: "host" });
      assert.equal(published.published, true);
      const head = await fetch(tag, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" } });
      assert.equal(head.headers.get("docker-content-digest"), published.ref.split("@")[1]);
    } finally {
      await proxy.stop();
    }
  });

  test("a push refused by the registry's auth (a user who may pull, not push) is PUSH_FAILED with no credential in it", async () => {
    const image = Image.fromRegistry(bases.python).runCommands(`echo auth-${nonce}`);
    // The registry and its token server (another port) are both named: the realm gets the password.
    const target = { repository: `${tokenRegistry.host}/runtime/denied-${nonce}`, insecure: [tokenRegistry.host, new URL(issuer.realm).host], credentials: READER };
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
    // The failing instruction is part of the next step's: the step that failed is named, not that one.
    const image = Image.fromRegistry(bases.python).env({ A: "1" }).runCommands(`echo failing-${nonce} && exit 3`).runCommands(`echo failing-${nonce} && exit 3 || true`);
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

  test("a run cancelled while its command runs is ABORTED, and the container is removed", async () => {
    const marker = `aborted-run-${nonce}`;
    const controller = new AbortController();
    const start = performance.now();
    const error = await run(Image.fromRegistry(bases.python), ["sh", "-c", `echo ${marker}; exec sleep 60`], {
      host,
      engine: engineA,
      network: "host",
      signal: controller.signal,
      stdout: (/** @type {Uint8Array} */ chunk) => {
        if (Buffer.from(chunk).toString("utf8").includes(marker)) controller.abort();
      },
    }).then(
      () => assert.fail("expected ABORTED"),
      (e) => e,
    );
    assert.equal(error.code, "ABORTED", error.message);
    assert.ok(performance.now() - start < 15_000, "the command was not cut short");
    const left = spawnSync("docker", ["ps", "-a", "--no-trunc", "--format", "{{.Command}}"], { encoding: "utf8" });
    assert.equal(left.status, 0, left.stderr);
    assert.ok(!left.stdout.includes(marker), `a container is left: ${left.stdout}`);
  });
});
