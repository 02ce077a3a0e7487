// registryHost(options): the network side of an ImageHost — `inspectImage` and `lookupDerived`
// answered by any registry that speaks the OCI Distribution API. Only web APIs (fetch, WebCrypto,
// DecompressionStream, TextDecoder): the same code runs in Node, browsers and workerd. Spread it
// into a file host: `{ ...nodeHost({ root }), ...registryHost() }`.
//
// An inspection reads the manifest (by tag or digest; an index gives the entry for `platform`),
// the config blob, and, for what the config does not say (Python, libc), the tar headers of the
// layers as they stream, stopping as soon as the answer is known or the byte budget is spent.
// Every digest is checked against the bytes it names; every answer is still validated by the
// core before it reaches a plan.
import { checkOptions, quoteEscaped as quote } from "./host-helpers.js";
import { TarFormatError, TarHeaderReader } from "./tar-headers.js";

/** @typedef {import("./apothic_image.js").ImageInspection} ImageInspection */
/** @typedef {import("./index.js").RegistryHostOptions} RegistryHostOptions */
/** @typedef {import("./index.js").RegistryHost} RegistryHost */
/** @typedef {import("./index.js").RegistryErrorCode} RegistryErrorCode */
/** @typedef {import("./tar-headers.js").TarEntry} TarEntry */
/** @typedef {import("./apothic_image.js").LayersUnread} LayersUnread */

/**
 * A parsed image reference: where it lives and what it names (`tag` is absent when the text
 * gives none; a reference with neither tag nor digest means `latest`).
 * @typedef {{ registry: string, repository: string, tag?: string, digest?: string }} ImageReference
 */

/**
 * What an error is about: the registry, the repository and the reference as the caller gave it.
 * @typedef {{ registry: string, repository: string, reference: string }} Where
 */

/**
 * A registry error: a stable `code` and where it happened (`retryAfter` seconds when rate limited).
 * @typedef {Error & { code: RegistryErrorCode, registry?: string, repository?: string, reference?: string, retryAfter?: number }} RegistryError
 */

/**
 * A content descriptor of a manifest, checked.
 * @typedef {{ mediaType: string, digest: string, size: number, platform?: unknown, annotations?: unknown }} Descriptor
 */

/**
 * A manifest as read: its bytes' digest, whether it is an index, and its parsed JSON.
 * @typedef {{ digest: string, index: boolean, json: Record<string, unknown> }} Manifest
 */

/**
 * The fetch the host uses, and its deadline: one registry operation (a manifest or a blob, with
 * its token request and redirects, body included).
 * @typedef {(url: string, init: RequestInit) => Promise<Response>} Fetch
 */

const NAME = "registryHost";

/** Docker Hub's API host: `docker.io/...` references are fetched from here (or `mirror`). */
const DOCKER_HUB_API = "https://registry-1.docker.io";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");

/** Layer media types whose tar headers can be read, and how they are compressed. */
const LAYER_KINDS = new Map([
  ["application/vnd.oci.image.layer.v1.tar+gzip", "gzip"],
  ["application/vnd.docker.image.rootfs.diff.tar.gzip", "gzip"],
  ["application/vnd.oci.image.layer.v1.tar", "tar"],
  ["application/vnd.docker.image.rootfs.diff.tar", "tar"],
]);

/** Image architectures (with their variant) as the core's allow-list names them. */
const ARCHES = new Map([
  ["amd64", "x86_64"],
  ["arm64", "aarch64"],
  ["arm/v7", "armv7"],
  ["arm", "arm"],
  ["386", "i686"],
  ["ppc64le", "ppc64le"],
  ["s390x", "s390x"],
  ["riscv64", "riscv64"],
]);

/** `python3.X` in the folders images put it in; group 1 is the version. */
const PYTHON_FILE = /^(?:usr\/local\/bin|usr\/bin)\/python(3\.\d{1,4})$/;
/** musl's dynamic loader. */
const MUSL_LOADER = /^(?:usr\/)?lib\/ld-musl-[^/]+\.so\.1$/;
/** glibc's dynamic loader or its libc.so.6, in lib, lib64, lib32 or a multiarch folder. */
const GLIBC_FILE = /^(?:usr\/)?lib(?:32|64|x32)?\/(?:[^/]+\/)?(?:ld-linux[^/]*\.so\.\d+|libc\.so\.6)$/;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DEFAULTS = { platform: "linux/amd64", timeoutMs: 30_000, maxManifestBytes: 4 << 20, maxLayerBytes: 64 << 20 };
/** How many times the compressed budget a layer may inflate to before reading stops. */
const INFLATE_RATIO = 16;
/** Redirects followed for one request (blob storage). */
const MAX_REDIRECTS = 5;
/** The longest timer JavaScript has. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * A TypeError for a bad option or argument, with `code` "INVALID_ARGUMENT".
 * @param {string} message
 */
function argumentError(message) {
  const error = /** @type {TypeError & { code: string }} */ (new TypeError(`${NAME}: ${message}`));
  error.code = "INVALID_ARGUMENT";
  return error;
}

/**
 * A coded registry error naming where it happened (never a credential: none is ever put in).
 * @param {RegistryErrorCode} code
 * @param {string} message
 * @param {Where} [where]
 * @returns {RegistryError}
 */
function registryError(code, message, where) {
  const at = where ? ` (registry ${quote(where.registry)}, repository ${quote(where.repository)}, reference ${quote(where.reference)})` : "";
  const error = /** @type {RegistryError} */ (new Error(`${NAME}: ${message}${at}`));
  error.code = code;
  if (where) Object.assign(error, where);
  return error;
}

/**
 * Whether `error` is one this module made.
 * @param {unknown} error
 * @returns {error is RegistryError}
 */
