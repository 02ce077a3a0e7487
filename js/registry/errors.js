// The registry host's errors: coded TypeErrors for bad arguments, coded registry errors naming
// where they happened, and the error an HTTP status answers for.
import { quoteEscaped as quote } from "../host-helpers.js";

/** @typedef {import("../index.js").RegistryErrorCode} RegistryErrorCode */

/**
 * What an error is about: the registry, the repository and the reference as the caller gave it.
 * @typedef {{ registry: string, repository: string, reference: string }} Where
 */

/**
 * A registry error: a stable `code` and where it happened (`retryAfter` seconds when rate limited).
 * @typedef {Error & { code: RegistryErrorCode, registry?: string, repository?: string, reference?: string, retryAfter?: number }} RegistryError
 */

/** The name every message starts with. */
export const NAME = "registryHost";

/**
 * A TypeError for a bad option or argument, with `code` "INVALID_ARGUMENT".
 * @param {string} message
 */
export function argumentError(message) {
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
export function registryError(code, message, where) {
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
export const isRegistryError = (error) => error instanceof Error && typeof (/** @type {{ code?: unknown }} */ (error).code) === "string" && error.message.startsWith(`${NAME}:`);

/**
 * Seconds to wait from a `Retry-After` header (seconds or an HTTP date), or undefined.
 * @param {string | null} header
 */
export function retryAfter(header) {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * The coded error for an HTTP status the registry answered with.
 * @param {Response} response
 * @param {string} what
 * @param {Where} where
 */
export async function statusError(response, what, where) {
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
}
