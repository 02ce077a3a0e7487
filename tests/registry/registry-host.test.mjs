// registryHost from the installed package against real registries (Debian's docker-registry,
// tests/registry/registry.mjs) filled by the test through the registry API (fill.mjs): every
// image's inspection, platforms from an OCI index and a Docker manifest list, the digest cache,
// Basic auth (htpasswd, bcrypt) and token auth (a token issuer run here, real signed JWTs the
// registry checks), lookupDerived, faults injected by a real proxy in front of the registry
// (proxy.mjs), and resolve() plans through `{ ...memoryHost({}), ...registryHost(...) }`.
// Counting wrappers call the real fetch; no answer is faked except by the proxy, on the wire.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { Image, memoryHost, registryHost } from "@apothic/image";
import { MEDIA, fill, publishDerived, tar } from "./fill.mjs";
import { startProxy } from "./proxy.mjs";
import { freePort, sha256, startRegistry, startTokenIssuer } from "./registry.mjs";

const BASIC = { user: "bob", password: "basic-pw-4f1c9e" };
const TOKEN = { user: "alice", password: "token-pw-8b2d77" };

/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let anon;
/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let basic;
/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let tokenRegistry;
/** @type {Awaited<ReturnType<typeof startTokenIssuer>>} */ let issuer;
/** @type {Awaited<ReturnType<typeof fill>>} */ let filled;

before(async () => {
  anon = await startRegistry({ name: "anonymous" });
  filled = await fill(anon.url);
  // The auth registries serve the same storage (filled above; they only read it).
  basic = await startRegistry({ name: "basic", storage: anon.storage, basic: BASIC });
  // python-env is public: the issuer grants anonymous pull on it (as Docker Hub does).
  issuer = await startTokenIssuer({ users: { [TOKEN.user]: TOKEN.password }, anonymous: ["python-env"] });
  tokenRegistry = await startRegistry({ name: "token", storage: anon.storage, token: issuer });
});

after(async () => {
  await Promise.all([anon?.stop(), basic?.stop(), tokenRegistry?.stop(), issuer?.stop()]);
});

/** A fetch that calls the real one and records each request (URL, method, Authorization). */
function countingFetch() {
  /** @type {{ url: string, method: string, authorization: string | null }[]} */
  const calls = [];
  /** @type {typeof fetch & { calls: typeof calls }} */
  const wrapped = Object.assign(
    /** @type {typeof fetch} */ (
      (input, init) => {
        const request = new Request(input, init);
        calls.push({ url: request.url, method: request.method, authorization: request.headers.get("authorization") });
        return fetch(input, init);
      }
    ),
    { calls },
  );
  return wrapped;
}

/** The host's `{ requests, bytes }` (a `stats` object or method). */
const statsOf = (host) => (typeof host.stats === "function" ? host.stats() : host.stats);

/** A registry host for registries on 127.0.0.1 (plain HTTP), with `options`. */
const hostFor = (registries, options = {}) => registryHost({ insecure: registries.map((r) => r.host), ...options });
/** A registry host for the token registry, its issuer's plain-HTTP realm named insecure too. */
const tokenHost = (options = {}) => registryHost({ insecure: [tokenRegistry.host, new URL(issuer.realm).host], ...options });

/**
 * Awaits `promise`'s rejection with an Error of `code`; checks `registry`/`repository` when given
 * and that no `secret` appears in the message or any property; answers the error.
 */
async function registryError(promise, code, { registry, repository, secrets = [] } = {}) {
  const error = await promise.then(
    (value) => assert.fail(`answered ${JSON.stringify(value)}, expected ${code}`),
    (e) => e,
  );
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.equal(error.code, code, `${error.code}: ${error.message}`);
  if (registry !== undefined) assert.equal(error.registry, registry, error.message);
  if (repository !== undefined) {
    assert.equal(error.repository, repository, error.message);
    assert.ok(error.message.includes(repository), `${JSON.stringify(error.message)} does not name ${repository}`);
  }
  assert.equal(typeof error.reference, "string", `no reference on ${error.message}`);
  const all = JSON.stringify({ message: error.message, ...error });
  for (const secret of secrets) {
    assert.ok(!all.includes(secret), `a credential leaked into the error: ${all}`);
    assert.ok(!all.includes(Buffer.from(`${BASIC.user}:${secret}`).toString("base64")), `encoded credentials leaked: ${all}`);
  }
  return error;
}

