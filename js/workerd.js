// Cloudflare Workers / workerd entry (the "workerd" export condition): the runtime compiles the
// .wasm when it loads the Worker (a `wasm` module import), and it is instantiated once, at start,
// in the global scope. No bytes are ever compiled while a request is served.
import wasm from "./apothic_image_bg.wasm";
import { initSync } from "./apothic_image.js";

initSync({ module: wasm });

export { Image } from "./arguments.js"; // every method checks its arguments (the variadic forms)
export { canonicalJsonOf } from "./apothic_image.js";
export { ApothicError } from "./errors.js";
export { memoryHost } from "./memory-host.js";
export { registryHost } from "./registry-host.js";
export { nodeHost } from "./node-host-stub.js";

/** Already done at load; kept so that code shared with browsers can `await init()`. */
export async function init() {}
export default init;
