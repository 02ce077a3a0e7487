// POST /render with `"inspect": true`: the Worker (dist/worker.js, in the real workerd binary)
// inspects the spec's base images itself, through the package's registryHost, in a real registry
// (Debian's docker-registry started by tests/registry/registry.mjs, filled by fill.mjs) reached
// through a real counting proxy (tests/registry/proxy.mjs). The Worker's config here is the
// production one plus what the test needs: `INSPECT_REGISTRIES` naming the proxy over plain HTTP,
// and an outbound network that may reach loopback (workerd's default reaches public addresses only).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { createHash } from "node:crypto";
import { MEDIA, fill, pusher, tar } from "../../../tests/registry/fill.mjs";
import { startProxy } from "../../../tests/registry/proxy.mjs";
import { startRegistry } from "../../../tests/registry/registry.mjs";
import { startWorkerd } from "../../../tests/harness/workerd.mjs";
import { workerDir } from "./workerd.mjs";

let registry;
let proxy;
let filled;
let server;

/** The test config: workerd.capnp's Worker with the registry binding and a loopback outbound. */
function writeConfig(allowed) {
  const dir = join(workerDir, "node_modules", ".cache", "registry-test");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "workerd.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "preview", worker = .previewWorker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "preview") ],
);
const previewWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../../../dist/worker.js"),
    (name = "apothic_image_bg.wasm", wasm = embed "../../../dist/apothic_image_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "INSPECT_REGISTRIES", text = ${JSON.stringify(allowed)}) ],
  globalOutbound = "loopback",
);
`,
  );
  return dir;
}

before(async () => {
  registry = await startRegistry({ name: "worker-inspect" });
  filled = await fill(registry.url);
  proxy = await startProxy(registry.url);
  server = await startWorkerd({ cwd: writeConfig(`docker.io, http://${proxy.host}`), config: "workerd.capnp", readyStatus: 200 });
}, { timeout: 120_000 });

after(async () => {
  await server?.stop();
  await proxy?.stop();
  await registry?.stop();
});

const specOf = (ref) => Image.fromRegistry(ref).toSpec();