describe("inspectImage against a real registry", () => {
  test("every image answers what its contents say", async () => {
    const host = hostFor([anon]);
    for (const { repository, tag, expected } of Object.values(filled.images)) {
      assert.deepEqual(await host.inspectImage(`${anon.host}/${repository}:${tag}`), expected, repository);
    }
  });

  test("by digest, the answer is the same", async () => {
    const host = hostFor([anon]);
    for (const { repository, digest, expected } of Object.values(filled.images)) {
      assert.deepEqual(await host.inspectImage(`${anon.host}/${repository}@${digest}`), expected, repository);
      assert.deepEqual(await host.inspectImage(`${anon.host}/${repository}:1@${digest}`), expected, `${repository} tag+digest`);
    }
  });

  test("an OCI index and a Docker manifest list: the platform option picks; the digest is the index's", async () => {
    for (const { repository, tag, digest, expected } of Object.values(filled.indexes)) {
      assert.deepEqual(await hostFor([anon]).inspectImage(`${anon.host}/${repository}:${tag}`), expected["linux/amd64"], `${repository} default`);
      for (const platform of ["linux/amd64", "linux/arm64"]) {
        const answer = await hostFor([anon], { platform }).inspectImage(`${anon.host}/${repository}:${tag}`);
        assert.deepEqual(answer, expected[platform], `${repository} ${platform}`);
        assert.equal(answer.digest, digest);
      }
      const pinned = await hostFor([anon], { platform: "linux/arm64" }).inspectImage(`${anon.host}/${repository}@${digest}`);
      assert.deepEqual(pinned, expected["linux/arm64"], `${repository} pinned arm64`);
    }
  });

  test("Python from the top layer and libc from the base, within a layer budget the middle layer would spend", async () => {
    const { repository, expected } = filled.images["python-over-big-layer"];
    const host = hostFor([anon], { maxLayerBytes: 64 << 10 });
    assert.deepEqual(await host.inspectImage(`${anon.host}/${repository}:1`), expected);
    // The 1 MiB middle layer was never asked for: the two small layers and the JSON only.
    assert.ok(statsOf(host).bytes < 16 << 10, JSON.stringify(statsOf(host)));
  });

  test("a layer budget spent before Python is found says which layer was left unread", async () => {
    const { repository } = filled.images["python-over-big-layer"];
    const host = hostFor([anon], { maxLayerBytes: 40 });
    const answer = await host.inspectImage(`${anon.host}/${repository}:1`);
    assert.equal(answer.pythonPath, undefined);
    assert.equal(answer.layersUnread?.reason, "budget", JSON.stringify(answer));
    assert.match(answer.layersUnread.digest, /^sha256:[0-9a-f]{64}$/);
  });

  test("config runtime settings of another type are REGISTRY_BAD_ANSWER naming the key", async () => {
    for (const [tag, { repository, key, core }] of Object.entries(filled.badConfigs)) {
      if (core) continue;
      const error = await registryError(hostFor([anon]).inspectImage(`${anon.host}/${repository}:${tag}`), "REGISTRY_BAD_ANSWER", { registry: anon.host, repository });
      assert.ok(error.message.includes(key), `${tag}: ${error.message}`);
    }
  });

  test("a platform the index does not have is REGISTRY_NOT_FOUND", async () => {
    const { repository } = filled.indexes["oci-index"];
    const error = await registryError(hostFor([anon], { platform: "linux/arm/v7" }).inspectImage(`${anon.host}/${repository}:1`), "REGISTRY_NOT_FOUND", {
      registry: anon.host,
      repository,
    });
    assert.ok(error.message.includes("arm"), error.message);
  });

  test("a digest inspected once is not asked again (default cache and a pluggable one)", async () => {
    const { repository, digest, expected } = filled.images["python-layer"];
    const ref = `${anon.host}/${repository}@${digest}`;
    const counted = countingFetch();
    const host = hostFor([anon], { fetch: counted });
    assert.deepEqual(await host.inspectImage(ref), expected);
    const first = counted.calls.length;
    assert.ok(first >= 3, `manifest, config and layers: ${first} requests`);
    assert.equal(statsOf(host).requests, first, "stats count the requests made");
    assert.ok(statsOf(host).bytes > 0);
    assert.deepEqual(await host.inspectImage(ref), expected);
    assert.equal(counted.calls.length, first, `the second inspection made requests: ${JSON.stringify(counted.calls.slice(first))}`);
    assert.equal(statsOf(host).requests, first);

    // A cache shared by two hosts: the second host makes no request either.
    const store = new Map();
    const cache = { get: async (key) => store.get(key), set: async (key, value) => void store.set(key, value) };
    const one = countingFetch();
    assert.deepEqual(await hostFor([anon], { fetch: one, cache }).inspectImage(ref), expected);
    assert.ok(one.calls.length > 0 && store.size > 0);
    const two = countingFetch();
    assert.deepEqual(await hostFor([anon], { fetch: two, cache }).inspectImage(ref), expected);
    assert.equal(two.calls.length, 0, JSON.stringify(two.calls));
  });

  test("an inspection fetches each blob at most once and reads no more than the image holds", async () => {
    for (const { repository, expected } of Object.values(filled.images)) {
      const counted = countingFetch();
      const host = hostFor([anon], { fetch: counted });
      assert.deepEqual(await host.inspectImage(`${anon.host}/${repository}:1`), expected);
      const blobs = counted.calls.filter((c) => c.method === "GET" && c.url.includes("/blobs/")).map((c) => c.url);
      assert.equal(new Set(blobs).size, blobs.length, `${repository}: a blob fetched twice: ${blobs}`);
      const manifest = await fetch(`${anon.url}/v2/${repository}/manifests/1`, { headers: { accept: `${MEDIA.ociManifest}, ${MEDIA.dockerManifest}` } });
      const bytes = new Uint8Array(await manifest.arrayBuffer());
      const { config, layers } = JSON.parse(new TextDecoder().decode(bytes));
      const whole = bytes.length + config.size + layers.reduce((n, l) => n + l.size, 0);
      assert.ok(statsOf(host).bytes <= whole, `${repository}: ${statsOf(host).bytes} bytes read of an image of ${whole}`);
    }
  });

  test("docker.io references go to the mirror, with library/ for one-component names", async () => {
    const { digest, expected } = filled.images["python-env"];
    await publishDerived(anon.url, "python-env", "library/python-env", "1");
    const counted = countingFetch();
    const host = registryHost({ mirror: anon.url, insecure: [anon.host], fetch: counted });
    for (const ref of ["python-env:1", "docker.io/python-env:1", "docker.io/library/python-env:1", "index.docker.io/library/python-env:1"]) {
      assert.deepEqual(await host.inspectImage(ref), { ...expected, digest }, ref);
    }
    assert.ok(counted.calls.every((c) => c.url.startsWith(`${anon.url}/v2/library/python-env/`)), JSON.stringify(counted.calls));
  });

  test("a missing repository or tag is REGISTRY_NOT_FOUND", async () => {
    const host = hostFor([anon]);
    await registryError(host.inspectImage(`${anon.host}/nothing-here:1`), "REGISTRY_NOT_FOUND", { registry: anon.host, repository: "nothing-here" });
    await registryError(host.inspectImage(`${anon.host}/python-env:no-such-tag`), "REGISTRY_NOT_FOUND", { registry: anon.host, repository: "python-env" });
    await registryError(host.inspectImage(`${anon.host}/python-env@sha256:${"0".repeat(64)}`), "REGISTRY_NOT_FOUND", { registry: anon.host, repository: "python-env" });
  });

  test("nothing listening is REGISTRY_UNREACHABLE", async () => {
    const port = await freePort();
    await registryError(registryHost({ insecure: [`127.0.0.1:${port}`] }).inspectImage(`127.0.0.1:${port}/python-env:1`), "REGISTRY_UNREACHABLE", {
      registry: `127.0.0.1:${port}`,
      repository: "python-env",
    });
  });

  test("a registry not named insecure is reached over https only", async () => {
    const counted = countingFetch();
    await assert.rejects(registryHost({ fetch: counted }).inspectImage(`${anon.host}/python-env:1`));
    assert.ok(counted.calls.length > 0 && counted.calls.every((c) => c.url.startsWith("https://")), JSON.stringify(counted.calls));
  });
});