const isRegistryError = (error) => error instanceof Error && typeof (/** @type {{ code?: unknown }} */ (error).code) === "string" && error.message.startsWith(`${NAME}:`);

/**
 * Parses an image reference `[domain/]path[:tag][@sha256:…]` as Docker does: the first
 * component is the registry when it has a `.` or a `:`, is `localhost` or has an uppercase
 * letter; otherwise the registry is `docker.io` (`index.docker.io` is the same), where a
 * one-component path is under `library/`.
 * @param {unknown} reference
 * @returns {ImageReference}
 */
export function parseReference(reference) {
  const bad = (/** @type {string} */ why) => {
    const error = argumentError(`${quote(reference)} is not an image reference: ${why}`);
    error.code = "INVALID_IMAGE_REF";
    return error;
  };
  if (typeof reference !== "string" || reference === "") throw bad("expected a non-empty string");
  if (reference.length > 4096) throw bad("longer than 4,096 characters");
  if (/^[0-9a-f]{64}$/.test(reference)) throw bad("a 64-digit hexadecimal string is an image id, not a repository name");
  let rest = reference;
  /** @type {string | undefined} */
  let digest;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("the digest must be sha256: and 64 lowercase hexadecimal digits");
  }
  /** @type {string | undefined} */
  let tag;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw bad(`the tag ${quote(tag)} is not valid`);
  }
  let registry = "docker.io";
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      registry = first.toLowerCase();
      path = rest.slice(slash + 1);
      if (!/^(?:\[[0-9a-f:]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::\d{1,5})?$/.test(registry)) throw bad(`the registry ${quote(first)} is not a host name`);
    }
  }
  if (registry === "index.docker.io") registry = "docker.io";
  if (registry === "docker.io" && !path.includes("/")) path = `library/${path}`;
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  if (path.length > 255 || !path.split("/").every((part) => component.test(part))) {
    throw bad(`the repository ${quote(path)} is not valid (lowercase letters, digits and separators)`);
  }
  /** @type {ImageReference} */
  const parsed = { registry, repository: path };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/**
 * The tag the derived image of a build key (`resolution.buildKey`) is published under:
 * `sha256-` and the key's hex.
 * @param {string} buildKey `sha256:<64 hex>`
 */
export function derivedTag(buildKey) {
  if (typeof buildKey !== "string" || !DIGEST.test(buildKey)) throw argumentError(`lookupDerived takes a build key "sha256:<64 hex>", got ${quote(buildKey)}`);
  return `sha256-${buildKey.slice("sha256:".length)}`;
}

/**
 * `sha256:` and the hex of the bytes' SHA-256 (WebCrypto).
 * @param {Uint8Array<ArrayBuffer>} bytes
 */
async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let out = "sha256:";
  for (const byte of digest) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * Base64 of a string's UTF-8 bytes.
 * @param {string} text
 */
