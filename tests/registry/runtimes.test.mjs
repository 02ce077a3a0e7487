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
// Blob redirects: fronts that send blob GETs to a blob store on other hosts (127.0.0.2, named in
// `insecure`, and 127.0.0.3, not named), anonymous and with Basic credentials, and in a loop; the
// store records every request, and must never see an Authorization header in any runtime. A
// browser follows redirects itself (docs/resolution.md, "Auth and redirects"): the differences
// that follow from it are asserted exactly (see browserExpected).
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
/** @type {Awaited<ReturnType<typeof startBlobStore>>} */ let store;
/** Fronts whose blob GETs redirect: to the named store (anonymous and Basic), to the unnamed one, in a loop. */
/** @type {Awaited<ReturnType<typeof front>>[]} */ let redirecting = [];
/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let basicInner;
/** Indexes into `cases` of the redirect cases the browser answers differently (see browserExpected). */
const special = { unnamed: -1, loop: -1 };
/** @type {{ loop: number }} */ const hops = { loop: 0 };
/** @type {string[]} */ let insecure;
const BASIC = { username: "bob", password: "basic-pw-3a9d1e" };
const TOKEN = { username: "alice", password: "token-pw-6c2f80" };
/** @type {Awaited<ReturnType<typeof fill>>} */ let filled;
/** @typedef {{ ref?: string, platform?: string, lookup?: string, derivedRepository?: string, credentials?: Record<string, { username: string, password: string }> }} Case */
/** @type {(Case & { expected: Record<string, string> | string | null | { error: string, repository: string }, requests?: number })[]} */
let cases;
/** @type {Awaited<ReturnType<typeof runCases>>} */ let nodeAnswers;
/** What the blob store and the loop saw during Node's run. */
/** @type {{ store: StoreSeen[], loop: number }} */ let nodeSeen;

before(async () => {
  registry = await startRegistry({ name: "runtimes" });
  filled = await fill(registry.url);
  const at = (repository) => `${registry.host}/${repository}:1`;
  const hex = "d".repeat(64);
  const derivedDigest = await publishDerived(registry.url, "no-python", "derived", `sha256-${hex}`);
  const derivedRepository = `${registry.host}/derived`;
  // Auth: the same storage (only read) behind Basic auth and behind token auth.
  basicInner = await startRegistry({ name: "basic", storage: registry.storage, basic: { user: BASIC.username, password: BASIC.password } });
  basic = await fronted(basicInner);
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
  // Blob redirects: the store serves the blobs the registry holds, on a named and an unnamed host.
  store = await startBlobStore(registry.url);
  const toStore = (storeHost) => (req) => `http://${storeHost}/blob?path=${encodeURIComponent(req.url ?? "")}`;
  const anonToStore = await front(registry.url, toStore(store.named));
  const basicToStore = await front(basicInner.url, toStore(store.named));
  const anonToUnnamed = await front(registry.url, toStore(store.unnamed));
  const loop = await front(registry.url, () => `/loop/${++hops.loop}`);
  redirecting = [anonToStore, basicToStore, anonToUnnamed, loop];
  // The realms are plain http too: named, or no credential would go to them. The store's
  // 127.0.0.2 is named; its 127.0.0.3 is not.
  insecure = [
    registry.host,
    basic.host,
    tokenRegistry.host,
    redirectedRegistry.host,
    new URL(issuer.realm).host,
    new URL(redirectRealm).host,
    ...redirecting.map((r) => r.host),
    store.named,
  ];
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
    // Blobs redirected to the store: 4 requests become 7 (config and both layers redirected).
    { ref: `${anonToStore.host}/python-layer:1`, expected: filled.images["python-layer"].expected, requests: 7 },
    { ref: `${basicToStore.host}/python-layer:1`, credentials: { [basicToStore.host]: BASIC }, expected: filled.images["python-layer"].expected, requests: 8 },
    { ref: `${anonToUnnamed.host}/python-layer:1`, expected: { error: "REGISTRY_BAD_ANSWER", repository: "python-layer", message: `"http://${store.unnamed}", plain http to a host not named in insecure` }, requests: 2 },
    { ref: `${loop.host}/python-layer:1`, expected: { error: "REGISTRY_BAD_ANSWER", repository: "python-layer", message: "more than 5 redirects" }, requests: 7 },
  ];
  special.unnamed = cases.length - 2;
  special.loop = cases.length - 1;
  const asked = issuer.requests.length;
  store.seen.length = 0;
  hops.loop = 0;
  nodeAnswers = await runCases(registryHost, plainCases(), insecure);
  nodeSeen = { store: store.seen.splice(0), loop: hops.loop };
  // Three token requests (python-layer, docker-list, derived) and two refused (none, wrong);
  // the redirected realm's request never reached the issuer.
  assert.equal(issuer.requests.length - asked, 5, JSON.stringify(issuer.requests.slice(asked)));
});

