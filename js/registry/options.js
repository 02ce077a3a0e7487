// The registry host's options, checked and with their defaults, and what they say of each
// registry: the base URL of its API and the Basic credentials it gets.
import { checkOptions, quoteEscaped as quote } from "../host-helpers.js";
import { argumentError, NAME } from "./errors.js";
import { DOCKER_HUB_API, parseReference } from "./reference.js";

/** @typedef {import("../index.js").RegistryHostOptions} RegistryHostOptions */

/**
 * The fetch the host uses, and its deadline: one registry operation (a manifest or a blob, with
 * its token request and redirects, body included).
 * @typedef {(url: string, init: RequestInit) => Promise<Response>} Fetch
 */

/**
 * The checked options (what `checkRegistryOptions` answers).
 * @typedef {ReturnType<typeof checkRegistryOptions>} RegistryConfig
 */

const DEFAULTS = { platform: "linux/amd64", timeoutMs: 30_000, maxManifestBytes: 4 << 20, maxLayerBytes: 64 << 20 };
/** The longest timer JavaScript has. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const textEncoder = new TextEncoder();

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
export function checkRegistryOptions(options) {
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
 * The base URL of a registry's API (Docker Hub's API host, or `mirror`, for docker.io).
 * @param {RegistryConfig} o
 * @param {string} registry
 */
export const baseOf = (o, registry) => (registry === "docker.io" ? o.mirror : `${o.insecure.has(registry) ? "http" : "https"}://${registry}`);

/**
 * The Basic credentials for a registry (a mirror's own host for docker.io, never Docker Hub's).
 * @param {RegistryConfig} o
 * @param {string} registry
 */
export const credentialsOf = (o, registry) => o.credentials.get(registry === "docker.io" ? (o.mirror === DOCKER_HUB_API ? "docker.io" : new URL(o.mirror).host) : registry);
