// `npm run build`: type-checks the Worker (tsc --noEmit, strict) and bundles it with esbuild into
// dist/worker.js + dist/apothic_image_bg.wasm, the two modules that wrangler.toml deploys and
// workerd.capnp serves.
//
// "@apothic/image" is resolved with the export conditions of workerd-based tools (workerd,
// worker, browser), so the package's "workerd" entry is bundled. Its `.wasm` import is NOT
// bundled: it stays `import wasm from "./apothic_image_bg.wasm"` in the output, and the file is
// copied beside the script, so the runtime compiles it as a wasm module when the Worker loads
// (a Worker may not compile wasm bytes at run time, and a module import is also what keeps the
// startup cheap). Prints the sizes (raw and gzip) on its last line.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist");

// 1. Types: the Worker is strict TypeScript against @cloudflare/workers-types and the package's own types.
const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], { stdio: "inherit" });
if (tsc.status !== 0) {
  console.error("build: tsc found type errors");
  process.exit(1);
}

// 2. Bundle, with every .wasm import kept as a module import of a file beside the bundle.
/** @type {Map<string, string>} output name → source file */
const wasmFiles = new Map();
/** @type {import("esbuild").Plugin} */
const wasmModules = {
  name: "wasm-modules",
  setup(build) {
    build.onResolve({ filter: /\.wasm$/ }, (args) => {
      const source = resolve(args.resolveDir, args.path);
      const name = basename(source);
      const known = wasmFiles.get(name);
      if (known !== undefined && known !== source) {
        return { errors: [{ text: `two different wasm modules are named ${name}: ${known} and ${source}` }] };
      }
      wasmFiles.set(name, source);
      return { path: `./${name}`, external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["src/index.ts"],
  outfile: join(outdir, "worker.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  plugins: [wasmModules],
  legalComments: "eof",
  logLevel: "warning",
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);
for (const [name, source] of wasmFiles) copyFileSync(source, join(outdir, name));

// The bundle must have taken the package's workerd entry, and kept the wasm as a module.
const bundle = readFileSync(join(outdir, "worker.js"), "utf8");
const inputs = Object.keys(result.metafile.inputs);
const entry = inputs.find((p) => /@apothic\/image\/[^/]+\.js$/.test(p) && /workerd\.js$/.test(p));
if (entry === undefined) {
  console.error(`build: the bundle does not contain @apothic/image's workerd entry; inputs:\n  ${inputs.join("\n  ")}`);
  process.exit(1);
}
if (!/^import \w+ from "\.\/apothic_image_bg\.wasm";$/m.test(bundle) || !wasmFiles.has("apothic_image_bg.wasm")) {
  console.error("build: the bundle does not import apothic_image_bg.wasm as a module");
  process.exit(1);
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = ["worker.js", ...wasmFiles.keys()].map((name) => {
  const bytes = readFileSync(join(outdir, name));
  return { name, raw: statSync(join(outdir, name)).size, gzip: gzipSync(bytes, { level: 9 }).length };
});
console.log(
  `build: ${sizes.map((s) => `${s.name} ${kib(s.raw)} (gzip ${kib(s.gzip)})`).join(", ")}; ` +
    `total gzip ${kib(sizes.reduce((n, s) => n + s.gzip, 0))}`,
);
