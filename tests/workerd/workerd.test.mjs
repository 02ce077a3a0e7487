// The package in a Cloudflare Worker, bundle-free: the real `workerd` binary (npm `workerd`,
// pinned in scripts/tools) serves tests/workerd/worker.js, which imports "@apothic/image". The
// entry is chosen from the installed package.json's `exports` by the conditions workerd-based
// tools use (workerd, worker, browser, import, default), so the "workerd" entry is proven; its
// static imports come along as ES modules and the .wasm as a `wasm` module. The test posts every
// golden spec over loopback and compares with the golden Dockerfile and hash, then checks that
// bad specs come back as the ApothicError's code. It then resolves a small Python project over
// memoryHost inside workerd (POST /resolve) and checks that the resolution and the buildContext
// tar are exactly those of the same call in this Node process (the package's Node entry), and
// that a missing file comes back as the same ApothicError code. workerd is started here (with
// tests/harness/workerd.mjs) and always stopped.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { apothicErrors } from "../harness/errors.mjs";
import { goldenVectors, lintVectors, repo, specErrorVectors } from "../harness/vectors.mjs";
import { moduleGraph, startWorkerd } from "../harness/workerd.mjs";
import { packageDir } from "../js/helpers.mjs";

const { assertApothicError } = apothicErrors(ApothicError);
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

/** The running workerd (tests/harness/workerd.mjs), and its `http://127.0.0.1:<port>/`. */
let server;
let base;
let workDir;

/** Writes a workerd config serving worker.js with the installed package, then starts workerd on it. */
async function serveWorker() {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const entry = resolveEntry(manifest);
  assert.equal(entry, "workerd.js", "the workerd condition must pick workerd.js");
  const files = moduleGraph(packageDir, entry);
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

  // The Worker answers GET with 405 (it takes POSTs only).
  server = await startWorkerd({ cwd: workDir, config: "config.capnp", readyStatus: 405 });
  base = `${server.base}/`;
}

/** Posts a raw body; returns the status and the JSON answer. */
const postRaw = async (text) => {
  const res = await fetch(base, { method: "POST", body: text });
  return { status: res.status, body: await res.json() };
};
/** Posts a value as JSON. */
const post = (value) => postRaw(JSON.stringify(value));

/** A small Python project, path → text: a Dockerfile whose COPY lines meet a .dockerignore,
 * requirements with a nested -r, a pyproject with an optional-dependency group, a .env, a
 * source folder with junk to ignore, and a runtime config file. */
const PROJECT = {
  Dockerfile: [
    "FROM python:3.12-slim",
    "WORKDIR /app",
    "COPY requirements.txt base.txt ./",
    "RUN pip install -r requirements.txt",
    "COPY src/ ./src/",
    "",
  ].join("\n"),
  ".dockerignore": "**/__pycache__\n**/*.log\n",
  "requirements.txt": "# runtime\n-r base.txt\nrequests==2.32.3\n",
  "base.txt": "numpy>=2\n",
  "pyproject.toml": [
    "[project]",
    'name = "demo"',
    'version = "0.1.0"',
    'dependencies = ["httpx>=0.27"]',
    "",
    "[project.optional-dependencies]",
    'dev = ["pytest>=8"]',
    'docs = ["mkdocs"]',
    "",
  ].join("\n"),
  ".env": "# settings\nGREETING=hello world\nexport DEBUG=1\n",
  "src/app/__init__.py": "",
  "src/app/main.py": "print('hello')\n",
  "src/app/util/helpers.py": "X = 1\n",
  "src/app/__pycache__/main.cpython-312.pyc": "junk",
  "src/debug.log": "log\n",
  "config/settings.toml": "debug = false\n",
};

/** The image a user would write for that project, as a spec. */
function projectSpec() {
  const image = Image.fromDockerfile("Dockerfile")
    .envFile(".env")
    .pipInstallFromRequirements("requirements.txt")
    .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
    .copyLocalDir("src", "/app/src", { ignore: ["**/__pycache__", "*.log"] })
    .addLocalFile("config/settings.toml", "/etc/app/settings.toml");
  try {
    return image.toSpec();
  } finally {
    image.free();
  }
}

