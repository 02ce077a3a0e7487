// POST /render with `"inspect": true`: the Worker (dist/worker.js, in the real workerd binary)
// inspects the spec's base images itself, through the package's registryHost, in a real registry
// (Debian's docker-registry started by tests/registry/registry.mjs, filled by fill.mjs) reached
// through a real counting proxy (tests/registry/proxy.mjs). The Worker's config here is the
// production one plus what the test needs: `INSPECT_REGISTRIES` naming the proxy over plain HTTP,
// and an outbound service that is the proxy itself: every request the Worker sends, whatever host
// its URL names, reaches the proxy and is counted (so "no request" means none at all).
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

/** The test config: workerd.capnp's Worker with the registry binding, its outbound the proxy. */
function writeConfig(allowed, outbound) {
  const dir = join(workerDir, "node_modules", ".cache", "registry-test");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "workerd.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "preview", worker = .previewWorker),
    (name = "outbound", external = (address = ${JSON.stringify(outbound)}, http = ())),
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
  globalOutbound = "outbound",
);
`,
  );
  return dir;
}

before(async () => {
  registry = await startRegistry({ name: "worker-inspect" });
  filled = await fill(registry.url);
  proxy = await startProxy(registry.url);
  // `localhost:<port>` names the proxy too (the outbound is the proxy whatever the host).
  const allowed = `docker.io, http://${proxy.host}, http://localhost:${proxy.host.split(":")[1]}`;
  server = await startWorkerd({ cwd: writeConfig(allowed, proxy.host), config: "workerd.capnp", readyStatus: 200 });
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

/** Pushes an OCI image of plain-tar `layers` (bytes, oldest first) whose config holds `env`
 * (a layer the repository has already is not uploaded again); answers its manifest digest. */