async function render(body) {
  const res = await fetch(`${server.base}/render`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** What the package gives in Node for `spec` when inspectImage answers `inspection`. */
async function inNode(spec, inspection) {
  const image = Image.fromSpec(spec);
  try {
    const r = await image.resolve(memoryHost({}, { inspectImage: () => inspection }));
    return { dockerfile: r.dockerfile, imageHash: r.imageHash, plan: r.plan };
  } finally {
    image.free();
  }
}

/** Renders with `inspect` and returns the answer and the registry requests it made. */
async function inspected(ref) {
  const before = proxy.seen.length;
  const res = await render({ spec: specOf(ref), inspect: true });
  return { ...res, requests: proxy.seen.slice(before) };
}

describe("POST /render with inspect", () => {
  test("a base with Python: the plan uses the image's Python, as the package plans it for that inspection", async () => {
    const ref = `${proxy.host}/python-env:1`;
    const { status, body, requests } = await inspected(ref);
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(requests.length > 0);
    const expected = await inNode(specOf(ref), filled.images["python-env"].expected);
    assert.deepEqual({ dockerfile: body.dockerfile, imageHash: body.imageHash, plan: body.plan }, expected);
    assert.equal(body.plan.mode, "direct", JSON.stringify(body.plan));
    assert.deepEqual(body.plan.python, { kind: "image", path: "/usr/local/bin/python3", version: "3.12.7" });
  });

  test("a base without Python: a managed CPython plan", async () => {
    const ref = `${proxy.host}/no-python:1`;
    const { status, body } = await inspected(ref);
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await inNode(specOf(ref), filled.images["no-python"].expected);
    assert.deepEqual({ dockerfile: body.dockerfile, imageHash: body.imageHash, plan: body.plan }, expected);
    assert.notEqual(body.plan.python?.kind, "image", JSON.stringify(body.plan));
    assert.match(body.dockerfile, /cpython-3\.\d+/);
  });

  test("the same pinned base again makes no registry request; a tag costs one manifest request", async () => {
    const { digest } = filled.images["python-layer"];
    const pinned = `${proxy.host}/python-layer@${digest}`;
    const first = await inspected(pinned);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.ok(first.requests.length >= 2, "a manifest and a config at least");
    const second = await inspected(pinned);
    assert.equal(second.status, 200);
    assert.deepEqual(second.requests, []);
    assert.deepEqual(second.body, first.body);
    const tagged = await inspected(`${proxy.host}/python-layer:1`);
    assert.equal(tagged.status, 200);
    assert.deepEqual(tagged.requests.map((r) => r.path), ["/v2/python-layer/manifests/1"]);
    assert.deepEqual(tagged.body.plan.python, first.body.plan.python);
    assert.equal(tagged.body.plan.mode, first.body.plan.mode);
  });

  test("a missing image is 422 REGISTRY_NOT_FOUND, naming it", async () => {
    const { status, body } = await inspected(`${proxy.host}/nothing-here:1`);
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.code, "REGISTRY_NOT_FOUND");
    assert.match(body.message, /nothing-here/);
  });

  test("without inspect, nothing is fetched", async () => {
    for (const extra of [{}, { inspect: false }]) {
      const before = proxy.seen.length;
      const res = await render({ spec: specOf(`${proxy.host}/python-env:1`), ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(proxy.seen.length, before);
    }
  });

  test("`images` given in the body are answered before the registry", async () => {
    const ref = `${proxy.host}/python-env:1`;
    const inspection = filled.images["no-python"].expected;
    const before = proxy.seen.length;
    const res = await render({ spec: specOf(ref), inspect: true, images: { [ref]: inspection } });
    assert.equal(res.status, 200);
    assert.equal(proxy.seen.length, before);
    assert.deepEqual(res.body.plan, (await inNode(specOf(ref), inspection)).plan);
  });

  test("a registry outside INSPECT_REGISTRIES is 422 REGISTRY_NOT_ALLOWED, with no request", async () => {
    const before = proxy.seen.length;
    const res = await render({ spec: specOf(`${registry.host}/python-env:1`), inspect: true });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, "REGISTRY_NOT_ALLOWED");
    assert.equal(proxy.seen.length, before);
  });

  test("a registry too slow is 422 REGISTRY_TIMEOUT within the Worker's per-request timeout", async () => {
    proxy.inject = (req) => (req.url.includes("/slow") ? async () => {} : undefined); // never answers
    try {
      const started = Date.now();
      const res = await render({ spec: specOf(`${proxy.host}/slow:1`), inspect: true });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, "REGISTRY_TIMEOUT");
      assert.ok(Date.now() - started < 9_000, `${Date.now() - started} ms`);
    } finally {
      proxy.inject = undefined;
    }
  });

  test("a manifest over the Worker's 512 KiB (the package's default allows 4 MiB) is 422 REGISTRY_TOO_LARGE", async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 32);
    proxy.inject = (req) =>
      req.url.includes("/big/")
        ? async (_req, res) => {
            res.writeHead(200, { "content-type": MEDIA.ociManifest, "content-length": String(big.length) });
            res.end(big);
          }
        : undefined;
    try {
      const res = await render({ spec: specOf(`${proxy.host}/big:1`), inspect: true });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, "REGISTRY_TOO_LARGE");
    } finally {
      proxy.inject = undefined;
    }
  });

  test("an image needing more than 16 registry requests is 422 INSPECT_BUDGET_EXCEEDED, and the 17th is never sent", async () => {
    // 20 plain-tar layers with neither Python nor libc: each is read (newest first), one request each.
    const push = pusher(registry.url);
    const layers = [];
    for (let i = 0; i < 20; i++) {
      const bytes = tar([{ name: `etc/file-${i}`, body: `${i}\n` }]);
      layers.push({ mediaType: MEDIA.ociLayer, size: bytes.length, digest: await push.blob("many-layers", bytes), diffId: `sha256:${createHash("sha256").update(bytes).digest("hex")}` });
    }
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: ["PATH=/usr/bin:/bin"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } }));
    const configDigest = await push.blob("many-layers", config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length },
      layers: layers.map(({ mediaType, size, digest }) => ({ mediaType, size, digest })),
    }));
    await push.manifest("many-layers", "1", manifest, MEDIA.ociManifest);
    const { status, body, requests } = await inspected(`${proxy.host}/many-layers:1`);
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.code, "INSPECT_BUDGET_EXCEEDED");
    assert.equal(requests.length, 16);
  });

  test("a bad inspect field is 400 INVALID_REQUEST", async () => {
    for (const value of ["yes", 1, null, {}]) {
      const res = await render({ spec: specOf("python:3.12-slim"), inspect: value });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, "INVALID_REQUEST");
    }
  });
});
