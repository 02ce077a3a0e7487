// @apothic/image/runtime (Node only): makes an image's plan happen on a Docker Engine and a
// registry. `ensure` answers the image to run (the base as is, a derived image published
// before, or one it builds and publishes now); `run` runs a command in it with the spec's
// `addLocal*` files copied in before the container starts. A Python-less base with nothing
// else to build runs at once on the managed CPython, attached the same way, and its optimized
// image (that Python baked in) is built and published after the command, for later runs.
//
// The registry tag of a derived image is `sha256-<hex of the resolution's buildKey>`, which
// covers the spec, every input file and the rendered Dockerfile (HASHING.md), so a renderer
// that would build something else never reuses a stale image.
import { createHash } from "node:crypto";
import { parseReference, registryHost } from "../registry-host.js";
import { stepOfInstruction } from "./build-steps.js";
import { dockerEngine } from "./docker-engine.js";

export { dockerEngine, stepOfInstruction };
import { runtimeError } from "./errors.js";
import { PYTHON_LINKS, PYTHON_PREFIX, managedPythonTarball } from "./managed-python.js";
import { packFiles } from "./tar-pack.js";

/** @typedef {import("../index.js").Image} Image */
/** @typedef {import("../index.js").ImageHost} ImageHost */
/** @typedef {import("../index.js").Resolution} Resolution */
/** @typedef {import("../index.js").ResolveOptions} ResolveOptions */
/** @typedef {import("./engine.js").DockerEngine} DockerEngine */
/** @typedef {import("./runtime.js").EnsureOptions} EnsureOptions */
/** @typedef {import("./runtime.js").EnsureResult} EnsureResult */
/** @typedef {import("./runtime.js").RunOptions} RunOptions */
/** @typedef {import("./runtime.js").RunResult} RunResult */
/** @typedef {import("./runtime.js").RuntimeDiagnostic} RuntimeDiagnostic */
/** @typedef {import("./runtime.js").RuntimeRegistry} RuntimeRegistry */
/** @typedef {import("./runtime.js").ProgressEvent} ProgressEvent */

/** The repository derived images are tagged in on the engine when no registry is given. */
export const LOCAL_REPOSITORY = "apothic-image/derived";

/** What the engine says when a push finds no registry (the registry stopped, say). */
const UNREACHABLE_PUSH = /connection refused|no such host|i\/o timeout|connection reset|no route to host|EOF/i;

/** Registry errors that mean "the registry is not there" (build locally, publish nothing). */
const UNAVAILABLE = new Set(["REGISTRY_UNREACHABLE", "REGISTRY_TIMEOUT"]);

/**
 * The registry of `host/repo` by the references' rules (`team/envs` is on Docker Hub, `docker.io`).
 * @param {string} repository
 */
const registryOf = (repository) => parseReference(repository).registry;

/**
 * What the engine sends a registry as credentials: `credentials` with the registry's address
 * (Docker Hub's is its index address, as the engine expects).
 * @param {string} registry as references name it
 * @param {import("../index.js").RegistryCredentials} credentials
 */
const engineCredentials = (registry, credentials) => ({
  username: credentials.username,
  password: credentials.password,
  serveraddress: registry === "docker.io" ? "https://index.docker.io/v1/" : registry,
});

/**
 * Milliseconds since `start` (from `performance.now()`), rounded to 0.1 ms.
 * @param {number} start
 */
const since = (start) => Math.round((performance.now() - start) * 10) / 10;

/**
 * Checks the options every call takes; answers the engine to use.
 * @param {EnsureOptions} options
 * @returns {DockerEngine}
 */
