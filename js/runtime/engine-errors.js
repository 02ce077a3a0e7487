// The errors of the Docker Engine client (docker-engine.js and its siblings): plain `Error`s with
// a stable `code`, their message prefixed with "dockerEngine:", like registryHost's. Nothing a
// caller passed as a credential is ever put in one (see `scrub`).

/** The prefix of every message. */
export const NAME = "dockerEngine";

/**
 * A coded engine error with extra properties (`status`, `reason`, `log`, …) when given.
 * @param {import("./engine.js").EngineErrorCode} code
 * @param {string} message
 * @param {Partial<import("./engine.js").EngineError>} [details]
 * @returns {import("./engine.js").EngineError}
 */
export function engineError(code, message, details = {}) {
  const error = /** @type {import("./engine.js").EngineError} */ (new Error(`${NAME}: ${message}`));
  error.code = code;
  for (const [key, value] of Object.entries(details)) if (value !== undefined) Object.assign(error, { [key]: value });
  return error;
}

/**
 * A TypeError for a bad option or argument, with `code` "INVALID_ARGUMENT".
 * @param {string} message
 */
export function argumentError(message) {
  const error = /** @type {TypeError & { code: "INVALID_ARGUMENT" }} */ (new TypeError(`${NAME}: ${message}`));
  error.code = "INVALID_ARGUMENT";
  return error;
}

/**
 * Whether `error` is one this client made.
 * @param {unknown} error
 * @returns {error is import("./engine.js").EngineError}
 */
export const isEngineError = (error) =>
  error instanceof Error && typeof (/** @type {{ code?: unknown }} */ (error).code) === "string" && error.message.startsWith(`${NAME}:`);

/**
 * An untrusted text for a message: at most `max` characters, control characters but newline and
 * tab replaced, and every secret (a password, a token) replaced by "***".
 * @param {unknown} text
 * @param {readonly string[]} [secrets]
 * @param {number} [max]
 */
export function scrub(text, secrets = [], max = 2000) {
  let out = String(text);
  for (const secret of secrets) if (secret) out = out.split(secret).join("***");
  out = out.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "?");
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** JSON.stringify for a message. @param {unknown} value */
export const quote = (value) => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};
