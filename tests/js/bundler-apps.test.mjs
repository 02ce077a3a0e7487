// The same tiny app built by each tool docs/bundlers.md has a recipe for, from the installed
// package, with no step but the tool's own build: esbuild, Rollup, webpack, Vite, Parcel and Bun
// build a page that headless Chromium (playwright-core, as www/test drives it) opens from a
// static server here; Bun and Deno also run it as a script (Deno with no permission at all);
// wrangler bundles it as a Worker that the real workerd serves.
// Each must show the Dockerfile and definition hash the Node entry gives here, and the page must
// load without a failed request (esbuild's page sat at "loading…" with a 404 for the .wasm).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, sep } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Image } from "@apothic/image";
import { startWorkerd } from "../harness/workerd.mjs";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const repo = process.env.APOTHIC_REPO ?? fileURLToPath(new URL("../..", import.meta.url));
const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");
const toolRequire = createRequire(join(tools, "package.json"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
const expected = { dockerfile: image.dockerfile(), hash: image.definitionHash() };

/** The page's script: the app, written as the user would, importing `specifier`. */
const pageApp = (specifier) => `import { init, Image } from "${specifier}";
const out = document.getElementById("out");
init().then(() => {
  const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
  out.textContent = JSON.stringify({ dockerfile: image.dockerfile(), hash: image.definitionHash() });
}, (e) => { out.textContent = "failed: " + e; });
`;
/** The script form (Bun, Deno): the same app, printing its answer. */
const scriptApp = `import { init, Image } from "@apothic/image";
await init();
const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
console.log(JSON.stringify({ dockerfile: image.dockerfile(), hash: image.definitionHash() }));
`;
const html = (script) => `<!doctype html><meta charset="utf-8"><title>app</title><pre id="out">loading…</pre><script type="module" src="${script}"></script>\n`;

/** A fresh app folder inside the scratch project (so `@apothic/image` resolves to the install). */
function appDir(name, files) {
  const dir = mkdtempSync(join(scratch, `app-${name}-`));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Runs a command; fails the test with its output when it fails. Answers its stdout. */
function run(command, args, cwd, env = {}) {
  const child = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 240_000 });
  assert.equal(child.status, 0, `${command} ${args.join(" ")} failed:\n${child.stdout}\n${child.stderr}`);
  return child.stdout;
}

/** @type {import("node:http").Server} */ let server;
/** @type {string} */ let origin;
/** The folder the server serves (set per page). */ let served = "";
/** @type {import("playwright-core").Browser} */ let browser;
const dirs = [];

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

before(async () => {
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^[/\\]+/, "") || "index.html";
    const file = join(served, path);
    if (!file.startsWith(served + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  origin = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
  const { chromium } = await import(pathToFileURL(join(repo, "www", "node_modules", "playwright-core", "index.mjs")).href);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  if (server) await new Promise((ok) => server.close(ok));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Opens `dist/index.html` in Chromium and answers what the page shows once it is no longer
 * "loading…", with the requests that failed.
 * @param {string} dist
 */
async function renderPage(dist) {
  served = dist;
  const page = await browser.newPage();
  const failed = [];
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  page.on("requestfailed", (r) => failed.push(`failed ${r.url()}`));
  try {
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent !== "loading…", null, { timeout: 20_000 });
    const text = await page.textContent("#out");
    return { text, failed };
  } finally {
    await page.close();
  }
}

/** Builds with `build(dir)` (answers the output folder) and checks the page in Chromium. */
async function checkPage(name, files, build) {
  const dir = appDir(name, files);
  dirs.push(dir);
  const dist = await build(dir);
  const { text, failed } = await renderPage(dist);
  assert.deepEqual(failed, [], "the page has no failed request");
  assert.ok(text?.startsWith("{"), `the page shows: ${text}`);
  assert.deepEqual(JSON.parse(text), expected);
}

describe("a page built by each bundler renders in Chromium with the same Dockerfile and hash", () => {
  test("esbuild with the plain entry: init() says the .wasm was not copied and names the inline entry", async () => {
    const dir = appDir("esbuild-plain", { "app.js": pageApp("@apothic/image") });
    dirs.push(dir);
    const esbuild = toolRequire("esbuild");
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "index.html"), html("app.js"));
    await esbuild.build({ entryPoints: [join(dir, "app.js")], bundle: true, format: "esm", platform: "browser", outdir: join(dir, "dist"), logLevel: "silent" });
    const { text, failed } = await renderPage(join(dir, "dist"));
    assert.ok(failed.length > 0 && failed.every((f) => f.endsWith("/apothic_image_bg.wasm")), failed.join(", "));
    assert.match(text ?? "", /^failed: Error: @apothic\/image: could not load its WebAssembly module .*HTTP 404.*import "@apothic\/image\/inline"/);
  });

  test("esbuild (@apothic/image/inline: the module inlined, nothing to copy)", async () => {
    await checkPage("esbuild", { "app.js": pageApp("@apothic/image/inline") }, async (dir) => {
      const esbuild = toolRequire("esbuild");
      mkdirSync(join(dir, "dist"));
      writeFileSync(join(dir, "dist", "index.html"), html("app.js"));
      await esbuild.build({ entryPoints: [join(dir, "app.js")], bundle: true, format: "esm", platform: "browser", outdir: join(dir, "dist"), logLevel: "silent" });
      return join(dir, "dist");
    });
  });

  test("Rollup with node-resolve (@apothic/image/inline)", async () => {
    await checkPage("rollup", { "app.js": pageApp("@apothic/image/inline") }, async (dir) => {
      const { rollup } = await import(pathToFileURL(join(tools, "rollup", "dist", "es", "rollup.js")).href);
      const { nodeResolve } = await import(pathToFileURL(join(tools, "@rollup", "plugin-node-resolve", "dist", "es", "index.js")).href);
      const bundle = await rollup({ input: join(dir, "app.js"), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
      await bundle.write({ dir: join(dir, "dist"), format: "es" });
      await bundle.close();
      writeFileSync(join(dir, "dist", "index.html"), html("app.js"));
      return join(dir, "dist");
    });
  });

  test("webpack 5 (@apothic/image: the .wasm emitted as an asset)", async () => {
    await checkPage("webpack", { "app.js": pageApp("@apothic/image") }, async (dir) => {
      const webpack = toolRequire("webpack");
      const stats = await new Promise((ok, fail) =>
        webpack({ mode: "production", context: dir, entry: "./app.js", output: { path: join(dir, "dist"), filename: "app.js" } }, (e, s) => (e ? fail(e) : ok(s))),
      );
      assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
      writeFileSync(join(dir, "dist", "index.html"), html("app.js"));
      return join(dir, "dist");
    });
  });

  test("Vite (@apothic/image)", async () => {
    await checkPage("vite", { "app.js": pageApp("@apothic/image"), "index.html": html("./app.js") }, async (dir) => {
      const vite = await import(pathToFileURL(join(tools, "vite", "dist", "node", "index.js")).href);
      await vite.build({ root: dir, logLevel: "silent", configFile: false, build: { outDir: join(dir, "dist") } });
      return join(dir, "dist");
    });
  });

  test("Parcel (@apothic/image)", async () => {
    await checkPage("parcel", { "app.js": pageApp("@apothic/image"), "index.html": html("./app.js") }, async (dir) => {
      run(process.execPath, [join(tools, "parcel", "lib", "bin.js"), "build", "index.html", "--dist-dir", "dist", "--cache-dir", join(dir, ".cache"), "--no-autoinstall", "--public-url", "./"], dir);
      return join(dir, "dist");
    });
  });

  test("Bun's bundler (@apothic/image/inline)", async () => {
    await checkPage("bun", { "app.js": pageApp("@apothic/image/inline") }, async (dir) => {
      run(join(tools, "bun", "bin", "bun.exe"), ["build", "./app.js", "--target", "browser", "--outdir", "dist"], dir);
      writeFileSync(join(dir, "dist", "index.html"), html("app.js"));
      return join(dir, "dist");
    });
  });
});

describe("the app as a script gives the same Dockerfile and hash", () => {
  test("Bun runs it (the node condition)", () => {
    const dir = appDir("bun-run", { "app.mjs": scriptApp });
    dirs.push(dir);
    assert.deepEqual(JSON.parse(run(join(tools, "bun", "bin", "bun.exe"), ["run", "app.mjs"], dir)), expected);
  });

  test("wrangler (deploy --dry-run) bundles a Worker that workerd serves", async () => {
    // wrangler 4 needs Node 22: the pinned node22, called by path.
    const worker = `import { Image } from "@apothic/image";
export default {
  async fetch() {
    const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
    return Response.json({ dockerfile: image.dockerfile(), hash: image.definitionHash() });
  },
};
`;
    const dir = appDir("wrangler", { "worker.mjs": worker, "wrangler.toml": 'name = "app"\nmain = "worker.mjs"\ncompatibility_date = "2025-01-01"\n' });
    dirs.push(dir);
    const node22 = join(tools, "node22", "bin", "node");
    run(node22, [join(tools, "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", "dist"], dir, { WRANGLER_SEND_METRICS: "false", HOME: dir });
    // The bundle: one script and the .wasm beside it, imported as a module (no copying by hand).
    const out = readdirSync(join(dir, "dist"));
    const wasm = out.filter((f) => f.endsWith(".wasm"));
    const scripts = out.filter((f) => /\.m?js$/.test(f));
    assert.deepEqual([wasm.length, scripts.length], [1, 1], out.join(", "));
    const modules = [`(name = ${JSON.stringify(scripts[0])}, esModule = embed ${JSON.stringify(`dist/${scripts[0]}`)})`, `(name = ${JSON.stringify(wasm[0])}, wasm = embed ${JSON.stringify(`dist/${wasm[0]}`)})`];
    writeFileSync(
      join(dir, "workerd.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (modules = [${modules.join(", ")}], compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", http = (), service = "main")],
);
`,
    );
    const workerd = await startWorkerd({ cwd: dir, readyStatus: 200 });
    try {
      const res = await fetch(`${workerd.base}/`);
      assert.deepEqual(await res.json(), expected);
    } finally {
      await workerd.stop();
    }
  });

  test("Deno runs it with no permission (the deno condition: no --allow-read)", () => {
    const dir = appDir("deno-run", { "app.mjs": scriptApp });
    dirs.push(dir);
    const out = run(process.execPath, [join(tools, "deno", "bin.cjs"), "run", "--no-prompt", "--no-config", "--node-modules-dir=manual", "app.mjs"], dir, { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(dir, ".deno") });
    assert.deepEqual(JSON.parse(out), expected);
  });
});