describe("auth", () => {
  test("Basic (htpasswd, bcrypt): right credentials work, wrong or none are REGISTRY_AUTH_REFUSED", async () => {
    const { expected } = filled.images["musl"];
    const credentials = { [basic.host]: { username: BASIC.user, password: BASIC.password } };
    assert.deepEqual(await hostFor([basic], { credentials }).inspectImage(`${basic.host}/musl:1`), expected);
    const wrong = { [basic.host]: { username: BASIC.user, password: "not-the-password" } };
    await registryError(hostFor([basic], { credentials: wrong }).inspectImage(`${basic.host}/musl:1`), "REGISTRY_AUTH_REFUSED", {
      registry: basic.host,
      repository: "musl",
      secrets: ["not-the-password"],
    });
    await registryError(hostFor([basic]).inspectImage(`${basic.host}/musl:1`), "REGISTRY_AUTH_REFUSED", { registry: basic.host, repository: "musl" });
  });

  test("token auth: the issuer's signed token, asked for with service and scope, cached per repository", async () => {
    const { expected } = filled.images["python-layer"];
    const credentials = { [tokenRegistry.host]: { username: TOKEN.user, password: TOKEN.password } };
    const counted = countingFetch();
    const host = tokenHost({ credentials, fetch: counted });
    const asked0 = issuer.requests.length;
    assert.deepEqual(await host.inspectImage(`${tokenRegistry.host}/python-layer:1`), expected);
    const asked = issuer.requests.slice(asked0);
    assert.equal(asked.length, 1, JSON.stringify(asked));
    const url = new URL(asked[0].url, issuer.realm);
    assert.equal(url.searchParams.get("service"), issuer.service);
    assert.equal(url.searchParams.get("scope"), "repository:python-layer:pull");
    assert.equal(asked[0].authorization, `Basic ${Buffer.from(`${TOKEN.user}:${TOKEN.password}`).toString("base64")}`);
    // Requests to the registry carry the token, never the password.
    const toRegistry = counted.calls.filter((c) => c.url.startsWith(tokenRegistry.url));
    assert.ok(toRegistry.some((c) => c.authorization?.startsWith("Bearer ")));
    assert.ok(toRegistry.every((c) => !c.authorization?.startsWith("Basic")), JSON.stringify(toRegistry));
    // Same repository again (by tag: the manifest is asked again): no new token.
    assert.deepEqual(await host.inspectImage(`${tokenRegistry.host}/python-layer:1`), expected);
    assert.equal(issuer.requests.length, asked0 + 1);
    // Another repository: its own token.
    assert.deepEqual(await host.inspectImage(`${tokenRegistry.host}/no-python:1`), filled.images["no-python"].expected);
    assert.equal(issuer.requests.length, asked0 + 2);
    assert.equal(new URL(issuer.requests.at(-1).url, issuer.realm).searchParams.get("scope"), "repository:no-python:pull");
  });

  test("token auth: wrong or no credentials are REGISTRY_AUTH_REFUSED, no credential in the error", async () => {
    const wrong = { [tokenRegistry.host]: { username: TOKEN.user, password: "wrong-token-pw" } };
    await registryError(tokenHost({ credentials: wrong }).inspectImage(`${tokenRegistry.host}/musl:1`), "REGISTRY_AUTH_REFUSED", {
      registry: tokenRegistry.host,
      repository: "musl",
      secrets: ["wrong-token-pw"],
    });
    await registryError(tokenHost().inspectImage(`${tokenRegistry.host}/musl:1`), "REGISTRY_AUTH_REFUSED", {
      registry: tokenRegistry.host,
      repository: "musl",
    });
  });

  test("an anonymous Bearer token for a public repository: asked for without credentials, then used", async () => {
    const { expected } = filled.images["python-env"];
    const counted = countingFetch();
    const asked0 = issuer.requests.length;
    assert.deepEqual(await tokenHost({ fetch: counted }).inspectImage(`${tokenRegistry.host}/python-env:1`), expected);
    const asked = issuer.requests.slice(asked0);
    assert.equal(asked.length, 1, JSON.stringify(asked));
    assert.equal(asked[0].authorization, undefined, "an anonymous token request carries no Authorization");
    assert.equal(new URL(asked[0].url, issuer.realm).searchParams.get("scope"), "repository:python-env:pull");
    const toRegistry = counted.calls.filter((c) => c.url.startsWith(tokenRegistry.url));
    assert.ok(toRegistry.some((c) => c.authorization?.startsWith("Bearer ")), JSON.stringify(toRegistry));
  });

  test("a plain-http Bearer realm whose host is not named insecure is refused before any token request", async () => {
    const credentials = { [tokenRegistry.host]: { username: TOKEN.user, password: TOKEN.password } };
    const asked0 = issuer.requests.length;
    // Only the registry is named: its realm (another port) would get the password in cleartext.
    const error = await registryError(hostFor([tokenRegistry], { credentials }).inspectImage(`${tokenRegistry.host}/musl:1`), "REGISTRY_BAD_ANSWER", {
      registry: tokenRegistry.host,
      repository: "musl",
      secrets: [TOKEN.password],
    });
    assert.ok(error.message.includes(new URL(issuer.realm).origin), error.message);
    assert.equal(issuer.requests.length, asked0, JSON.stringify(issuer.requests.slice(asked0)));
  });
});

describe("lookupDerived", () => {
  test("finds the image tagged sha256-<hex> and answers it pinned; null when absent or unconfigured", async () => {
    const hex = sha256(new TextEncoder().encode("a build key")).slice("sha256:".length);
    const digest = await publishDerived(anon.url, "no-python", "derived", `sha256-${hex}`);
    const counted = countingFetch();
    const host = hostFor([anon], { derivedRepository: `${anon.host}/derived`, fetch: counted });
    assert.equal(await host.lookupDerived(`sha256:${hex}`), `${anon.host}/derived@${digest}`);
    assert.ok(counted.calls.some((c) => c.method === "HEAD" && c.url === `${anon.url}/v2/derived/manifests/sha256-${hex}`), JSON.stringify(counted.calls));
    assert.equal(await host.lookupDerived(`sha256:${"e".repeat(64)}`), null);
    assert.equal(await hostFor([anon], { derivedRepository: `${anon.host}/never-pushed` }).lookupDerived(`sha256:${hex}`), null);
    assert.equal(await hostFor([anon]).lookupDerived(`sha256:${hex}`), null);
  });
});

