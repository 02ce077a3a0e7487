// The same registryHost inspections in three runtimes, against one real registry (Debian's
// docker-registry, anonymous, filled through the registry API by fill.mjs, sending CORS headers;
// the same storage also behind htpasswd Basic auth and behind token auth with a token issuer run
// here, which sends CORS headers too, and behind token auth whose realm redirects):
// this Node process (the package's Node entry), the real workerd binary (a tiny Worker importing
// the package's "workerd" entry, outbound fetch allowed to 127.0.0.1) and Debian's headless
// Chromium driven by playwright-core (a page served on 127.0.0.1 by this test importing the
// package's browser entry from the scratch install, so every registry request is cross-origin
// and goes through CORS). The three must give deep-equal answers: the inspections, the errors'
// code/registry/repository/reference/message, lookupDerived's answers (found and not found), and
// the number of requests each made. The Node
// answers are first checked against what fill.mjs pushed, so three equal wrong answers fail too.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, posix, resolve, sep } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { registryHost } from "@apothic/image";
import { fill, publishDerived } from "./fill.mjs";
import { startProxy } from "./proxy.mjs";
import { repoRoot, startRegistry, startTokenIssuer } from "./registry.mjs";

/** The installed package's folder (the scratch install's node_modules/@apothic/image). */
const packageDir = dirname(fileURLToPath(import.meta.resolve("@apothic/image/package.json")));
const PACKAGE = "@apothic/image";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Runs every case with `registryHost` and answers plain JSON values: `inspectImage(ref)`, or
 * `lookupDerived(lookup)` when a case has `lookup` (a HEAD whose answer is read from the
 * Docker-Content-Digest header). This one function is the code of all three runtimes: its source
 * is put into the Worker and the page as is.
 * @param {typeof registryHost} makeHost
 * @param {Case[]} cases
 * @param {string[]} insecure
 */
async function runCases(makeHost, cases, insecure) {
  const results = [];
  for (const { ref, platform, lookup, derivedRepository, credentials } of cases) {
    const options = { insecure };
    if (platform) options.platform = platform;
    if (credentials) options.credentials = credentials;
    if (derivedRepository) options.derivedRepository = derivedRepository;
    const host = makeHost(options);
    try {
      const answer = lookup ? await host.lookupDerived(lookup) : await host.inspectImage(ref);
      results.push({ answer, requests: host.stats().requests });
    } catch (e) {
      const error = { name: e?.name, code: e?.code, registry: e?.registry, repository: e?.repository, reference: e?.reference, message: e?.message };
      results.push({ error, requests: host.stats().requests });
    }
  }
  return JSON.parse(JSON.stringify(results));
}

/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let registry;
/** The same storage behind htpasswd Basic auth, behind token auth, and behind token auth whose realm redirects. */
/** @type {Fronted} */ let basic;
/** @type {Fronted} */ let tokenRegistry;
/** @type {Fronted} */ let redirectedRegistry;
/** @type {Awaited<ReturnType<typeof startTokenIssuer>>} */ let issuer;
/** @type {import("node:http").Server} */ let redirector;
/** @type {string[]} */ let insecure;
const BASIC = { username: "bob", password: "basic-pw-3a9d1e" };
const TOKEN = { username: "alice", password: "token-pw-6c2f80" };
/** @type {Awaited<ReturnType<typeof fill>>} */ let filled;
/** @typedef {{ ref?: string, platform?: string, lookup?: string, derivedRepository?: string, credentials?: Record<string, { username: string, password: string }> }} Case */
/** @type {(Case & { expected: Record<string, string> | string | null | { error: string, repository: string }, requests?: number })[]} */
let cases;
/** @type {Awaited<ReturnType<typeof runCases>>} */ let nodeAnswers;

