// Readers of the golden corpus every runtime shares: tests/vectors (specs, canonical JSON,
// hashes, Dockerfiles, render errors, errors.json) and tests/vectors-resolve (a spec, the files
// and answers of its host, its pinned resolution). Plain data only: nothing here imports the
// package; `vectorHost` takes the package's `memoryHost` from its caller.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository. APOTHIC_REPO when set (scripts/test-js.sh sets it: its copy of this folder runs
 * from target/js-scratch), else the checkout this file is in.
 */
export const repo = process.env.APOTHIC_REPO ?? fileURLToPath(new URL("../..", import.meta.url));
/** tests/vectors: the golden render and error vectors. */
export const vectorsDir = join(repo, "tests", "vectors");
/** tests/vectors-resolve: the golden resolution vectors. */
export const resolveVectorsDir = join(repo, "tests", "vectors-resolve");

/** @param {string} path */
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
/** @param {string} dir */
const folders = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

/**
 * @typedef {[string, ...unknown[]]} Call one builder call as data: the method's name, then its arguments
 * @typedef {{ code: string, argument?: string | null }} RenderError
 * @typedef {object} GoldenVector
 * @property {string} name the vector's folder name
 * @property {string} dir its folder
 * @property {Call[]} calls the builder calls that make it (the first is a static constructor)
 * @property {any} spec the spec (spec.json)
 * @property {string} canonical its canonical JSON text (canonical.json)
 * @property {string} hash its definition hash
 * @property {string | undefined} dockerfile the rendered Dockerfile, when it renders
 * @property {RenderError | undefined} renderError the error of dockerfile(), when it does not
 */

/**
 * Every golden vector (tests/vectors/<name>/), sorted by name.
 * @returns {GoldenVector[]}
 */
export function goldenVectors() {
  return folders(vectorsDir)
    .filter((name) => existsSync(join(vectorsDir, name, "calls.json")))
    .map((name) => {
      const dir = join(vectorsDir, name);
      const file = (/** @type {string} */ f) => join(dir, f);
      return {
        name,
        dir,
        calls: readJson(file("calls.json")),
        spec: readJson(file("spec.json")),
        canonical: readFileSync(file("canonical.json"), "utf8"),
        hash: readFileSync(file("hash"), "utf8").trim(),
        dockerfile: existsSync(file("Dockerfile")) ? readFileSync(file("Dockerfile"), "utf8") : undefined,
        renderError: existsSync(file("render-error.json")) ? readJson(file("render-error.json")) : undefined,
      };
    });
}

/**
 * @typedef {object} ErrorVector
 * @property {string} name
 * @property {Call[]} calls the calls; the last one fails
 * @property {string} code the ApothicError's code
 * @property {string | null} argument the argument path it names, or null for none
 */

/**
 * tests/vectors/errors.json.
 * @returns {ErrorVector[]}
 */
export function errorVectors() {
  return readJson(join(vectorsDir, "errors.json"));
}

/**
 * The error vectors that are one `Image.fromSpec(spec)` call, with that spec.
 * @returns {Array<{ name: string, spec: unknown, code: string, argument: string | null }>}
 */
export function specErrorVectors() {
  return errorVectors()
    .filter((v) => v.calls.length === 1 && v.calls[0][0] === "fromSpec")
    .map((v) => ({ name: v.name, spec: v.calls[0][1], code: v.code, argument: v.argument }));
}

/**
 * The extras of a resolution vector's host.json (all optional): empty folders, octal modes,
 * symlinks, Python modules, image inspections and derived images.
 * @typedef {object} HostExtras
 * @property {string[]} [dirs] empty folders
 * @property {Record<string, string>} [modes] path → octal mode, as text
 * @property {Record<string, string>} [symlinks] path → target
 * @property {Record<string, unknown>} [modules] Python module name → resolvePythonModule's answer
 * @property {Record<string, unknown>} [images] reference → inspectImage's answer
 * @property {Record<string, unknown>} [derived] build key → lookupDerived's answer
 */

/**
 * @typedef {object} ResolveVector
 * @property {string} name the vector's folder name
 * @property {string} dir its folder
 * @property {any} spec the spec (spec.json)
 * @property {Record<string, Uint8Array>} files the host's files (host/), path → bytes, sorted
 * @property {HostExtras} extras host.json, or {} when there is none
 * @property {any} resolution the pinned resolution as JavaScript returns it (resolution.json
 *   without `contextDirs`, which only the native test reads)
 */

