// Browser entry (the "browser" export condition, and "@apothic/image/web"): call `await init()`
// once before using `Image`. By default it fetches apothic_image_bg.wasm from beside this file;
// pass a URL, a Response (or a promise of one), a compiled WebAssembly.Module or the bytes to
// load it from elsewhere. Later calls (also concurrent ones) reuse the first instance.
import initWasm from "./apothic_image.js";

export { Image } from "./arguments.js"; // every method checks its arguments (the variadic forms)
export { canonicalJsonOf } from "./apothic_image.js";
export { ApothicError } from "./errors.js";
export { memoryHost } from "./memory-host.js";
export { registryHost } from "./registry-host.js";
export { nodeHost } from "./node-host-stub.js";

/**
 * The error of a `.wasm` that is not where this file expects it: usually a bundler that did not
 * copy it (esbuild, Rollup without a plugin). `code` is "WASM_NOT_FOUND".
 * @param {URL} url
 * @param {string} why
 */
function wasmNotFound(url, why) {
  const error = /** @type {Error & { code: string, url: string }} */ (
    new Error(
      `@apothic/image: could not load its WebAssembly module from ${url} (${why}). Your bundler did not copy apothic_image_bg.wasm beside the script: import "@apothic/image/inline" instead (the module is inlined, nothing to copy), or copy the file and pass its URL to init() (docs/bundlers.md)`,
    )
  );
  error.code = "WASM_NOT_FOUND";
  error.url = String(url);
  return error;
}

/**
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>} [input]
 * @returns {Promise<void>}
 */
export function init(input) {
  // The first call loads the module; later ones (also concurrent ones) get the same promise. A
  // failed load may be tried again.
  loading ??= load(input).catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** @type {Promise<void> | undefined} */
let loading;

/**
 * Loads and instantiates the module from `input`, or from beside this file.
 * @param {Parameters<typeof init>[0]} input
 */
async function load(input) {
  if (input !== undefined) {
    await initWasm({ module_or_path: input });
    return;
  }
  const url = new URL("./apothic_image_bg.wasm", import.meta.url);
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw wasmNotFound(url, error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw wasmNotFound(url, `HTTP ${response.status}`);
  await initWasm({ module_or_path: response });
}
export default init;
