// One registry operation and what it reads: the deadline and the caller's signal around its
// requests (counted), bodies read whole within a byte bound, and the digest of what was read.
import { isRegistryError, registryError } from "./errors.js";

/** @typedef {import("./errors.js").Where} Where */
/** @typedef {import("./options.js").Fetch} Fetch */
/** @typedef {import("./options.js").RegistryConfig} RegistryConfig */

/**
 * What a host has fetched so far: requests sent and body bytes read.
 * @typedef {{ requests: number, bytes: number }} Stats
 */

/**
 * Runs one registry operation: `work` gets the fetch to use for it.
 * @typedef {<T>(where: Where, work: (fetch: Fetch) => Promise<T>) => Promise<T>} Operation
 */

/**
 * The runner of registry operations for the checked options: each runs under its deadline
 * (`timeoutMs`) and the caller's `signal`, its requests counted in `stats`; errors that are not
 * ours become REGISTRY_TIMEOUT, ABORTED or REGISTRY_UNREACHABLE.
 * @param {RegistryConfig} o
 * @param {Stats} stats
 * @returns {Operation}
 */
export function operations(o, stats) {
  return async (where, work) => {
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
}

/**
 * Reads a whole body, refusing one over `max` bytes before holding it (its bytes counted in
 * `stats`).
 * @param {Response} response
 * @param {number} max
 * @param {string} what
 * @param {Where} where
 * @param {Stats} stats
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
export async function readBody(response, max, what, where, stats) {
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
}

/**
 * `sha256:` and the hex of the bytes' SHA-256 (WebCrypto).
 * @param {Uint8Array<ArrayBuffer>} bytes
 */
export async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let out = "sha256:";
  for (const byte of digest) out += byte.toString(16).padStart(2, "0");
  return out;
}