after(async () => {
  if (redirector) await new Promise((ok) => redirector.close(ok));
  await Promise.all(redirecting.map((r) => r.stop()));
  await store?.stop();
  await Promise.all([registry?.stop(), basic?.stop(), tokenRegistry?.stop(), redirectedRegistry?.stop(), issuer?.stop()]);
});

/** @typedef {{ host: string, method: string, authorization: string | undefined, origin: string | undefined }} StoreSeen */

/** CORS headers the fronts and the store send: the page's origin (or "null", after a redirect) may read them. */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "HEAD, GET, OPTIONS",
  "access-control-allow-headers": "Authorization, Accept",
  "access-control-max-age": "600",
};

/**
 * A blob store on two other hosts than the registry's, 127.0.0.2 (`named`, to be named in
 * `insecure`) and 127.0.0.3 (`unnamed`), one port: it serves `GET /blob?path=/v2/…/blobs/…` with
 * the bytes the anonymous registry at `registryUrl` holds, with CORS headers, and records every
 * request (the Host it was asked as, the method, Authorization and Origin).
 * @param {string} registryUrl
 */
async function startBlobStore(registryUrl) {
  /** @type {StoreSeen[]} */
  const seen = [];
  /** @type {import("node:http").RequestListener} */
  const handler = async (req, res) => {
    seen.push({ host: req.headers.host ?? "", method: req.method ?? "", authorization: req.headers.authorization, origin: req.headers.origin });
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      return res.end();
    }
    const answer = await fetch(`${registryUrl}${new URL(req.url ?? "/", "http://x").searchParams.get("path")}`);
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { ...CORS, "content-type": "application/octet-stream", "content-length": String(body.length) });
    res.end(body);
  };
  const servers = [createServer(handler), createServer(handler)];
  await new Promise((ok) => servers[0].listen(0, "127.0.0.2", ok));
  const { port } = /** @type {import("node:net").AddressInfo} */ (servers[0].address());
  await new Promise((ok) => servers[1].listen(port, "127.0.0.3", ok));
  return {
    seen,
    named: `127.0.0.2:${port}`,
    unnamed: `127.0.0.3:${port}`,
    async stop() {
      await Promise.all(servers.map((server) => new Promise((ok) => server.close(ok))));
    },
  };
}

/**
 * A front for the registry at `target` that answers CORS preflights, redirects every blob GET
 * (and every GET under /loop/) with a 307 to `location(req)`, with CORS headers (a browser
 * follows a redirect of a cross-origin request only when it may read it), and forwards the rest.
 * @param {string} target
 * @param {(req: import("node:http").IncomingMessage) => string} location
 */
async function front(target, location) {
  const proxy = await startProxy(target);
  proxy.inject = (req) => {
    if (req.method === "OPTIONS") {
      return (_req, res) => {
        res.writeHead(204, CORS);
        res.end();
      };
    }
    if (req.method === "GET" && (/\/blobs\/sha256:/.test(req.url ?? "") || (req.url ?? "").startsWith("/loop/"))) {
      return (_req, res) => {
        res.writeHead(307, { ...CORS, location: location(req) });
        res.end();
      };
    }
    return undefined;
  };
  return proxy;
}

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
          res.writeHead(204, CORS);
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
      if ("message" in expected) assert.ok(got.error.message.includes(expected.message), `${label}: ${got.error.message}`);
      if (requests !== undefined) assert.equal(got.requests, requests, label);
      for (const secret of [BASIC.password, TOKEN.password, "wrong-pw-0d4b"]) assert.ok(!got.error.message.includes(secret), `${label}: ${got.error.message}`);
    } else {
      assert.deepEqual(got.answer, expected, label);
      if (requests !== undefined) assert.equal(got.requests, requests, label);
      else assert.ok(got.requests >= 2, `${label}: ${got.requests} requests`);
    }
  });
});