function engineOf(options) {
  if (options === null || typeof options !== "object") throw runtimeError("INVALID_ARGUMENT", "the options must be an object { host, engine?, registry? }");
  if (options.host === null || typeof options.host !== "object") throw runtimeError("INVALID_ARGUMENT", "options.host must be an image host (nodeHost(), memoryHost(), …)");
  const registry = options.registry;
  if (registry !== undefined) {
    if (registry === null || typeof registry !== "object" || typeof registry.repository !== "string" || !/^[^/\s]+\/[^\s@:]+$/.test(registry.repository)) {
      throw runtimeError("INVALID_ARGUMENT", `options.registry.repository must be "host/repo" (where derived images are published), got ${JSON.stringify(registry?.repository)}`);
    }
    const insecure = registry.insecure;
    if (insecure !== undefined && typeof insecure !== "boolean" && !(Array.isArray(insecure) && insecure.every((h) => typeof h === "string"))) {
      throw runtimeError("INVALID_ARGUMENT", "options.registry.insecure must be true, false or a list of plain-http hosts (such as [\"127.0.0.1:5000\"])");
    }
  }
  const credentials = options.credentials;
  if (credentials !== undefined) {
    const valid = (/** @type {unknown} */ c) => c !== null && typeof c === "object" && typeof (/** @type {any} */ (c).username) === "string" && typeof (/** @type {any} */ (c).password) === "string";
    if (credentials === null || typeof credentials !== "object" || Array.isArray(credentials) || !Object.values(credentials).every(valid)) {
      throw runtimeError("INVALID_ARGUMENT", "options.credentials must map registry hosts to { username, password } (such as { \"ghcr.io\": { username, password } })");
    }
  }
  return options.engine ?? dockerEngine();
}

/**
 * The hosts `registryHost` may reach over plain http for `registry`: its own when `insecure` is
 * true; those listed when it is a list (the registry's and its token server's, say).
 * @param {NonNullable<EnsureOptions["registry"]>} registry
 */
function plainHttpHosts(registry) {
  if (Array.isArray(registry.insecure)) return registry.insecure;
  return registry.insecure ? [registryOf(registry.repository)] : [];
}

/**
 * The credentials the engine sends to the registry for `repository`, when there are any.
 * @param {EnsureOptions["registry"]} registry
 */
function engineAuth(registry) {
  if (registry?.credentials === undefined) return undefined;
  return engineCredentials(registryOf(registry.repository), registry.credentials);
}

/**
 * The host `resolve` is given: the caller's, with `lookupDerived` answered by the registry
 * when one is given (else the caller's own, if it has one), and the digests `inspectImage`
 * answers noted in `state.inspected` (reference → digest). A registry that cannot be reached
 * answers "not published" and leaves a diagnostic: the image is built locally and nothing is
 * published. The caller's host is wrapped, not copied: its methods (own or inherited, as a
 * class instance's are) are called on the host itself.
 * @param {EnsureOptions} options
 * @param {RuntimeDiagnostic[]} diagnostics
 * @param {State} state
 * @returns {ImageHost}
 */
function hostWithLookup(options, diagnostics, state) {
  const registry = options.registry;
  const target = /** @type {ImageHost & Record<PropertyKey, unknown>} */ (options.host);
  /** @type {Record<string, Function>} */
  const overrides = {};
  if (typeof target.inspectImage === "function") {
    overrides.inspectImage = async (/** @type {string} */ ref) => {
      const answer = await /** @type {Function} */ (target.inspectImage).call(target, ref);
      const digest = /** @type {{ digest?: unknown } | null | undefined} */ (answer)?.digest;
      if (typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest)) state.inspected.set(ref, digest);
      return answer;
    };
  }
  // No registry of its own: the host's lookupDerived (a registryHost with a derivedRepository,
  // say) is asked as it is; a reference it finds is pulled, and nothing is published.
  if (registry !== undefined) {
    const lookup = registryHost({
      derivedRepository: registry.repository,
      insecure: plainHttpHosts(registry),
      credentials: registry.credentials ? { [registryOf(registry.repository)]: registry.credentials } : undefined,
      signal: options.signal,
      ...(registry.fetch ? { fetch: registry.fetch } : {}),
    });
    overrides.lookupDerived = async (/** @type {string} */ buildKey) => {
      try {
        return await lookup.lookupDerived(buildKey);
      } catch (error) {
        const code = /** @type {{ code?: string }} */ (error).code;
        if (code === undefined || !UNAVAILABLE.has(code)) throw error;
        state.registryDown = true;
        diagnostics.push({
          code: "REGISTRY_UNAVAILABLE",
          message: `the registry of ${registry.repository} could not be reached (${error instanceof Error ? error.message : String(error)}); the image is built locally and nothing is published`,
        });
        return null;
      }
    };
  }
  return /** @type {ImageHost} */ (
    new Proxy(target, {
      get(host, key) {
        if (typeof key === "string" && Object.hasOwn(overrides, key)) return overrides[key];
        const value = Reflect.get(host, key, host);
        return typeof value === "function" ? value.bind(host) : value;
      },
      has: (host, key) => (typeof key === "string" && Object.hasOwn(overrides, key)) || Reflect.has(host, key),
    })
  );
}

