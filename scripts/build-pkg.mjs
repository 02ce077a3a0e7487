#!/usr/bin/env node
// @ts-check
// `make pkg`: builds the npm package @apothic/image.
//
//   cargo build (wasm-release profile, wasm32, --features wasm) → wasm-bindgen --target web
//   --weak-refs --experimental-reset-state-function → the glue patched for trap recovery →
//   wasm-opt -Oz (npm binaryen, pinned in scripts/tools) → pkg/ (js/ + generated files) →
//   npm pack → dist/apothic-image-<version>.tgz
//
// Installs what it needs (the wasm32 target, wasm-bindgen-cli of exactly the version Cargo.toml
// pins, the npm tools) and skips every step whose result is already there, so a second run with
// nothing changed takes about a second. Prints the tarball's path on its last line.
//
// `node scripts/build-pkg.mjs --toolchain` only installs the wasm32 target and wasm-bindgen-cli
// (scripts/setup.sh runs it), so the pin is read in one place: here, from Cargo.toml.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
process.chdir(root);
process.env.PATH = `${path.join(homedir(), ".cargo", "bin")}${path.delimiter}${process.env.PATH ?? ""}`;

/** The package's JavaScript source, copied into pkg/. */
const SOURCE = "js";
/** wasm-bindgen's output, before it is patched and optimised (the full .d.ts stays here for tsc). */
const GENERATED = "target/wasm-bindgen";
const THIS_SCRIPT = fileURLToPath(import.meta.url);

/** @param {string} message */
const log = (message) => console.error(`build-pkg: ${message}`);

/**
 * Stops the build with a message (exit status 1).
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`build-pkg: ${message}`);
  process.exit(1);
}

/**
 * Runs a command; its output goes to stderr (stdout is kept for the tarball's path). Fails the
 * build when it fails, unless `allowFailure`.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, allowFailure?: boolean }} [options]
 * @returns {boolean} whether it succeeded
 */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd, stdio: ["ignore", 2, 2] });
  const ok = result.status === 0;
  if (!ok && !options.allowFailure) fail(`${command} ${args.join(" ")} failed${result.error ? `: ${result.error.message}` : ` (exit status ${result.status})`}`);
  return ok;
}

/**
 * Runs a command and returns its standard output (stderr passes through), or null when it
 * cannot be run or fails.
 * @param {string} command
 * @param {string[]} args
 * @returns {string | null}
 */
function output(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", 2] });
  return result.status === 0 ? result.stdout : null;
}

/**
 * The wasm-bindgen version Cargo.toml pins exactly (`wasm-bindgen = "=X"` or
 * `wasm-bindgen = { version = "=X", … }`): wasm-bindgen-cli must be the same.
 * @returns {string}
 */
function pinnedBindgenVersion() {
  const toml = readFileSync("Cargo.toml", "utf8");
  const match = /^wasm-bindgen\s*=\s*(?:"=([^"]+)"|\{[^}\n]*\bversion\s*=\s*"=([^"]+)")/m.exec(toml);
  const version = match?.[1] ?? match?.[2];
  if (version === undefined) fail('Cargo.toml does not pin wasm-bindgen exactly (wasm-bindgen = "=X.Y.Z")');
  return version;
}

/**
 * Installs the wasm32 target and wasm-bindgen-cli of the pinned version, each when missing.
 * @returns {string} the wasm-bindgen version
 */
function installToolchain() {
  const targets = output("rustup", ["target", "list", "--installed"]) ?? "";
  if (!targets.split("\n").includes("wasm32-unknown-unknown")) {
    log("rustup target add wasm32-unknown-unknown");
    run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  }
  const version = pinnedBindgenVersion();
  if (output("wasm-bindgen", ["--version"])?.trim() !== `wasm-bindgen ${version}`) {
    log(`cargo install wasm-bindgen-cli ${version}`);
    const args = ["install", "wasm-bindgen-cli", "--version", `=${version}`];
    if (!run("cargo", [...args, "--locked"], { allowFailure: true })) run("cargo", args);
  }
  return version;
}