/**
 * What the blob store saw, per host: its GETs, and every Authorization header it got.
 * @param {StoreSeen[]} seen
 */
const storeSummary = (seen) => ({
  namedGets: seen.filter((s) => s.method === "GET" && s.host === store.named).length,
  unnamedGets: seen.filter((s) => s.method === "GET" && s.host === store.unnamed).length,
  authorizations: seen.filter((s) => s.authorization !== undefined),
});

test("Node: blobs redirected to another host are fetched there without Authorization; unnamed plain http and a loop are refused", () => {
  // Config and two layers, anonymous and with Basic credentials; nothing asked of the unnamed host.
  assert.deepEqual(storeSummary(nodeSeen.store), { namedGets: 6, unnamedGets: 0, authorizations: [] });
  // The blob GET and 5 hops, then refused.
  assert.equal(nodeSeen.loop, 6);
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
    store.seen.length = 0;
    hops.loop = 0;
    const response = await fetch(server.base, { method: "POST", body: JSON.stringify({ cases: plainCases(), insecure }) });
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${server.log()}`);
    assert.deepEqual(JSON.parse(text), nodeAnswers);
    // Redirects are followed by hand as in Node: the same requests reached the store and the loop.
    assert.deepEqual(storeSummary(store.seen), storeSummary(nodeSeen.store));
    assert.equal(hops.loop, nodeSeen.loop);
  });
});

/**
 * Node's answers as a browser gives them. A browser hides a redirect's Location from a manual
 * fetch (an opaque redirect), so the host asks again with redirect "follow" and the browser
 * follows the hops itself, dropping Authorization when a hop leaves the origin
 * (docs/resolution.md, "Auth and redirects"):
 * - a redirect to plain http on a host not named in insecure: the same error (the URL the
 *   browser ended at is checked before its answer is used), after one request more: the
 *   browser has asked that host (without Authorization);
 * - a redirect loop: the browser gives up after its own limit of 20 redirects with a network
 *   error, which the host cannot tell from an unreachable registry: REGISTRY_UNREACHABLE.
 */
function browserExpected() {
  const expected = structuredClone(nodeAnswers);
  expected[special.unnamed].requests += 1;
  const loop = expected[special.loop];
  const where = /** @type {string} */ (loop.error.message).slice(loop.error.message.indexOf(" (registry "));
  loop.error = { ...loop.error, code: "REGISTRY_UNREACHABLE", message: `registryHost: the registry could not be reached: Failed to fetch${where}` };
  loop.requests = 3;
  return expected;
}

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
    store.seen.length = 0;
    hops.loop = 0;
    const answers = await page.evaluate(([c, i]) => window.runCases(c, i), [plainCases(), insecure]);
    const seen = { store: store.seen.splice(0), loop: hops.loop };
    assert.notEqual(new URL(origin).port, registry.host.split(":")[1], "the page and the registry are different origins");
    assert.deepEqual(answers, browserExpected(), errors.join("\n"));
    // The browser dropped Authorization when the Basic registry's redirect left its origin; it
    // asked the unnamed host once (the config blob) before the host refused the answer; the store
    // was asked cross-origin after a redirect, so with Origin "null" (hence its "*"); the loop
    // got the manual request and then the browser's 21 (the first and its 20 redirects).
    assert.deepEqual(storeSummary(seen.store), { ...storeSummary(nodeSeen.store), unnamedGets: 1 });
    assert.deepEqual([...new Set(seen.store.map((s) => s.origin))], ["null"]);
    assert.equal(seen.loop, 22);
  });
});