/**
 * The engine tag of the derived image of `resolution`: `{repository}:sha256-<hex of the build key>`.
 * @param {EnsureOptions} options
 * @param {Resolution} resolution
 */
const localTag = (options, resolution) => `${options.registry?.repository ?? LOCAL_REPOSITORY}:sha256-${resolution.buildKey.slice("sha256:".length)}`;

/**
 * Emits a progress event, if anyone listens.
 * @param {EnsureOptions} options
 * @param {ProgressEvent} event
 */
const progress = (options, event) => options.onProgress?.(event);

/**
 * Makes sure the engine has `ref`, pulling it when it does not. Answers whether it pulled.
 * @param {DockerEngine} engine
 * @param {string} ref
 * @param {EnsureOptions} options
 */
async function present(engine, ref, options) {
  if (await engine.imageExists(ref, { signal: options.signal })) return false;
  progress(options, { phase: "pull", ref });
  const auth = pullAuth(ref, options);
  try {
    await engine.pull(ref, { auth, signal: options.signal });
  } catch (error) {
    const e = /** @type {Error & { code?: string, reason?: string }} */ (error);
    if (e.code !== "ENGINE_PULL_FAILED") throw error;
    const hint = e.reason === "auth" && auth === undefined ? " (a private image: give its registry's credentials in options.credentials)" : "";
    throw runtimeError("PULL_FAILED", `pulling ${ref} failed: ${e.message}${hint}`, { cause: error, reason: e.reason });
  }
  return true;
}

/**
 * The credentials the engine pulls `ref` with: the registry option's for its own repository,
 * else `options.credentials` for the reference's registry (Docker Hub's under its index
 * address, as the engine expects), else none.
 * @param {string} ref
 * @param {EnsureOptions} options
 */
function pullAuth(ref, options) {
  if (options.registry && ref.startsWith(`${options.registry.repository}@`)) return engineAuth(options.registry);
  if (options.credentials === undefined) return undefined;
  const { registry } = parseReference(ref);
  return Object.hasOwn(options.credentials, registry) ? engineCredentials(registry, options.credentials[registry]) : undefined;
}

/**
 * Pulls a registry base the build names when `options.credentials` has its registry and the
 * engine lacks it: builders resolve a base the engine has locally, and the engine's BuildKit is
 * given no credentials of the caller's (they travel in a session the API has no place for).
 * @param {Image} image
 * @param {DockerEngine} engine
 * @param {EnsureOptions} options
 */
async function pullPrivateBase(image, engine, options) {
  const base = /** @type {{ op: string, ref?: string }} */ (/** @type {unknown} */ (image.toSpec().base));
  if (base.op !== "fromRegistry" || base.ref === undefined || pullAuth(base.ref, options) === undefined) return;
  await present(engine, base.ref, options);
}

/**
 * Builds the derived image of `resolution`, tagged `local` on the engine. A failed build is
 * `BUILD_FAILED` naming the spec step whose Dockerfile line failed, with the build log's tail.
 * @param {Image} image
 * @param {Resolution} resolution
 * @param {string} local
 * @param {DockerEngine} engine
 * @param {EnsureOptions} options
 */
