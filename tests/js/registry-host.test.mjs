// registryHost's pieces that need no registry (the real-registry tests are tests/registry/):
// references → registry, repository, tag and digest with Docker Hub's rules; the tar-header
// reader on archives GNU tar writes (ustar prefix, PAX, GNU long names, bodies skipped, any chunk
// boundaries); WWW-Authenticate parsing; the derived-image tag; option checks; and what the host
// answers without a request (no derived repository, an aborted signal, a cached digest).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { Image, registryHost } from "@apothic/image";
import * as web from "@apothic/image/web";
import { repo } from "../harness/vectors.mjs";
import { packageDir } from "./helpers.mjs";

const { parseReference, derivedTag, parseChallenge } = await import(pathToFileURL(join(packageDir, "registry-host.js")).href);
const { TarHeaderReader, TarFormatError, MAX_TAR_RECORD_BYTES } = await import(pathToFileURL(join(packageDir, "tar-headers.js")).href);

const HEX = "ab".repeat(32);

describe("references", () => {
  const cases = [
    ["python", { registry: "docker.io", repository: "library/python" }],
    ["python:3.12-slim", { registry: "docker.io", repository: "library/python", tag: "3.12-slim" }],
    ["docker.io/library/python:3.12", { registry: "docker.io", repository: "library/python", tag: "3.12" }],
    ["index.docker.io/python", { registry: "docker.io", repository: "library/python" }],
    ["bitnami/python:3.11", { registry: "docker.io", repository: "bitnami/python", tag: "3.11" }],
    ["ghcr.io/astral-sh/uv:0.5", { registry: "ghcr.io", repository: "astral-sh/uv", tag: "0.5" }],
    ["localhost/app", { registry: "localhost", repository: "app" }],
    ["127.0.0.1:5000/team/app:v1", { registry: "127.0.0.1:5000", repository: "team/app", tag: "v1" }],
    ["Registry/app", { registry: "registry", repository: "app" }],
    [`python@sha256:${HEX}`, { registry: "docker.io", repository: "library/python", digest: `sha256:${HEX}` }],
    [`127.0.0.1:5000/app:v1@sha256:${HEX}`, { registry: "127.0.0.1:5000", repository: "app", tag: "v1", digest: `sha256:${HEX}` }],
  ];
  for (const [reference, expected] of cases) {
    test(reference.slice(0, 60), () => assert.deepEqual(parseReference(reference), expected));
  }

  for (const bad of ["", "Python", "python:", "python:-x", "python@sha256:abc", `python@sha512:${HEX}`, "a//b", "host:5000/", "x".repeat(4097), 7, null]) {
    test(`refuses ${JSON.stringify(bad)?.slice(0, 40)}`, () => {
      assert.throws(() => parseReference(bad), (e) => e instanceof TypeError && e.code === "INVALID_IMAGE_REF" && e.message.startsWith("registryHost:"));
    });
  }

  // The host parses references itself (it must work before and without the wasm module): over
  // every input of the reference corpus it accepts what the core accepts and names the same
  // image as the core's `normalized` (the registry lowercased: host names compare that way).
  test("agrees with the core's grammar on every input of tests/conformance/reference.json", () => {
    const corpus = JSON.parse(readFileSync(join(repo, "tests", "conformance", "reference.json"), "utf8"));
    const inputs = new Set();
    for (const cases of Object.values(corpus)) for (const c of cases) inputs.add(typeof c === "string" ? c : c.input);
    assert.ok(inputs.size > 100, `${inputs.size} inputs`);
    const disagreements = [];
    for (const input of inputs) {
      let core;
      try {
        core = Image.fromRegistry(input).toSpec().base.normalized.replace(/^[^/]*\//, (domain) => domain.toLowerCase());
      } catch (e) {
        assert.equal(e.code, "INVALID_IMAGE_REF", input);
        core = "refused";
      }
      let host;
      try {
        const p = parseReference(input);
        host = `${p.registry}/${p.repository}${p.tag === undefined ? "" : `:${p.tag}`}${p.digest === undefined ? "" : `@${p.digest}`}`;
      } catch (e) {
        assert.equal(e.code, "INVALID_IMAGE_REF", input);
        host = "refused";
      }
      if (core !== host) disagreements.push(`${JSON.stringify(input)}: core ${core}, registryHost ${host}`);
    }
    assert.deepEqual(disagreements, []);
  });

  test("inspectImage of a bad reference rejects with INVALID_IMAGE_REF and makes no request", async () => {
    const host = registryHost();
    await assert.rejects(host.inspectImage("Not A Reference"), (e) => e.code === "INVALID_IMAGE_REF");
    assert.deepEqual(host.stats(), { requests: 0, bytes: 0 });
  });
});

describe("tar headers", () => {
  const dir = mkdtempSync(join(tmpdir(), "apothic-tar-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tree = join(dir, "tree");
  const longDir = `usr/${"d".repeat(120)}`; // over ustar's 100-byte name field
  const longName = `${"n".repeat(130)}.txt`; // a name no prefix split can hold
  mkdirSync(join(tree, "usr/bin"), { recursive: true });
  mkdirSync(join(tree, "lib"), { recursive: true });
  mkdirSync(join(tree, longDir), { recursive: true });
  writeFileSync(join(tree, "usr/bin/python3.12"), Buffer.alloc(3000, 0x41)); // a body that spans blocks
  symlinkSync("python3.12", join(tree, "usr/bin/python3"));
  writeFileSync(join(tree, "lib/ld-musl-x86_64.so.1"), "");
  writeFileSync(join(tree, `${longDir}/${longName}`), "x");
  writeFileSync(join(tree, "naïve-ünïcode"), "u");

  /** GNU tar's archive of the tree in `format`, entries sorted. */
  const archive = (format) => {
    const r = spawnSync("tar", [`--format=${format}`, "--sort=name", "-C", tree, "-cf", "-", "."], { maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr?.toString());
    return new Uint8Array(r.stdout);
  };
  /** Every entry the reader reports for `bytes` fed in chunks of `size`. */
  const entries = (bytes, size) => {
    const seen = [];
    const reader = new TarHeaderReader((entry) => {
      seen.push(entry);
      return false;
    });
    for (let at = 0; at < bytes.length && !reader.done; at += size) reader.push(bytes.subarray(at, at + size));
    return { seen, done: reader.done };
  };
  const expected = [
    { path: "", type: "5", linkname: "" },
    { path: "lib", type: "5", linkname: "" },
    { path: "lib/ld-musl-x86_64.so.1", type: "0", linkname: "" },
    { path: "naïve-ünïcode", type: "0", linkname: "" },
    { path: "usr", type: "5", linkname: "" },
    { path: "usr/bin", type: "5", linkname: "" },
    { path: "usr/bin/python3", type: "2", linkname: "python3.12" },
    { path: "usr/bin/python3.12", type: "0", linkname: "" },
    { path: longDir, type: "5", linkname: "" },
    { path: `${longDir}/${longName}`, type: "0", linkname: "" },
  ];

  for (const format of ["gnu", "pax"]) {
    test(`${format}: every entry with its full path, in one chunk, 512-byte blocks and single bytes`, () => {
      const bytes = archive(format);
      for (const size of [bytes.length, 512, 1, 7]) {
        const { seen, done } = entries(bytes, size);
        assert.deepEqual(seen, expected, `chunks of ${size}`);
        assert.equal(done, true, "the end-of-archive blocks end the reading");
      }
    });
  }

  test("ustar: a long path is split into prefix and name", () => {
    const only = join(dir, "ustar-tree");
    const deep = `usr/${"d".repeat(70)}/${"e".repeat(70)}`; // 146 bytes: prefix "usr/ddd…", name "eee…"
    mkdirSync(join(only, deep), { recursive: true });
    writeFileSync(join(only, `${deep}/short.txt`), "s");
    const r = spawnSync("tar", ["--format=ustar", "--sort=name", "-C", only, "-cf", "-", deep]);
    assert.equal(r.status, 0, r.stderr.toString());
    const bytes = new Uint8Array(r.stdout);
    assert.notEqual(bytes[345], 0, "the archive uses the prefix field");
    assert.deepEqual(entries(bytes, 100).seen.map((e) => e.path), [deep, `${deep}/short.txt`]);
  });

  test("onEntry returning true stops the reading at that entry", () => {
    const seen = [];
    const reader = new TarHeaderReader((entry) => {
      seen.push(entry.path);
      return entry.path === "lib/ld-musl-x86_64.so.1";
    });
    assert.equal(reader.push(archive("pax")), true);
    assert.deepEqual(seen, ["", "lib", "lib/ld-musl-x86_64.so.1"]);
    assert.equal(reader.push(new Uint8Array(512).fill(1)), true, "nothing is read after the stop");
  });

  test("a header whose checksum does not match is a TarFormatError (not a tar)", () => {
    const bytes = archive("gnu");
    bytes[0] ^= 1;
    assert.throws(() => new TarHeaderReader(() => false).push(bytes), (e) => e instanceof TarFormatError && /checksum/.test(e.message));
    assert.throws(() => new TarHeaderReader(() => false).push(new Uint8Array(512).fill(0x41)), TarFormatError);
  });

  test("an extended header over the record limit is refused before it is buffered", () => {
    const header = new Uint8Array(512);
    const put = (at, text) => header.set(new TextEncoder().encode(text), at);
    put(0, "././@PaxHeader");
    put(124, `${(MAX_TAR_RECORD_BYTES + 1).toString(8).padStart(11, "0")}\0`);
    header[156] = "x".charCodeAt(0);
    put(257, "ustar\x0000");
    header.fill(0x20, 148, 156);
    put(148, `${header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0")}\0 `);
    assert.throws(() => new TarHeaderReader(() => false).push(header), (e) => e instanceof TarFormatError && /extended header/.test(e.message));
  });
});

describe("auth challenges", () => {
  test("Bearer with quoted parameters, Basic, and junk", () => {
    const bearer = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"');
    assert.equal(bearer.scheme, "bearer");
    assert.deepEqual(Object.fromEntries(bearer.params), { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" });
    assert.deepEqual(Object.fromEntries(parseChallenge('bearer realm=https://t/x, error="invalid_token"').params), { realm: "https://t/x", error: "invalid_token" });
    const basic = parseChallenge('Basic realm="Registry Realm"');
    assert.equal(basic.scheme, "basic");
    assert.equal(basic.params.get("realm"), "Registry Realm");
    assert.equal(parseChallenge("").scheme, "");
    assert.equal(parseChallenge('Bearer realm="a\\"b"').params.get("realm"), 'a"b');
  });
});

describe("lookupDerived", () => {
  test("the tag is sha256- and the build key's hex", () => {
    assert.equal(derivedTag(`sha256:${HEX}`), `sha256-${HEX}`);
  });

  test("without derivedRepository it answers null and makes no request", async () => {
    const host = registryHost();
    assert.equal(await host.lookupDerived(`sha256:${HEX}`), null);
    assert.deepEqual(host.stats(), { requests: 0, bytes: 0 });
  });

  test("an argument that is not a build key (sha256:<64 hex>) is INVALID_ARGUMENT", async () => {
    for (const bad of ["sha256:abc", `SHA256:${HEX}`, 5]) {
      await assert.rejects(registryHost({ derivedRepository: "127.0.0.1:1/envs" }).lookupDerived(bad), (e) => e instanceof TypeError && e.code === "INVALID_ARGUMENT");
    }
  });
});

describe("answers without a request", () => {
  const pinned = `127.0.0.1:1/app@sha256:${HEX}`;

  const inspection = { digest: `sha256:${HEX}`, os: "linux", arch: "x86_64", libc: "musl" };
  /** The cache key of `pinned`: the registry's API base URL, the repository, the digest, the platform. */
  const KEY = `http://127.0.0.1:1/app@sha256:${HEX} linux/amd64`;

  test("a cached digest is answered from the cache, keyed by registry, repository, digest and platform", async () => {
    const cache = new Map([[KEY, inspection]]);
    const host = registryHost({ cache, insecure: ["127.0.0.1:1"] });
    assert.deepEqual(await host.inspectImage(pinned), inspection);
    assert.deepEqual(host.stats(), { requests: 0, bytes: 0 });
    // Another platform, repository or registry is another key: that one goes to the registry
    // (nothing listens on port 1 or 2).
    const misses = [
      [pinned, { platform: "linux/arm64" }, "app"],
      [`127.0.0.1:1/other@sha256:${HEX}`, {}, "other"],
      [`127.0.0.1:2/app@sha256:${HEX}`, {}, "app"],
    ];
    for (const [ref, options, repository] of misses) {
      const other = registryHost({ cache, insecure: ["127.0.0.1:1", "127.0.0.1:2"], ...options });
      await assert.rejects(other.inspectImage(ref), (e) => e.code === "REGISTRY_UNREACHABLE" && e.repository === repository && e.reference === ref);
      assert.equal(other.stats().requests, 1, ref);
    }
    // The same registry over https (not named insecure) is another origin, another key.
    const overHttps = registryHost({ cache });
    await assert.rejects(overHttps.inspectImage(pinned), (e) => e.code === "REGISTRY_UNREACHABLE");
    assert.equal(overHttps.stats().requests, 1);
  });

  test("an aborted signal is ABORTED before any request, even for a cached digest", async () => {
    // The second cache answers every key: whatever the key, an aborted caller is not answered.
    for (const cache of [undefined, { get: () => inspection, set: () => {} }]) {
      const host = registryHost({ signal: AbortSignal.abort(), insecure: ["127.0.0.1:1"], cache });
      await assert.rejects(host.inspectImage(pinned), (e) => e.code === "ABORTED" && e.message.includes('"127.0.0.1:1"') && e.repository === "app" && e.reference === pinned);
      assert.deepEqual(host.stats(), { requests: 0, bytes: 0 });
    }
  });

  test("a cache whose get throws is REGISTRY_CACHE_FAILED naming where, before any request", async () => {
    const cache = { get: () => { throw new Error("kv down"); }, set: () => {} };
    const host = registryHost({ cache, insecure: ["127.0.0.1:1"] });
    await assert.rejects(host.inspectImage(pinned), (e) => e.code === "REGISTRY_CACHE_FAILED" && e.registry === "127.0.0.1:1" && e.repository === "app" && e.reference === pinned && e.message.includes("kv down"));
    assert.deepEqual(host.stats(), { requests: 0, bytes: 0 });
  });

  test("every entry exports the same registryHost", () => {
    assert.equal(web.registryHost, registryHost);
  });
});

describe("options", () => {
  const bad = {
    "not an object": "nope",
    "an unknown key": { platfrom: "linux/amd64" },
    fetch: { fetch: "fetch" },
    credentials: { credentials: { "127.0.0.1:5000": { username: "a:b", password: "p" } } },
    "credentials (not strings)": { credentials: { "127.0.0.1:5000": { username: "a", password: 1 } } },
    "credentials (control character)": { credentials: { "127.0.0.1:5000": { username: "a", password: "p\n" } } },
    platform: { platform: "amd64" },
    mirror: { mirror: "ftp://mirror.example" },
    "mirror with credentials": { mirror: "https://u:p@mirror.example" },
    "mirror over http, its host not named insecure": { mirror: "http://127.0.0.1:5001/", insecure: ["127.0.0.1:5000"] },
    insecure: { insecure: "127.0.0.1:5000" },
    "insecure (bad host)": { insecure: ["a b"] },
    timeoutMs: { timeoutMs: 0 },
    "timeoutMs (NaN)": { timeoutMs: NaN },
    signal: { signal: {} },
    cache: { cache: {} },
    derivedRepository: { derivedRepository: "127.0.0.1:5000/envs:latest" },
    "derivedRepository (digest)": { derivedRepository: `127.0.0.1:5000/envs@sha256:${HEX}` },
    maxManifestBytes: { maxManifestBytes: 0 },
    maxLayerBytes: { maxLayerBytes: -1 },
    "maxLayerBytes (fraction)": { maxLayerBytes: 1.5 },
  };
  for (const [name, options] of Object.entries(bad)) {
    test(`a bad ${name} is a TypeError with a code`, () => {
      assert.throws(
        () => registryHost(options),
        (e) => e instanceof TypeError && (e.code === "INVALID_ARGUMENT" || e.code === "INVALID_IMAGE_REF") && e.message.startsWith("registryHost:"),
      );
    });
  }

  test("a credential never appears in an option error", () => {
    assert.throws(
      () => registryHost({ credentials: { "127.0.0.1:5000": { username: "user:x", password: "s3cret-pw" } } }),
      (e) => !e.message.includes("s3cret-pw") && !e.message.includes("user:x"),
    );
  });

  test("good options are taken (timeoutMs Infinity, maxLayerBytes 0, a Map cache)", () => {
    const host = registryHost({
      fetch,
      credentials: { "127.0.0.1:5000": { username: "u", password: "p:w" } },
      platform: "linux/arm/v7",
      mirror: "http://127.0.0.1:5001/",
      insecure: ["127.0.0.1:5000", "127.0.0.1:5001"],
      timeoutMs: Infinity,
      signal: new AbortController().signal,
      cache: new Map(),
      derivedRepository: "127.0.0.1:5000/envs",
      maxManifestBytes: 1 << 20,
      maxLayerBytes: 0,
    });
    assert.deepEqual(Object.keys(host).sort(), ["inspectImage", "lookupDerived", "stats"]);
  });
});