describe("faults through a real proxy", () => {
  /** @type {Awaited<ReturnType<typeof startProxy>>} */ let proxy;
  before(async () => {
    proxy = await startProxy(anon.url);
  });
  after(async () => {
    await proxy?.stop();
  });
  const isManifest = (req, method = "GET") => req.method === method && /\/manifests\//.test(req.url ?? "");
  const isBlob = (req) => req.method === "GET" && /\/blobs\/sha256:/.test(req.url ?? "");
  const ref = (repository = "python-layer") => `${proxy.host}/${repository}:1`;
  const host = (options = {}) => registryHost({ insecure: [proxy.host], ...options });
  /** Runs `body` with `rule` injected, then removes it. */
  const withFault = async (rule, body) => {
    proxy.inject = rule;
    try {
      return await body();
    } finally {
      proxy.inject = undefined;
    }
  };

  test("the proxy passes a clean inspection through", async () => {
    assert.deepEqual(await host().inspectImage(ref()), { ...filled.images["python-layer"].expected });
  });

  test("429 with Retry-After is REGISTRY_RATE_LIMITED with retryAfter", async () => {
    await withFault(
      (req) =>
        isManifest(req, req.method) &&
        ((_, res) => {
          res.writeHead(429, { "retry-after": "7", "content-type": "application/json" });
          res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
        }),
      async () => {
        const error = await registryError(host().inspectImage(ref()), "REGISTRY_RATE_LIMITED", { registry: proxy.host, repository: "python-layer" });
        assert.equal(error.retryAfter, 7);
      },
    );
  });

  test("500 is REGISTRY_UNREACHABLE", async () => {
    await withFault(
      (req) =>
        isManifest(req, req.method) &&
        ((_, res) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end("internal error");
        }),
      () => registryError(host().inspectImage(ref()), "REGISTRY_UNREACHABLE", { registry: proxy.host, repository: "python-layer" }),
    );
  });

  /** A fault answering `status` with `headers` and a small JSON body. */
  const answerWith =
    (status, headers = {}) =>
    (_, res) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ errors: [{ code: "FAULT", message: `injected ${status}` }] }));
    };

  test("403 is REGISTRY_AUTH_REFUSED", async () => {
    await withFault(
      (req) => isManifest(req, req.method) && answerWith(403),
      async () => {
        const error = await registryError(host().inspectImage(ref()), "REGISTRY_AUTH_REFUSED", { registry: proxy.host, repository: "python-layer" });
        assert.match(error.message, /HTTP 403/);
      },
    );
  });

  test("502 and 503 (on the manifest or a blob) are REGISTRY_UNREACHABLE naming the status", async () => {
    for (const [status, on] of /** @type {const} */ ([[502, "manifest"], [503, "blob"]])) {
      await withFault(
        (req) => (on === "manifest" ? isManifest(req, req.method) : isBlob(req)) && answerWith(status, status === 503 ? { "retry-after": "5" } : {}),
        async () => {
          const error = await registryError(host().inspectImage(ref()), "REGISTRY_UNREACHABLE", { registry: proxy.host, repository: "python-layer" });
          assert.ok(error.message.includes(`HTTP ${status}`), error.message);
        },
      );
    }
  });

  test("a 401 without a WWW-Authenticate challenge, or with a scheme the host does not speak, is REGISTRY_AUTH_REFUSED saying so", async () => {
    for (const [headers, said] of /** @type {const} */ ([
      [{}, /no WWW-Authenticate challenge/],
      [{ "www-authenticate": 'Negotiate realm="corp"' }, /"negotiate"/],
      [{ "www-authenticate": 'Bearer service="x"' }, /Bearer challenge without a realm/],
    ])) {
      const seen = proxy.seen.length;
      await withFault(
        (req) => isManifest(req, req.method) && answerWith(401, headers),
        async () => {
          const error = await registryError(host().inspectImage(ref()), "REGISTRY_AUTH_REFUSED", { registry: proxy.host, repository: "python-layer" });
          assert.match(error.message, said);
        },
      );
      assert.equal(proxy.seen.length - seen, 1, "nothing asked after a challenge the host cannot answer");
    }
  });

  test("429 with Retry-After as an HTTP date: retryAfter in seconds, and the message says when", async () => {
    const at = new Date(Date.now() + 30_000);
    await withFault(
      (req) => isManifest(req, req.method) && answerWith(429, { "retry-after": at.toUTCString() }),
      async () => {
        const error = await registryError(host().inspectImage(ref()), "REGISTRY_RATE_LIMITED", { registry: proxy.host, repository: "python-layer" });
        assert.ok(error.retryAfter >= 27 && error.retryAfter <= 31, `retryAfter ${error.retryAfter}`);
        assert.ok(error.message.includes(`retry after ${error.retryAfter} s`), error.message);
      },
    );
  });

  test("429 with Retry-After on a blob GET is REGISTRY_RATE_LIMITED with retryAfter, the message saying when", async () => {
    await withFault(
      (req) => isBlob(req) && answerWith(429, { "retry-after": "12" }),
      async () => {
        const error = await registryError(host().inspectImage(ref()), "REGISTRY_RATE_LIMITED", { registry: proxy.host, repository: "python-layer" });
        assert.equal(error.retryAfter, 12);
        assert.ok(error.message.includes("the registry is rate limiting requests (HTTP 429); retry after 12 s"), error.message);
      },
    );
  });

  test("429 with Retry-After from the token endpoint is REGISTRY_RATE_LIMITED with retryAfter, the message saying when", async () => {
    // The token registry behind a front that points its challenge's realm at a front for the
    // issuer, which answers every token request 429.
    const issuerFront = await startProxy(new URL(issuer.realm).origin);
    issuerFront.inject = (req) => (req.url ?? "").startsWith("/token") && answerWith(429, { "retry-after": "45" });
    const registryFront = await startProxy(tokenRegistry.url);
    registryFront.inject = () => (_req, _res, forward) =>
      forward((body, headers) => ({
        body,
        headers: { "www-authenticate": headers["www-authenticate"]?.toString().replace(issuer.realm, `${issuerFront.url}/token`) },
      }));
    try {
      const credentials = { [registryFront.host]: { username: TOKEN.user, password: TOKEN.password } };
      const answer = registryHost({ insecure: [registryFront.host, issuerFront.host], credentials }).inspectImage(`${registryFront.host}/python-layer:1`);
      const error = await registryError(answer, "REGISTRY_RATE_LIMITED", { registry: registryFront.host, repository: "python-layer", secrets: [TOKEN.password] });
      assert.equal(error.retryAfter, 45);
      assert.ok(error.message.includes("the registry is rate limiting requests (HTTP 429); retry after 45 s"), error.message);
      assert.deepEqual(
        issuerFront.seen.map((s) => s.path.split("?")[0]),
        ["/token"],
        "one token request, answered 429",
      );
      assert.equal(registryFront.seen.length, 1, "nothing asked of the registry after the 429");
    } finally {
      await Promise.all([issuerFront.stop(), registryFront.stop()]);
    }
  });

  test("a gzip layer cut short or corrupt is REGISTRY_BAD_ANSWER naming the layer", async () => {
    const { repository } = filled.images["no-python"];
    const manifest = await fetch(`${anon.url}/v2/${repository}/manifests/1`, { headers: { accept: MEDIA.dockerManifest } }).then((r) => r.json());
    const [layerDigest] = manifest.layers.map((l) => l.digest);
    const isLayer = (req) => isBlob(req) && (req.url ?? "").endsWith(layerDigest);
    const faults = {
      // Half of it, chunked (no Content-Length to give the cut away): the inflater runs dry.
      cut: (/** @type {Buffer} */ body) => ({ body: body.subarray(0, body.length >> 1), headers: { "content-length": undefined, "transfer-encoding": "chunked" } }),
      // The first deflate block header made a reserved block type: the inflater refuses it.
      corrupt: (/** @type {Buffer} */ body) => ({ body: Buffer.concat([body.subarray(0, 10), Buffer.from([0xff]), body.subarray(11)]) }),
    };
    for (const [name, transform] of Object.entries(faults)) {
      await withFault(
        (req) => isLayer(req) && ((_, __, forward) => forward(transform)),
        async () => {
          const error = await registryError(host().inspectImage(ref(repository)), "REGISTRY_BAD_ANSWER", { registry: proxy.host, repository });
          assert.ok(error.message.includes(layerDigest) && error.message.includes("gzip"), `${name}: ${error.message}`);
        },
      );
    }
  });

  test("an answer slower than timeoutMs is REGISTRY_TIMEOUT; an aborted signal is ABORTED", async () => {
    /** @type {Set<NodeJS.Timeout>} */
    const timers = new Set();
    const slow = (req) =>
      isManifest(req, req.method) &&
      ((_, res, forward) => {
        const timer = setTimeout(() => void forward(), 5000);
        timers.add(timer);
        res.on("close", () => clearTimeout(timer));
      });
    await withFault(slow, async () => {
      const started = Date.now();
      await registryError(host({ timeoutMs: 300 }).inspectImage(ref()), "REGISTRY_TIMEOUT", { registry: proxy.host, repository: "python-layer" });
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      await registryError(host({ signal: controller.signal }).inspectImage(ref()), "ABORTED", { registry: proxy.host, repository: "python-layer" });
    });
    // A body that stalls after its headers is a timeout too.
    await withFault(
      (req) =>
        isBlob(req) &&
        ((_, res) => {
          res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "100000" });
          res.write(Buffer.alloc(100));
        }),
      () => registryError(host({ timeoutMs: 300 }).inspectImage(ref()), "REGISTRY_TIMEOUT", { registry: proxy.host, repository: "python-layer" }),
    );
    for (const timer of timers) clearTimeout(timer);
  });

  test("a manifest or config whose bytes do not match their digest is REGISTRY_DIGEST_MISMATCH", async () => {
    const { digest } = filled.images["python-layer"];
    // The manifest one byte longer (still valid JSON), its Docker-Content-Digest kept.
    const padManifest = (req) => isManifest(req) && ((_, __, forward) => forward((body) => ({ body: Buffer.concat([body, Buffer.from(" ")]) })));
    await withFault(padManifest, () => registryError(host().inspectImage(ref()), "REGISTRY_DIGEST_MISMATCH", { registry: proxy.host, repository: "python-layer" }));
    // Pinned, with no Docker-Content-Digest to compare: the reference's digest catches it.
    const padNoHeader = (req) =>
      isManifest(req, req.method) &&
      ((_, __, forward) => forward((body) => ({ body: Buffer.concat([body, Buffer.from(" ")]), headers: { "docker-content-digest": undefined } })));
    await withFault(padNoHeader, () =>
      registryError(host().inspectImage(`${proxy.host}/python-layer@${digest}`), "REGISTRY_DIGEST_MISMATCH", { registry: proxy.host, repository: "python-layer" }),
    );
    // The config blob altered (same length, still JSON).
    const config = (req) => isBlob(req) && ((_, __, forward) => forward((body) => ({ body: Buffer.from(body.toString().replace('"linux"', '"LINUX"')) })));
    await withFault(config, () => registryError(host().inspectImage(ref()), "REGISTRY_DIGEST_MISMATCH", { registry: proxy.host, repository: "python-layer" }));
    // A config cut short (chunked, so the cut is not visible as a short body).
    const cut = (req) =>
      isBlob(req) &&
      ((_, res, forward) =>
        forward((body) => ({ body: body.subarray(0, Math.floor(body.length / 2)), headers: { "content-length": undefined, "transfer-encoding": "chunked" } })));
    await withFault(cut, () => registryError(host().inspectImage(ref()), "REGISTRY_DIGEST_MISMATCH", { registry: proxy.host, repository: "python-layer" }));
  });

  test("a body cut off mid-answer is REGISTRY_BAD_ANSWER", async () => {
    await withFault(
      (req) =>
        isManifest(req) &&
        (async (_, res) => {
          const upstream = await fetch(`${anon.url}${req.url}`, { headers: { accept: req.headers.accept ?? "" } });
          const body = Buffer.from(await upstream.arrayBuffer());
          // The whole body announced, half of it sent, then the connection dropped.
          res.writeHead(200, { "content-type": MEDIA.ociManifest, "content-length": String(body.length), "docker-content-digest": sha256(body) });
          res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
        }),
      () => registryError(host().inspectImage(ref()), "REGISTRY_BAD_ANSWER", { registry: proxy.host, repository: "python-layer" }),
    );
  });

  test("a 100 MB manifest is REGISTRY_TOO_LARGE after reading at most maxManifestBytes", async () => {
    const TOTAL = 100 * 1024 * 1024;
    for (const announce of [false, true]) {
      let sent = 0;
      const done = new Promise((resolveDone) => {
        proxy.inject = (req) =>
          isManifest(req) &&
          ((_, res) => {
            res.writeHead(200, { "content-type": MEDIA.ociManifest, ...(announce ? { "content-length": String(TOTAL) } : {}) });
            const chunk = Buffer.alloc(64 * 1024, 0x20);
            const pump = () => {
              while (sent < TOTAL) {
                sent += chunk.length;
                if (!res.write(chunk)) return void res.once("drain", pump);
              }
              res.end();
            };
            res.on("close", () => resolveDone(undefined));
            pump();
          });
      });
      try {
        await registryError(host({ maxManifestBytes: 1024 * 1024 }).inspectImage(ref()), "REGISTRY_TOO_LARGE", { registry: proxy.host, repository: "python-layer" });
        // The host lets go of the body (cancels it) rather than leaving the connection open.
        const closed = await Promise.race([done.then(() => true), new Promise((ok) => setTimeout(() => ok(false), 5000))]);
        assert.ok(closed, `the host kept the 100 MB answer open (announced: ${announce})`);
      } finally {
        proxy.inject = undefined;
      }
      assert.ok(sent < 24 * 1024 * 1024, `the host read ${sent} bytes of a 100 MB manifest (announced: ${announce})`);
    }
  });

  test("a manifest in a media type the host does not read is REGISTRY_UNSUPPORTED_MEDIA_TYPE; bad JSON is REGISTRY_BAD_ANSWER", async () => {
    const answer = (contentType, text) => (req) =>
      isManifest(req, req.method) &&
      ((_, res) => {
        const body = Buffer.from(text);
        res.writeHead(200, { "content-type": contentType, "docker-content-digest": sha256(body), "content-length": String(body.length) });
        res.end(req.method === "HEAD" ? undefined : body);
      });
    const schema1 = JSON.stringify({ schemaVersion: 1, name: "python-layer", tag: "1", fsLayers: [], history: [] });
    await withFault(answer("application/vnd.docker.distribution.manifest.v1+prettyjws", schema1), () =>
      registryError(host().inspectImage(ref()), "REGISTRY_UNSUPPORTED_MEDIA_TYPE", { registry: proxy.host, repository: "python-layer" }),
    );
    await withFault(answer(MEDIA.ociManifest, "{ not json"), () =>
      registryError(host().inspectImage(ref()), "REGISTRY_BAD_ANSWER", { registry: proxy.host, repository: "python-layer" }),
    );
    const noConfig = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, layers: [] });
    await withFault(answer(MEDIA.ociManifest, noConfig), () =>
      registryError(host().inspectImage(ref()), "REGISTRY_BAD_ANSWER", { registry: proxy.host, repository: "python-layer" }),
    );
  });

  test("a redirect loop is REGISTRY_BAD_ANSWER after 5 hops", async () => {
    let hops = 0;
    await withFault(
      (req) =>
        (isBlob(req) || (req.url ?? "").startsWith("/loop/")) &&
        ((_, res) => {
          hops++;
          res.writeHead(307, { location: `/loop/${hops}` });
          res.end();
        }),
      async () => {
        await registryError(host().inspectImage(ref()), "REGISTRY_BAD_ANSWER", { registry: proxy.host, repository: "python-layer" });
        assert.ok(hops >= 2 && hops <= 6, `${hops} requests in the loop`);
      },
    );
  });

  test("a cross-host blob redirect never carries the registry's Authorization", async () => {
    const basicProxy = await startProxy(basic.url);
    /** @type {(string | undefined)[]} */
    const storageAuth = [];
    const authorization = `Basic ${Buffer.from(`${BASIC.user}:${BASIC.password}`).toString("base64")}`;
    // The blob store: another host (127.0.0.2), serving the blob the registry holds.
    const storage = createServer(async (req, res) => {
      storageAuth.push(req.headers.authorization);
      const answer = await fetch(`${basic.url}${new URL(req.url ?? "/", "http://x").searchParams.get("path")}`, { headers: { authorization } });
      res.writeHead(answer.status, { "content-type": "application/octet-stream" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise((ok) => storage.listen(0, "127.0.0.2", () => ok(undefined)));
    const storageHost = `127.0.0.2:${/** @type {import("node:net").AddressInfo} */ (storage.address()).port}`;
    basicProxy.inject = (req) =>
      isBlob(req) &&
      ((_, res) => {
        res.writeHead(307, { location: `http://${storageHost}/blob?path=${encodeURIComponent(req.url ?? "")}` });
        res.end();
      });
    try {
      const credentials = { [basicProxy.host]: { username: BASIC.user, password: BASIC.password } };
      const answer = await registryHost({ insecure: [basicProxy.host, storageHost], credentials }).inspectImage(`${basicProxy.host}/python-layer:1`);
      assert.deepEqual(answer, filled.images["python-layer"].expected);
      assert.ok(storageAuth.length >= 2, `config and layers through the store: ${storageAuth.length}`);
      assert.deepEqual(storageAuth.filter((a) => a !== undefined), [], "the blob store saw an Authorization header");
      assert.ok(basicProxy.seen.some((s) => s.authorization === authorization), "the registry itself got the credentials");
    } finally {
      await basicProxy.stop();
      await new Promise((ok) => storage.close(() => ok(undefined)));
    }
  });
});

describe("redirect targets and plain HTTP", () => {
  /** @type {import("node:http").Server[]} */
  const servers = [];
  /** Starts `handler` on 127.0.0.2 (another host than the registry's); answers its host. */
  const startOther = async (handler) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise((ok) => server.listen(0, "127.0.0.2", () => ok(undefined)));
    return `127.0.0.2:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
  };
  after(async () => {
    await Promise.all(servers.map((server) => new Promise((ok) => server.close(() => ok(undefined)))));
  });
  const isBlob = (req) => req.method === "GET" && /\/blobs\/sha256:/.test(req.url ?? "");

  test("a blob store that answers 401 with its own challenge never gets an answer with the registry's credentials", async () => {
    const basicProxy = await startProxy(basic.url);
    /** @type {{ url: string, authorization: string | undefined }[]} */
    const harvested = [];
    // A token endpoint of the blob store's choosing, on yet another port.
    const harvester = await startOther((req, res) => {
      harvested.push({ url: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: "harvested" }));
    });
    /** @type {(string | undefined)[]} */
    const storageAuth = [];
    let challenge = "";
    const storage = await startOther((req, res) => {
      storageAuth.push(req.headers.authorization);
      res.writeHead(401, { "www-authenticate": challenge, "content-type": "application/json" });
      res.end("{}");
    });
    basicProxy.inject = (req) =>
      isBlob(req) &&
      ((_, res) => {
        res.writeHead(307, { location: `http://${storage}/blob?path=${encodeURIComponent(req.url ?? "")}` });
        res.end();
      });
    try {
      const credentials = { [basicProxy.host]: { username: BASIC.user, password: BASIC.password } };
      // Every host named insecure: only the origin rule stands between the password and the realm.
      const options = { insecure: [basicProxy.host, storage, harvester], credentials };
      for (const scheme of [`Bearer realm="http://${harvester}/token",service="blob",scope="x"`, 'Basic realm="blob store"']) {
        challenge = scheme;
        const answer = registryHost(options).inspectImage(`${basicProxy.host}/python-layer:1`);
        await answer.catch(() => {});
        assert.deepEqual(harvested, [], "the blob store's realm was asked for a token");
        const error = await registryError(answer, "REGISTRY_AUTH_REFUSED", {
          registry: basicProxy.host,
          repository: "python-layer",
          secrets: [BASIC.password],
        });
        assert.ok(error.message.includes(`http://${storage}`), error.message);
      }
      assert.ok(storageAuth.length >= 2);
      assert.deepEqual(storageAuth.filter((a) => a !== undefined), [], "the blob store saw an Authorization header");
    } finally {
      await basicProxy.stop();
    }
  });

  test("a redirect to plain http is followed only to a host named insecure", async () => {
    const proxy = await startProxy(anon.url);
    let storageAsked = 0;
    const storage = await startOther(async (req, res) => {
      storageAsked++;
      const answer = await fetch(`${anon.url}${new URL(req.url ?? "/", "http://x").searchParams.get("path")}`);
      res.writeHead(answer.status, { "content-type": "application/octet-stream" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    proxy.inject = (req) =>
      isBlob(req) &&
      ((_, res) => {
        res.writeHead(302, { location: `http://${storage}/blob?path=${encodeURIComponent(req.url ?? "")}` });
        res.end();
      });
    try {
      // The registry is named, the store is not: refused before it is asked.
      const error = await registryError(registryHost({ insecure: [proxy.host] }).inspectImage(`${proxy.host}/python-layer:1`), "REGISTRY_BAD_ANSWER", {
        registry: proxy.host,
        repository: "python-layer",
      });
      assert.ok(error.message.includes(`http://${storage}`) && error.message.includes("insecure"), error.message);
      assert.equal(storageAsked, 0);
      // Named too: followed.
      assert.deepEqual(await registryHost({ insecure: [proxy.host, storage] }).inspectImage(`${proxy.host}/python-layer:1`), filled.images["python-layer"].expected);
      assert.ok(storageAsked >= 2);
    } finally {
      await proxy.stop();
    }
  });

  test("a redirect from https to plain http is never followed, even to a host named insecure", async () => {
    // A real TLS front (a certificate made for the run), trusted by a child node through
    // NODE_EXTRA_CA_CERTS: every request is redirected to the anonymous registry over plain http.
    const dir = mkdtempSync(join(tmpdir(), "apothic-tls-"));
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let asked = 0;
    const front = createHttpsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
      asked++;
      res.writeHead(302, { location: `${anon.url}${req.url}` });
      res.end();
    });
    await new Promise((ok) => front.listen(0, "127.0.0.1", () => ok(undefined)));
    const frontHost = `127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (front.address()).port}`;
    try {
      const script = `
        import { registryHost } from "@apothic/image";
        const host = registryHost({ insecure: [${JSON.stringify(anon.host)}] });
        const answer = await host.inspectImage(${JSON.stringify(`${frontHost}/python-layer:1`)}).then((value) => ({ value }), (e) => ({ code: e.code, message: e.message }));
        process.stdout.write(JSON.stringify(answer));`;
      // Asynchronously: the front answers from this process's event loop.
      const run = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile }, timeout: 30_000 });
      const answer = JSON.parse(run.stdout);
      assert.equal(asked, 1, `the https front was asked ${asked} times: ${run.stdout}`);
      assert.equal(answer.code, "REGISTRY_BAD_ANSWER", run.stdout);
      assert.ok(answer.message.includes("from https") && answer.message.includes(anon.url), answer.message);
    } finally {
      await new Promise((ok) => front.close(() => ok(undefined)));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an http mirror must be named insecure", () => {
    assert.throws(
      () => registryHost({ mirror: anon.url }),
      (e) => e instanceof TypeError && e.code === "INVALID_ARGUMENT" && e.message.includes("insecure") && e.message.includes(anon.host),
    );
  });
});