/**
 * Every file under `dir`, as sorted relative POSIX paths.
 * @param {string} dir
 * @returns {string[]}
 */
function filesUnder(dir) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} rel */
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk("");
  return out.sort();
}

/**
 * SHA-256 (hex) of everything the package is made from: when none of it changed, the tarball is
 * current.
 * @param {string} raw the .wasm cargo built
 * @param {string} tools the versions and flags of the tools
 */
function inputsHash(raw, tools) {
  const hash = createHash("sha256");
  /** @param {string} name @param {Buffer} bytes */
  const add = (name, bytes) => hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  add(raw, readFileSync(raw));
  add("scripts/build-pkg.mjs", readFileSync(THIS_SCRIPT));
  for (const file of filesUnder(SOURCE)) add(`${SOURCE}/${file}`, readFileSync(path.join(SOURCE, file)));
  hash.update(tools);
  return hash.digest("hex");
}

/**
 * Counts `pattern` in `text`: a string's occurrences, or a global RegExp's matches.
 * @param {string} text
 * @param {string | RegExp} pattern
 */
const count = (text, pattern) => (typeof pattern === "string" ? text.split(pattern).length - 1 : (text.match(pattern) ?? []).length);

/**
 * Trap recovery (js/recovery.js): the glue passes every instance's exports through
 * `guardExports`, so that a trap rejects the instance's pending promises, is reported as an
 * "INSTANCE_TRAPPED" ApothicError and replaces the instance once the trapped call has unwound.
 * Objects and closures of a replaced instance must then never touch the new one: a stale Image
 * throws that coded error, its free() does nothing, and a stale callback (a host promise
 * settling, a queued microtask) does nothing. Each edit names the exact text it replaces and how
 * often it must occur; when wasm-bindgen's output differs, the build fails here.
 * @param {string} text the glue wasm-bindgen generated
 * @returns {string} the patched glue
 */
