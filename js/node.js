// Node.js entry (the "node" export condition; Deno and Bun take it too): reads the .wasm beside
// this file and instantiates it synchronously at import, so `Image` is ready once the import
// returns, and `require("@apothic/image")` works (no top-level await).
import { readFileSync } from "node:fs";
import { initSync } from "./apothic_image.js";

initSync({ module: readFileSync(new URL("./apothic_image_bg.wasm", import.meta.url)) });

export { Image } from "./arguments.js"; // every method checks its arguments (the variadic forms)
export { canonicalJsonOf } from "./apothic_image.js";
export { ApothicError } from "./errors.js";
export { memoryHost } from "./memory-host.js";
export { registryHost } from "./registry-host.js";
export { nodeHost } from "./node-host.js";

/** Already done at import; kept so that code shared with browsers can `await init()`. */
export async function init() {}
export default init;