describe("the inspection cache", () => {
  test("an answer one registry gave for a digest is never reused for another registry or repository", async () => {
    const { digest, expected } = filled.images["python-layer"];
    const manifest = await fetch(`${anon.url}/v2/python-layer/manifests/1`, { headers: { accept: MEDIA.ociManifest } }).then((r) => r.json());
    const top = manifest.layers.at(-1).digest;
    // A hostile registry: the real manifest and config (their digests check out), a forged top
    // layer (layers are read in part, so their digests cannot be checked).
    const hostile = await startProxy(anon.url);
    const forged = Buffer.from(tar([{ name: "usr/bin/python3.99", body: "forged\n" }]));
    hostile.inject = (req) =>
      req.method === "GET" &&
      (req.url ?? "").endsWith(`/blobs/${top}`) &&
      ((_, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(forged.length) });
        res.end(forged);
      });
    const cache = new Map();
    try {
      const poisoned = await registryHost({ insecure: [hostile.host], cache }).inspectImage(`${hostile.host}/python-layer@${digest}`);
      assert.equal(poisoned.pythonVersion, "3.99", "the hostile registry's forged layer was read");
    } finally {
      await hostile.stop();
    }
    // The real registry, same digest, same cache: asked, and its own answer.
    const counted = countingFetch();
    assert.deepEqual(await hostFor([anon], { cache, fetch: counted }).inspectImage(`${anon.host}/python-layer@${digest}`), expected);
    assert.ok(counted.calls.length >= 3, JSON.stringify(counted.calls));
    // Another repository of the same registry holding the same manifest: its own entry too.
    await publishDerived(anon.url, "python-layer", "python-layer-copy", "1");
    const copy = countingFetch();
    assert.deepEqual(await hostFor([anon], { cache, fetch: copy }).inspectImage(`${anon.host}/python-layer-copy@${digest}`), expected);
    assert.ok(copy.calls.length >= 3, JSON.stringify(copy.calls));
    // The same registry and repository again: from the cache, no request.
    const again = countingFetch();
    assert.deepEqual(await hostFor([anon], { cache, fetch: again }).inspectImage(`${anon.host}/python-layer@${digest}`), expected);
    assert.equal(again.calls.length, 0);
    assert.ok(
      [...cache.keys()].every((key) => /^http:\/\/127\.0\.0\.1:\d+\/python-layer(-copy)?@sha256:[0-9a-f]{64} linux\/amd64$/.test(key)),
      JSON.stringify([...cache.keys()]),
    );
  });

  test("a cache whose get or set fails is REGISTRY_CACHE_FAILED naming the registry, repository and reference", async () => {
    const { digest } = filled.images["python-layer"];
    const ref = `${anon.host}/python-layer@${digest}`;
    const failing = {
      "get throws": { get: () => { throw new Error("kv down"); }, set: () => {} },
      "get rejects": { get: async () => { throw new Error("kv down"); }, set: () => {} },
      "set rejects": { get: () => undefined, set: async () => { throw new Error("kv down"); } },
    };
    for (const [name, cache] of Object.entries(failing)) {
      const error = await registryError(hostFor([anon], { cache }).inspectImage(ref), "REGISTRY_CACHE_FAILED", { registry: anon.host, repository: "python-layer" });
      assert.equal(error.reference, ref, name);
      assert.ok(error.message.includes("kv down") && error.message.includes(name.split(" ")[0]), `${name}: ${error.message}`);
    }
  });
});

