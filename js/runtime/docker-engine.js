// A Docker Engine API client for Node (only node: built-ins): build from a context tar with
// BuildKit, push, pull, inspect, tag and remove images, and run a command in a container with
// files copied in, its output demultiplexed and streamed. The package's runtime builds on it.
//
// The engine is addressed like the docker CLI addresses it: `DOCKER_HOST` (`unix:///path`,
// `tcp://host:port`, `http://host:port`), else `unix:///var/run/docker.sock`. Podman's
// Docker-compatible service (`podman system service`, its socket at
// `unix:///run/podman/podman.sock` or `unix://$XDG_RUNTIME_DIR/podman/podman.sock`) is addressed
// the same way.
//
// API version: negotiated from `GET /version` — the engine's own `ApiVersion`, capped at
// `MAX_API_VERSION`, and refused (ENGINE_UNSUPPORTED) below `MIN_API_VERSION`, 1.41 (Docker
// 20.10, the first with BuildKit builds from a plain tar body and `moby.image.id` answers;
// Podman 4 and 5 report 1.41 too). Every request this client makes has the same shape from 1.41
// on. `apiVersion` pins a version instead (no `GET /version`).
//
// Builds use BuildKit (`POST /build?version=2`) from the context tar alone: dockerd 20.10 builds
// it with no session (its progress comes as `moby.buildkit.trace` messages, decoded by
// buildkit-trace.js, and the image ID as `moby.image.id`); `builder: "classic"` asks for the
// legacy builder (`version=1`), whose `stream` lines and `aux.ID` are read as well (Podman
// answers in that form).
//
// `run` copies its files into the created container (`PUT /containers/{id}/archive`, a tar
// tar-pack.js writes) before starting it, rather than bind-mounting host paths: it works the same
// on a remote engine (tcp://, a VM's socket) where the caller's paths do not exist, needs no
// temporary folder on the host, and the modes and bytes are exactly what the tar says (a bind
// mount shows the host file's owner, mode and later changes). Then it attaches (the hijacked
// `POST /containers/{id}/attach`, demultiplexed by docker-stream.js), registers a wait for the
// next exit, starts, and removes the container (forced, with its volumes) whatever happens.

import { decodeStatus, TraceFormatError } from "./buildkit-trace.js";
import { frameDecoder, jsonMessages } from "./docker-stream.js";
import { argumentError, engineError, isEngineError, quote, scrub } from "./engine-errors.js";
import { messageOf, parseHost, readBody, transport } from "./docker-transport.js";
import { packFiles } from "./tar-pack.js";

/** The oldest Engine API version spoken (Docker 20.10). */
export const MIN_API_VERSION = "1.41";
/** The newest Engine API version asked for: a newer engine is spoken to in this one. */
export const MAX_API_VERSION = "1.47";
/** The default socket, as the docker CLI's. */
export const DEFAULT_HOST = "unix:///var/run/docker.sock";
/** The most characters of build log kept (its tail). */
export const MAX_LOG_CHARS = 64 * 1024;
/** How many lines of the kept log a failed build's error carries in `.log`. */
export const LOG_TAIL_LINES = 40;
/** The default of `run`'s `maxOutputBytes` (per stream). */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 << 20;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const CONTAINER_ID = /^[0-9a-f]{64}$/;
/** An image reference, an image ID or a repository as the engine's paths take them (no checking of its grammar beyond the characters). */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/;

/**
 * Compares two "MAJOR.MINOR" API versions.
 * @param {string} a @param {string} b
 */
function compareVersions(a, b) {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am - bm || an - bn;
}

/** @param {unknown} value */
const isApiVersion = (value) => typeof value === "string" && /^1\.\d{1,3}$/.test(value);

/**
 * Checks an image reference, ID or repository argument.
 * @param {unknown} value @param {string} what
 * @returns {string}
 */
function reference(value, what) {
  if (typeof value !== "string" || !REFERENCE.test(value) || value.includes("//")) throw argumentError(`${what} must be an image reference, got ${quote(value)}`);
  return value;
}

/**
 * Splits `name[:tag][@digest]` into the repository and its tag or digest.
 * @param {string} ref
 */
function splitReference(ref) {
  const at = ref.indexOf("@");
  if (at !== -1) return { name: ref.slice(0, at), tag: undefined, digest: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(":");
  if (colon > ref.lastIndexOf("/")) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest: undefined };
  return { name: ref, tag: undefined, digest: undefined };
}

/**
 * The `X-Registry-Auth` header for `auth` (base64url JSON, padded), and the secrets to keep out of
 * messages.
 * @param {import("./engine.js").RegistryAuth | undefined} auth
 */
