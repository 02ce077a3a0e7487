// What the runtime's real-engine tests share (runtime.test.mjs on dockerds, podman.test.mjs on
// Podman): the harness's environment, the installed package, the managed CPython options, a
// per-run name, an engine whose calls are counted, and the e2e bases pushed to a test registry.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * An environment variable tests/e2e/run.sh exports; a clear error when the test runs alone.
 * @param {string} name
 */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`tests/runtime: ${name} is not set (run tests/e2e/run.sh, or E2E_ONLY=runtime tests/e2e/run.sh)`);
  return value;
}

export const work = env("E2E_WORK");
export const logs = env("E2E_LOGS");
const pkg = path.join(work, "cli", "node_modules", "@apothic", "image");
/** The installed package's Node entry. */
export const apothic = await import(pathToFileURL(path.join(pkg, "node.js")).href);
/** The installed package's runtime. */
export const runtime = await import(pathToFileURL(path.join(pkg, "runtime", "index.js")).href);

/** The managed CPython the harness serves on loopback, as resolve options. */
export const resolveOptions = {
  managedPython: { version: env("E2E_MANAGED_PYTHON_VERSION"), release: env("E2E_MANAGED_PYTHON_RELEASE"), urlTemplate: env("E2E_MANAGED_PYTHON_URL") },
};

/** A name unique to this run (no cache hit from an earlier one). */
export const nonce = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** The SHA-256 of `bytes`, in hex. @param {string | Uint8Array} bytes */
export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * The engine, with its calls counted (the real engine does the work).
 * @param {any} engine a `dockerEngine`
 */
export function counted(engine) {
  const counts = { build: 0, pull: 0, push: 0, run: 0 };
  /** @type {Record<string, unknown>} */
  const wrapped = { host: engine.host };
  for (const name of ["version", "build", "push", "pull", "inspectImage", "imageExists", "tag", "removeImage", "run"]) {
    wrapped[name] = (/** @type {unknown[]} */ ...args) => {
      if (name in counts) counts[/** @type {keyof typeof counts} */ (name)] += 1;
      return engine[name](...args);
    };
  }
  return { engine: /** @type {any} */ (wrapped), counts };
}

/**
 * The e2e bases (Python 3.11, and Debian without Python) tagged and pushed by the e2e dockerd to
 * `registryHost` (`host:port`); answers their references there.
 * @param {string} registryHost
 * @returns {{ python: string, plain: string }}
 */
export function pushBases(registryHost) {
  /** @type {Record<string, string>} */
  const bases = {};
  for (const [name, source] of [["python", "python:3.11-slim-trixie"], ["plain", "debian:bookworm-slim"]]) {
    const ref = `${registryHost}/e2e/${name}:base`;
    for (const argv of [["docker", "tag", source, ref], ["docker", "push", ref]]) {
      const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stdout}${r.stderr}`);
    }
    bases[name] = ref;
  }
  return { python: bases.python, plain: bases.plain };
}