async function build(image, resolution, local, engine, options) {
  progress(options, { phase: "build", ref: local });
  // The resolution's build key: the context is built from the files it hashed, or the call is
  // CONTEXT_CHANGED (a file changed since), never published under a key its files do not have.
  const context = await image.buildContext(options.host, { ...options.resolveOptions, buildKey: resolution.buildKey });
  await pullPrivateBase(image, engine, options);
  try {
    await engine.build(context, {
      tag: local,
      network: options.network,
      signal: options.signal,
      onProgress: (event) => progress(options, { phase: "build", ref: local, engine: event }),
    });
  } catch (error) {
    const e = /** @type {Error & { code?: string, instruction?: string, step?: number, log?: string }} */ (error);
    if (e.code !== "ENGINE_BUILD_FAILED") throw error;
    const at = stepOfInstruction(resolution, e.instruction, e.step);
    const where = at ? (at.step === null ? `the base (${at.op}, Dockerfile line ${at.line})` : `step ${at.step} (${at.op}, Dockerfile line ${at.line})`) : "an instruction the build log names";
    throw runtimeError("BUILD_FAILED", `the build failed at ${where}: ${e.message}${e.log ? `\n--- build log (tail) ---\n${e.log}` : ""}`, {
      step: at?.step ?? null,
      op: at?.op,
      line: at?.line,
      instruction: e.instruction,
      log: e.log,
      cause: error,
    });
  }
}

/**
 * Pushes `local` to the registry; answers the pinned reference `repo@sha256:…`, or undefined
 * (with a diagnostic) when the registry cannot be reached. Any other failure is `PUSH_FAILED`:
 * a registry tags a manifest only once all its blobs are there, so a failed push leaves the
 * tag as it was.
 * @param {string} local
 * @param {RuntimeRegistry} registry
 * @param {DockerEngine} engine
 * @param {EnsureOptions} options
 * @param {RuntimeDiagnostic[]} diagnostics
 */
async function publish(local, registry, engine, options, diagnostics) {
  progress(options, { phase: "push", ref: local });
  try {
    const { digest } = await engine.push(local, { auth: engineAuth(registry), signal: options.signal });
    return `${registry.repository}@${digest}`;
  } catch (error) {
    const e = /** @type {Error & { code?: string, reason?: string }} */ (error);
    if (e.code === "ENGINE_PUSH_FAILED" && e.reason !== "auth" && UNREACHABLE_PUSH.test(e.message)) {
      diagnostics.push({ code: "REGISTRY_UNAVAILABLE", message: `pushing ${local} failed (${e.message}); the image was built locally and nothing is published` });
      return undefined;
    }
    throw runtimeError("PUSH_FAILED", `pushing ${local} failed: ${e.message}; the registry's tag was not changed by this push`, { cause: error, reason: e.reason });
  }
}

/**
 * The image to run for `image`, made ready on the engine: `direct` (the base as is, pulled when
 * missing), `reused` (a derived image published before, or built before on this engine), or
 * `built` (built from the build context and, with a registry, pushed under its tag).
 * @param {Image} image
 * @param {EnsureOptions} options
 * @returns {Promise<EnsureResult>}
 */
export async function ensure(image, options) {
  const engine = engineOf(options);
  return ready(image, await resolveFor(image, options), engine, options);
}

/**
 * What `ensure` and `run` resolve once: the resolution through the registry's lookup, the
 * diagnostics so far, whether the registry was down, and how long it took.
 * @typedef {{ resolution: Resolution, diagnostics: RuntimeDiagnostic[], state: State, resolveMs: number }} Resolved
 */

/**
 * What resolving for the runtime found out besides the resolution: whether the registry was
 * down, and the digest each image reference the host inspected resolved to.
 * @typedef {{ registryDown: boolean, inspected: Map<string, string> }} State
 */

/**
 * Resolves `image` for the runtime (`lookupDerived` answered by the registry, when given).
 * @param {Image} image
 * @param {EnsureOptions} options
 * @returns {Promise<Resolved>}
 */
async function resolveFor(image, options) {
  /** @type {RuntimeDiagnostic[]} */
  const diagnostics = [];
  /** @type {State} */
  const state = { registryDown: false, inspected: new Map() };
  progress(options, { phase: "resolve" });
  const start = performance.now();
  const resolution = await image.resolve(hostWithLookup(options, diagnostics, state), options.resolveOptions);
  const resolveMs = since(start);
  diagnostics.push(...resolution.diagnostics);
  return { resolution, diagnostics, state, resolveMs };
}

/**
 * `ensure` once resolved: pulls, or builds and publishes, what the plan needs.
 * @param {Image} image
 * @param {Resolved} resolved
 * @param {DockerEngine} engine
 * @param {EnsureOptions} options
 * @returns {Promise<EnsureResult>}
 */