function base64(text) {
  let binary = "";
  for (const byte of textEncoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The parameters of a `WWW-Authenticate` challenge: its scheme (lowercase) and `key=value` pairs.
 * @param {string} header
 * @returns {{ scheme: string, params: Map<string, string> }}
 */
export function parseChallenge(header) {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  const params = new Map();
  if (!match) return { scheme: "", params };
  const pair = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  let found;
  while ((found = pair.exec(match[2])) !== null && found[0] !== "") {
    params.set(found[1].toLowerCase(), found[2] !== undefined ? found[2].replace(/\\(.)/g, "$1") : found[3]);
  }
  return { scheme: match[1].toLowerCase(), params };
}

/**
 * Seconds to wait from a `Retry-After` header (seconds or an HTTP date), or undefined.
 * @param {string | null} header
 */
function retryAfter(header) {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Checks a positive byte count option (0 allowed when `zeroOk`).
 * @param {unknown} value
 * @param {string} name
 * @param {number} fallback
 * @param {boolean} [zeroOk]
 */
function byteOption(value, name, fallback, zeroOk = false) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw argumentError(`options.${name} must be a whole number of bytes${zeroOk ? "" : " above 0"}, got ${quote(value)}`);
  }
  return value;
}

/**
 * The options, checked and with their defaults.
 * @param {RegistryHostOptions | undefined} options
 */
function checkRegistryOptions(options) {
  const known = ["fetch", "credentials", "platform", "mirror", "insecure", "timeoutMs", "signal", "cache", "derivedRepository", "maxManifestBytes", "maxLayerBytes"];
  /** @type {Partial<RegistryHostOptions>} */
  let given;
  try {
    given = checkOptions(options, known, NAME);
  } catch (error) {
    throw argumentError(/** @type {Error} */ (error).message.slice(`${NAME}: `.length));
  }
  const fetchFn = given.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") throw argumentError("options.fetch must be a function (fetch), and this runtime has no global fetch");

  /** @type {Map<string, string>} registry → the Basic credentials' base64 */
  const credentials = new Map();
  if (given.credentials !== undefined) {
    if (given.credentials === null || typeof given.credentials !== "object") throw argumentError("options.credentials must be an object of registry → { username, password }");
    for (const [registry, entry] of Object.entries(given.credentials)) {
      const { username, password } = /** @type {{ username?: unknown, password?: unknown }} */ (entry ?? {});
      if (typeof username !== "string" || typeof password !== "string" || username === "" || username.includes(":") || /[\0-\x1f\x7f]/.test(username + password)) {
        throw argumentError(`options.credentials[${quote(registry)}] must be { username, password }: strings, a username without ":", no control characters`);
      }
      credentials.set(registry.toLowerCase(), base64(`${username}:${password}`));
    }
  }

  const platform = given.platform ?? DEFAULTS.platform;
  if (typeof platform !== "string" || !/^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_]+)?$/.test(platform)) {
    throw argumentError(`options.platform must be "os/arch" or "os/arch/variant" (such as "linux/arm64"), got ${quote(platform)}`);
  }

  const insecure = given.insecure ?? [];
  if (!Array.isArray(insecure) || !insecure.every((h) => typeof h === "string" && /^[A-Za-z0-9.\-[\]:]+$/.test(h))) {
    throw argumentError("options.insecure must be an array of registry hosts (such as \"127.0.0.1:5000\")");
  }
  const insecureHosts = new Set(insecure.map((h) => h.toLowerCase()));

  let mirror = DOCKER_HUB_API;
  if (given.mirror !== undefined) {
    let url;
    try {
      url = new URL(/** @type {string} */ (given.mirror));
    } catch {
      url = undefined;
    }
    if (typeof given.mirror !== "string" || !url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
      throw argumentError(`options.mirror must be an http(s) URL without credentials, query or fragment, got ${quote(given.mirror)}`);
    }
    // Plain HTTP for named hosts only, the mirror included.
    if (url.protocol === "http:" && !insecureHosts.has(url.host)) {
      throw argumentError(`options.mirror ${quote(given.mirror)} is plain http: name its host ${quote(url.host)} in options.insecure, or use https`);
    }
    mirror = url.href.replace(/\/+$/, "");
  }

  let timeoutMs = given.timeoutMs ?? DEFAULTS.timeoutMs;
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs <= 0) throw argumentError(`options.timeoutMs must be a number of milliseconds above 0, got ${quote(timeoutMs)}`);
  timeoutMs = Math.min(timeoutMs, MAX_TIMER_MS);

  const signal = given.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.aborted !== "boolean")) {
    throw argumentError("options.signal must be an AbortSignal");
  }

  const cache = given.cache ?? new Map();
  if (cache === null || typeof cache !== "object" || typeof cache.get !== "function" || typeof cache.set !== "function") {
    throw argumentError("options.cache must have get(key) and set(key, value) methods (a Map will do)");
  }

  let derived;
  if (given.derivedRepository !== undefined) {
    const parsed = parseReference(given.derivedRepository);
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw argumentError(`options.derivedRepository must be a repository without tag or digest ("host/repo"), got ${quote(given.derivedRepository)}`);
    }
    derived = { name: /** @type {string} */ (given.derivedRepository), parsed };
  }

  return {
    // Called unbound: browsers and workerd refuse their fetch called as a method of another object.
    fetch: /** @type {Fetch} */ ((url, init) => /** @type {typeof fetch} */ (fetchFn)(url, init)),
    credentials,
    platform,
    mirror,
    insecure: insecureHosts,
    timeoutMs,
    /** An AbortSignal, or anything with `aborted` (then checked as each operation starts). */
    signal: /** @type {({ readonly aborted: boolean } & Partial<Pick<AbortSignal, "addEventListener" | "removeEventListener">>) | undefined} */ (signal),
    cache,
    derived,
    maxManifestBytes: byteOption(given.maxManifestBytes, "maxManifestBytes", DEFAULTS.maxManifestBytes),
    maxLayerBytes: byteOption(given.maxLayerBytes, "maxLayerBytes", DEFAULTS.maxLayerBytes, true),
  };
}

/**
 * A checked content descriptor.
 * @param {unknown} value
 * @param {string} what for the message
 * @param {Where} where
 * @returns {Descriptor}
 */
function descriptor(value, what, where) {
  const d = /** @type {Record<string, unknown>} */ (value);
  if (d === null || typeof d !== "object" || typeof d.mediaType !== "string" || typeof d.digest !== "string" || !Number.isSafeInteger(d.size) || /** @type {number} */ (d.size) < 0) {
    throw registryError("REGISTRY_BAD_ANSWER", `the ${what} is not a descriptor { mediaType, digest, size }`, where);
  }
  if (!DIGEST.test(d.digest)) throw registryError("REGISTRY_BAD_ANSWER", `the ${what}'s digest ${quote(d.digest)} is not "sha256:" and 64 lowercase hexadecimal digits`, where);
  return /** @type {Descriptor} */ (d);
}

/**
 * The architecture the core accepts for a config's `architecture` and `variant`, or undefined.
 * @param {unknown} architecture
 * @param {unknown} variant
 */
function archOf(architecture, variant) {
  if (typeof architecture !== "string") return undefined;
  if (architecture === "arm" && variant === "v7") return ARCHES.get("arm/v7");
  return ARCHES.get(architecture);
}

/**
 * The Python the config's environment names (`PYTHON_VERSION`, as the official python images
 * set it, with `python3` in /usr/local/bin), or undefined.
 * @param {unknown} env
 */
function pythonFromEnv(env) {
  if (!Array.isArray(env)) return undefined;
  for (const entry of env) {
    if (typeof entry !== "string" || !entry.startsWith("PYTHON_VERSION=")) continue;
    const match = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?/.exec(entry.slice("PYTHON_VERSION=".length));
    if (match && match[1] === "3") return { path: "/usr/local/bin/python3", version: match[0] };
  }
  return undefined;
}

/**
 * The runtime settings of an image config (its `config` object): `Env`, `WorkingDir`, `User`,
 * `Entrypoint` and `Cmd`, each when set (null, absent and "" are unset). Any other type than the
 * image spec's is REGISTRY_BAD_ANSWER; the core checks the values themselves.
 * @param {unknown} value
 * @param {Where} where
 * @returns {Pick<ImageInspection, "env" | "workdir" | "user" | "entrypoint" | "cmd">}
 */