function registryAuth(auth) {
  // base64url WITH its padding: dockerd 20.10 decodes with Go's padded URLEncoding and, when that
  // fails, goes on without credentials (the registry then says "no basic auth credentials").
  const encode = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  if (auth === undefined) return { header: encode({}), secrets: /** @type {string[]} */ ([]) };
  if (auth === null || typeof auth !== "object") throw argumentError("auth must be { username, password, serveraddress? } or { identitytoken, serveraddress? }");
  const a = /** @type {Record<string, unknown>} */ (auth);
  const str = (/** @type {string} */ key) => {
    if (a[key] !== undefined && typeof a[key] !== "string") throw argumentError(`auth.${key} must be a string`);
    return /** @type {string | undefined} */ (a[key]);
  };
  const [username, password, identitytoken, serveraddress] = [str("username"), str("password"), str("identitytoken"), str("serveraddress")];
  if (identitytoken === undefined && (username === undefined || password === undefined)) throw argumentError("auth must have username and password, or identitytoken");
  const body = identitytoken !== undefined ? { identitytoken, serveraddress } : { username, password, serveraddress };
  return { header: encode(body), secrets: [password, identitytoken].filter(/** @returns {s is string} */ (s) => typeof s === "string" && s !== "") };
}

/** Whether a push or pull failure says the registry refused the credentials. @param {string} message */
const isAuthRefusal = (message) => /unauthori[sz]ed|authentication required|no basic auth credentials|access.*denied|denied: |status: 401|401 Unauthorized|incorrect username or password/i.test(message);

/**
 * The tail of a log: at most `MAX_LOG_CHARS` characters kept.
 */
class LogTail {
  constructor() {
    this.text = "";
  }

  /** @param {string} text */
  add(text) {
    this.text += text;
    if (this.text.length > MAX_LOG_CHARS * 2) this.text = this.text.slice(-MAX_LOG_CHARS);
  }

  /** The last `LOG_TAIL_LINES` lines. */
  tail() {
    const text = this.text.slice(-MAX_LOG_CHARS);
    return text.split("\n").filter((line, i, all) => line !== "" || i < all.length - 1).slice(-LOG_TAIL_LINES).join("\n");
  }
}

/**
 * The step and instruction a vertex or step name names: BuildKit's "[2/3] RUN …" or
 * "[stage 2/3] RUN …", the classic builder's "Step 2/3 : RUN …", buildah's (Podman's /build)
 * "STEP 2/3: RUN …".
 * @param {string} name
 */
function stepOf(name) {
  const m = /^\[(?:[^\]\s]+ )?(\d+)\/(\d+)\] (.+)$/s.exec(name) ?? /^Step (\d+)\/(\d+) : (.+)$/s.exec(name) ?? /^STEP (\d+)\/(\d+): (.+)$/s.exec(name);
  return m ? { step: Number(m[1]), steps: Number(m[2]), instruction: m[3].trim() } : undefined;
}

/**
 * Calls the `onProgress` callback if there is one.
 * @param {((event: import("./engine.js").EngineProgress) => void) | undefined} onProgress
 * @param {import("./engine.js").EngineProgress} event
 */
function emit(onProgress, event) {
  if (onProgress) onProgress(event);
}

/**
 * Checks the common options of a method.
 * @param {unknown} options
 * @param {string} method
 * @returns {Record<string, any>}
 */
function optionsOf(options, method) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") throw argumentError(`${method}'s options must be an object`);
  const o = /** @type {Record<string, any>} */ (options);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw argumentError(`${method}'s options.signal must be an AbortSignal`);
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw argumentError(`${method}'s options.onProgress must be a function`);
  return o;
}

/**
 * A client of one Docker Engine (or Podman's compatible service).
 * @param {import("./engine.js").DockerEngineOptions} [options]
 * @returns {import("./engine.js").DockerEngine}
 */