async function pushPlain(repository, tag, env, layers) {
  const push = pusher(registry.url);
  const sha = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const descriptors = [];
  for (const bytes of layers) {
    const known = await fetch(`${registry.url}/v2/${repository}/blobs/${sha(bytes)}`, { method: "HEAD" });
    const digest = known.status === 200 ? sha(bytes) : await push.blob(repository, bytes);
    descriptors.push({ mediaType: MEDIA.ociLayer, size: bytes.length, digest });
  }
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: env }, rootfs: { type: "layers", diff_ids: layers.map(sha) } }));
  const configDigest = await push.blob(repository, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length },
    layers: descriptors,
  }));
  return push.manifest(repository, tag, manifest, MEDIA.ociManifest);
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

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
    const layers = Array.from({ length: 20 }, (_, i) => tar([{ name: `etc/file-${i}`, body: `${i}\n` }]));
    await pushPlain("many-layers", "1", ["PATH=/usr/bin:/bin"], layers);
    const { status, body, requests } = await inspected(`${proxy.host}/many-layers:1`);
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.code, "INSPECT_BUDGET_EXCEEDED");
    assert.equal(requests.length, 16);
  });

  test("the allow-list is checked against the registry a reference really names (as registryHost reads it), before any request", async () => {
    // Docker's rule: a first component with a `.` or a `:`, equal to `localhost` or with an
    // uppercase letter is a registry host (so `Foo/app` is on host `foo`, not Docker Hub, which
    // the allow-list names); hosts compare lowercased.
    const refused = [
      ["Foo/app:1", "foo"],
      ["LOCALHOST/x", "localhost"],
      ["localhost/x", "localhost"],
      ["a.b/c", "a.b"],
      ["x:5000/y", "x:5000"],
      ["Docker.IO/library/python:3.12", "docker.io"],
      ["registry-1.docker.io/library/python:3.12", "registry-1.docker.io"],
      ["127.0.0.1/python-env:1", "127.0.0.1"],
    ];
    for (const [ref, registry] of refused) {
      const { status, body, requests } = await inspected(ref);
      if (registry === "docker.io") {
        // Docker Hub is listed: the Worker goes to it (here the outbound is the proxy).
        assert.ok(requests.length > 0, ref);
        assert.notEqual(body.code, "REGISTRY_NOT_ALLOWED", `${ref}: ${JSON.stringify(body)}`);
        continue;
      }
      assert.equal(status, 422, `${ref}: ${JSON.stringify(body)}`);
      assert.equal(body.code, "REGISTRY_NOT_ALLOWED", ref);
      assert.ok(body.message.startsWith(`${ref} is on the registry ${registry}: `), body.message);
      assert.deepEqual(requests, [], ref);
    }
    // A listed registry is let through whatever case the reference writes its host in.
    const port = proxy.host.split(":")[1];
    const { status, body, requests } = await inspected(`LOCALHOST:${port}/python-env:1`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(requests.some((r) => r.path === "/v2/python-env/manifests/1"), JSON.stringify(requests));
    assert.equal(body.plan.mode, "direct", JSON.stringify(body.plan));
  });

  test("at most 6 MiB of layers are read (the package's default is 64 MiB): a libc past them is left unknown, and the answer says so", async () => {
    const MiB = 1024 * 1024;
    // One plain-tar layer: a filler file, then musl's loader; no Python anywhere.
    const layer = (filler) => tar([{ name: "opt/filler", body: new Uint8Array(filler) }, { name: "lib/ld-musl-x86_64.so.1", body: "ELF musl\n" }]);
    await pushPlain("layer-budget", "5m", ["PATH=/usr/bin:/bin"], [layer(5 * MiB)]);
    const past = layer(7 * MiB);
    await pushPlain("layer-budget", "7m", ["PATH=/usr/bin:/bin"], [past]);
    const within = await inspected(`${proxy.host}/layer-budget:5m`);
    assert.equal(within.status, 200, JSON.stringify(within.body));
    assert.equal(within.body.plan.python.kind, "managed", JSON.stringify(within.body.plan));
    assert.match(within.body.plan.python.url, /-unknown-linux-musl-/);
    assert.deepEqual(within.body.diagnostics.filter((d) => d.code === "IMAGE_NOT_FULLY_INSPECTED"), []);
    const cut = await inspected(`${proxy.host}/layer-budget:7m`);
    assert.equal(cut.status, 200, JSON.stringify(cut.body));
    assert.match(cut.body.plan.python.url, /-unknown-linux-gnu-/, "glibc, the default when libc is unknown");
    const unread = cut.body.diagnostics.filter((d) => d.code === "IMAGE_NOT_FULLY_INSPECTED");
    assert.equal(unread.length, 1, JSON.stringify(cut.body.diagnostics));
    const digest = `sha256:${createHash("sha256").update(past).digest("hex")}`;
    assert.ok(unread[0].message.includes(`the layer ${digest} (${MEDIA.ociLayer})`), unread[0].message);
    assert.match(unread[0].message, /was past the host's byte budget for layers/);
  });

  test("all the registry work of one render gets 15 s (each operation 5 s): past it, 422 REGISTRY_TIMEOUT and no further request", async () => {
    // A manifest, a config and 4 layers without Python or libc, each answered after 3.5 s (under
    // the 5 s of one operation): 21 s in all, so the 15 s of the render end it during the 5th.
    await pushPlain("slow-total", "1", ["PATH=/usr/bin:/bin"], [0, 1, 2, 3].map((i) => tar([{ name: `etc/file-${i}`, body: `${i}\n` }])));
    proxy.inject = (req) =>
      req.url.includes("/slow-total/")
        ? async (_req, _res, forward) => {
            await sleep(3_500);
            await forward();
          }
        : undefined;
    try {
      const started = Date.now();
      const { status, body, requests } = await inspected(`${proxy.host}/slow-total:1`);
      const took = Date.now() - started;
      assert.equal(status, 422, JSON.stringify(body));
      assert.equal(body.code, "REGISTRY_TIMEOUT");
      assert.ok(took >= 14_500 && took < 18_000, `${took} ms`);
      assert.equal(requests.length, 5, JSON.stringify(requests));
      await sleep(4_000);
      assert.equal(proxy.seen.filter((r) => r.path.startsWith("/v2/slow-total/")).length, 5, "no request after the render ended");
    } finally {
      proxy.inject = undefined;
    }
  });

  test("the cache keeps the 256 newest inspections: the oldest goes first", { timeout: 300_000 }, async () => {
    // 257 images, each a config of its own over one layer with musl's loader (Python from the
    // config): an uncached inspection costs a manifest, a config and that layer.
    const musl = tar([{ name: "lib/ld-musl-x86_64.so.1", body: "ELF musl\n" }]);
    const digests = [await pushPlain("evict", "e0", ["PATH=/usr/bin:/bin", "PYTHON_VERSION=3.12.7", "N=0"], [musl])];
    for (let i = 1; i < 257; i += 16) {
      const batch = Array.from({ length: Math.min(16, 257 - i) }, (_, j) => pushPlain("evict", `e${i + j}`, ["PATH=/usr/bin:/bin", "PYTHON_VERSION=3.12.7", `N=${i + j}`], [musl]));
      digests.push(...(await Promise.all(batch)));
    }
    const requestsFor = async (i) => {
      const { status, body, requests } = await inspected(`${proxy.host}/evict@${digests[i]}`);
      assert.equal(status, 200, JSON.stringify(body));
      return requests.length;
    };
    assert.equal(await requestsFor(0), 3);
    assert.equal(await requestsFor(0), 0, "cached");
    for (let i = 1; i < 256; i++) assert.equal(await requestsFor(i), 3, `image ${i}`);
    assert.equal(await requestsFor(0), 0, "the first of 256 is still cached");
    assert.equal(await requestsFor(256), 3);
    assert.equal(await requestsFor(1), 0, "the second is kept");
    assert.equal(await requestsFor(0), 3, "the first (the oldest) is gone");
  });

  test("a bad inspect field is 400 INVALID_REQUEST", async () => {
    for (const value of ["yes", 1, null, {}]) {
      const res = await render({ spec: specOf("python:3.12-slim"), inspect: value });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, "INVALID_REQUEST");
    }
  });
});
