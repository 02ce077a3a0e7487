// `make bench`, the start-up in a browser: headless Chromium (playwright-core, as www/test drives
// it) opens a page that imports the package's browser entry from pkg/ over HTTP on loopback and
// renders a first image, in a fresh browser context each time (no HTTP cache, no code cache: a
// first visit). It prints the median and quartiles, over the runs, of:
//   - script start → first render: from the first line of the page's module script to a
//     Dockerfile and definition hash (the import, `await init()` fetching and compiling the
//     .wasm, the first calls);
//   - the parts: import of the entry, `init()`, the first render; and, for reference, the import
//     of an empty module from the same server (what one request costs in this harness);
//   - navigation start → first render (what a user waits for, the page's own load included).
//
//   node tests/js/bench-browser.mjs [--runs 11]
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = join(root, "pkg");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] || 11);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

const PAGE = `<!doctype html><meta charset="utf-8"><title>start-up</title><pre id="out">loading…</pre>
<script type="module">
const before = performance.now();
await import("./empty.js");
const start = performance.now();
const { default: init, Image } = await import("./browser.js");
const imported = performance.now();
await init();
const ready = performance.now();
const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy", "pandas"]);
const text = image.dockerfile() + image.definitionHash();
const rendered = performance.now();
document.getElementById("out").textContent = text;
window.startup = { emptyImportMs: start - before, importMs: imported - start, initMs: ready - imported, firstRenderMs: rendered - ready, scriptToRenderMs: rendered - start, navigationToRenderMs: rendered };
</script>`;

/** Serves pkg/ and the page, nothing outside pkg/. */
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^[/\\]+/, "");
  if (path === "" || path === "index.html") {
    res.writeHead(200, { "content-type": TYPES[".html"] }).end(PAGE);
    return;
  }
  if (path === "empty.js") {
    res.writeHead(200, { "content-type": TYPES[".js"] }).end("export {};\n");
    return;
  }
  const file = join(pkg, path);
  if (!file.startsWith(pkg + sep) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(undefined)));
const origin = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;

const { chromium } = await import(pathToFileURL(join(root, "www", "node_modules", "playwright-core", "index.mjs")).href);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-proxy-server"],
});

/** @type {Record<string, number>[]} */
const samples = [];
try {
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext(); // fresh: no HTTP cache, no code cache
    const page = await context.newPage();
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => "startup" in window, null, { timeout: 20_000 });
    const text = await page.textContent("#out");
    if (!text?.startsWith("FROM ")) throw new Error(`the page did not render: ${text}`);
    const sample = await page.evaluate(() => /** @type {any} */ (window).startup);
    if (i > 0) samples.push(sample); // the first run warms the browser process, not the page
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

/** Median (quartiles) of one measure over the runs, in ms. */
const spread = (/** @type {string} */ key) => {
  const xs = samples.map((s) => s[key]).sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => xs[Math.min(xs.length - 1, Math.round(q * (xs.length - 1)))];
  return `${at(0.5).toFixed(1)} ms (${at(0.25).toFixed(1)}–${at(0.75).toFixed(1)})`;
};
const version = browser.version();
console.log(`\nstart-up in headless Chromium ${version}, pkg/browser.js over HTTP on loopback, ${runs} fresh contexts, load average ${loadavg()[0].toFixed(2)}\n`);
console.log("| measure | median (quartiles) |");
console.log("| --- | --- |");
console.log(`| script start → first render (import, \`await init()\`, first Dockerfile + hash) | ${spread("scriptToRenderMs")} |`);
console.log(`| — import of the entry (\`browser.js\`, \`core.js\`, \`node-host-stub.js\`) | ${spread("importMs")} |`);
console.log(`| — for reference: import of an empty module from the same server (one request) | ${spread("emptyImportMs")} |`);
console.log(`| — \`await init()\`: fetch, compile and instantiate the .wasm | ${spread("initMs")} |`);
console.log(`| — first render: \`debianSlim().pipInstall([2 packages])\`, \`dockerfile()\`, \`definitionHash()\` | ${spread("firstRenderMs")} |`);
console.log(`| navigation start → first render | ${spread("navigationToRenderMs")} |`);