export function dockerEngine(options = {}) {
  if (options === null || typeof options !== "object") throw argumentError("dockerEngine's options must be an object");
  const endpoint = parseHost(options.host ?? (process.env.DOCKER_HOST || DEFAULT_HOST));
  if (options.apiVersion !== undefined) {
    if (!isApiVersion(options.apiVersion) || compareVersions(options.apiVersion, MIN_API_VERSION) < 0 || compareVersions(options.apiVersion, MAX_API_VERSION) > 0) {
      throw argumentError(`apiVersion must be "${MIN_API_VERSION}" to "${MAX_API_VERSION}", got ${quote(options.apiVersion)}`);
    }
  }
  const { request } = transport(endpoint);
  /** @type {Promise<string> | undefined} */
  let negotiated = options.apiVersion ? Promise.resolve(options.apiVersion) : undefined;

  /**
   * GET /version, checked.
   * @param {AbortSignal} [signal]
   * @returns {Promise<import("./engine.js").EngineVersion>}
   */
  async function getVersion(signal) {
    const answer = await request("GET", "/version", { signal });
    const body = await readBody(answer, "GET /version");
    if (answer.status !== 200) throw engineError("ENGINE_API", `GET /version answered ${answer.status}: ${messageOf(body)}`, { status: answer.status });
    let v;
    try {
      v = JSON.parse(body.toString("utf8"));
    } catch {
      throw engineError("ENGINE_BAD_ANSWER", `GET /version did not answer JSON: ${quote(scrub(body.toString("utf8"), [], 200))}`);
    }
    if (v === null || typeof v !== "object" || typeof v.Version !== "string" || !isApiVersion(v.ApiVersion) || (v.MinAPIVersion !== undefined && !isApiVersion(v.MinAPIVersion))) {
      throw engineError("ENGINE_BAD_ANSWER", `GET /version did not answer { Version, ApiVersion: "1.N" }: ${quote(scrub(body.toString("utf8"), [], 200))}`);
    }
    const apiVersion = /** @type {string} */ (v.ApiVersion);
    if (compareVersions(apiVersion, MIN_API_VERSION) < 0) {
      throw engineError("ENGINE_UNSUPPORTED", `the engine at ${endpoint.address} speaks API ${apiVersion}; this client needs ${MIN_API_VERSION} (Docker 20.10) or newer`, { host: endpoint.address });
    }
    const used = compareVersions(apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : apiVersion;
    return {
      version: scrub(v.Version, [], 100),
      apiVersion,
      minApiVersion: v.MinAPIVersion,
      usedApiVersion: used,
      os: typeof v.Os === "string" ? v.Os : undefined,
      arch: typeof v.Arch === "string" ? v.Arch : undefined,
    };
  }

  /**
   * The API version to speak (negotiated once; a failed negotiation is tried again next time).
   * @param {AbortSignal} [signal]
   */
  function apiVersion(signal) {
    if (!negotiated) {
      negotiated = getVersion(signal).then((v) => v.usedApiVersion);
      negotiated.catch(() => {
        negotiated = undefined;
      });
    }
    return negotiated;
  }

  /**
   * A versioned request; an answer with an HTTP error status is ENGINE_API (`status`, the
   * engine's message), unless `accept` lists it.
   * @param {string} method
   * @param {string} path without the version prefix
   * @param {import("./docker-transport.js").RequestOptions & { accept?: number[], secrets?: string[] }} [opts]
   */
  async function call(method, path, opts = {}) {
    const version = await apiVersion(opts.signal);
    const answer = await request(method, `/v${version}${path}`, opts);
    if (answer.status >= 400 && !opts.accept?.includes(answer.status)) {
      const body = await readBody(answer, `${method} ${path}`);
      throw engineError("ENGINE_API", `${method} ${path.split("?")[0]} answered ${answer.status}: ${messageOf(body, opts.secrets)}`, { status: answer.status });
    }
    return answer;
  }

  /**
   * A versioned request whose answer is JSON.
   * @param {string} method @param {string} path
   * @param {import("./docker-transport.js").RequestOptions & { accept?: number[] }} [opts]
   */
  async function callJson(method, path, opts = {}) {
    const answer = await call(method, path, opts);
    const body = await readBody(answer, `${method} ${path}`);
    try {
      return { status: answer.status, value: body.length === 0 ? undefined : JSON.parse(body.toString("utf8")) };
    } catch {
      throw engineError("ENGINE_BAD_ANSWER", `${method} ${path} did not answer JSON: ${quote(scrub(body.toString("utf8"), [], 200))}`);
    }
  }

  /**
   * Re-codes an ENGINE_API error of an operation as that operation's failure.
   * @param {unknown} error
   * @param {import("./engine.js").EngineErrorCode} code
   * @param {string} what
   */
  function asFailure(error, code, what) {
    if (!isEngineError(error) || error.code !== "ENGINE_API") return error;
    const message = error.message.replace(/^dockerEngine: /, "");
    return engineError(code, `${what} failed: ${message}`, { status: error.status, reason: isAuthRefusal(message) ? "auth" : undefined });
  }

  /** @type {import("./engine.js").DockerEngine["version"]} */
  async function version(opts) {
    const o = optionsOf(opts, "version");
    return getVersion(o.signal);
  }

  /** @type {import("./engine.js").DockerEngine["build"]} */
  async function build(contextTar, opts) {
    const o = optionsOf(opts, "build");
    if (!(contextTar instanceof Uint8Array) && !(contextTar && typeof contextTar === "object" && Symbol.asyncIterator in contextTar)) {
      throw argumentError("build takes the context as a Uint8Array or an AsyncIterable of Uint8Array chunks");
    }
    const tag = reference(o.tag, "build's options.tag");
    if (o.network !== undefined && (typeof o.network !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(o.network))) throw argumentError(`build's options.network must be a network name such as "host" or "none", got ${quote(o.network)}`);
    if (o.labels !== undefined && (o.labels === null || typeof o.labels !== "object" || Object.values(o.labels).some((v) => typeof v !== "string"))) throw argumentError("build's options.labels must be an object of strings");
    if (o.builder !== undefined && o.builder !== "buildkit" && o.builder !== "classic") throw argumentError(`build's options.builder must be "buildkit" or "classic", got ${quote(o.builder)}`);
    const query = {
      t: tag,
      version: o.builder === "classic" ? "1" : "2",
      networkmode: o.network,
      labels: o.labels ? JSON.stringify(o.labels) : undefined,
      rm: 1,
      forcerm: 1,
    };
    const log = new LogTail();
    /** @type {Map<string, { index: number, name: string, started: boolean, completed: boolean }>} */
    const vertexes = new Map();
    /** @type {{ step: number, steps: number, instruction: string } | undefined} */
    let failedStep;
    /** @type {{ step: number, steps: number, instruction: string } | undefined} */
    let classicStep;
    /** @type {string | undefined} */
    let imageId;
    /** @type {string | undefined} */
    let failure;
    const failed = (/** @type {string} */ message, /** @type {Partial<import("./engine.js").EngineError>} */ details = {}) => {
      // An engine that answered without BuildKit's trace (the classic builder, or Podman, which
      // builds with buildah whatever the version asked) names its steps in its stream lines.
      const step = failedStep ?? (vertexes.size === 0 ? classicStep : undefined);
      const at = step ? ` at step ${step.step}/${step.steps} (${step.instruction.split("\n")[0].slice(0, 300)})` : "";
      return engineError("ENGINE_BUILD_FAILED", `the build of ${tag} failed${at}: ${message}`, { ...details, log: log.tail(), instruction: step?.instruction, step: step?.step });
    };

    /** @param {string} aux */
    const trace = (aux) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(aux) || aux.length % 4 !== 0) throw engineError("ENGINE_BAD_ANSWER", "POST /build: a moby.buildkit.trace message is not base64");
      let status;
      try {
        status = decodeStatus(Buffer.from(aux, "base64"));
      } catch (error) {
        if (error instanceof TraceFormatError) throw engineError("ENGINE_BAD_ANSWER", `POST /build: a moby.buildkit.trace message is not a StatusResponse: ${error.message}`);
        throw error;
      }
      for (const v of status.vertexes) {
        let known = vertexes.get(v.digest);
        if (!known) {
          known = { index: vertexes.size + 1, name: v.name, started: false, completed: false };
          vertexes.set(v.digest, known);
        }
        if (v.started !== undefined && !known.started) {
          known.started = true;
          log.add(`#${known.index} ${v.name}${v.cached ? " (cached)" : ""}\n`);
        }
        if (v.error) {
          log.add(`#${known.index} ERROR: ${v.error}\n`);
          if (!failedStep && !/context canceled/.test(v.error)) failedStep = stepOf(v.name);
        }
        if (v.completed !== undefined) known.completed = true;
        emit(o.onProgress, { kind: "vertex", id: v.digest, name: v.name, cached: v.cached, started: v.started, completed: v.completed, error: v.error });
      }
      for (const s of status.statuses) emit(o.onProgress, { kind: "status", id: s.id, vertex: s.vertex, status: s.name, current: s.current, total: s.total, completed: s.completed });
      for (const l of status.logs) {
        const text = Buffer.from(l.msg).toString("utf8");
        const index = vertexes.get(l.vertex)?.index ?? 0;
        log.add(text.replace(/^(?=.)/gm, `#${index} `) + (text.endsWith("\n") ? "" : "\n"));
        emit(o.onProgress, { kind: "log", vertex: l.vertex, stream: l.stream, text });
      }
      for (const w of status.warnings) {
        log.add(`WARNING: ${w.short}\n`);
        emit(o.onProgress, { kind: "warning", vertex: w.vertex, text: w.short });
      }
    };

    let answer;
    try {
      answer = await call("POST", "/build", { query, body: contextTar, signal: o.signal });
    } catch (error) {
      throw isEngineError(error) && error.code === "ENGINE_API" ? failed(error.message.replace(/^dockerEngine: POST \/build answered /, "the engine answered "), { status: error.status }) : error;
    }
    for await (const message of jsonMessages(answer.body, "POST /build")) {
      if (typeof message.error === "string" || message.errorDetail !== undefined) {
        const detail = /** @type {{ message?: unknown }} */ (message.errorDetail ?? {});
        failure = scrub(typeof detail.message === "string" ? detail.message : message.error);
        if (!log.text.includes(`ERROR: ${failure}\n`)) log.add(`ERROR: ${failure}\n`);
      } else if (message.id === "moby.buildkit.trace") {
        if (typeof message.aux !== "string") throw engineError("ENGINE_BAD_ANSWER", "POST /build: a moby.buildkit.trace message has no base64 aux");
        trace(message.aux);
      } else if (message.aux !== undefined && message.aux !== null && typeof message.aux === "object" && "ID" in message.aux) {
        const id = /** @type {{ ID: unknown }} */ (message.aux).ID;
        if (typeof id !== "string" || !DIGEST.test(id)) throw engineError("ENGINE_BAD_ANSWER", `POST /build: the built image's ID ${quote(id)} is not "sha256:<64 hex>"`);
        imageId = id;
      } else if (typeof message.stream === "string") {
        const text = message.stream;
        log.add(text);
        for (const line of text.split("\n")) classicStep = stepOf(line) ?? classicStep;
        emit(o.onProgress, { kind: "stream", text });
      } else if (typeof message.status === "string") {
        emit(o.onProgress, { kind: "status", id: typeof message.id === "string" ? message.id : undefined, status: message.status });
      }
    }
    if (failure !== undefined) throw failed(failure);
    if (!imageId) throw engineError("ENGINE_BAD_ANSWER", "POST /build ended without an error and without the built image's ID");
    return { imageId };
  }

  /**
   * Reads a push or pull stream: progress events, the engine's error, the aux and status lines.
   * @param {import("./docker-transport.js").Answer} answer
   * @param {string} what
   * @param {Record<string, any>} o
   * @param {string[]} secrets
   * @param {(message: Record<string, unknown>) => void} onMessage
   * @returns {Promise<string | undefined>} the engine's error, if it gave one
   */
  async function progressStream(answer, what, o, secrets, onMessage) {
    /** @type {string | undefined} */
    let failure;
    for await (const message of jsonMessages(answer.body, what)) {
      if (typeof message.error === "string" || message.errorDetail !== undefined) {
        const detail = /** @type {{ message?: unknown }} */ (message.errorDetail ?? {});
        failure = scrub(typeof detail.message === "string" ? detail.message : message.error, secrets);
        continue;
      }
      onMessage(message);
      if (typeof message.status === "string") {
        const p = /** @type {{ current?: unknown, total?: unknown }} */ (message.progressDetail ?? {});
        emit(o.onProgress, {
          kind: "status",
          id: typeof message.id === "string" ? message.id : undefined,
          status: scrub(message.status, secrets, 500),
          current: typeof p.current === "number" ? p.current : undefined,
          total: typeof p.total === "number" ? p.total : undefined,
        });
      }
    }
    return failure;
  }

  /** @type {import("./engine.js").DockerEngine["push"]} */
  async function push(ref, opts) {
    const o = optionsOf(opts, "push");
    const { name, tag, digest } = splitReference(reference(ref, "push's reference"));
    if (digest !== undefined) throw argumentError(`push takes a tagged reference, not a digest: ${quote(ref)}`);
    const auth = registryAuth(o.auth);
    const what = `the push of ${ref}`;
    let answer;
    try {
      answer = await call("POST", `/images/${name}/push`, { query: { tag: tag ?? "latest" }, headers: { "x-registry-auth": auth.header }, signal: o.signal, secrets: auth.secrets });
    } catch (error) {
      throw asFailure(error, "ENGINE_PUSH_FAILED", what);
    }
    /** @type {string | undefined} */
    let pushed;
    /** The digest of the closing status line "TAG: digest: sha256:… size: N", which Podman sends without the aux. @type {string | undefined} */
    let stated;
    const closing = new RegExp(`^${(tag ?? "latest").replace(/[.]/g, "\\.")}: digest: (sha256:[0-9a-f]{64}) size: \\d+$`);
    const failure = await progressStream(answer, `POST /images/${name}/push`, o, auth.secrets, (message) => {
      const aux = /** @type {{ Digest?: unknown } | undefined} */ (message.aux);
      if (aux && typeof aux === "object" && "Digest" in aux) {
        if (typeof aux.Digest !== "string" || !DIGEST.test(aux.Digest)) throw engineError("ENGINE_BAD_ANSWER", `${what}: the pushed digest ${quote(aux.Digest)} is not "sha256:<64 hex>"`);
        pushed = aux.Digest;
      } else if (typeof message.status === "string") {
        stated = closing.exec(message.status)?.[1] ?? stated;
      }
    });
    if (failure !== undefined) throw engineError("ENGINE_PUSH_FAILED", `${what} failed: ${failure}`, { reason: isAuthRefusal(failure) ? "auth" : undefined });
    if (pushed && stated && pushed !== stated) throw engineError("ENGINE_BAD_ANSWER", `${what}: the engine stated two digests, ${pushed} and ${stated}`);
    const answered = pushed ?? stated;
    if (!answered) throw engineError("ENGINE_BAD_ANSWER", `${what} ended without an error and without the pushed digest`);
    return { digest: answered };
  }

  /** @type {import("./engine.js").DockerEngine["pull"]} */
  async function pull(ref, opts) {
    const o = optionsOf(opts, "pull");
    const { name, tag, digest } = splitReference(reference(ref, "pull's reference"));
    const auth = registryAuth(o.auth);
    const what = `the pull of ${ref}`;
    let answer;
    try {
      answer = await call("POST", "/images/create", { query: { fromImage: name, tag: digest ?? tag ?? "latest" }, headers: { "x-registry-auth": auth.header }, signal: o.signal, secrets: auth.secrets });
    } catch (error) {
      throw asFailure(error, "ENGINE_PULL_FAILED", what);
    }
    /** @type {string | undefined} */
    let pulled;
    const failure = await progressStream(answer, "POST /images/create", o, auth.secrets, (message) => {
      const m = typeof message.status === "string" ? /^Digest: (\S+)$/.exec(message.status) : null;
      if (m) {
        if (!DIGEST.test(m[1])) throw engineError("ENGINE_BAD_ANSWER", `${what}: the pulled digest ${quote(m[1])} is not "sha256:<64 hex>"`);
        pulled = m[1];
      }
    });
    if (failure !== undefined) throw engineError("ENGINE_PULL_FAILED", `${what} failed: ${failure}`, { reason: isAuthRefusal(failure) ? "auth" : undefined });
    return { digest: pulled };
  }

  /** @type {import("./engine.js").DockerEngine["inspectImage"]} */
  async function inspectImage(ref, opts) {
    const o = optionsOf(opts, "inspectImage");
    const name = reference(ref, "inspectImage's reference");
    const { value: v } = await callJson("GET", `/images/${name}/json`, { signal: o.signal });
    const bad = (/** @type {string} */ why) => engineError("ENGINE_BAD_ANSWER", `GET /images/${name}/json: ${why}`);
    if (v === null || typeof v !== "object") throw bad("the answer is not an object");
    if (typeof v.Id !== "string" || !DIGEST.test(v.Id)) throw bad(`Id ${quote(v.Id)} is not "sha256:<64 hex>"`);
    const strings = (/** @type {unknown} */ list, /** @type {string} */ field) => {
      if (list === undefined || list === null) return null;
      if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) throw bad(`${field} is not a list of strings`);
      return /** @type {string[]} */ (list);
    };
    const config = v.Config ?? {};
    if (typeof config !== "object") throw bad("Config is not an object");
    const labelsOf = (/** @type {unknown} */ labels) => {
      if (labels === undefined || labels === null) return {};
      if (typeof labels !== "object" || Array.isArray(labels) || Object.values(labels).some((l) => typeof l !== "string")) throw bad("Config.Labels is not an object of strings");
      return /** @type {Record<string, string>} */ ({ ...labels });
    };
    const text = (/** @type {unknown} */ s, /** @type {string} */ field) => {
      if (s === undefined || s === null) return "";
      if (typeof s !== "string") throw bad(`${field} is not a string`);
      return s;
    };
    return {
      id: v.Id,
      repoDigests: strings(v.RepoDigests, "RepoDigests") ?? [],
      repoTags: strings(v.RepoTags, "RepoTags") ?? [],
      env: strings(config.Env, "Config.Env") ?? [],
      workingDir: text(config.WorkingDir, "Config.WorkingDir"),
      user: text(config.User, "Config.User"),
      entrypoint: strings(config.Entrypoint, "Config.Entrypoint"),
      cmd: strings(config.Cmd, "Config.Cmd"),
      labels: labelsOf(config.Labels),
    };
  }

  /** @type {import("./engine.js").DockerEngine["imageExists"]} */
  async function imageExists(ref, opts) {
    try {
      await inspectImage(ref, opts);
      return true;
    } catch (error) {
      if (isEngineError(error) && error.code === "ENGINE_API" && error.status === 404) return false;
      throw error;
    }
  }

  /** @type {import("./engine.js").DockerEngine["tag"]} */
  async function tag(source, repo, tagName, opts) {
    const o = optionsOf(opts, "tag");
    const from = reference(source, "tag's source");
    const to = reference(repo, "tag's repository");
    if (typeof tagName !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tagName)) throw argumentError(`tag must be a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), got ${quote(tagName)}`);
    const answer = await call("POST", `/images/${from}/tag`, { query: { repo: to, tag: tagName }, signal: o.signal });
    await readBody(answer, "POST /images/tag");
  }

  /** @type {import("./engine.js").DockerEngine["removeImage"]} */
  async function removeImage(ref, opts) {
    const o = optionsOf(opts, "removeImage");
    const name = reference(ref, "removeImage's reference");
    await callJson("DELETE", `/images/${name}`, { query: { force: o.force ? 1 : undefined }, signal: o.signal });
  }

  /** @type {import("./engine.js").DockerEngine["run"]} */
  async function run(spec) {
    const o = optionsOf(spec, "run");
    const image = reference(o.image, "run's image");
    const list = (/** @type {unknown} */ value, /** @type {string} */ what) => {
      if (value === undefined) return undefined;
      if (value === null && what === "entrypoint") return value;
      if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) throw argumentError(`run's ${what} must be a list of strings`);
      return /** @type {string[]} */ (value);
    };
    const cmd = list(o.cmd, "cmd");
    const entrypoint = list(o.entrypoint, "entrypoint");
    /** @type {string[]} */
    const env = [];
    if (o.env !== undefined) {
      if (o.env === null || typeof o.env !== "object") throw argumentError("run's env must be an object of strings");
      for (const [key, value] of Object.entries(o.env)) {
        if (!/^[^=\0]+$/.test(key) || typeof value !== "string" || value.includes("\0")) throw argumentError(`run's env entry ${quote(key)} must be a name without "=" and a string value`);
        env.push(`${key}=${value}`);
      }
    }
    for (const key of /** @type {const} */ (["workdir", "user", "network"])) {
      if (o[key] !== undefined && (typeof o[key] !== "string" || o[key] === "" || o[key].includes("\0"))) throw argumentError(`run's ${key} must be a non-empty string`);
    }
    const files = o.files === undefined ? undefined : packFiles(o.files);
    if (o.archives !== undefined && (!Array.isArray(o.archives) || o.archives.some((/** @type {any} */ a) => !a || typeof a !== "object" || !(a.tar instanceof Uint8Array) || typeof a.path !== "string" || !/^\/(?:[^/\0]+(?:\/[^/\0]+)*)?$/.test(a.path) || /(?:^|\/)\.\.?(?:\/|$)/.test(a.path)))) {
      throw argumentError("run's archives must be a list of { path: an absolute folder path, tar: Uint8Array }");
    }
    /** @type {{ path: string, tar: Uint8Array }[]} */
    const archives = o.archives ?? [];
    const sinks = { 1: o.stdout, 2: o.stderr };
    for (const [n, sink] of Object.entries(sinks)) {
      if (sink !== undefined && typeof sink !== "function" && !(sink && typeof sink.write === "function")) throw argumentError(`run's ${n === "1" ? "stdout" : "stderr"} must be a function or a writable stream`);
    }
    if (o.capture !== undefined && typeof o.capture !== "boolean") throw argumentError("run's capture must be a boolean");
    const maxOutputBytes = o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) throw argumentError(`run's maxOutputBytes must be a whole number of bytes, got ${quote(o.maxOutputBytes)}`);
    /** @type {AbortSignal | undefined} */
    const signal = o.signal;
    if (signal?.aborted) throw engineError("ABORTED", "run: the signal was aborted");

    const { value: created } = await callJson("POST", "/containers/create", {
      json: {
        Image: image,
        Cmd: cmd,
        Entrypoint: entrypoint,
        Env: env,
        WorkingDir: o.workdir,
        User: o.user,
        Tty: false,
        OpenStdin: false,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: { NetworkMode: o.network },
      },
      signal,
    });
    if (!created || typeof created.Id !== "string" || !CONTAINER_ID.test(created.Id)) throw engineError("ENGINE_BAD_ANSWER", `POST /containers/create: the answer has no container Id: ${quote(created)}`);
    const id = created.Id;
    emit(o.onProgress, { kind: "container", id, state: "created" });
    /** @type {Promise<unknown>[]} requests in flight, settled before `run` returns */
    const pending = [];
    // Ends the attach and wait requests once the container is removed (a wait for the next exit
    // of a container that never started would never answer).
    const inner = new AbortController();
    const linked = signal ? AbortSignal.any([signal, inner.signal]) : inner.signal;
    try {
      // The archives in order, then the files (so a file given wins over an archive's).
      for (const { path, tar } of [...archives, ...(files ? [{ path: "/", tar: files }] : [])]) {
        const answer = await call("PUT", `/containers/${id}/archive`, { query: { path }, body: tar, signal });
        await readBody(answer, "PUT /containers/archive");
      }
      const attach = await call("POST", `/containers/${id}/attach`, { query: { stream: 1, stdout: 1, stderr: 1 }, upgrade: true, signal: linked });
      const output = pump(attach, sinks, o.capture === true, maxOutputBytes);
      pending.push(output.catch(() => {}));
      // The engine answers the wait's headers once the wait is registered: start only then, so a
      // command that exits at once is not missed.
      const waitAnswer = await call("POST", `/containers/${id}/wait`, { query: { condition: "next-exit" }, signal: linked });
      const waiting = readBody(waitAnswer, "POST /containers/wait");
      pending.push(waiting.catch(() => {}));
      const started = await call("POST", `/containers/${id}/start`, { signal });
      await readBody(started, "POST /containers/start");
      emit(o.onProgress, { kind: "container", id, state: "started" });
      const [captured, waited] = await Promise.all([output, waiting]);
      let exit;
      try {
        exit = JSON.parse(waited.toString("utf8"));
      } catch {
        exit = undefined;
      }
      if (!exit || !Number.isInteger(exit.StatusCode)) throw engineError("ENGINE_BAD_ANSWER", `POST /containers/wait did not answer { StatusCode }: ${quote(scrub(waited.toString("utf8"), [], 200))}`);
      if (exit.Error && exit.Error.Message) throw engineError("ENGINE_API", `the container ${id.slice(0, 12)} could not be waited for: ${scrub(exit.Error.Message)}`);
      emit(o.onProgress, { kind: "container", id, state: "exited", exitCode: exit.StatusCode });
      return { exitCode: exit.StatusCode, ...captured };
    } finally {
      // Kills it if it still runs (an abort, an error), then removes it with its volumes.
      await removeContainer(id);
      inner.abort();
      await Promise.all(pending);
    }
  }

  /**
   * Removes a container, forced; a missing one is fine. Errors are thrown (a container left behind
   * is worth knowing about) unless another error is on its way already.
   * @param {string} id
   */
  async function removeContainer(id) {
    const answer = await call("DELETE", `/containers/${id}`, { query: { force: 1, v: 1 }, accept: [404] }).catch(() => undefined);
    if (answer) await readBody(answer, "DELETE /containers").catch(() => {});
  }

  return { host: endpoint.address, version, build, push, pull, inspectImage, imageExists, tag, removeImage, run };
}