function patchGlue(text) {
  const freeMethods = count(text, /^    free\(\) \{$/gm);
  const promiseExecutors = count(text, "const ret = new Promise(cb0);");
  /** @type {{ what: string, find: string | RegExp, replace: string, times: number | "at least 1" }[]} */
  const edits = [
    {
      what: "import the recovery helpers",
      find: '/* @ts-self-types="./apothic_image.d.ts" */\n',
      replace: '/* @ts-self-types="./apothic_image.d.ts" */\nimport { guardExports, isHandledTrap, staleImageError } from "./recovery.js";\n',
      times: 1,
    },
    { what: "guard the first instance's exports", find: "    wasm = instance.exports;\n", replace: "    wasm = guardExports(instance.exports, __wbg_reset_state);\n", times: 1 },
    { what: "guard a new instance's exports", find: "    wasm = wasmInstance.exports;\n", replace: "    wasm = guardExports(wasmInstance.exports, __wbg_reset_state);\n", times: 1 },
    {
      what: "a stale object's method throws the coded error",
      find: "throw new Error('Invalid stale object from previous Wasm instance');",
      replace: "throw staleImageError();",
      times: "at least 1",
    },
    {
      what: "a stale object's free() does not touch the new instance",
      find: /^    free\(\) \{\n        const ptr = this\.__destroy_into_raw\(\);\n        __wbg_call_guard\(\);\n/gm,
      replace:
        "    free() {\n        const stale = this.__wbg_inst !== undefined && this.__wbg_inst !== __wbg_instance_id;\n" +
        "        const ptr = this.__destroy_into_raw();\n        if (stale) return;\n        __wbg_call_guard();\n",
      times: freeMethods,
    },
    {
      what: "a stale closure does nothing",
      find: "            throw new Error('Cannot invoke closure from previous WASM instance');\n",
      replace: "            return;\n",
      times: 1,
    },
    {
      what: "a closure drops a trap that was handled (it runs from a microtask or a host promise)",
      find: "        try {\n            return f(a, state.b, ...args);\n        } finally {\n",
      replace: "        try {\n            return f(a, state.b, ...args);\n        } catch (error) {\n            if (!isHandledTrap(error)) throw error;\n        } finally {\n",
      times: 1,
    },
    {
      what: "a stale closure's release does not touch the new instance",
      find: "    real._wbg_cb_unref = () => {\n",
      replace: "    real._wbg_cb_unref = () => {\n        if (state.instance !== __wbg_instance_id) return;\n",
      times: 1,
    },
    {
      what: "a promise executor drops a trap that was handled (the promise is never returned)",
      find: /^( +)try \{\n( +return wasm_bindgen__convert__closures_____invoke__\w+\(a, state0\.b, arg0, arg1\);\n)( +)\} finally \{\n/gm,
      replace: "$1try {\n$2$3} catch (error) {\n$3    if (!isHandledTrap(error)) throw error;\n$3} finally {\n",
      times: promiseExecutors,
    },
  ];
  const problems = [];
  if (freeMethods < 1) problems.push("no free() method found");
  for (const { what, find, replace, times } of edits) {
    const found = count(text, find);
    const ok = times === "at least 1" ? found >= 1 : found === times;
    if (!ok) problems.push(`${what}: expected ${times} occurrence(s), found ${found}`);
    else text = typeof find === "string" ? text.split(find).join(replace) : text.replace(find, replace);
  }
  if (problems.length > 0) fail(`the generated glue does not have the shape the trap recovery patches expect:\n  ${problems.join("\n  ")}`);
  return text;
}

/**
 * The generated .d.ts without the glue's loader declarations (InitInput, InitOutput with the raw
 * wasm exports typed `any`, SyncInitInput, initSync, the default init) and the trap recovery's
 * reset function. The entries do not export those (index.d.ts declares the package's own
 * `init`), and they name DOM-only types that a Node project without the DOM lib cannot resolve.
 * @param {string} text
 * @returns {string}
 */
function cutDeclarations(text) {
  const start = text.indexOf("\nexport type InitInput =");
  if (start < 0) fail("the glue's loader declarations were not found in the generated .d.ts");
  text = `${text.slice(0, start).trimEnd()}\n`;
  const reset = "\nexport function __wbg_reset_state(): void;\n";
  if (!text.includes(reset)) fail("__wbg_reset_state's declaration was not found in the generated .d.ts");
  text = text.replace(reset, "");
  for (const name of ["InitInput", "InitOutput", "SyncInitInput", "initSync", "__wbg_init", "__wbg_reset_state"]) {
    if (new RegExp(`\\b${name}\\b`).test(text)) fail(`${name} is still declared after the cut`);
  }
  return text;
}

/**
 * The entries name the generated exports one by one (so the public types stay free of the
 * glue's internals); fails when the bindings gained an export that the entries do not pass on.
 * @param {string} dir the assembled pkg/
 */
function checkExports(dir) {
  /** @param {string} file */
  const read = (file) => readFileSync(path.join(dir, file), "utf8");
  const internal = new Set(["initSync", "default", "InitInput", "InitOutput", "SyncInitInput", "__wbg_reset_state"]);
  const glue = read("apothic_image.js");
  const values = new Set();
  for (const m of glue.matchAll(/^export (?:class|function|const) (\w+)/gm)) values.add(m[1]);
  for (const m of glue.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of m[1].split(",")) values.add(part.trim().split(/\s+as\s+/).pop());
  }
  const types = new Set();
  for (const m of read("apothic_image.d.ts").matchAll(/^export (?:declare )?(?:type|interface|class|function) (\w+)/gm)) types.add(m[1]);
  const problems = [];
  for (const name of values) {
    if (internal.has(name)) continue;
    for (const entry of ["node.js", "browser.js", "workerd.js", "deno.js", "inline.js"]) {
      if (!new RegExp(`\\b${name}\\b`).test(read(entry))) problems.push(`${entry} does not export ${name}`);
    }
  }
  const index = read("index.d.ts");
  for (const name of types) {
    if (!internal.has(name) && !new RegExp(`\\b${name}\\b`).test(index)) problems.push(`index.d.ts does not export ${name}`);
  }
  if (problems.length > 0) fail(`the generated bindings export names the package does not:\n  ${problems.join("\n  ")}`);
}

/**
 * wasm-inline.js: the optimised .wasm gzipped (level 9) and base64-encoded in JavaScript, for
 * the entries that carry the module instead of loading the file beside them (inline.js,
 * deno.js). Gzip first: the bundle is 44 % of base64 over the raw bytes.
 * @param {Buffer} wasm
 * @returns {string}
 */
function inlineModule(wasm) {
  const gzip = gzipSync(wasm, { level: 9 });
  return `// Generated by scripts/build-pkg.mjs: apothic_image_bg.wasm (${wasm.length} bytes), gzipped (${gzip.length} bytes), as base64.
export const WASM_GZIP_BASE64 = "${gzip.toString("base64")}";
`;
}

/**
 * The CommonJS twins of the ESM declarations (`.d.cts`), so a CommonJS TypeScript project
 * (`module: node16`) reads them as CommonJS: the same text, with the relative imports of the
 * files that also get a twin renamed `.cjs`.
 * @param {string} dir the assembled pkg/
 * @param {string[]} files the `.d.ts` files to twin, relative to `dir`
 */
function writeCjsDeclarations(dir, files) {
  const stems = files.map((file) => path.posix.basename(file, ".d.ts"));
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), "utf8").replace(
      /(from "\.{1,2}\/(?:[\w-]+\/)*)([\w-]+)\.js"/g,
      (whole, head, stem) => (stems.includes(stem) ? `${head}${stem}.cjs"` : whole),
    );
    writeFileSync(path.join(dir, file.replace(/\.d\.ts$/, ".d.cts")), text);
  }
}

