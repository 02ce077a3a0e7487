// The package-side helpers of the node --test suites (the vector readers, the error checks and
// the workerd launcher are tests/harness/, shared with www/). They run from a scratch project
// (target/js-scratch, made by scripts/test-js.sh) where the packed tarball is installed, so
// "@apothic/image" resolves through the package's `exports` exactly as it does for a user.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Image } from "@apothic/image";

/** The installed package's folder (node_modules/@apothic/image). */
export const packageDir = dirname(fileURLToPath(import.meta.resolve("@apothic/image/package.json")));

/**
 * The wasm instance's exports, for measuring `memory.buffer.byteLength`. The package's entry has
 * already instantiated the module; the glue's `initSync()` then returns that same instance. The
 * glue is imported by file URL (it is not an export of the package), which is the URL the entry
 * imported it by, so it is the same module record.
 */
export async function wasmExports() {
  const glue = await import(pathToFileURL(join(packageDir, "apothic_image.js")).href);
  if (glue.Image !== Image) throw new Error("the glue imported by path is not the package's instance");
  return glue.initSync();
}