/**
 * Reads an attached container's multiplexed output until it ends: each frame to its sink, and
 * (with `capture`) the first `max` bytes of each stream kept.
 * @param {import("./docker-transport.js").Answer} attach
 * @param {Record<1 | 2, any>} sinks
 * @param {boolean} capture
 * @param {number} max
 * @returns {Promise<{ stdout?: string, stderr?: string, truncated?: boolean }>}
 */
async function pump(attach, sinks, capture, max) {
  if (attach.status !== 101 && attach.status !== 200) throw engineError("ENGINE_BAD_ANSWER", `POST /containers/attach answered ${attach.status}`);
  /** @type {import("node:stream").Readable} */
  const source = /** @type {any} */ (attach.socket ?? attach.body);
  /** @type {Record<1 | 2, Buffer[]>} */
  const kept = { 1: [], 2: [] };
  const size = { 1: 0, 2: 0 };
  let truncated = false;
  const decoder = frameDecoder((stream, payload) => {
    const sink = sinks[stream];
    if (typeof sink === "function") sink(payload);
    else if (sink && !sink.write(payload) && typeof sink.once === "function") {
      source.pause();
      sink.once("drain", () => source.resume());
    }
    if (capture) {
      const room = max - size[stream];
      if (payload.length > room) truncated = true;
      if (room > 0) {
        const part = Buffer.from(payload.subarray(0, room));
        kept[stream].push(part);
        size[stream] += part.length;
      }
    }
  });
  if (attach.head && attach.head.length > 0) decoder.push(attach.head);
  for await (const chunk of source) decoder.push(chunk);
  decoder.end();
  if (!capture) return {};
  return { stdout: Buffer.concat(kept[1]).toString("utf8"), stderr: Buffer.concat(kept[2]).toString("utf8"), ...(truncated ? { truncated } : {}) };
}