/**
 * Bundles an ESM entry of pkg/ and everything it imports (the node: modules excepted) into one
 * CommonJS file with Rollup (pinned in scripts/tools): `require()` on a Node without
 * require(esm), default-mode Jest. `import.meta.url` becomes the file's own URL.
 * @param {string} toolsModules scripts/tools/node_modules
 * @param {string} input the ESM entry, relative to pkg/
 * @param {string} file the CommonJS file to write, relative to pkg/
 */
async function bundleCjs(toolsModules, input, file) {
  /** @type {{ rollup: (options: object) => Promise<{ write: (options: object) => Promise<unknown>, close: () => Promise<void> }> }} */
  const { rollup } = await import(pathToFileURL(path.join(toolsModules, "rollup", "dist", "es", "rollup.js")).href);
  const bundle = await rollup({ input: path.join("pkg", input), external: [/^node:/], onwarn: (/** @type {{ message: string }} */ w) => fail(`rollup (${input}): ${w.message}`) });
  await bundle.write({ file: path.join("pkg", file), format: "cjs", exports: "named", generatedCode: "es2015", banner: `// Generated by scripts/build-pkg.mjs: ${input} and what it imports, as CommonJS.` });
  await bundle.close();
}

/** The entries of the package's runtimes (package.json `exports`); each imports the shared modules. */
const ENTRIES = ["node.js", "browser.js", "workerd.js", "deno.js", "inline.js"];
/** The modules every entry shares: linked into `core.js` by [`linkShared`]. */
const SHARED = ["apothic_image.js", "recovery.js", "errors.js", "arguments.js", "memory-host.js", "host-helpers.js", "registry-host.js", "tar-headers.js"];
/**
 * Folders of modules that only the shared modules import (`registry/`, the parts of
 * `registry-host.js`): copied into pkg/ for Rollup, which links them into `core.js`, then
 * removed: they are not files of the package.
 */
const LINKED_ONLY = ["registry"];

/**
 * Links the modules the entries share into one file, `core.js` (Rollup, pinned in
 * scripts/tools), so that Node loads three module files at import (the entry, `core.js`,
 * `node-host.js`) instead of ten: Node's loader costs about 0.85 ms per module file, most of a
 * cold start after the wasm compile. Each shared module keeps its file as a facade that
 * re-exports from `core.js` with its own exports (what the CLI, the runtime and tests import),
 * and every entry imports `core.js`: one instance per process, whichever entries are loaded.
 * `node-host.js` (Node's `fs`) and `wasm-inline.js` (the inlined module) stay files of their
 * own, loaded only by the entries that use them.
 * @param {string} toolsModules scripts/tools/node_modules
 */