/**
 * The files under `dir` by path relative to `root`, sorted; none when `dir` does not exist (git
 * keeps no empty folders, so a vector without host files has no host/ in a clone).
 * @param {string} dir
 * @param {string} [root]
 * @param {Record<string, Uint8Array>} [out]
 * @returns {Record<string, Uint8Array>}
 */
export function filesUnder(dir, root = dir, out = {}) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, root, out);
    else out[relative(root, path)] = new Uint8Array(readFileSync(path));
  }
  return out;
}

/**
 * Every resolution vector (tests/vectors-resolve/<name>/), sorted by name.
 * @returns {ResolveVector[]}
 */
export function resolveVectors() {
  return folders(resolveVectorsDir).map((name) => {
    const dir = join(resolveVectorsDir, name);
    const extrasFile = join(dir, "host.json");
    const resolution = readJson(join(dir, "resolution.json"));
    delete resolution.contextDirs;
    return {
      name,
      dir,
      spec: readJson(join(dir, "spec.json")),
      files: filesUnder(join(dir, "host")),
      extras: existsSync(extrasFile) ? readJson(extrasFile) : {},
      resolution,
    };
  });
}

/**
 * The host a resolution vector was pinned with: the package's `memoryHost` over its files and
 * the extras of its host.json.
 * @param {(files: Record<string, Uint8Array | string>, options?: object) => any} memoryHost the package's
 * @param {ResolveVector} vector
 */
export function vectorHost(memoryHost, vector) {
  const extra = vector.extras;
  /** @type {Record<string, Uint8Array | string>} */
  const files = { ...vector.files };
  for (const dir of extra.dirs ?? []) files[`${dir}/`] = "";
  const modes = Object.fromEntries(Object.entries(extra.modes ?? {}).map(([path, mode]) => [path, parseInt(mode, 8)]));
  const host = memoryHost(files, {
    modes,
    symlinks: extra.symlinks ?? {},
    inspectImage: async (/** @type {string} */ ref) => extra.images?.[ref] ?? null,
    lookupDerived: async (/** @type {string} */ buildKey) => extra.derived?.[buildKey] ?? null,
  });
  const modules = extra.modules;
  if (modules) {
    host.resolvePythonModule = async (/** @type {string} */ name) => {
      const found = modules[name];
      if (!found) throw new Error(`no module ${name}`);
      return found;
    };
  }
  return host;
}

/**
 * Replays a call chain written as data (`[["debianSlim", {...}], ["pipInstall", ["numpy"]], …]`)
 * on the package's `Image`: the first call is a static constructor, the rest are methods, each
 * on the previous result. `check(before, after, call)` runs after every method call.
 * @param {any} Image the package's
 * @param {Call[]} calls
 * @param {(before: any, after: any, call: Call) => void} [check]
 * @returns {{ image: any, images: any[] }} the last image and every one on the way (to inspect or free)
 */
export function replay(Image, calls, check) {
  const [[constructor, ...constructorArgs], ...rest] = calls;
  let image = Image[constructor](...constructorArgs);
  const images = [image];
  for (const call of rest) {
    const [method, ...args] = call;
    const before = image;
    image = before[method](...args);
    images.push(image);
    check?.(before, image, call);
  }
  return { image, images };
}

/** tests/vectors-lint: the lint vectors. */
export const lintVectorsDir = join(repo, "tests", "vectors-lint");

/**
 * @typedef {object} LintVector
 * @property {string} name the file's name without `.json`
 * @property {any} spec the spec
 * @property {Record<string, string>} files files its host serves (path → text)
 * @property {Record<string, any>} inspections `inspectImage` answers by reference
 * @property {any[]} lint what `image.lint()` gives
 * @property {any[]} resolved the `lint` field of its resolution
 */

/**
 * Every lint vector (tests/vectors-lint/<name>.json), sorted by name.
 * @returns {LintVector[]}
 */
export function lintVectors() {
  return readdirSync(lintVectorsDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const v = readJson(join(lintVectorsDir, f));
      return { name: f.slice(0, -5), spec: v.spec, files: v.files ?? {}, inspections: v.inspections ?? {}, lint: v.lint, resolved: v.resolved };
    });
}

/**
 * The host of a lint vector, over the package's `memoryHost`.
 * @param {(files: Record<string, string>, options: any) => any} memoryHost
 * @param {LintVector} vector
 */
export function lintHost(memoryHost, vector) {
  return memoryHost(vector.files, {
    inspectImage: async (/** @type {string} */ ref) => vector.inspections[ref] ?? null,
  });
}