async function ready(image, { resolution, diagnostics, state, resolveMs }, engine, options) {
  /** @type {EnsureResult["times"]} */
  const times = { resolveMs };
  let start;
  const { plan } = resolution;
  const result = (/** @type {EnsureResult["action"]} */ action, /** @type {string} */ ref, pulled = false, published = false) => ({
    action,
    ref,
    plan,
    resolution,
    pulled,
    published,
    diagnostics,
    times,
  });
  if (plan.mode === "direct" || plan.image !== null) {
    const ref = /** @type {string} */ (plan.image);
    start = performance.now();
    const pulled = await present(engine, ref, options);
    if (pulled) times.pullMs = since(start);
    return result(plan.mode === "direct" ? "direct" : "reused", ref, pulled);
  }
  // Not published: built on this engine before (a build without --push, or while the registry
  // was down), or built now; then published when asked and the registry is there.
  const local = localTag(options, resolution);
  const builtBefore = await engine.imageExists(local, { signal: options.signal });
  if (!builtBefore) {
    start = performance.now();
    await build(image, resolution, local, engine, options);
    times.buildMs = since(start);
  }
  const registry = options.registry;
  if (registry !== undefined && options.publish !== false && !state.registryDown) {
    start = performance.now();
    const pinned = await publish(local, registry, engine, options, diagnostics);
    if (pinned !== undefined) {
      times.pushMs = since(start);
      return result(builtBefore ? "reused" : "built", pinned, false, true);
    }
  }
  return result(builtBefore ? "reused" : "built", local);
}

/**
 * The files of the resolution's runtime steps, read again from the host and checked against
 * the digests the image's spec hash covers (a file changed since is `FILE_CHANGED`).
 * @param {Resolution} resolution
 * @param {ImageHost} host
 */
async function mountFiles(resolution, host) {
  const files = [];
  for (const mount of resolution.mounts) {
    for (const file of mount.files) {
      const bytes = await host.readFile(file.source);
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      if (digest !== file.sha256) {
        throw runtimeError("FILE_CHANGED", `${file.source} (step ${mount.step}, ${mount.op}) changed after it was resolved: ${digest}, expected ${file.sha256}`);
      }
      files.push({ path: file.remote, bytes, mode: file.mode });
    }
  }
  return files;
}

/**
 * Whether the image's only build work is the managed CPython: a registry base without Python
 * and no build step, not built before. Such an image can run at once with the CPython attached.
 * @param {Image} image
 * @param {Resolution} resolution
 */
function attachable(image, resolution) {
  const { plan } = resolution;
  return plan.mode === "derived" && plan.image === null && plan.python.kind === "managed" && resolution.layers.length === 1 && image.toSpec().base.op === "fromRegistry";
}

/**
 * What puts the managed CPython where the Dockerfile would: its folder and links (files copied
 * in first), then the tarball itself extracted into `/opt/apothic` (the engine takes a gzip
 * archive as it is).
 * @param {Uint8Array} tarball
 */
function pythonArchives(tarball) {
  const entries = [{ path: PYTHON_PREFIX, dir: true }, ...Object.entries(PYTHON_LINKS).map(([name, target]) => ({ path: name, link: target }))];
  return [
    { path: "/", tar: packFiles(entries) },
    { path: PYTHON_PREFIX, tar: tarball },
  ];
}

/**
 * `ref` pinned to `digest` (`repo@sha256:…`, its tag dropped); a reference with a digest, or no
 * digest known, is answered as it is.
 * @param {string} ref
 * @param {string | undefined} digest
 */
function pinned(ref, digest) {
  if (digest === undefined || ref.includes("@")) return ref;
  const colon = ref.lastIndexOf(":");
  return `${colon > ref.lastIndexOf("/") ? ref.slice(0, colon) : ref}@${digest}`;
}

/**
 * Builds and publishes the optimized image after a run on an attached CPython. A failure does
 * not take the command's result away: it is answered as `{ error }`, with an
 * `OPTIMIZE_FAILED` diagnostic.
 * @param {Image} image
 * @param {RunOptions} options
 * @param {RuntimeDiagnostic[]} diagnostics
 * @returns {Promise<NonNullable<RunResult["optimized"]>>}
 */
