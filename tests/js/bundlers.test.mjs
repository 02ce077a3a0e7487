// The package through a bundler, as a user's app would take it: Rollup (what Vite builds with,
// also for SSR and Workers) with node-resolve and each runtime's export conditions. The entries
// that instantiate the module at import must survive tree-shaking: with `"sideEffects": false`
// Rollup drops node.js's and workerd.js's `initSync(...)` call, and `Image` then fails at its
// first use.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";

const tools = process.env.APOTHIC_NPM_TOOLS;
const scratch = fileURLToPath(new URL("..", import.meta.url));

const app = `import { Image } from "@apothic/image";
export const dockerfile = () => Image.debianSlim({ pythonVersion: "3.12" }).pipInstall("numpy").dockerfile();`;
const browserApp = `import { init, Image } from "@apothic/image";
await init();
export const dockerfile = () => Image.debianSlim({ pythonVersion: "3.12" }).pipInstall("numpy").dockerfile();`;

/** Asserts a pattern in a bundle without printing the whole bundle when it fails. */
const has = (code, pattern, what) => assert.ok(pattern.test(code), `the bundle lacks ${what} (${pattern})`);

async function bundle(conditions, browser, source = app) {
  const { rollup } = await import(pathToFileURL(join(tools, "rollup", "dist", "es", "rollup.js")).href);
  const { nodeResolve } = await import(pathToFileURL(join(tools, "@rollup", "plugin-node-resolve", "dist", "es", "index.js")).href);
  const dir = mkdtempSync(join(scratch, "bundle-"));
  try {
    const input = join(dir, "app.js");
    writeFileSync(input, source);
    const build = await rollup({
      input,
      external: [/\.wasm$/, /^node:/],
      plugins: [nodeResolve({ exportConditions: conditions, browser, rootDir: scratch, modulePaths: [join(scratch, "node_modules")] })],
      onwarn: () => {},
    });
    const { output } = await build.generate({ format: "es" });
    await build.close();
    return output[0].code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("Rollup keeps what the entries do at import", () => {
  test("node condition: the bundle reads and instantiates the .wasm", async () => {
    const code = await bundle(["node"], false);
    has(code, /initSync\(\{ module: readFileSync\(new URL\("\.\/apothic_image_bg\.wasm", import\.meta\.url\)\) \}\)/, "node.js's initSync call");
  });
  test("workerd condition: the bundle imports the .wasm module and instantiates it", async () => {
    const code = await bundle(["workerd", "worker", "browser"], false);
    has(code, /import [\w$]+ from '.*apothic_image_bg\.wasm'/, "the .wasm module import");
    has(code, /initSync\(\{ module: [\w$]+ \}\)/, "workerd.js's initSync call");
  });
  test("browser condition: the bundle has init(), and no Node or workerd code", async () => {
    const code = await bundle(["browser"], true, browserApp);
    has(code, /function init\(input\)/, "browser.js's init");
    assert.ok(!/readFileSync|from '.*\.wasm'/.test(code), "the browser bundle holds Node or workerd code");
  });
});