describe("resolve() through { ...memoryHost({}), ...registryHost(...) }", () => {
  const compose = (options = {}) => ({ ...memoryHost({}), ...registryHost({ insecure: [anon.host], ...options }) });

  test("a Python image with no steps runs directly on its own Python", async () => {
    const ref = `${anon.host}/python-env:1`;
    const { plan } = await Image.fromRegistry(ref).resolve(compose());
    assert.equal(plan.mode, "direct");
    assert.equal(plan.image, ref);
    assert.deepEqual(plan.python, { kind: "image", path: "/usr/local/bin/python3", version: "3.12.7" });
  });

  test("the image's digest joins the image hash", async () => {
    const a = await Image.fromRegistry(`${anon.host}/python-env:1`).pipInstall(["requests"]).resolve(compose());
    const b = await Image.fromRegistry(`${anon.host}/python-env:1`).pipInstall(["requests"]).resolve(memoryHost({}));
    assert.notEqual(a.imageHash, b.imageHash);
  });

  test("a Python-less image with steps is derived with a managed CPython for its arch and libc", async () => {
    const resolution = await Image.fromRegistry(`${anon.host}/no-python:1`).pipInstall(["requests"]).resolve(compose());
    assert.equal(resolution.plan.mode, "derived");
    assert.equal(resolution.plan.image, null);
    assert.equal(resolution.plan.python.kind, "managed");
    assert.equal(resolution.plan.python.arch, "x86_64");
    assert.equal(resolution.plan.python.libc, "gnu");
    // musl's image has Python: its own, derived for the step.
    const musl = await Image.fromRegistry(`${anon.host}/musl:1`).pipInstall(["requests"]).resolve(compose());
    assert.equal(musl.plan.mode, "derived");
    assert.deepEqual(musl.plan.python, { kind: "image", path: "/usr/bin/python3.11", version: "3.11" });
    // arm64 from the index, without Python: managed for aarch64 and musl.
    const arm = await Image.fromRegistry(`${anon.host}/oci-index:1`).pipInstall(["requests"]).resolve(compose({ platform: "linux/arm64" }));
    assert.equal(arm.plan.python.kind, "managed");
    assert.equal(arm.plan.python.arch, "aarch64");
    assert.equal(arm.plan.python.libc, "musl");
  });

  test("a published derived image is found by lookupDerived and named in the plan", async () => {
    const image = Image.fromRegistry(`${anon.host}/no-python:1`).pipInstall(["httpx"]);
    const options = { derivedRepository: `${anon.host}/derived-plans` };
    const first = await image.resolve(compose(options));
    assert.equal(first.plan.image, null);
    // Published under the tag of the build key, which lookupDerived is asked for.
    const digest = await publishDerived(anon.url, "no-python", "derived-plans", `sha256-${first.buildKey.slice("sha256:".length)}`);
    const second = await image.resolve(compose(options));
    assert.equal(second.buildKey, first.buildKey);
    assert.equal(second.plan.mode, "derived");
    assert.equal(second.plan.image, `${anon.host}/derived-plans@${digest}`);
  });

  test("a managed CPython planned past a zstd layer comes with IMAGE_NOT_FULLY_INSPECTED naming the layer", async () => {
    const { expected } = filled.images.zstd;
    const resolution = await Image.fromRegistry(`${anon.host}/zstd:1`).pipInstall(["requests"]).resolve(compose());
    assert.equal(resolution.plan.python.kind, "managed");
    const notes = resolution.diagnostics.filter((d) => d.code === "IMAGE_NOT_FULLY_INSPECTED");
    assert.equal(notes.length, 1, JSON.stringify(resolution.diagnostics));
    assert.ok(notes[0].message.includes(expected.layersUnread.digest) && notes[0].message.includes("zstd"), notes[0].message);
    // A complete inspection gives none.
    const plain = await Image.fromRegistry(`${anon.host}/no-python:1`).pipInstall(["requests"]).resolve(compose());
    assert.deepEqual(plain.diagnostics.filter((d) => d.code === "IMAGE_NOT_FULLY_INSPECTED"), []);
  });

  test("a layer of a media type the host does not know: layersUnread says \"mediaType\", and the plan's diagnostic says so", async () => {
    const { expected } = filled.images["unknown-layer"];
    assert.equal(expected.layersUnread.reason, "mediaType");
    assert.deepEqual(await registryHost({ insecure: [anon.host] }).inspectImage(`${anon.host}/unknown-layer:1`), expected);
    const resolution = await Image.fromRegistry(`${anon.host}/unknown-layer:1`).pipInstall(["requests"]).resolve(compose());
    assert.equal(resolution.plan.python.kind, "managed");
    const notes = resolution.diagnostics.filter((d) => d.code === "IMAGE_NOT_FULLY_INSPECTED");
    assert.equal(notes.length, 1, JSON.stringify(resolution.diagnostics));
    assert.ok(notes[0].message.includes(expected.layersUnread.digest) && notes[0].message.includes("media type the host does not know"), notes[0].message);
  });

  test("config values the core refuses reach resolve() as HOST_CALLBACK_FAILED naming the field", async () => {
    for (const [tag, { repository, key, core }] of Object.entries(filled.badConfigs)) {
      if (!core) continue;
      const error = await Image.fromRegistry(`${anon.host}/${repository}:${tag}`).runCommands("true").resolve(compose()).catch((e) => e);
      assert.equal(error?.code, "HOST_CALLBACK_FAILED", `${tag}: ${error}`);
      assert.ok(error.message.includes(key), `${tag}: ${error.message}`);
    }
  });

  test("a registry error reaches resolve() as HOST_CALLBACK_FAILED with its message", async () => {
    const error = await Image.fromRegistry(`${anon.host}/nothing-here:1`).resolve(compose()).catch((e) => e);
    assert.equal(error?.code, "HOST_CALLBACK_FAILED", String(error));
    assert.ok(error.message.includes("nothing-here"), error.message);
  });
});