function runtimeConfig(value, where) {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw registryError("REGISTRY_BAD_ANSWER", "the image config's config is not an object", where);
  const config = /** @type {Record<string, unknown>} */ (value);
  const list = (/** @type {string} */ key) => {
    const v = config[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((item) => typeof item === "string")) throw registryError("REGISTRY_BAD_ANSWER", `the image config's ${key} is not a list of strings`, where);
    return /** @type {string[]} */ (v);
  };
  const text = (/** @type {string} */ key) => {
    const v = config[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw registryError("REGISTRY_BAD_ANSWER", `the image config's ${key} is not a string`, where);
    return v;
  };
  /** @type {Pick<ImageInspection, "env" | "workdir" | "user" | "entrypoint" | "cmd">} */
  const out = {};
  const env = list("Env");
  const workdir = text("WorkingDir");
  const user = text("User");
  const entrypoint = list("Entrypoint");
  const cmd = list("Cmd");
  if (env !== undefined) out.env = env;
  if (workdir !== undefined) out.workdir = workdir;
  if (user !== undefined) out.user = user;
  if (entrypoint !== undefined) out.entrypoint = entrypoint;
  if (cmd !== undefined) out.cmd = cmd;
  return out;
}

/**
 * Paths hidden from lower layers by the whiteouts of the layers above them.
 */
class Whiteouts {
  constructor() {
    /** @type {Set<string>} paths removed (with everything under them) */
    this.removed = new Set();
    /** @type {Set<string>} folders made opaque (everything under them from lower layers) */
    this.opaque = new Set();
  }

  /**
   * Whether `path` of a lower layer is hidden.
   * @param {string} path
   */
  hides(path) {
    if (this.opaque.has("")) return true;
    const parts = path.split("/");
    let prefix = "";
    for (let i = 0; i < parts.length; i++) {
      prefix = i === 0 ? parts[0] : `${prefix}/${parts[i]}`;
      if (this.removed.has(prefix)) return true;
      if (i < parts.length - 1 && this.opaque.has(prefix)) return true;
    }
    return false;
  }
}

/**
 * A host that answers `inspectImage` and `lookupDerived` from OCI registries.
 *
 * @param {RegistryHostOptions} [options]
 * @returns {RegistryHost}
 */
export function registryHost(options) {
  const o = checkRegistryOptions(options);
  const stats = { requests: 0, bytes: 0 };
  /** @type {Map<string, string>} `registry/repository` → the Authorization header that worked */
  const authorizations = new Map();

  /**
   * The base URL of a registry's API (Docker Hub's API host, or `mirror`, for docker.io).
   * @param {string} registry
   */
  const baseOf = (registry) => (registry === "docker.io" ? o.mirror : `${o.insecure.has(registry) ? "http" : "https"}://${registry}`);
  /**
   * The Basic credentials for a registry (a mirror's own host for docker.io, never Docker Hub's).
   * @param {string} registry
   */
  const credentialsOf = (registry) => o.credentials.get(registry === "docker.io" ? (o.mirror === DOCKER_HUB_API ? "docker.io" : new URL(o.mirror).host) : registry);

  /**
   * Runs one registry operation under its deadline (`timeoutMs`) and the caller's `signal`;
   * errors that are not ours become REGISTRY_TIMEOUT, ABORTED or REGISTRY_UNREACHABLE.
   * @template T
   * @param {Where} where
   * @param {(fetch: Fetch) => Promise<T>} work
   * @returns {Promise<T>}
   */
  const operation = async (where, work) => {
    if (o.signal?.aborted) throw registryError("ABORTED", "the signal was aborted", where);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, o.timeoutMs);
    const onAbort = () => controller.abort();
    o.signal?.addEventListener?.("abort", onAbort, { once: true });
    /** @type {Fetch} */
    const fetchOnce = (url, init) => {
      stats.requests++;
      return o.fetch(url, { ...init, signal: controller.signal });
    };
    try {
      return await work(fetchOnce);
    } catch (error) {
      if (timedOut) throw registryError("REGISTRY_TIMEOUT", `the registry did not answer within ${o.timeoutMs} ms`, where);
      if (o.signal?.aborted) throw registryError("ABORTED", "the signal was aborted", where);
      if (isRegistryError(error)) throw error;
      const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
      throw registryError("REGISTRY_UNREACHABLE", `the registry could not be reached: ${reason}`, where);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener?.("abort", onAbort);
    }
  };

  /**
   * Reads a whole body, refusing one over `max` bytes before holding it.
   * @param {Response} response
   * @param {number} max
   * @param {string} what
   * @param {Where} where
   * @returns {Promise<Uint8Array<ArrayBuffer>>}
   */
  const readBody = async (response, max, what, where) => {
    const tooLarge = () => registryError("REGISTRY_TOO_LARGE", `the ${what} is over the ${max.toLocaleString("en")} bytes it may hold`, where);
    const length = Number(response.headers.get("content-length") ?? NaN);
    if (length > max) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    if (!response.body) return new Uint8Array(0);
    const reader = response.body.getReader();
    /** @type {Uint8Array[]} */
    const chunks = [];
    let total = 0;
    try {
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw registryError("REGISTRY_BAD_ANSWER", `the ${what} broke off: ${error instanceof Error ? error.message : String(error)}`, where);
        }
        if (chunk.done) break;
        total += chunk.value.byteLength;
        stats.bytes += chunk.value.byteLength;
        if (total > max) throw tooLarge();
        chunks.push(chunk.value);
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  };

  /**
   * The coded error for an HTTP status the registry answered with.
   * @param {Response} response
   * @param {string} what
   * @param {Where} where
   */
  const statusError = async (response, what, where) => {
    await response.body?.cancel().catch(() => {});
    const status = response.status;
    if (status === 401 || status === 403) return registryError("REGISTRY_AUTH_REFUSED", `the registry refused access to the ${what} (HTTP ${status})`, where);
    if (status === 404) return registryError("REGISTRY_NOT_FOUND", `the registry has no such ${what} (HTTP 404)`, where);
    if (status === 429) {
      const seconds = retryAfter(response.headers.get("retry-after"));
      const error = registryError("REGISTRY_RATE_LIMITED", `the registry is rate limiting requests (HTTP 429)${seconds === undefined ? "" : `; retry after ${seconds} s`}`, where);
      if (seconds !== undefined) error.retryAfter = seconds;
      return error;
    }
    if (status >= 500) return registryError("REGISTRY_UNREACHABLE", `the registry failed to answer for the ${what} (HTTP ${status})`, where);
    return registryError("REGISTRY_BAD_ANSWER", `the registry answered HTTP ${status} for the ${what}`, where);
  };

  /**
   * Throws REGISTRY_BAD_ANSWER unless a redirect from `from` to `next` may be followed: to https,
   * or to plain http from plain http and to a host named in `insecure`.
   * @param {URL} from
   * @param {URL} next
   * @param {Where} where
   */
  const checkRedirect = (from, next, where) => {
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(next.protocol)}, which is not http(s)`, where);
    }
    if (next.protocol === "http:" && from.protocol === "https:") {
      throw registryError("REGISTRY_BAD_ANSWER", `a redirect from https to ${quote(next.origin)}, plain http (never followed)`, where);
    }
    if (next.protocol === "http:" && !o.insecure.has(next.host)) {
      throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(next.origin)}, plain http to a host not named in insecure`, where);
    }
  };

  /**
   * One request, following up to 5 redirects by hand (blob storage): the Authorization header
   * goes only to the registry's own origin, never to another host; a redirect goes to https, or
   * to plain http only from plain http and to a host named in `insecure` (never https → http).
   * Answers the response and the URL that gave it. Browsers make manual redirects opaque; there
   * the request is sent again with `redirect: "follow"`, the browser drops Authorization on a
   * cross-origin redirect itself, and the URL it ended at is held to the same rules.
   * @param {Fetch} fetchOnce
   * @param {string} url
   * @param {"GET" | "HEAD"} method
   * @param {string} accept
   * @param {string | undefined} authorization
   * @param {Where} where
   * @returns {Promise<{ response: Response, url: string }>}
   */
  const follow = async (fetchOnce, url, method, accept, authorization, where) => {
    const origin = new URL(baseOf(where.registry)).origin;
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      /** @type {Record<string, string>} */
      const headers = { accept };
      if (authorization !== undefined && target.origin === origin) headers.authorization = authorization;
      const response = await fetchOnce(url, { method, headers, redirect: "manual" });
      if (response.type === "opaqueredirect") {
        const followed = await fetchOnce(url, { method, headers, redirect: "follow" });
        // The browser followed the hops unseen: the URL it ended at is held to the same rules
        // before its answer is used.
        if (followed.redirected && followed.url) {
          try {
            checkRedirect(target, new URL(followed.url), where);
          } catch (error) {
            await followed.body?.cancel().catch(() => {});
            throw error;
          }
        }
        return { response: followed, url: followed.url || url };
      }
      if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url };
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get("location");
      if (location === null) throw registryError("REGISTRY_BAD_ANSWER", `HTTP ${response.status} without a Location`, where);
      if (hop >= MAX_REDIRECTS) throw registryError("REGISTRY_BAD_ANSWER", `more than ${MAX_REDIRECTS} redirects`, where);
      let next;
      try {
        next = new URL(location, url);
      } catch {
        throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(location)}, which is not a URL`, where);
      }
      checkRedirect(target, next, where);
      url = next.href;
      if (response.status === 303) method = "GET";
    }
  };

  /**
   * Answers an authentication challenge of the registry's own origin: a Bearer token from the
   * realm (https, or plain http when its host is named in `insecure`; with the registry's
   * credentials when there are some), or Basic credentials. Remembered per repository.
   * @param {Fetch} fetchOnce
   * @param {Response} response the 401
   * @param {Where} where
   */
  const authenticate = async (fetchOnce, response, where) => {
    await response.body?.cancel().catch(() => {});
    const { scheme, params } = parseChallenge(response.headers.get("www-authenticate") ?? "");
    const basic = credentialsOf(where.registry);
    const key = `${where.registry}/${where.repository}`;
    if (scheme === "basic") {
      if (basic === undefined) throw registryError("REGISTRY_AUTH_REFUSED", "the registry asks for credentials (Basic) and none were given for it", where);
      authorizations.set(key, `Basic ${basic}`);
      return;
    }
    if (scheme !== "bearer" || !params.get("realm")) {
      const said = scheme === "" ? "no WWW-Authenticate challenge" : scheme === "bearer" ? "a Bearer challenge without a realm" : `the scheme ${quote(scheme)}`;
      throw registryError("REGISTRY_AUTH_REFUSED", `the registry asks for authentication it does not describe (${said}; only Bearer with a realm and Basic are answered)`, where);
    }
    let realm;
    try {
      realm = new URL(/** @type {string} */ (params.get("realm")));
    } catch {
      throw registryError("REGISTRY_BAD_ANSWER", "the Bearer realm is not a URL", where);
    }
    // Plain http only to a host the caller named: the registry's credentials go to the realm.
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && o.insecure.has(realm.host))) {
      throw registryError("REGISTRY_BAD_ANSWER", `the Bearer realm ${quote(realm.origin)} is neither https nor a plain http host named in insecure`, where);
    }
    const service = params.get("service");
    if (service) realm.searchParams.set("service", service);
    realm.searchParams.set("scope", params.get("scope") || `repository:${where.repository}:pull`);
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (basic !== undefined) headers.authorization = `Basic ${basic}`;
    // Never followed: the credentials would go wherever a redirect points. `redirect: "error"`
    // would say so, but workerd refuses it; "manual" works everywhere (browsers answer an opaque
    // redirect, status 0).
    const answer = await fetchOnce(realm.href, { method: "GET", headers, redirect: "manual" });
    if (answer.type === "opaqueredirect" || (answer.status >= 300 && answer.status < 400)) {
      await answer.body?.cancel().catch(() => {});
      throw registryError("REGISTRY_BAD_ANSWER", "the token endpoint answered with a redirect, which a token request never follows", where);
    }
    if (!answer.ok) throw await statusError(answer, "token", where);
    const bytes = await readBody(answer, 1 << 20, "token answer", where);
    let token;
    try {
      const json = JSON.parse(textDecoder.decode(bytes));
      token = json?.token || json?.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || !/^[\x21-\x7e]{1,65536}$/.test(token)) {
      throw registryError("REGISTRY_BAD_ANSWER", "the token answer holds no usable token (JSON { token } or { access_token })", where);
    }
    authorizations.set(key, `Bearer ${token}`);
  };

  /**
   * A successful response for `path` of the registry's API, authenticating when asked to.
   * @param {Fetch} fetchOnce
   * @param {string} path
   * @param {"GET" | "HEAD"} method
   * @param {string} accept
   * @param {string} what for messages
   * @param {Where} where
   */
  const get = async (fetchOnce, path, method, accept, what, where) => {
    const base = baseOf(where.registry);
    const url = `${base}/v2/${where.repository}/${path}`;
    const key = `${where.registry}/${where.repository}`;
    for (let attempt = 0; ; attempt++) {
      const { response, url: answeredBy } = await follow(fetchOnce, url, method, accept, authorizations.get(key), where);
      // A challenge from another host (a blob store the registry redirected to) is never
      // answered: the registry's credentials would go wherever that host's realm points.
      const from = new URL(answeredBy).origin;
      if (response.status === 401 && from !== new URL(base).origin) {
        await response.body?.cancel().catch(() => {});
        throw registryError("REGISTRY_AUTH_REFUSED", `${quote(from)}, where the registry redirected the ${what}, asks for authentication; the registry's credentials are never sent to another host`, where);
      }
      if (response.status === 401 && attempt === 0) {
        await authenticate(fetchOnce, response, where);
        continue;
      }
      if (response.ok) return response;
      throw await statusError(response, what, where);
    }
  };

  /**
   * A manifest by tag or digest, its digest checked against its bytes (and against the
   * registry's Docker-Content-Digest, and the digest asked for).
   * @param {Where} where
   * @param {string} reference a tag or a digest
   * @returns {Promise<Manifest>}
   */
  const manifest = (where, reference) =>
    operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `manifests/${reference}`, "GET", MANIFEST_ACCEPT, "manifest", where);
      const bytes = await readBody(response, o.maxManifestBytes, "manifest", where);
      const digest = await sha256(bytes);
      const said = response.headers.get("docker-content-digest");
      if (said !== null && said.startsWith("sha256:") && said !== digest) {
        throw registryError("REGISTRY_DIGEST_MISMATCH", `the manifest's bytes have the digest ${digest}, not the ${quote(said)} the registry gives for them`, where);
      }
      if (reference.startsWith("sha256:") && digest !== reference) {
        throw registryError("REGISTRY_DIGEST_MISMATCH", `the manifest's bytes have the digest ${digest}, not the ${reference} asked for`, where);
      }
      let json;
      try {
        json = JSON.parse(textDecoder.decode(bytes));
      } catch {
        json = undefined;
      }
      if (json === null || typeof json !== "object" || Array.isArray(json)) throw registryError("REGISTRY_BAD_ANSWER", "the manifest is not a JSON object", where);
      const contentType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
      const mediaType = typeof json.mediaType === "string" && json.mediaType !== "" ? json.mediaType : contentType;
      let index;
      if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) index = true;
      else if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) index = false;
      else if (json.schemaVersion === 2 && (mediaType === "" || mediaType === "application/json")) index = Array.isArray(json.manifests);
      else throw registryError("REGISTRY_UNSUPPORTED_MEDIA_TYPE", `the manifest's media type ${quote(mediaType || "(none)")} is not an OCI or Docker schema 2 manifest or index`, where);
      if (json.schemaVersion !== 2) throw registryError("REGISTRY_UNSUPPORTED_MEDIA_TYPE", `the manifest's schemaVersion is ${quote(json.schemaVersion)}, not 2`, where);
      return { digest, index, json };
    });

  /**
   * The entry of an index for `platform`.
   * @param {Manifest} index
   * @param {Where} where
   */
  const choose = (index, where) => {
    const entries = index.json.manifests;
    if (!Array.isArray(entries)) throw registryError("REGISTRY_BAD_ANSWER", "the index has no manifests list", where);
    const [os, architecture, variant] = o.platform.split("/");
    const defaultVariant = architecture === "arm64" ? "v8" : architecture === "arm" ? "v7" : undefined;
    /** @type {Descriptor[]} */
    const matching = [];
    /** @type {Descriptor[]} */
    const preferred = [];
    for (const [i, entry] of entries.entries()) {
      const d = descriptor(entry, `index entry ${i}`, where);
      const p = /** @type {Record<string, unknown> | undefined} */ (d.platform);
      if (p === null || typeof p !== "object" || p.os !== os || p.architecture !== architecture) continue;
      const entryVariant = p.variant ?? undefined;
      if (variant !== undefined) {
        if (entryVariant === variant || (entryVariant === undefined && variant === defaultVariant)) matching.push(d);
      } else {
        matching.push(d);
        if (entryVariant === undefined || entryVariant === defaultVariant) preferred.push(d);
      }
    }
    const chosen = preferred[0] ?? matching[0];
    if (chosen === undefined) throw registryError("REGISTRY_NOT_FOUND", `the index has no manifest for the platform ${o.platform}`, where);
    return chosen;
  };

  /**
   * A blob's bytes (a config), at most `maxManifestBytes`, its digest checked.
   * @param {Where} where
   * @param {Descriptor} d
   * @param {string} what
   */
  const blob = (where, d, what) => {
    if (d.size > o.maxManifestBytes) {
      throw registryError("REGISTRY_TOO_LARGE", `the ${what} is ${d.size.toLocaleString("en")} bytes, over the ${o.maxManifestBytes.toLocaleString("en")} it may hold`, where);
    }
    return operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `blobs/${d.digest}`, "GET", "*/*", what, where);
      const bytes = await readBody(response, o.maxManifestBytes, what, where);
      const digest = await sha256(bytes);
      if (digest !== d.digest) throw registryError("REGISTRY_DIGEST_MISMATCH", `the ${what}'s bytes have the digest ${digest}, not the ${d.digest} the manifest gives`, where);
      return bytes;
    });
  };

  /**
   * Reads one layer's tar headers as they stream, passing each entry to `onEntry` (true: stop),
   * reading at most `budget` compressed bytes. Answers the bytes read and whether the budget cut
   * the reading short.
   * @param {Where} where
   * @param {Descriptor} layer
   * @param {string} kind "gzip" or "tar"
   * @param {number} budget
   * @param {(entry: TarEntry) => boolean} onEntry
   */
  const readLayer = (where, layer, kind, budget, onEntry) =>
    operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `blobs/${layer.digest}`, "GET", "*/*", "layer", where);
      if (!response.body) throw registryError("REGISTRY_BAD_ANSWER", `the layer ${layer.digest} has no body`, where);
      let bytes = 0;
      let cut = false;
      /** @type {TransformStream<Uint8Array, Uint8Array>} */
      const counter = new TransformStream({
        transform(chunk, controller) {
          const room = budget - bytes;
          if (chunk.byteLength > room) {
            chunk = chunk.subarray(0, room);
            cut = true;
          }
          bytes += chunk.byteLength;
          stats.bytes += chunk.byteLength;
          if (chunk.byteLength > 0) controller.enqueue(chunk);
          if (cut) controller.terminate();
        },
      });
      /** @type {ReadableStream<Uint8Array>} */
      let stream = response.body.pipeThrough(counter);
      if (kind === "gzip") stream = stream.pipeThrough(/** @type {TransformStream<Uint8Array, Uint8Array>} */ (new DecompressionStream("gzip")));
      const reader = stream.getReader();
      const tar = new TarHeaderReader(onEntry);
      let inflated = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          inflated += value.byteLength;
          if (tar.push(value)) break;
          if (inflated > budget * INFLATE_RATIO) {
            cut = true;
            break;
          }
        }
      } catch (error) {
        if (!cut) {
          const why = error instanceof TarFormatError ? error.message : `${kind === "gzip" ? "gzip" : "the stream"}: ${error instanceof Error ? error.message : String(error)}`;
          throw registryError("REGISTRY_BAD_ANSWER", `the layer ${layer.digest} could not be read: ${why}`, where);
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      return { bytes, cut };
    });

  /**
   * Python (when `needPython`) and libc from the layers' tar headers. Python first, newest layer
   * first (a file counts only when no layer above it removed it: whiteouts and opaque folders);
   * then, when libc is still unknown, the layers not read yet oldest first (it lives in the base
   * layer). Each pass stops at the first layer it cannot read (zstd, an unknown media type) or
   * when the byte budget is spent: nothing below it is guessed, and `unread` says why.
   * @param {Where} where
   * @param {Descriptor[]} layers
   * @param {boolean} needPython
   */
  const scanLayers = async (where, layers, needPython) => {
    /** @type {{ python?: { path: string, version: string }, libc?: "glibc" | "musl", unread?: LayersUnread }} */
    const found = {};
    /** @type {Set<Descriptor>} */
    const read = new Set();
    let budget = o.maxLayerBytes;
    /**
     * Reads `order` until `done()` (or a layer that cannot be read, or the budget).
     * @param {Descriptor[]} order
     * @param {() => boolean} done
     * @param {Whiteouts | undefined} whiteouts tracked on the newest-first pass
     */
    const pass = async (order, done, whiteouts) => {
      for (const layer of order) {
        if (done()) return;
        if (read.has(layer)) continue;
        const kind = LAYER_KINDS.get(layer.mediaType);
        if (kind === undefined) {
          found.unread = { reason: /zstd/.test(layer.mediaType) ? "compression" : "mediaType", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        if (budget <= 0) {
          found.unread = { reason: "budget", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        /** @type {string[]} */
        const removed = [];
        /** @type {string[]} */
        const opaque = [];
        read.add(layer);
        const result = await readLayer(where, layer, kind, budget, (entry) => {
          const slash = entry.path.lastIndexOf("/");
          const base = entry.path.slice(slash + 1);
          const dir = slash === -1 ? "" : entry.path.slice(0, slash);
          if (base === ".wh..wh..opq") opaque.push(dir);
          else if (base.startsWith(".wh.")) removed.push(dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`);
          else if (entry.type !== "5" && !whiteouts?.hides(entry.path)) {
            const python = needPython && found.python === undefined ? PYTHON_FILE.exec(entry.path) : null;
            if (python) found.python = { path: `/${entry.path}`, version: python[1] };
            if (found.libc === undefined) {
              if (MUSL_LOADER.test(entry.path)) found.libc = "musl";
              else if (GLIBC_FILE.test(entry.path)) found.libc = "glibc";
            }
          }
          return done();
        });
        budget -= result.bytes;
        if (result.cut && !done()) {
          found.unread = { reason: "budget", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        for (const path of removed) whiteouts?.removed.add(path);
        for (const path of opaque) whiteouts?.opaque.add(path);
      }
    };
    if (needPython) await pass([...layers].reverse(), () => found.python !== undefined, new Whiteouts());
    if (found.libc === undefined && found.unread === undefined) await pass(layers, () => found.libc !== undefined, undefined);
    // What was left unread matters only when it leaves an answer unknown.
    if (found.libc !== undefined && (!needPython || found.python !== undefined)) delete found.unread;
    return found;
  };

  /**
   * Inspects a reference (see the module comment).
   * @param {string} ref
   * @returns {Promise<ImageInspection>}
   */
  const inspect = async (ref) => {
    const parsed = parseReference(ref);
    /** @type {Where} */
    const where = { registry: parsed.registry, repository: parsed.repository, reference: ref };
    // Checked before the cache: an aborted caller gets ABORTED, never a cached answer.
    if (o.signal?.aborted) throw registryError("ABORTED", "the signal was aborted", where);
    // Scoped to where the answer came from: layers are read in part and their digests cannot be
    // checked, so an answer one registry or repository gave is never reused for another.
    const cacheKey = (/** @type {string} */ digest) => `${baseOf(parsed.registry)}/${parsed.repository}@${digest} ${o.platform}`;
    /**
     * Calls the cache's `get` or `set`; what it throws (or rejects with) is REGISTRY_CACHE_FAILED.
     * @template T
     * @param {"get" | "set"} method
     * @param {() => T} call
     */
    const useCache = async (method, call) => {
      try {
        return await call();
      } catch (error) {
        throw registryError("REGISTRY_CACHE_FAILED", `the cache's ${method} failed: ${error instanceof Error ? error.message : String(error)}`, where);
      }
    };
    const cached = (/** @type {string} */ digest) => useCache("get", () => /** @type {ImageInspection | undefined | Promise<ImageInspection | undefined>} */ (o.cache.get(cacheKey(digest))));
    if (parsed.digest !== undefined) {
      const hit = await cached(parsed.digest);
      if (hit !== undefined) return { ...hit };
    }
    const top = await manifest(where, parsed.digest ?? parsed.tag ?? "latest");
    if (parsed.digest === undefined) {
      const hit = await cached(top.digest);
      if (hit !== undefined) return { ...hit };
    }
    let chosen = top;
    for (let depth = 0; chosen.index; depth++) {
      if (depth === 2) throw registryError("REGISTRY_BAD_ANSWER", "indexes nested more than two deep", where);
      chosen = await manifest(where, choose(chosen, where).digest);
    }
    const configDescriptor = descriptor(chosen.json.config, "manifest's config", where);
    const layersList = chosen.json.layers;
    if (!Array.isArray(layersList)) throw registryError("REGISTRY_BAD_ANSWER", "the manifest has no layers list", where);
    const layers = layersList.map((layer, i) => descriptor(layer, `layer ${i}`, where));
    const configBytes = await blob(where, configDescriptor, "config");
    let config;
    try {
      config = JSON.parse(textDecoder.decode(configBytes));
    } catch {
      config = undefined;
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) throw registryError("REGISTRY_BAD_ANSWER", "the config is not a JSON object", where);

    /** @type {ImageInspection} */
    const result = { digest: top.digest };
    if (typeof config.os === "string" && /^[a-z0-9]{1,32}$/.test(config.os)) result.os = config.os;
    const arch = archOf(config.architecture, config.variant);
    if (arch !== undefined) result.arch = arch;
    const runtime = runtimeConfig(config.config, where);
    const fromEnv = pythonFromEnv(runtime.env);
    const found = await scanLayers(where, layers, fromEnv === undefined);
    if (found.libc !== undefined) result.libc = found.libc;
    const python = fromEnv ?? found.python;
    if (python !== undefined) {
      result.pythonPath = python.path;
      result.pythonVersion = python.version;
    }
    Object.assign(result, runtime);
    if (found.unread !== undefined) result.layersUnread = found.unread;
    await useCache("set", () => o.cache.set(cacheKey(top.digest), result));
    return { ...result };
  };

  return {
    inspectImage: inspect,
    async lookupDerived(buildKey) {
      const tag = derivedTag(buildKey);
      if (o.derived === undefined) return null;
      const { name, parsed } = o.derived;
      /** @type {Where} */
      const where = { registry: parsed.registry, repository: parsed.repository, reference: `${name}:${tag}` };
      let digest;
      try {
        digest = await operation(where, async (fetchOnce) => {
          const response = await get(fetchOnce, `manifests/${tag}`, "HEAD", MANIFEST_ACCEPT, "manifest", where);
          await response.body?.cancel().catch(() => {});
          return response.headers.get("docker-content-digest");
        });
      } catch (error) {
        if (isRegistryError(error) && error.code === "REGISTRY_NOT_FOUND") return null;
        throw error;
      }
      // Without the header (or with another algorithm's), the manifest itself gives the digest.
      if (digest === null || !digest.startsWith("sha256:")) digest = (await manifest(where, tag)).digest;
      if (!DIGEST.test(digest)) throw registryError("REGISTRY_BAD_ANSWER", `the Docker-Content-Digest ${quote(digest)} is not "sha256:" and 64 lowercase hexadecimal digits`, where);
      return `${name}@${digest}`;
    },
    stats: () => ({ ...stats }),
  };
}