async function linkShared(toolsModules) {
  /** @type {{ rollup: (options: object) => Promise<{ write: (options: object) => Promise<unknown>, close: () => Promise<void> }> }} */
  const { rollup } = await import(pathToFileURL(path.join(toolsModules, "rollup", "dist", "es", "rollup.js")).href);
  const inputs = [...ENTRIES, ...SHARED, "node-host.js", "node-host-stub.js", "wasm-inline.js"];
  const staging = path.join(GENERATED, "linked");
  rmSync(staging, { recursive: true, force: true });
  const built = await rollup({
    input: Object.fromEntries(inputs.map((file) => [file.replace(/\.js$/, ""), path.join("pkg", file)])),
    external: [/^node:/, /\.wasm$/], // workerd.js imports the module itself
    preserveEntrySignatures: "strict",
    onwarn: (/** @type {{ message: string }} */ w) => fail(`rollup (core.js): ${w.message}`),
  });
  await built.write({
    dir: staging,
    format: "es",
    entryFileNames: "[name].js",
    chunkFileNames: "[name].js",
    generatedCode: "es2015",
    minifyInternalExports: false,
    manualChunks: (/** @type {string} */ id) => (SHARED.includes(path.basename(id)) ? "core" : undefined),
  });
  await built.close();
  const chunks = [...inputs, "core.js"];
  const strays = readdirSync(staging).filter((file) => !chunks.includes(file));
  if (strays.length > 0) fail(`rollup (core.js) made chunks the package would not hold: ${strays.join(", ")}`);
  for (const file of chunks) copyFileSync(path.join(staging, file), path.join("pkg", file));
  for (const dir of LINKED_ONLY) rmSync(path.join("pkg", dir), { recursive: true });
}

