// The steps and base options Modal users bring (issue #15) through the Worker in the real workerd
// binary: `entrypoint`, `cmd`, `debianSlim({ buildTools })` and `fromRegistry(ref, { addPython })`
// render in POST /render exactly as the package renders them in Node (also for an inspected arm64
// musl image, whose CPython build differs), and in GET /preview as text and as the HTML page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Image } from "@apothic/image";
import { codeText, previewPath, renderInNode } from "./vectors.mjs";
import { startWorker } from "./workerd.mjs";

let server;
before(async () => {
  server = await startWorker();
});
after(async () => {
  await server?.stop();
});

const SPECS = {
  "debianSlim with buildTools, entrypoint and cmd": Image.debianSlim({ pythonVersion: "3.10", buildTools: true })
    .pipInstall("psycopg2~=2.9.9")
    .entrypoint(["python", "-m", "app"])
    .cmd(["serve", "--port", "8000"]),
  "fromRegistry with addPython, entrypoint([]) and cmd([])": Image.fromRegistry("nvidia/cuda:12.4.1-devel-ubuntu22.04", { addPython: "3.12" })
    .entrypoint([])
    .cmd([])
    .pipInstall("vllm"),
};

const arm64 = {
  "alpine:3.20": { arch: "arm64", digest: `sha256:${"d4".repeat(32)}`, libc: "musl", os: "linux", pythonPath: null, pythonVersion: null },
};

describe("entrypoint, cmd, buildTools and addPython in the Worker", () => {
  for (const [name, image] of Object.entries(SPECS)) {
    const spec = image.toSpec();
    test(`POST /render: ${name}`, async () => {
      const res = await fetch(`${server.base}/render`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec }) });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual({ status: res.status, body }, await renderInNode({ spec }));
      assert.equal(body.definitionHash, image.definitionHash());
      assert.ok(body.dockerfile.startsWith(image.dockerfile().split("\n")[0]));
    });
    test(`GET /preview (text and HTML): ${name}`, async () => {
      const text = await fetch(`${server.base}${previewPath(spec)}`);
      assert.equal(text.status, 200);
      assert.equal(await text.text(), image.dockerfile());
      assert.equal(text.headers.get("etag"), `"${image.definitionHash()}"`);
      const html = await fetch(`${server.base}${previewPath(spec)}?format=html`);
      assert.equal(html.status, 200);
      const page = await html.text();
      assert.equal(codeText(page), image.dockerfile().replace(/\n$/, ""));
      for (const op of spec.steps.map((s) => s.op)) assert.ok(page.includes(op), `the page names ${op}`);
    });
  }
  test("the rendered lines are the ones the package documents", async () => {
    const [slim, registry] = Object.values(SPECS).map((image) => image.toSpec());
    const preview = async (spec) => (await fetch(`${server.base}${previewPath(spec)}`)).text();
    const a = await preview(slim);
    assert.match(a, /^FROM python:3\.10-slim-trixie\nRUN apt-get update && .* build-essential && rm -rf \/var\/lib\/apt\/lists\/\*\n/);
    assert.match(a, /\nENTRYPOINT \["python","-m","app"\]\nCMD \["serve","--port","8000"\]\n$/);
    const b = await preview(registry);
    assert.match(b, /^FROM nvidia\/cuda:12\.4\.1-devel-ubuntu22\.04\nADD https:\/\/\S+cpython-3\.12\.\d+\S+x86_64-unknown-linux-gnu-install_only\.tar\.gz /);
    assert.match(b, /\nENTRYPOINT \[\]\nCMD \[\]\n/);
  });
  test("POST /render with an inspected arm64 musl image renders that image's CPython build", async () => {
    const spec = Image.fromRegistry("alpine:3.20", { addPython: "3.13" }).cmd(["python3", "-V"]).toSpec();
    const request = { spec, images: arm64 };
    const res = await fetch(`${server.base}/render`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual({ status: res.status, body }, await renderInNode(request));
    assert.match(body.dockerfile, /aarch64-unknown-linux-musl-install_only\.tar\.gz/);
    assert.equal(body.plan.python.version.slice(0, 4), "3.13");
  });
  test("a bad addPython or entrypoint is a 422 with the package's code and argument", async () => {
    const bad = [
      [{ version: 1, base: { op: "fromRegistry", ref: "ubuntu:24.04", normalized: "docker.io/library/ubuntu:24.04", prebuilt: false, addPython: "3.9" }, steps: [] }, "INVALID_PYTHON_VERSION", "base.addPython"],
      [{ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "entrypoint", args: ["a\u0000b"] }] }, "INVALID_COMMAND", "steps[0].args[0]"],
      [{ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "cmd", args: "serve" }] }, "INVALID_SPEC", null],
    ];
    for (const [spec, code, argument] of bad) {
      for (const path of ["/render", previewPath(spec)]) {
        const res = path === "/render"
          ? await fetch(`${server.base}/render`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec }) })
          : await fetch(`${server.base}${path}`);
        const body = await res.json();
        assert.equal(res.status, 422, `${path}: ${JSON.stringify(body)}`);
        assert.equal(body.code, code, JSON.stringify(body));
        if (argument !== null) assert.equal(body.argument, argument, JSON.stringify(body));
      }
    }
  });
});
