// The arguments every method of `Image` takes, checked in JavaScript before the call reaches the
// WebAssembly module (its exports have a fixed number of parameters: JavaScript would silently
// drop the rest). Applied once, at load, by each entry (node.js, browser.js, workerd.js), which
// export `Image` from here.
//
// Shapes (one per method, in SHAPES below):
//   - a number n: at most n arguments (`workdir(path)` is 1, `toSpec()` is 0);
//   - LIST: the reference's `*args`, as one array (or one string) or as separate strings:
//     `aptInstall(["git", "curl"])` is `aptInstall("git", "curl")`;
//   - LIST_OPTIONS: the same, plus an optional options object last:
//     `pipInstall("numpy", "pandas", { indexUrl })` is `pipInstall(["numpy", "pandas"], { indexUrl })`.
// Anything a method cannot take (an argument past its last, a non-string among separate strings,
// an options object not in last position) is an ApothicError "INVALID_ARGUMENT" whose `argument`
// is its position, `arguments[i]`. No argument at all, or a single one that is neither a list
// nor a string, is passed on, and the module names it (`packages`). `resolve` and `buildContext` reject instead
// of throwing, as they do for every other error. The only allocation is the array built from
// separate strings. It also gives `Image` its readable form in Node's console
// (`util.inspect.custom`); `toJSON` (the spec, for `JSON.stringify`) comes from the module.
import { Image } from "./apothic_image.js";
import { ApothicError } from "./errors.js";

/** Separate strings or one list. */
const LIST = "list";
/** Separate strings or one list, then an optional options object. */
const LIST_OPTIONS = "list+options";

/**
 * Every method of `Image` (static ones under "static "), with its shape and, for the lists,
 * what one element is. `entrypoint` and `cmd` take one array only, as Modal does: a single
 * string there is almost always a shell command line that exec form would run as one word.
 * @type {Record<string, number | { shape: typeof LIST | typeof LIST_OPTIONS, item: string }>}
 */
export const SHAPES = {
  "static debianSlim": 1,
  "static fromRegistry": 2,
  "static fromDockerfile": 2,
  "static fromSpec": 1,
  "static diff": 3,
  free: 0,
  addLocalDir: 3,
  addLocalFile: 2,
  addLocalPythonSource: { shape: LIST, item: "module name" },
  aptInstall: { shape: LIST, item: "package" },
  buildContext: 2,
  canonicalJson: 0,
  cmd: 1,
  commandShell: 1,
  copyLocalDir: 3,
  copyLocalFile: 2,
  copyLocalPythonSource: { shape: LIST, item: "module name" },
  definitionHash: 0,
  dockerfile: 0,
  entrypoint: 1,
  envFile: 1,
  env: 1,
  lint: 0,
  pipInstallFromPyproject: 2,
  pipInstallFromRequirements: 2,
  pipInstall: { shape: LIST_OPTIONS, item: "package" },
  resolve: 2,
  runCommands: { shape: LIST, item: "command" },
  toSpec: 0,
  // `JSON.stringify` calls it with the property name.
  toJSON: 1,
  uvPipInstallFromPyproject: 2,
  uvPipInstallFromRequirements: 2,
  uvPipInstall: { shape: LIST_OPTIONS, item: "package" },
  withDockerfile: 1,
  workdir: 1,
};

/** The methods that return a promise: their argument errors reject it. */
const ASYNC = new Set(["resolve", "buildContext"]);

/** @param {unknown} value */
const describe = (value) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value);

/**
 * @param {string} method
 * @param {number} index
 * @param {string} why
 */
const invalid = (method, index, why) =>
  new ApothicError(`Image.${method}: arguments[${index}] ${why}`, { code: "INVALID_ARGUMENT", argument: `arguments[${index}]` });

/** @param {string} method @param {number} index @param {number} max */
const extra = (method, index, max) =>
  invalid(method, index, `is one argument too many: ${method} takes ${max === 0 ? "none" : `at most ${max}`}`);

/** @param {string} method @param {string} item */
const afterArray = (method, item) =>
  invalid(method, 1, `follows an array: pass every ${item} in the array, or each as a separate string`);

/** True for what may stand in an options position: an object that is not an array, null, undefined. */
const isOptions = (/** @type {unknown} */ value) => value == null || (typeof value === "object" && !Array.isArray(value));

/**
 * The list of a LIST / LIST_OPTIONS call from `args[0..end)`, which must all be strings.
 * @param {string} method
 * @param {string} item
 * @param {IArguments} args
 * @param {number} end
 * @param {boolean} takesOptions
 */
function separateStrings(method, item, args, end, takesOptions) {
  const list = new Array(end);
  for (let i = 0; i < end; i++) {
    const value = args[i];
    if (typeof value !== "string") {
      const why =
        takesOptions && isOptions(value) && value != null
          ? `is an options object that is not last: options come after every ${item}`
          : `is ${describe(value)}, not a string: each ${item} is a separate string (or pass one array)`;
      throw invalid(method, i, why);
    }
    list[i] = value;
  }
  return list;
}

/**
 * A method taking at most `max` arguments.
 * @param {string} name
 * @param {Function} method
 * @param {number} max
 * @param {boolean} async
 */
