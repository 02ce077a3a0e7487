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
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>} [input]
 * @returns {Promise<void>}
 */
export async function init(input) {
  await initWasm({ module_or_path: input ?? new URL("./apothic_image_bg.wasm", import.meta.url) });
}
export default init;