/** POST /resolve: `{ spec, files }` resolved in workerd. */
async function postResolve(spec, files) {
  const res = await fetch(new URL("resolve", base), { method: "POST", body: JSON.stringify({ spec, files }) });
  return { status: res.status, body: await res.json() };
}

/** The same call in this process, answered as the Worker answers (JSON round trip included). */
async function resolveHere(spec, files) {
  let image;
  try {
    image = Image.fromSpec(spec);
    const host = memoryHost(files);
    const resolution = await image.resolve(host);
    const tar = await image.buildContext(host);
    const tarSha256 = createHash("sha256").update(tar).digest("hex");
    return JSON.parse(JSON.stringify({ resolution, tarSha256, tarLength: tar.length }));
  } catch (e) {
    assertApothicError(e);
    return { error: { code: e.code, argument: e.argument ?? null, message: e.message } };
  } finally {
    image?.free();
  }
}

const RESOLUTION_FIELDS = ["dockerfile", "imageHash", "buildKey", "specHash", "layers", "context", "mounts", "plan", "diagnostics", "lint"];

describe("workerd (Cloudflare Workers runtime)", () => {
  before(serveWorker, { timeout: 60_000 });
  after(async () => {
    await server?.stop();
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
    const specErrors = specErrorVectors();
    assert.ok(specErrors.length >= 5);
    for (const vector of specErrors) {
      const { status, body } = await post(vector.spec);
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

  test("a Python project resolves in workerd exactly as in Node, tar bytes included", async () => {
    const spec = projectSpec();
    const here = await resolveHere(spec, PROJECT);
    assert.equal(here.error, undefined, JSON.stringify(here.error));
    const { status, body } = await postResolve(spec, PROJECT);
    assert.equal(status, 200, JSON.stringify(body));
    for (const field of RESOLUTION_FIELDS) {
      assert.deepEqual(body.resolution[field], here.resolution[field], field);
    }
    assert.deepEqual(Object.keys(body.resolution).sort(), Object.keys(here.resolution).sort());
    assert.match(body.tarSha256, /^[0-9a-f]{64}$/);
    assert.equal(body.tarSha256, here.tarSha256, "buildContext's bytes differ between workerd and Node");
    assert.equal(body.tarLength, here.tarLength);

    // And the resolution is the project's, not an empty one that happens to agree.
    const r = here.resolution;
    assert.match(r.imageHash, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(r.specHash, r.imageHash, "the runtime file is in the spec hash only");
    assert.ok(r.dockerfile.startsWith(PROJECT.Dockerfile), r.dockerfile);
    assert.match(r.dockerfile, /^ENV DEBUG=1 GREETING='hello world'$/m);
    assert.match(r.dockerfile, /'pytest>=8'/);
    assert.doesNotMatch(r.dockerfile, /mkdocs/);
    assert.deepEqual(
      r.layers.map((l) => l.op),
      ["fromDockerfile", "envFile", "pipInstallFromRequirements", "uvPipInstallFromPyproject", "copyLocalDir"],
    );
    const sources = r.context.map((c) => c.source);
    for (const path of ["requirements.txt", "base.txt", "src/app/main.py", "src/app/util/helpers.py"]) {
      assert.ok(sources.includes(path), `${path} is not in the context: ${sources}`);
    }
    assert.ok(!sources.some((p) => p.includes("__pycache__") || p.endsWith(".log")), `ignored files in the context: ${sources}`);
    assert.deepEqual(
      r.mounts.flatMap((m) => m.files.map((f) => [f.source, f.remote])),
      [["config/settings.toml", "/etc/app/settings.toml"]],
    );
    assert.equal(r.plan.mode, "derived");
    assert.equal(r.plan.imageHash, r.imageHash);
    assert.equal(r.plan.buildKey, r.buildKey);
  });

  test("resolution errors come back as the ApothicError's code, as in Node", async () => {
    const spec = projectSpec();
    const without = (path) => Object.fromEntries(Object.entries(PROJECT).filter(([p]) => p !== path));
    const cases = [
      ["nested requirements file missing", spec, without("base.txt"), "FILE_NOT_FOUND", "base.txt"],
      ["Dockerfile missing", spec, without("Dockerfile"), "FILE_NOT_FOUND", "Dockerfile"],
      ["unknown pyproject group", { ...spec, steps: spec.steps.map((s) => (s.op === "uvPipInstallFromPyproject" ? { ...s, optionalDependencies: ["nope"] } : s)) }, PROJECT, "UNKNOWN_DEPENDENCY_GROUP", "nope"],
      ["bad spec", { version: 1, base: { op: "nope" }, steps: [] }, PROJECT, "INVALID_SPEC", null],
    ];
    for (const [what, caseSpec, files, code, path] of cases) {
      const here = await resolveHere(caseSpec, files);
      assert.ok(here.error, `${what}: resolved in Node`);
      if (code !== null) assert.equal(here.error.code, code, `${what}: ${here.error.message}`);
      if (path !== null) assert.ok(here.error.message.includes(path), `${what}: ${here.error.message}`);
      const { status, body } = await postResolve(caseSpec, files);
      assert.equal(status, 422, `${what}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, here.error.code, `${what}: ${body.error.message}`);
      assert.equal(body.error.argument, here.error.argument, what);
      assert.equal(body.error.message, here.error.message, what);
    }
    const badFiles = await postResolve(spec, { "../outside": "x" });
    assert.equal(badFiles.status, 400);
    assert.equal(badFiles.body.error.code, "INVALID_FILES");
    const again = await postResolve(spec, PROJECT);
    assert.equal(again.status, 200, "the Worker keeps resolving after errors");
    assert.equal(again.body.tarSha256, (await resolveHere(spec, PROJECT)).tarSha256);
  });

  test("lint in workerd gives every lint vector's findings, spec-only and resolved", async () => {
    const vectors = lintVectors();
    assert.ok(vectors.length >= 8, `${vectors.length} vectors`);
    for (const v of vectors) {
      const res = await fetch(new URL("lint", base), { method: "POST", body: JSON.stringify({ spec: v.spec, files: v.files, inspections: v.inspections }) });
      assert.equal(res.status, 200, v.name);
      const body = await res.json();
      assert.deepEqual(body.lint, v.lint, `${v.name}: image.lint()`);
      assert.deepEqual(body.resolved, v.resolved, `${v.name}: resolution.lint`);
    }
  });

  test("Image.diff in workerd gives every diff vector's diff, from specs and from JSON texts; a bad side is its ApothicError", async () => {
    const dir = join(repo, "tests", "vectors-diff");
    const names = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
    assert.ok(names.length >= 10, `${names.length} vectors`);
    const postDiff = async (before, after) => {
      const res = await fetch(new URL("diff", base), { method: "POST", body: JSON.stringify({ before, after }) });
      return { status: res.status, body: await res.json() };
    };
    for (const name of names) {
      const v = JSON.parse(readFileSync(join(dir, name), "utf8"));
      const specs = await postDiff(v.before, v.after);
      assert.equal(specs.status, 200, `${name}: ${JSON.stringify(specs.body)}`);
      assert.deepEqual(specs.body.diff, v.diff, name);
      const texts = await postDiff(JSON.stringify(v.before), JSON.stringify(v.after));
      assert.deepEqual(texts.body.diff, v.diff, `${name}: JSON texts`);
    }
    const v = JSON.parse(readFileSync(join(dir, names[0]), "utf8"));
    const bad = { ...v.after, steps: [{ op: "aptInstall", packages: ["bad pkg"] }] };
    let here;
    try {
      Image.diff(v.before, bad);
    } catch (e) {
      here = e;
    }
    assert.equal(here?.code, "INVALID_PACKAGE");
    const answer = await postDiff(v.before, bad);
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body.error, { code: here.code, argument: "after.steps[0].packages[0]", message: here.message });
  });

  test("concurrent resolutions in one isolate agree", async () => {
    const spec = projectSpec();
    const here = await resolveHere(spec, PROJECT);
    const results = await Promise.all(Array.from({ length: 12 }, () => postResolve(spec, PROJECT)));
    for (const { status, body } of results) {
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.resolution.imageHash, here.resolution.imageHash);
      assert.equal(body.tarSha256, here.tarSha256);
    }
  });
});