/** @param {number} n */
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function build() {
  const bindgenVersion = installToolchain();
  const toolsBin = output(path.join(root, "scripts", "npm-tools.sh"), [])?.trim().split("\n").pop();
  if (!toolsBin) fail("scripts/npm-tools.sh failed");
  const wasmOpt = path.join(toolsBin, "wasm-opt");
  const binaryenVersion = output(wasmOpt, ["--version"])?.trim() ?? fail(`${wasmOpt} --version failed`);

  // Cargo.toml's `wasm-release` profile (release at opt-level "z": size first, ARCHITECTURE.md
  // §6), or plain release where there is none.
  const profile = /^\[profile\.wasm-release\]/m.test(readFileSync("Cargo.toml", "utf8")) ? "wasm-release" : "release";
  log(`cargo build --profile ${profile} --target wasm32-unknown-unknown --features wasm`);
  run("cargo", ["build", "--quiet", "--profile", profile, "--lib", "--target", "wasm32-unknown-unknown", "--features", "wasm"]);
  const raw = `target/wasm32-unknown-unknown/${profile}/apothic_image.wasm`;

  // The features the Rust target enables by default (Rust ≥ 1.82); wasm-opt must keep to them.
  const wasmOptFlags = ["-Oz", "--enable-bulk-memory", "--enable-bulk-memory-opt", "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types",
    "--enable-multivalue", "--enable-call-indirect-overlong"];

  /** @type {{ version: string, files: string[] }} */
  const manifest = JSON.parse(readFileSync(path.join(SOURCE, "package.json"), "utf8"));
  const tarball = `dist/apothic-image-${manifest.version}.tgz`;
  const hash = inputsHash(raw, `wasm-bindgen ${bindgenVersion} / ${binaryenVersion} / ${wasmOptFlags.join(" ")}`);
  const stamp = "pkg/.inputs.sha256";
  const current = existsSync(stamp) && readFileSync(stamp, "utf8").trim() === hash;
  if (current && existsSync(tarball) && existsSync(`${GENERATED}/apothic_image.d.ts`)) {
    log("up to date");
    return path.join(root, tarball);
  }

  rmSync(GENERATED, { recursive: true, force: true });
  mkdirSync(GENERATED, { recursive: true });
  // --experimental-reset-state-function: the glue can instantiate the module again after a trap,
  // and tags objects and closures with the instance that made them (see js/recovery.js).
  log("wasm-bindgen --target web --weak-refs --experimental-reset-state-function");
  run("wasm-bindgen", ["--target", "web", "--weak-refs", "--experimental-reset-state-function", "--out-dir", GENERATED, "--out-name", "apothic_image", raw]);
  log(`wasm-opt -Oz (${binaryenVersion})`);
  run(wasmOpt, [...wasmOptFlags, `${GENERATED}/apothic_image_bg.wasm`, "-o", `${GENERATED}/apothic_image_bg.opt.wasm`]);

  // pkg/: the package.json and the files it lists, from js/ and from wasm-bindgen.
  rmSync("pkg", { recursive: true, force: true });
  mkdirSync("pkg");
  for (const file of ["package.json", ...manifest.files]) {
    if (!existsSync(path.join(SOURCE, file))) continue;
    mkdirSync(path.dirname(path.join("pkg", file)), { recursive: true });
    copyFileSync(path.join(SOURCE, file), path.join("pkg", file));
  }
  for (const dir of LINKED_ONLY) cpSync(path.join(SOURCE, dir), path.join("pkg", dir), { recursive: true });
  copyFileSync(`${GENERATED}/apothic_image_bg.opt.wasm`, "pkg/apothic_image_bg.wasm");
  writeFileSync("pkg/apothic_image.js", patchGlue(readFileSync(`${GENERATED}/apothic_image.js`, "utf8")));
  writeFileSync("pkg/apothic_image.d.ts", cutDeclarations(readFileSync(`${GENERATED}/apothic_image.d.ts`, "utf8")));
  writeFileSync("pkg/wasm-inline.js", inlineModule(readFileSync("pkg/apothic_image_bg.wasm")));
  // For `make lint-js` (js/tsconfig.json's rootDirs): wasm-inline.js's declaration.
  writeFileSync(`${GENERATED}/wasm-inline.d.ts`, "/** apothic_image_bg.wasm, gzipped, as base64. */\nexport const WASM_GZIP_BASE64: string;\n");
  writeCjsDeclarations("pkg", ["index.d.ts", "apothic_image.d.ts", "runtime/runtime.d.ts", "runtime/engine.d.ts"]);
  const toolsModules = path.dirname(toolsBin);
  checkExports("pkg");
  await bundleCjs(toolsModules, "node.js", "node.cjs");
  await bundleCjs(toolsModules, "runtime/index.js", "runtime/index.cjs");
  await linkShared(toolsModules); // after the CommonJS bundles, which read the modules themselves
  const missing = manifest.files.filter((file) => !existsSync(path.join("pkg", file)));
  if (missing.length > 0) fail(`package.json lists files that are neither in ${SOURCE}/ nor generated: ${missing.join(", ")}`);

  mkdirSync("dist", { recursive: true });
  rmSync(tarball, { force: true });
  log("npm pack");
  const packed = spawnSync("npm", ["pack", "--silent", "--pack-destination", path.join(root, "dist")], { cwd: "pkg", stdio: ["ignore", "ignore", 2] });
  if (packed.status !== 0 || !existsSync(tarball)) fail(`npm pack did not make ${tarball}`);
  writeFileSync(stamp, `${hash}\n`);
  const wasm = readFileSync("pkg/apothic_image_bg.wasm");
  log(`apothic_image_bg.wasm ${kib(wasm.length)} raw, ${kib(gzipSync(wasm, { level: 9 }).length)} gzip; tarball ${kib(statSync(tarball).size)}`);
  return path.join(root, tarball);
}

if (process.argv[2] === "--toolchain") installToolchain();
else if (process.argv.length > 2) fail(`unknown arguments: ${process.argv.slice(2).join(" ")} (only --toolchain)`);
else console.log(await build());