async function optimize(image, options, diagnostics) {
  progress(options, { phase: "optimize" });
  try {
    return await ensure(image, options);
  } catch (thrown) {
    const e = /** @type {{ code?: unknown, message?: unknown } | null | undefined} */ (thrown);
    const code = typeof e?.code === "string" ? e.code : "OPTIMIZE_FAILED";
    const message = typeof e?.message === "string" ? e.message : String(thrown);
    diagnostics.push({ code: "OPTIMIZE_FAILED", message: `the command ran, but the optimized image (the managed CPython baked in) was not built or published: ${code}: ${message}` });
    return { error: { code, message } };
  }
}

/**
 * Runs `command` in the image: `ensure`s it (or, for a Python-less base with nothing else to
 * build, runs the base at once, pinned to the digest resolution inspected, with the managed
 * CPython attached, and builds the optimized image after the command), copies the `addLocal*`
 * files in, starts the container, streams its output and answers its exit code (a non-zero one
 * is answered, not thrown).
 * @param {Image} image
 * @param {string[]} command
 * @param {RunOptions} options
 * @returns {Promise<RunResult>}
 */
export async function run(image, command, options) {
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === "string")) {
    throw runtimeError("INVALID_ARGUMENT", "the command must be a non-empty list of strings, e.g. [\"python3\", \"-c\", \"print(1)\"]");
  }
  const engine = engineOf(options);
  const started = performance.now();
  const resolved = await resolveFor(image, options);
  const probe = resolved.resolution;
  const local = localTag(options, probe);
  const builtHere = await engine.imageExists(local, { signal: options.signal });
  /** @type {EnsureResult} */
  let ensured;
  /** @type {RunResult["python"]} */
  let python;
  /** @type {{ path: string, tar: Uint8Array }[]} */
  let archives = [];
  if (attachable(image, probe) && !builtHere) {
    // The base the resolution inspected (and planned for), not whatever the engine's tag is now.
    const ref = /** @type {{ ref: string }} */ (/** @type {unknown} */ (image.toSpec().base)).ref;
    const base = pinned(ref, resolved.state.inspected.get(ref));
    /** @type {EnsureResult["times"]} */
    const times = { resolveMs: resolved.resolveMs };
    let start = performance.now();
    const pulled = await present(engine, base, options);
    if (pulled) times.pullMs = since(start);
    const plan = probe.plan;
    const url = plan.python.kind === "managed" ? plan.python.url : "";
    progress(options, { phase: "python", url });
    start = performance.now();
    const name = new URL(url).pathname.split("/").pop() ?? "";
    const tarball = await managedPythonTarball(url, { sha256: options.resolveOptions?.managedPython?.sha256?.[name], cacheDir: options.cacheDir, signal: options.signal });
    times.pythonMs = since(start);
    archives = pythonArchives(tarball.bytes);
    ensured = { action: "direct", ref: base, plan, resolution: probe, pulled, published: false, diagnostics: resolved.diagnostics, times };
    python = "attached";
  } else {
    ensured = await ready(image, resolved, engine, options);
    python = ensured.plan.python.kind === "managed" ? "baked" : "image";
  }
  const files = await mountFiles(ensured.resolution, options.host);
  progress(options, { phase: "run", ref: ensured.ref });
  // Until the engine has started the container (its files copied in); an engine that does not
  // say when it started one is timed up to the call.
  let timeToCommandMs = since(started);
  const outcome = await engine.run({
    image: ensured.ref,
    cmd: command,
    files,
    archives,
    network: options.network,
    stdout: options.stdout,
    stderr: options.stderr,
    capture: options.capture,
    signal: options.signal,
    onProgress: (event) => {
      if (event.kind === "container" && event.state === "started") timeToCommandMs = since(started);
    },
  });
  /** @type {RunResult} */
  const answer = { ...outcome, ...ensured, python, timeToCommandMs };
  if (python === "attached" && options.publishOptimized !== false) answer.optimized = await optimize(image, options, answer.diagnostics);
  return answer;
}
