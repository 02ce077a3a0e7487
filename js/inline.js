// Entry with the .wasm inlined, base64 in JavaScript ("@apothic/image/inline"): for the tools
// that do not copy the `new URL("./apothic_image_bg.wasm", import.meta.url)` asset the browser
// entry fetches (esbuild, Rollup without a plugin), so a bundle has nothing to serve beside it.
// Call `await init()` once before using `Image`, as with the browser entry (browsers refuse to
// compile a module this size synchronously on the main thread); it compiles the inlined module
// (gzipped, base64: about 330 KiB of JavaScript) unless given another input.
import initWasm from "./apothic_image.js";
import { WASM_GZIP_BASE64 } from "./wasm-inline.js";

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
  await initWasm({ module_or_path: input ?? inlinedModule() });
}

/**
 * The inlined module's bytes: base64-decoded, then gunzipped with the platform's
 * DecompressionStream.
 * @returns {Promise<ArrayBuffer>}
 */
function inlinedModule() {
  const gzip = Uint8Array.from(atob(WASM_GZIP_BASE64), (c) => c.charCodeAt(0));
  return new Response(new Blob([gzip]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}
export default init;