before(async () => {
  registry = await startRegistry({ name: "runtimes" });
  filled = await fill(registry.url);
  const at = (repository) => `${registry.host}/${repository}:1`;
  const hex = "d".repeat(64);
  const derivedDigest = await publishDerived(registry.url, "no-python", "derived", `sha256-${hex}`);
  const derivedRepository = `${registry.host}/derived`;
  // Auth: the same storage (only read) behind Basic auth and behind token auth.
  basic = await fronted(await startRegistry({ name: "basic", storage: registry.storage, basic: { user: BASIC.username, password: BASIC.password } }));
  issuer = await startTokenIssuer({ users: { [TOKEN.username]: TOKEN.password } });
  tokenRegistry = await fronted(await startRegistry({ name: "token", storage: registry.storage, token: issuer }));
  // A realm that redirects to the real issuer: a token request must never follow it (the
  // credentials would go wherever the redirect says). CORS as the issuer, for the browser.
  redirector = createServer((req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-allow-methods": "GET", "access-control-allow-headers": "Authorization, Accept" });
      return res.end();
    }
    res.writeHead(302, { location: `${issuer.realm}${new URL(req.url ?? "/", "http://x").search}` });
    res.end();
  });
  await new Promise((ok) => redirector.listen(0, "127.0.0.1", ok));
  const redirectRealm = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (redirector.address()).port}/token`;
  redirectedRegistry = await fronted(await startRegistry({ name: "token-redirected", storage: registry.storage, token: { ...issuer, realm: redirectRealm } }));
  insecure = [registry.host, basic.host, tokenRegistry.host, redirectedRegistry.host];
  const basicOk = { [basic.host]: BASIC };
  const tokenOk = { [tokenRegistry.host]: TOKEN };
  cases = [
    ...["python-env", "python-layer", "no-python", "musl", "whiteout", "zstd"].map((name) => ({ ref: at(name), expected: filled.images[name].expected })),
    { ref: `${registry.host}/python-env@${filled.images["python-env"].digest}`, expected: filled.images["python-env"].expected },
    { ref: at("oci-index"), platform: "linux/arm64", expected: filled.indexes["oci-index"].expected["linux/arm64"] },
    { ref: at("oci-index"), platform: "linux/amd64", expected: filled.indexes["oci-index"].expected["linux/amd64"] },
    { ref: at("docker-list"), platform: "linux/arm64", expected: filled.indexes["docker-list"].expected["linux/arm64"] },
    { ref: at("no-such-repository"), expected: { error: "REGISTRY_NOT_FOUND", repository: "no-such-repository" } },
    { lookup: `sha256:${hex}`, derivedRepository, expected: `${derivedRepository}@${derivedDigest}` },
    { lookup: `sha256:${"e".repeat(64)}`, derivedRepository, expected: null },
    { ref: `${basic.host}/musl:1`, credentials: basicOk, expected: filled.images.musl.expected },
    { ref: `${basic.host}/oci-index:1`, platform: "linux/arm64", credentials: basicOk, expected: filled.indexes["oci-index"].expected["linux/arm64"] },
    { ref: `${basic.host}/musl:1`, expected: { error: "REGISTRY_AUTH_REFUSED", repository: "musl" } },
    { ref: `${basic.host}/musl:1`, credentials: { [basic.host]: { ...BASIC, password: "wrong-pw-0d4b" } }, expected: { error: "REGISTRY_AUTH_REFUSED", repository: "musl" } },
    { lookup: `sha256:${hex}`, derivedRepository: `${basic.host}/derived`, credentials: basicOk, expected: `${basic.host}/derived@${derivedDigest}`, requests: 2 },
    { ref: `${tokenRegistry.host}/python-layer:1`, credentials: tokenOk, expected: filled.images["python-layer"].expected },
    { ref: `${tokenRegistry.host}/docker-list:1`, platform: "linux/arm64", credentials: tokenOk, expected: filled.indexes["docker-list"].expected["linux/arm64"] },
    { ref: `${tokenRegistry.host}/musl:1`, expected: { error: "REGISTRY_AUTH_REFUSED", repository: "musl" } },
    { ref: `${tokenRegistry.host}/musl:1`, credentials: { [tokenRegistry.host]: { ...TOKEN, password: "wrong-pw-0d4b" } }, expected: { error: "REGISTRY_AUTH_REFUSED", repository: "musl" } },
    { lookup: `sha256:${hex}`, derivedRepository: `${tokenRegistry.host}/derived`, credentials: tokenOk, expected: `${tokenRegistry.host}/derived@${derivedDigest}`, requests: 3 },
    { ref: `${redirectedRegistry.host}/musl:1`, credentials: { [redirectedRegistry.host]: TOKEN }, expected: { error: "REGISTRY_BAD_ANSWER", repository: "musl" } },
  ];
  const asked = issuer.requests.length;
  nodeAnswers = await runCases(registryHost, plainCases(), insecure);
  // Three token requests (python-layer, docker-list, derived) and two refused (none, wrong);
  // the redirected realm's request never reached the issuer.
  assert.equal(issuer.requests.length - asked, 5, JSON.stringify(issuer.requests.slice(asked)));
});

after(async () => {
  if (redirector) await new Promise((ok) => redirector.close(ok));
  await Promise.all([registry?.stop(), basic?.stop(), tokenRegistry?.stop(), redirectedRegistry?.stop(), issuer?.stop()]);
});

/** @typedef {{ host: string, stop: () => Promise<void> }} Fronted a registry behind its CORS front */

/**
 * A registry with auth behind a front that answers CORS preflights (and forwards everything
 * else as is), as a registry used from browsers is deployed: distribution answers a preflight
 * to a protected path with 401, and a browser refuses that. Node and workerd use it too, so the
 * three runtimes talk to the same server.
 * @param {Awaited<ReturnType<typeof startRegistry>>} inner
 * @returns {Promise<Fronted>}
 */
async function fronted(inner) {
  const front = await startProxy(inner.url);
  front.inject = (req) =>
    req.method === "OPTIONS"
      ? (_req, res) => {
          res.writeHead(204, {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": "HEAD, GET, OPTIONS",
            "access-control-allow-headers": "Authorization, Accept",
            "access-control-max-age": "600",
          });
          res.end();
        }
      : undefined;
  return {
    host: front.host,
    async stop() {
      await front.stop();
      await inner.stop();
    },
  };
}

/** The cases as the runtimes get them (no expectations). */
const plainCases = () => cases.map(({ expected, ...plain }) => plain);

test("Node: every inspection answers what the registry holds", () => {
  assert.equal(nodeAnswers.length, cases.length);
  cases.forEach(({ ref, platform, lookup, derivedRepository, expected, requests }, k) => {
    const got = nodeAnswers[k];
    const label = lookup ? `lookupDerived ${lookup} in ${derivedRepository}` : `${ref} ${platform ?? ""}`;
    if (lookup) {
      assert.deepEqual(got, { answer: expected, requests: requests ?? 1 }, label);
    } else if (typeof expected === "object" && expected !== null && "error" in expected) {
      assert.equal(got.error?.code, expected.error, `${label}: ${JSON.stringify(got)}`);
      assert.equal(got.error.registry, /** @type {string} */ (ref).split("/")[0], label);
      assert.equal(got.error.repository, expected.repository, label);
      for (const secret of [BASIC.password, TOKEN.password, "wrong-pw-0d4b"]) assert.ok(!got.error.message.includes(secret), `${label}: ${got.error.message}`);
    } else {
      assert.deepEqual(got.answer, expected, label);
      assert.ok(got.requests >= 2, `${label}: ${got.requests} requests`);
    }
  });
});

describe("workerd", () => {
  /** @type {import("../harness/workerd.mjs").Workerd | undefined} */ let server;
  /** @type {string | undefined} */ let workDir;

  before(async () => {
    const { moduleGraph, startWorkerd } = await import(pathToFileURL(join(repoRoot, "tests", "harness", "workerd.mjs")).href);
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
    assert.equal(manifest.exports["."].workerd.default, "./workerd.js", "the workerd condition picks workerd.js");
    workDir = mkdtempSync(join(tmpdir(), "apothic-registry-workerd-"));
    const modules = [`(name = "worker.js", esModule = embed "worker.js")`];
    for (const file of moduleGraph(packageDir, "workerd.js")) {
      const name = file === "workerd.js" ? PACKAGE : posix.join(posix.dirname(PACKAGE), file);
      copyFileSync(join(packageDir, file), join(workDir, file));
      modules.push(`(name = ${JSON.stringify(name)}, ${file.endsWith(".wasm") ? "wasm" : "esModule"} = embed ${JSON.stringify(file)})`);
    }
    writeFileSync(
      join(workDir, "worker.js"),
      [
        `import { registryHost } from ${JSON.stringify(PACKAGE)};`,
        runCases.toString(),
        "export default {",
        "  async fetch(request) {",
        '    if (request.method !== "POST") return new Response("POST { cases, insecure }", { status: 405 });',
        "    const { cases, insecure } = await request.json();",
        '    return Response.json(await runCases(registryHost, cases, insecure));',
        "  },",
        "};",
        "",
      ].join("\n"),
    );
    // globalOutbound: a network service that may reach loopback ("local"); workerd's default
    // outbound reaches public addresses only.
    writeFileSync(
      join(workDir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`,
    );
    server = await startWorkerd({ cwd: workDir, config: "config.capnp", readyStatus: 405 });
  }, { timeout: 60_000 });

  after(async () => {
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test("the same inspections give the same answers as in Node", async () => {
    const response = await fetch(server.base, { method: "POST", body: JSON.stringify({ cases: plainCases(), insecure }) });
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${server.log()}`);
    assert.deepEqual(JSON.parse(text), nodeAnswers);
  });
});

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };

describe("headless Chromium", () => {
  /** @type {import("node:http").Server | undefined} */ let server;
  /** @type {import("playwright-core").Browser | undefined} */ let browser;
  let origin = "";

  before(async () => {
    // The page: imports the browser entry from the scratch install (served under /pkg/).
    const page = `<!doctype html><meta charset="utf-8"><title>registryHost</title>
<script type="module">
import init, { registryHost } from "/pkg/browser.js";
${runCases.toString()}
await init();
window.runCases = (cases, insecure) => runCases(registryHost, cases, insecure);
window.ready = true;
</script>`;
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/") {
        res.writeHead(200, { "content-type": TYPES[".html"] });
        return res.end(page);
      }
      const file = resolve(packageDir, `.${decodeURIComponent(path.replace(/^\/pkg\//, "/"))}`);
      if (!path.startsWith("/pkg/") || !file.startsWith(packageDir + sep)) {
        res.writeHead(404);
        return res.end();
      }
      try {
        const body = readFileSync(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    origin = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
    const { chromium } = await import(pathToFileURL(join(repoRoot, "www", "node_modules", "playwright-core", "index.mjs")).href);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    if (server) await new Promise((ok) => server.close(ok));
  });

  test("the same inspections give the same answers as in Node (cross-origin, through CORS)", async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20_000 }).catch((e) => assert.fail(`${e.message}\n${errors.join("\n")}`));
    const answers = await page.evaluate(([c, i]) => window.runCases(c, i), [plainCases(), insecure]);
    assert.notEqual(new URL(origin).port, registry.host.split(":")[1], "the page and the registry are different origins");
    assert.deepEqual(answers, nodeAnswers, errors.join("\n"));
  });
});
