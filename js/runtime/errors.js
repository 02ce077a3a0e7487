// The runtime's errors: plain `Error`s with a stable `code` (and the details that go with it),
// like the rest of the package's.

/**
 * The `code` of an error the runtime throws itself (the engine's own are `ENGINE_*`, the
 * registry's `REGISTRY_*`, the core's its codes).
 * @typedef {"BUILD_FAILED" | "PUSH_FAILED" | "PULL_FAILED" | "FILE_CHANGED" | "PYTHON_FETCH_FAILED"
 *   | "PYTHON_DIGEST_MISMATCH" | "INVALID_ARGUMENT" | "ABORTED"} RuntimeErrorCode
 */

/**
 * An `Error` with `code`, its message prefixed with "apothic-image runtime: ", and `extra`'s
 * properties.
 * @param {RuntimeErrorCode} code
 * @param {string} message
 * @param {Record<string, unknown>} [extra]
 * @returns {Error & { code: RuntimeErrorCode }}
 */
export function runtimeError(code, message, extra = {}) {
  const error = /** @type {Error & { code: RuntimeErrorCode }} */ (new Error(`apothic-image runtime: ${message}`));
  error.code = code;
  Object.assign(error, extra);
  return error;
}
