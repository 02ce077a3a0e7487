// Deno entry (the "deno" export condition): the .wasm inlined (gzipped, base64 in JavaScript)
// and instantiated synchronously at import, so importing the package needs no --allow-read (the
// Node entry reads the file beside it). `Image` is ready once the import returns; nodeHost uses
// Deno's node: modules and needs the permissions of what it reads.
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { initSync } from "./apothic_image.js";
import { WASM_GZIP_BASE64 } from "./wasm-inline.js";

initSync({ module: gunzipSync(Buffer.from(WASM_GZIP_BASE64, "base64")) });

export { Image } from "./arguments.js"; // every method checks its arguments (the variadic forms)
export { canonicalJsonOf } from "./apothic_image.js";
export { ApothicError } from "./errors.js";
export { memoryHost } from "./memory-host.js";
export { registryHost } from "./registry-host.js";
export { nodeHost } from "./node-host.js";

/** Already done at import; kept so that code shared with browsers can `await init()`. */
export async function init() {}
export default init;
