// The error class every entry exports. Errors thrown by the WebAssembly core are plain `Error`
// objects named "ApothicError" with `code`, `argument`, `file`, `line` and `column` as own
// properties (they are made inside the module, so they cannot share a prototype with this class);
// `instanceof ApothicError` therefore checks the name, and holds for those errors and for
// instances of this class alike. One code is made in JavaScript: "INSTANCE_TRAPPED", when the
// module traps (recovery.js: the instance is replaced, its pending promises reject with it, and
// its Images throw it).
export class ApothicError extends Error {
  /**
   * @param {string} message
   * @param {import("./index.js").ApothicErrorDetails} details
   */
  constructor(message, details) {
    super(message);
    /** @type {"ApothicError"} */
    this.name = "ApothicError";
    /** @type {import("./index.js").ErrorCode} */
    this.code = details.code;
    // `argument`, `file`, `line` and `column` become own properties only when given.
    for (const key of /** @type {const} */ (["argument", "file", "line", "column"])) {
      if (details[key] !== undefined) Object.assign(this, { [key]: details[key] });
    }
  }

  /**
   * True for any `Error` named "ApothicError", wherever it was made.
   * @param {unknown} value
   * @returns {value is ApothicError}
   * @override
   */
  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === "ApothicError";
  }
}
