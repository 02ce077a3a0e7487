// The package in a Cloudflare Worker, bundle-free: the real `workerd` binary (npm `workerd`,
// pinned in scripts/tools) serves tests/workerd/worker.js, which imports "@apothic/image". The
// entry is chosen from the installed package.json's `exports` by the conditions workerd-based
// tools use (workerd, worker, browser, import, default), so the "workerd" entry is proven; its
// static imports come along as ES modules and the .wasm as a `wasm` module. The test posts every
// golden spec over loopback and compares with the golden Dockerfile and hash, then checks that
// bad specs come back as the ApothicError's code. workerd is started here and always stopped.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { errorVectors, goldenVectors, packageDir } from "../js/helpers.mjs";

const workerdBin = process.env.APOTHIC_WORKERD ?? join(process.env.APOTHIC_NPM_TOOLS ?? "", ".bin", "workerd");
const here = dirname(fileURLToPath(import.meta.url));
const PACKAGE = "@apothic/image";
const CONDITIONS = ["workerd", "worker", "browser", "import", "default"];

/** Resolves `exports["."]` the way a workerd bundler does (first matching key, in order). */
function resolveEntry(manifest) {
  let target = manifest.exports["."];
  while (typeof target === "object" && target !== null) {
    const key = Object.keys(target).find((k) => CONDITIONS.includes(k));
    assert.ok(key, "no export condition workerd accepts");
    target = target[key];
  }
  return posix.normalize(target);
}

/** The entry and every file it imports statically (relative specifiers), transitively. */
function moduleGraph(entry) {
  const files = new Set();
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    if (!file.endsWith(".js")) return;
    const source = readFileSync(join(packageDir, file), "utf8");
    for (const m of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm)) {
      visit(posix.normalize(posix.join(posix.dirname(file), m[1] ?? m[2])));
    }
  };
  visit(entry);
  return [...files];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let child;
let base;
let workDir;
let log = "";

async function startWorkerd() {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const entry = resolveEntry(manifest);
  assert.equal(entry, "workerd.js", "the workerd condition must pick workerd.js");
  const files = moduleGraph(entry);
  assert.ok(files.some((f) => f.endsWith(".wasm")), "the workerd entry imports the .wasm as a module");

  workDir = mkdtempSync(join(tmpdir(), "apothic-workerd-"));
  mkdirSync(join(workDir, "pkg"));
  copyFileSync(join(here, "worker.js"), join(workDir, "worker.js"));
  // Module names: the entry is the bare specifier "@apothic/image"; workerd resolves the entry's
  // relative imports against that name ("./x.js" → "@apothic/x.js").
  const moduleName = (file) => (file === entry ? PACKAGE : posix.join(posix.dirname(PACKAGE), file));
  const modules = [`(name = "worker.js", esModule = embed "worker.js")`];
  for (const file of files) {
    copyFileSync(join(packageDir, file), join(workDir, "pkg", file));
    const kind = file.endsWith(".wasm") ? "wasm" : "esModule";
    modules.push(`(name = ${JSON.stringify(moduleName(file))}, ${kind} = embed ${JSON.stringify(`pkg/${file}`)})`);
  }
  writeFileSync(
    join(workDir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2025-09-01",
);
`,
  );

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    log = "";
    child = spawn(workerdBin, ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd: workDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started = child;
    process.once("exit", () => started.exitCode === null && started.kill("SIGKILL")); // even if the runner dies
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    base = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const state = await Promise.race([exited.then((code) => ({ code })), new Promise((r) => setTimeout(() => r(null), 100))]);
      if (state) break; // workerd exited
      try {
        const res = await fetch(base, { method: "GET" });
        await res.arrayBuffer();
        if (res.status === 405) return; // the Worker answers
      } catch {
        // not listening yet
      }
    }
    await stopWorkerd();
    if (attempt === 3 || !/address already in use/i.test(log)) {
      throw new Error(`workerd did not start (attempt ${attempt}):\n${log}`);
    }
  }
}

async function stopWorkerd() {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  child = undefined;
}

/** Posts a raw body; returns the status and the JSON answer. */
const postRaw = async (text) => {
  const res = await fetch(base, { method: "POST", body: text });
  return { status: res.status, body: await res.json() };
};
/** Posts a value as JSON. */
const post = (value) => postRaw(JSON.stringify(value));

describe("workerd (Cloudflare Workers runtime)", () => {
  before(startWorkerd, { timeout: 60_000 });
  after(async () => {
    await stopWorkerd();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test("every golden spec renders to the golden Dockerfile and hash", async () => {
    const vectors = goldenVectors();
    assert.ok(vectors.length >= 30);
    for (const vector of vectors) {
      const { status, body } = await post(vector.spec);
      assert.equal(status, 200, `${vector.name}: ${JSON.stringify(body)}`);
      assert.equal(body.definitionHash, vector.hash, vector.name);
      assert.equal(body.steps, vector.spec.steps.length, vector.name);
      if (vector.dockerfile !== undefined) {
        assert.equal(body.dockerfile, vector.dockerfile, vector.name);
      } else {
        assert.equal(body.renderError?.code, vector.renderError.code, vector.name);
        assert.equal(body.renderError?.argument, vector.renderError.argument ?? null, vector.name);
      }
    }
  });

  test("bad specs come back as the ApothicError's code", async () => {
    const specErrors = errorVectors().filter((v) => v.calls.length === 1 && v.calls[0][0] === "fromSpec");
    assert.ok(specErrors.length >= 5);
    for (const vector of specErrors) {
      const { status, body } = await post(vector.calls[0][1]);
      assert.equal(status, 422, `${vector.name}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, vector.code, vector.name);
      if (vector.argument === null) assert.ok([null, "spec"].includes(body.error.argument), vector.name);
      else assert.equal(body.error.argument, vector.argument, vector.name);
    }
    const bad = await postRaw("{ not json");
    assert.equal(bad.status, 400);
    const wrongShape = await post([1, 2, 3]);
    assert.equal(wrongShape.status, 422);
    assert.equal(wrongShape.body.error.code, "INVALID_SPEC");
  });

  test("concurrent requests, and the Worker keeps working after errors", async () => {
    const vectors = goldenVectors().filter((v) => v.dockerfile !== undefined).slice(0, 10);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 5 === 4 ? post({ version: 9, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [] }) : post(vectors[i % vectors.length].spec))),
    );
    results.forEach((r, i) => {
      if (i % 5 === 4) assert.equal(r.body.error.code, "UNSUPPORTED_SPEC_VERSION");
      else assert.equal(r.body.dockerfile, vectors[i % vectors.length].dockerfile);
    });
  });
});
