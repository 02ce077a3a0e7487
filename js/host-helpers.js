// What the ready-made hosts share: their errors, message quoting, option checks, the Python
// module lookup's name parsing and its not-found error, and the passed-through image callbacks.
// No Node imports: memoryHost (memory-host.js) runs in every runtime; nodeHost (node-host.js)
// and the CLI use these too.

/** @typedef {import("./apothic_image.js").ImageHost} ImageHost */

/**
 * An `Error` with a Node-style `code` and, for errors about a path, the `path`.
 * @typedef {Error & { code: string, path?: string }} HostError
 */

/**
 * A Node-style error (`code`, `path`) whose message names the callback and the path.
 * @param {string} code
 * @param {string} message
 * @param {string} [path]
 * @returns {HostError}
 */
export function hostError(code, message, path) {
  const error = /** @type {HostError} */ (new Error(message));
  error.code = code;
  if (path !== undefined) error.path = path;
  return error;
}

/**
 * The error a host throws when it is made with a bad option (or a callback is called with a
 * bad argument): a `TypeError`, as before, with `code` "INVALID_ARGUMENT" (as `ApothicError`
 * and `registryHost` use) and, when given, the `argument` at fault (`options.root`).
 * @param {string} message
 * @param {string} [argument]
 * @returns {TypeError & { code: "INVALID_ARGUMENT", argument?: string }}
 */
export function argumentError(message, argument) {
  const error = /** @type {TypeError & { code: "INVALID_ARGUMENT", argument?: string }} */ (new TypeError(message));
  error.code = "INVALID_ARGUMENT";
  if (argument !== undefined) error.argument = argument;
  return error;
}

/**
 * `"a"` → `'"a"'`, safe for any string (C0 control characters escaped).
 * @param {unknown} value
 */
export const quote = (value) => JSON.stringify(String(value));

/**
 * `text` with every control character (C0, DEL, C1) written as `\u00XX`, except newlines and
 * tabs when `keepLines` is true: safe to print to a terminal.
 * @param {unknown} text
 * @param {boolean} [keepLines]
 */
export function escapeControls(text, keepLines = false) {
  const pattern = keepLines ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return String(text).replace(pattern, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * `quote`, and DEL and C1 escaped too: for messages that may reach a terminal.
 * @param {unknown} value
 */
export const quoteEscaped = (value) => escapeControls(quote(value));

/**
 * A Python module name's parts ("a.b" → ["a", "b"]); each must be an identifier.
 * @param {unknown} name
 * @param {string} host the host's name, for the message
 * @returns {string[]}
 */
export function moduleParts(name, host) {
  const identifier = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
  const parts = typeof name === "string" ? name.split(".") : [];
  if (parts.length === 0 || !parts.every((p) => identifier.test(p))) {
    throw hostError("EINVAL", `${host}: resolvePythonModule(${quote(name)}): not a dotted Python module name`, /** @type {string} */ (name));
  }
  return parts;
}

/**
 * The error for a module found nowhere.
 * @param {string} host the host's name
 * @param {string} name the module's dotted name
 * @param {string[]} parts its parts
 * @param {string[]} roots the folders searched ("" for the root)
 */
export function moduleNotFound(host, name, parts, roots) {
  const rel = parts.join("/");
  const where = roots.map((r) => (r === "" ? "the root" : quote(r))).join(", ");
  return hostError(
    "ENOENT",
    `${host}: resolvePythonModule(${quote(name)}): no module named ${quote(name)}: neither ${rel}/__init__.py nor ${rel}.py exists under ${where}`,
    name,
  );
}

/**
 * `value` when it is a function or undefined; throws an `argumentError` naming the option otherwise.
 * @template {Function} F
 * @param {F | undefined} value
 * @param {string} name
 * @param {string} host
 * @returns {F | undefined}
 */
function checkFunction(value, name, host) {
  if (value !== undefined && typeof value !== "function") {
    throw argumentError(`${host}: options.${name} must be a function (or left out), got ${value === null ? "null" : typeof value}`, `options.${name}`);
  }
  return value;
}

/**
 * `options.pythonPath` as a list of strings.
 * @param {unknown} value
 * @param {string} host
 * @returns {readonly string[]}
 */
export function checkPythonPath(value, host) {
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string" && p !== "" && !p.includes("\0"))) {
    throw argumentError(`${host}: options.pythonPath must be an array of folder paths`, "options.pythonPath");
  }
  return list;
}

/**
 * The options object of a host (`{}` when left out); throws an `argumentError` for a non-object
 * and for a key not in `allowed`.
 * @template {object} T
 * @param {T | undefined} options
 * @param {readonly string[]} allowed
 * @param {string} host
 * @returns {Partial<T>}
 */
export function checkOptions(options, allowed, host) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") throw argumentError(`${host}: options must be an object`, "options");
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw argumentError(`${host}: unknown option ${quote(key)} (known: ${allowed.join(", ")})`, `options.${key}`);
  }
  return options;
}

/**
 * Adds the passed-through image callbacks to `host`.
 * @param {ImageHost} host
 * @param {Pick<ImageHost, "inspectImage" | "lookupDerived">} options
 * @param {string} name the host's name, for the messages
 * @returns {ImageHost}
 */
export function passThrough(host, options, name) {
  const inspectImage = checkFunction(options.inspectImage, "inspectImage", name);
  const lookupDerived = checkFunction(options.lookupDerived, "lookupDerived", name);
  if (inspectImage) host.inspectImage = (ref) => inspectImage(ref);
  if (lookupDerived) host.lookupDerived = (buildKey) => lookupDerived(buildKey);
  return host;
}
