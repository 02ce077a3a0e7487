// Shared by the node --test suites. They run from a scratch project (target/js-scratch, made by
// scripts/test-js.sh) where the packed tarball is installed, so "@apothic/image" resolves
// through the package's `exports` exactly as it does for a user.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Image } from "@apothic/image";

/** The repository (for tests/vectors), given by scripts/test-js.sh. */
export const repo = process.env.APOTHIC_REPO ?? fileURLToPath(new URL("../../..", import.meta.url));
export const vectorsDir = join(repo, "tests", "vectors");

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

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** Every golden vector: { name, calls, spec, canonical, hash, dockerfile?, renderError? }. */
export function goldenVectors() {
  return readdirSync(vectorsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(vectorsDir, d.name, "calls.json")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(vectorsDir, name);
      const file = (f) => join(dir, f);
      return {
        name,
        calls: readJson(file("calls.json")),
        spec: readJson(file("spec.json")),
        canonical: readFileSync(file("canonical.json"), "utf8"),
        hash: readFileSync(file("hash"), "utf8").trim(),
        dockerfile: existsSync(file("Dockerfile")) ? readFileSync(file("Dockerfile"), "utf8") : undefined,
        renderError: existsSync(file("render-error.json")) ? readJson(file("render-error.json")) : undefined,
      };
    });
}

/** tests/vectors/errors.json: [{ name, calls, code, argument }]. */
export function errorVectors() {
  return readJson(join(vectorsDir, "errors.json"));
}

/**
 * Replays a call chain written as data (`[["debianSlim", {...}], ["pipInstall", ["numpy"]], …]`)
 * with the JavaScript API: the first call is a static constructor, the rest are methods, each
 * on the previous result. `check(before, after, call)` runs after every method call.
 * Returns { image, images } (every intermediate image, for the caller to inspect or free).
 */
export function replay(calls, check) {
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

export { Image };