function fixed(name, method, max, async) {
  /** @this {unknown} @param {unknown} a @param {unknown} b @param {unknown} c */
  return function (a, b, c) {
    if (arguments.length > max) {
      const error = extra(name, max, max);
      if (async) return Promise.reject(error);
      throw error;
    }
    return method.call(this, a, b, c);
  };
}

/**
 * A LIST method: one array / one string, or separate strings.
 * @param {string} name
 * @param {Function} method
 * @param {string} item
 */
function list(name, method, item) {
  /** @this {unknown} @param {unknown} first */
  return function (first) {
    const n = arguments.length;
    if (n <= 1) return method.call(this, first);
    if (Array.isArray(first)) throw afterArray(name, item);
    return method.call(this, separateStrings(name, item, arguments, n, false));
  };
}

/**
 * A LIST_OPTIONS method: (array | string, options?) or (...strings, options?).
 * @param {string} name
 * @param {Function} method
 * @param {string} item
 */
function listOptions(name, method, item) {
  /** @this {unknown} @param {unknown} first @param {unknown} second */
  return function (first, second) {
    const n = arguments.length;
    if (n <= 1) return method.call(this, first);
    if (Array.isArray(first)) {
      if (!isOptions(second)) throw afterArray(name, item);
      if (n > 2) throw extra(name, 2, 2);
      return method.call(this, first, second);
    }
    const last = arguments[n - 1];
    const end = isOptions(last) ? n - 1 : n;
    return method.call(this, separateStrings(name, item, arguments, end, true), end < n ? last : undefined);
  };
}

/**
 * The checked version of one method.
 * @param {string} key its key in SHAPES
 * @param {string} name
 * @param {Function} method
 */
function checked(key, name, method) {
  const shape = SHAPES[key];
  if (typeof shape === "number") return fixed(name, method, shape, ASYNC.has(name));
  if (shape.shape === LIST) return list(name, method, shape.item);
  return listOptions(name, method, shape.item);
}

/**
 * Replaces every method of `Image` that SHAPES names (and `Symbol.dispose`, the same function as
 * `free`) with its checked version, keeping each one's name. Internal methods (`__…`) stay.
 */
function apply() {
  const proto = /** @type {Record<PropertyKey, unknown>} */ (/** @type {unknown} */ (Image.prototype));
  const free = proto.free;
  for (const [target, prefix] of /** @type {const} */ ([[Image, "static "], [proto, ""]])) {
    const table = /** @type {Record<PropertyKey, unknown>} */ (/** @type {unknown} */ (target));
    for (const name of Object.getOwnPropertyNames(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, name);
      if (typeof descriptor?.value !== "function" || name === "constructor" || !(`${prefix}${name}` in SHAPES)) continue;
      const wrapped = checked(`${prefix}${name}`, name, descriptor.value);
      Object.defineProperty(wrapped, "name", { value: name });
      Object.defineProperty(table, name, { ...descriptor, value: wrapped });
    }
  }
  if (typeof Symbol.dispose === "symbol" && proto[Symbol.dispose] === free) proto[Symbol.dispose] = proto.free;
}

/** Node's `util.inspect` hook (a registered symbol: no `node:` import, so browsers load this too). */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** How many ops a summary lists before it says how many more there are. */
const OPS_SHOWN = 12;

/**
 * What `console.log(image)` and `util.inspect(image)` show: the base, the number of steps and
 * their ops, and the definition hash (instead of the wrapper's `__wbg_ptr`).
 * @param {Image} image
 */
function summary(image) {
  const spec = image.toSpec();
  const base = /** @type {Record<string, unknown>} */ (spec.base);
  const what = base.op === "debianSlim" ? base.pythonVersion : base.op === "fromRegistry" ? base.ref : base.path;
  /** @type {string[]} */
  const ops = spec.steps.slice(0, OPS_SHOWN).map((step) => step.op);
  if (spec.steps.length > OPS_SHOWN) ops.push(`… ${spec.steps.length - OPS_SHOWN} more`);
  return { base: `${base.op}(${JSON.stringify(what)})`, steps: spec.steps.length, ops, definitionHash: image.definitionHash() };
}

/**
 * Gives `Image` a readable form in Node's console: `Image { base: 'debianSlim("3.11")', steps: 1,
 * ops: [ 'pipInstall' ], definitionHash: 'sha256:…' }`. A freed image (or one of a trapped
 * instance) shows as `Image <freed>` rather than throwing from inside `console.log`.
 */
function inspectable() {
  const proto = /** @type {Record<PropertyKey, unknown>} */ (/** @type {unknown} */ (Image.prototype));
  /**
   * @this {Image}
   * @param {number} _depth
   * @param {object} options
   * @param {((value: unknown, options: object) => string) | undefined} inspect
   */
  function custom(_depth, options, inspect) {
    let fields;
    try {
      fields = summary(this);
    } catch {
      return "Image <freed>";
    }
    return `Image ${typeof inspect === "function" ? inspect(fields, options) : JSON.stringify(fields)}`;
  }
  Object.defineProperty(proto, INSPECT, { value: custom, writable: true, configurable: true });
}

apply();
inspectable();

export { Image };
