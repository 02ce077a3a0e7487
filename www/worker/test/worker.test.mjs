// The preview Worker, as built (dist/worker.js + the .wasm module), in the real workerd binary
// bound to 127.0.0.1, called over loopback:
//   - every golden spec previews to its golden Dockerfile, with its definition hash as the ETag;
//   - POST /render gives what the package gives in Node for the same spec and files (golden
//     resolution vectors included: image hash, spec hash, layers, context, mounts, plan);
//   - every class of bad input gets its status and a JSON { code, message }, never a 500;
//   - the HTML page escapes every value and allows no script;
//   - If-None-Match gives 304; 1,000 sequential and 50 concurrent requests are all answered right.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Image } from "@apothic/image";
import { goldenVectors, lintVectors, specErrorVectors } from "../../../tests/harness/vectors.mjs";
import { codeText, previewPath, renderInNode, resolveVectorRequests } from "./vectors.mjs";
import { startWorker, workerDir } from "./workerd.mjs";

const ERROR_KEYS = new Set(["code", "message", "argument", "file", "line", "column"]);
const IMMUTABLE = "public, max-age=31536000, immutable";

let server;
const url = (path) => `${server.base}${path}`;

/** fetch, then the status, headers and body (JSON when the response says so). */
async function call(path, init = {}) {
  const res = await fetch(url(path), init);
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  const body = type.startsWith("application/json") ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body, text };
}

const postJson = (path, value, headers = {}) =>
  call(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof value === "string" ? value : JSON.stringify(value) });

/** Asserts a JSON error answer: the status, the code, and nothing but { code, message, … }. */
function assertError(res, status, code, what) {
  const label = `${what}: ${res.status} ${typeof res.body === "string" ? res.body.slice(0, 300) : JSON.stringify(res.body).slice(0, 300)}`;
  assert.equal(res.status, status, label);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, label);
  assert.equal(res.headers.get("cache-control"), "no-store", label);
  assert.equal(typeof res.body.message, "string", label);
  assert.ok(res.body.message.length > 0, label);
  if (code !== null) assert.equal(res.body.code, code, label);
  for (const key of Object.keys(res.body)) assert.ok(ERROR_KEYS.has(key), `${label}: unexpected key ${key}`);
}

const renderable = () => goldenVectors().filter((v) => v.dockerfile !== undefined);

/** Ops whose resolution reads files through the host. */
const FILE_OPS = /^(fromDockerfile|envFile|(uv)?[pP]ipInstallFrom(Requirements|Pyproject)|(add|copy)Local(File|Dir|PythonSource))$/;
const needsFiles = (spec) => FILE_OPS.test(spec.base.op) || spec.steps.some((s) => FILE_OPS.test(s.op));
/** Golden vectors that render and resolve with no files at all. */
const selfContained = () => renderable().filter((v) => !needsFiles(v.spec));

/** The same JSON value with every object's keys in reverse order. */
const reverseKeys = (value) =>
  Array.isArray(value)
    ? value.map(reverseKeys)
    : value !== null && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]))
      : value;

before(async () => {
  server = await startWorker();
});
after(async () => {
  await server?.stop();
});

describe("the build", () => {
  test("the bundle takes the package's workerd entry and imports the .wasm as a module", () => {
    const bundle = readFileSync(join(workerDir, "dist", "worker.js"), "utf8");
    assert.match(bundle, /^import (\w+) from "\.\/apothic_image_bg\.wasm";$/m);
    const name = /^import (\w+) from "\.\/apothic_image_bg\.wasm";$/m.exec(bundle)[1];
    assert.match(bundle, new RegExp(`^initSync\\(\\{ module: ${name} \\}\\);$`, "m"), "instantiated once, at load");
    assert.doesNotMatch(bundle, /node:fs|node-host\.js|readFileSync/, "nothing of the Node entry is bundled");
    const wasm = readFileSync(join(workerDir, "dist", "apothic_image_bg.wasm"));
    const installed = readFileSync(join(workerDir, "node_modules", "@apothic", "image", "apothic_image_bg.wasm"));
    assert.ok(wasm.equals(installed), "dist/ carries the installed package's .wasm");
    const config = readFileSync(join(workerDir, "workerd.capnp"), "utf8");
    assert.match(config, /wasm = embed "dist\/apothic_image_bg\.wasm"/);
  });

  test("wrangler.toml deploys the same two files", () => {
    const script = [
      "import json, sys, tomllib",
      "print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))",
    ].join("\n");
    const out = spawnSync("python3", ["-c", script, join(workerDir, "wrangler.toml")], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    const config = JSON.parse(out.stdout);
    assert.equal(config.main, "dist/worker.js");
    assert.equal(config.no_bundle, true);
    assert.deepEqual(config.rules, [{ type: "CompiledWasm", globs: ["**/*.wasm"] }]);
    assert.equal(config.build.command, "npm run build");
    const capnp = readFileSync(join(workerDir, "workerd.capnp"), "utf8");
    assert.equal(config.compatibility_date, /compatibilityDate = "([^"]+)"/.exec(capnp)[1]);
  });

  test("workerd starts the Worker quickly (the .wasm is compiled at load)", () => {
    assert.ok(server.startupMs < 10_000, `${server.startupMs} ms`);
  });
});

describe("GET /preview/<base64url spec>", () => {
  test("every golden spec gives its golden Dockerfile, hash and headers", async () => {
    const vectors = goldenVectors();
    assert.ok(vectors.length >= 30, `${vectors.length} vectors`);
    for (const v of vectors) {
      const res = await call(previewPath(v.spec));
      if (v.dockerfile !== undefined) {
        assert.equal(res.status, 200, `${v.name}: ${res.text}`);
        assert.equal(res.body, v.dockerfile, v.name);
        assert.equal(res.headers.get("etag"), `"${v.hash}"`, v.name);
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8", v.name);
        assert.equal(res.headers.get("cache-control"), IMMUTABLE, v.name);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", v.name);
      } else {
        // Steps that need file contents cannot be previewed: the package's NEEDS_RESOLVE.
        assertError(res, 422, v.renderError.code, v.name);
        if (v.renderError.argument !== undefined) assert.equal(res.body.argument, v.renderError.argument, v.name);
        assert.match(res.body.message, /POST the spec and its files to \/render/, v.name);
      }
    }
  });

  test("?format=html: the same Dockerfile, highlighted, with the hash", async () => {
    for (const v of renderable()) {
      const res = await call(`${previewPath(v.spec)}?format=html`);
      assert.equal(res.status, 200, v.name);
      assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8", v.name);
      assert.equal(res.headers.get("etag"), `"${v.hash}"`, v.name);
      assert.equal(codeText(res.body), v.dockerfile.replace(/\n$/, ""), v.name);
      assert.ok(res.body.includes(v.hash), v.name);
      assert.match(res.body, /<span class="k">FROM<\/span>/, v.name);
    }
  });

  test("padding, percent-encoding and ?format=text are accepted", async () => {
    const v = renderable()[0];
    const raw = Buffer.from(JSON.stringify(v.spec)).toString("base64url");
    const padded = Buffer.from(JSON.stringify(v.spec)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    for (const path of [`/preview/${raw}`, `/preview/${padded}`, `/preview/${padded.replace(/=/g, "%3D")}`, `/preview/${raw}?format=text`]) {
      const res = await call(path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.equal(res.body, v.dockerfile);
    }
  });

  test("z.<deflate-raw>: the console's compressed share links", async () => {
    for (const v of renderable()) {
      const z = deflateRawSync(Buffer.from(JSON.stringify(v.spec))).toString("base64url");
      const res = await call(`/preview/z.${z}`);
      assert.equal(res.status, 200, `${v.name}: ${res.text}`);
      assert.equal(res.body, v.dockerfile, v.name);
      assert.equal(res.headers.get("etag"), `"${v.hash}"`, v.name);
    }
  });

  test("ETag and If-None-Match: 304 without a body, for text, html and HEAD", async () => {
    const v = selfContained().sort((a, b) => b.spec.steps.length - a.spec.steps.length)[0];
    const path = previewPath(v.spec);
    const first = await call(path);
    const etag = first.headers.get("etag");
    assert.equal(etag, `"${v.hash}"`);
    for (const [value, expected] of [
      [etag, 304],
      [`W/${etag}`, 304],
      [`"sha256:0000", ${etag}`, 304],
      ["*", 304],
      ['"sha256:0000"', 200],
      [etag.slice(1, -1), 200], // unquoted: not an entity tag
    ]) {
      for (const suffix of ["", "?format=html"]) {
        const res = await call(path + suffix, { headers: { "if-none-match": value } });
        assert.equal(res.status, expected, `If-None-Match: ${value} ${suffix}`);
        if (expected === 304) {
          assert.equal(res.text, "", "a 304 has no body");
          assert.equal(res.headers.get("etag"), etag);
          assert.equal(res.headers.get("cache-control"), IMMUTABLE);
        }
      }
    }
    const head = await call(path, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.text, "");
    assert.equal(head.headers.get("etag"), etag);
    // The ETag is the spec's identity: key order and package order in the JSON do not change it.
    const reordered = reverseKeys(v.spec);
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(v.spec));
    const again = await call(previewPath(reordered), { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal((await call(previewPath(reordered))).headers.get("etag"), etag);
  });
});

describe("the HTML page is safe", () => {
  const payloads = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "</code></pre><iframe src=//evil.example>",
    "&lt;already-escaped&gt; &amp; &#x3c;",
    "javascript:alert(1)",
    "{{7*7}} ${7*7} <!-- -->",
  ];
  const hostile = {
    version: 1,
    base: { op: "debianSlim", pythonVersion: "3.12" },
    steps: [
      { op: "env", values: Object.fromEntries(payloads.map((p, i) => [`V${i}`, p])) },
      { op: "runCommands", commands: payloads.map((p) => `echo ${p}`) },
      { op: "workdir", path: "/srv/<script>alert(1)</script>" },
      { op: "aptInstall", packages: ["<b>bold</b>"] },
    ],
  };

  test("every value is escaped, the page has no script, and the CSP allows only its stylesheet", async () => {
    const text = await call(previewPath(hostile));
    assert.equal(text.status, 200, text.text);
    const res = await call(`${previewPath(hostile)}?format=html`);
    assert.equal(res.status, 200, res.text);
    const html = res.body;
    // The Dockerfile comes back whole from the highlighted code...
    assert.equal(codeText(html), text.body.replace(/\n$/, ""));
    // ... and no tag but the page's own is in it.
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z!][\w-]*)/g)].map((m) => m[1].toLowerCase()));
    const allowed = ["!doctype", "html", "head", "meta", "title", "style", "body", "main", "h1", "dl", "dt", "dd", "code", "pre", "span", "footer", "a"];
    for (const tag of tags) assert.ok(allowed.includes(tag), `unexpected tag <${tag}>`);
    assert.doesNotMatch(html, /<script|<img|<svg|<iframe/i);
    for (const p of payloads) assert.ok(!html.includes(p) || !/[<>"']/.test(p), `raw payload in the page: ${p}`);
    // Every tag has only the page's own attributes, each value quoted with no quote or bracket inside.
    const attributes = ["lang", "charset", "name", "content", "property", "class", "href"];
    for (const [tag, inner] of html.matchAll(/<[!\/]?[a-zA-Z][a-zA-Z0-9]*([^>]*)>/g)) {
      const rest = inner.replace(/\s([\w:-]+)="([^"<>']*)"/g, (_, name) => {
        assert.ok(attributes.includes(name), `unexpected attribute ${name} in ${tag}`);
        return "";
      });
      assert.ok(rest.trim() === "" || rest.trim() === "html", `unquoted or unexpected attribute text in ${tag}`);
    }
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)[1];
    const hash = createHash("sha256").update(style).digest("base64");
    assert.ok(csp.includes(`'sha256-${hash}'`), "the CSP hash is the page's stylesheet");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    // Link unfurlers read the Open Graph tags; they carry the base and the hash, escaped.
    assert.match(html, /<meta property="og:title" content="Image preview: python:3\.12-slim-trixie">/);
    assert.ok(html.includes(`sha256:`), "og:description has the hash");
  });
});

describe("POST /render", () => {
  test("golden specs: the golden Dockerfile and hash, and everything the package gives in Node", async () => {
    let rendered = 0;
    for (const v of goldenVectors()) {
      for (const body of [v.spec, { spec: v.spec }]) {
        const res = await postJson("/render", body);
        const expected = await renderInNode(body);
        if (!needsFiles(v.spec)) {
          assert.equal(res.status, 200, `${v.name}: ${res.text}`);
          assert.equal(res.body.dockerfile, v.dockerfile, v.name);
          assert.equal(res.body.definitionHash, v.hash, v.name);
          assert.match(res.body.imageHash, /^sha256:[0-9a-f]{64}$/, v.name);
          rendered++;
        } else {
          // It names files and none were sent: the file is missing, the same code as in every host.
          assertError(res, 422, "FILE_NOT_FOUND", v.name);
        }
        assert.equal(res.status, expected.status, v.name);
        assert.deepEqual(res.body, expected.body, v.name);
        assert.equal(res.headers.get("cache-control"), "no-store");
      }
    }
    assert.ok(rendered >= 40, `${rendered / 2} golden specs rendered`);
  });

  test("golden resolution vectors: inline files give the pinned image hash, plan and context", async () => {
    const vectors = resolveVectorRequests();
    assert.ok(vectors.length >= 12, `${vectors.length} vectors`);
    for (const v of vectors) {
      const res = await postJson("/render", v.body);
      assert.equal(res.status, 200, `${v.name}: ${res.text}`);
      const { definitionHash, ...resolution } = res.body;
      assert.deepEqual(resolution, v.resolution, v.name);
      const spec = Image.fromSpec(v.spec);
      assert.equal(definitionHash, spec.definitionHash(), v.name);
      spec.free();
      assert.deepEqual(res.body, (await renderInNode(v.body)).body, v.name);
    }
  });

  test("lint vectors: the Worker's lint is the package's, as the vectors pin it", async () => {
    const vectors = lintVectors();
    assert.ok(vectors.length >= 8, `${vectors.length} vectors`);
    for (const v of vectors) {
      const files = Object.fromEntries(Object.entries(v.files).map(([p, text]) => [p, text]));
      const res = await postJson("/render", { spec: v.spec, files, images: v.inspections });
      assert.equal(res.status, 200, `${v.name}: ${res.text}`);
      assert.deepEqual(res.body.lint, v.resolved, v.name);
    }
  });

  test("a Python project's inline files: the same result as the package in Node", async () => {
    const files = {
      Dockerfile: "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY src/ ./src/\n",
      ".dockerignore": "**/__pycache__\n**/*.log\n",
      "requirements.txt": "# runtime\n-r base.txt\nrequests==2.32.3\n",
      "base.txt": "numpy>=2\n",
      "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["httpx>=0.27"]\n\n[project.optional-dependencies]\ndev = ["pytest>=8"]\n',
      ".env": "# settings\nGREETING=hello world\nexport DEBUG=1\n",
      "src/app/__init__.py": "",
      "src/app/main.py": "print('hello')\n",
      "src/app/__pycache__/main.cpython-312.pyc": { base64: Buffer.from([0x33, 0x0d, 0x0d, 0x0a, 0, 0xff]).toString("base64") },
      "src/app/logo.png": { base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 0xfe]).toString("base64") },
      "src/run.sh": "#!/bin/sh\nexec python -m app.main\n",
      "src/debug.log": "log\n",
      "config/settings.toml": "debug = false\n",
    };
    const image = Image.fromDockerfile("Dockerfile")
      .envFile(".env")
      .pipInstallFromRequirements("requirements.txt")
      .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
      .copyLocalDir("src", "/app/src", { ignore: ["**/__pycache__", "*.log"] })
      .addLocalFile("config/settings.toml", "/etc/app/settings.toml");
    const spec = image.toSpec();
    image.free();
    const body = { spec, files, modes: { "src/run.sh": "755" } };
    const res = await postJson("/render", body);
    assert.equal(res.status, 200, res.text);
    const expected = await renderInNode(body);
    assert.equal(expected.status, 200);
    assert.deepEqual(res.body, expected.body);
    // ... and it is the project's resolution, not an empty one that happens to agree.
    const r = res.body;
    assert.match(r.imageHash, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(r.specHash, r.imageHash);
    assert.equal(r.plan.mode, "derived");
    assert.equal(r.plan.imageHash, r.imageHash);
    assert.match(r.dockerfile, /^ENV DEBUG=1 GREETING='hello world'$/m);
    const sources = r.context.map((c) => c.source);
    assert.ok(sources.includes("src/app/logo.png") && sources.includes("base.txt"), sources.join(" "));
    assert.ok(!sources.some((s) => s.includes("__pycache__") || s.endsWith(".log")), sources.join(" "));
    assert.equal(r.context.find((c) => c.source === "src/run.sh").mode, 0o755);
    const logo = r.context.find((c) => c.source === "src/app/logo.png");
    assert.equal(logo.sha256, `sha256:${createHash("sha256").update(Buffer.from(files["src/app/logo.png"].base64, "base64")).digest("hex")}`);
    // A changed file changes the image hash, not the definition hash.
    const changed = await postJson("/render", { ...body, files: { ...files, "base.txt": "numpy>=2.1\n" } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.definitionHash, r.definitionHash);
    assert.notEqual(changed.body.imageHash, r.imageHash);
  });
});

/** A spec with `n` steps. */
const stepsSpec = (n) => ({
  version: 1,
  base: { op: "debianSlim", pythonVersion: "3.12" },
  steps: Array.from({ length: n }, (_, i) => ({ op: "runCommands", commands: [`echo ${i}`] })),
});
const nested = (depth) => {
  let v = "x";
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const golden = () => selfContained()[0].spec;

describe("bad input: each class gets its status and code", () => {
  test("POST /render", async () => {
    const json = { "content-type": "application/json" };
    const big = JSON.stringify({ spec: golden(), files: { "big.txt": "x".repeat(1024 * 1024) } });
    const cases = [
      ["no content type", () => call("/render", { method: "POST", body: JSON.stringify(golden()) }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["text/plain", () => call("/render", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(golden()) }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["form", () => call("/render", { method: "POST", body: new URLSearchParams({ spec: "{}" }) }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["latin-1 charset", () => postJson("/render", golden(), { "content-type": "application/json; charset=iso-8859-1" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["gzip content coding", () => postJson("/render", golden(), { "content-encoding": "gzip" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["body over 1 MiB (Content-Length)", () => postJson("/render", big), 413, "BODY_TOO_LARGE"],
      [
        "body over 1 MiB (chunked, no Content-Length)",
        () => {
          const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
          let sent = 0;
          const stream = new ReadableStream({
            pull(controller) {
              if (sent++ < 20) controller.enqueue(chunk);
              else controller.close();
            },
          });
          return call("/render", { method: "POST", headers: json, body: stream, duplex: "half" });
        },
        413,
        "BODY_TOO_LARGE",
      ],
      ["empty body", () => postJson("/render", ""), 400, "INVALID_JSON"],
      ["not JSON", () => postJson("/render", "{ spec: nope"), 400, "INVALID_JSON"],
      ["not UTF-8", () => call("/render", { method: "POST", headers: json, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, "INVALID_JSON"],
      ["JSON nested 1,000 deep", () => postJson("/render", { spec: golden(), files: { a: nested(1000) } }), 413, "JSON_TOO_DEEP"],
      ["an array body", () => postJson("/render", [golden()]), 400, "INVALID_REQUEST"],
      ["null body", () => postJson("/render", "null"), 400, "INVALID_REQUEST"],
      ["no spec", () => postJson("/render", { files: {} }), 400, "INVALID_REQUEST"],
      ["an unknown field", () => postJson("/render", { spec: golden(), filez: {} }), 400, "INVALID_REQUEST"],
      ["too many steps", () => postJson("/render", { spec: stepsSpec(101) }), 413, "TOO_MANY_STEPS"],
      ["too many steps, bare spec", () => postJson("/render", stepsSpec(5000)), 413, "TOO_MANY_STEPS"],
      ["too many files", () => postJson("/render", { spec: golden(), files: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`f${i}`, ""])) }), 413, "TOO_MANY_FILES"],
      ["files not an object", () => postJson("/render", { spec: golden(), files: ["a"] }), 400, "INVALID_FILES"],
      ["a file that is a number", () => postJson("/render", { spec: golden(), files: { a: 1 } }), 400, "INVALID_FILES"],
      ["bad base64", () => postJson("/render", { spec: golden(), files: { a: { base64: "!!!" } } }), 400, "INVALID_FILES"],
      ["a file above the root", () => postJson("/render", { spec: golden(), files: { "../etc/passwd": "x" } }), 400, "INVALID_FILES"],
      ["a path both file and folder", () => postJson("/render", { spec: golden(), files: { a: "x", "a/b": "y" } }), 400, "INVALID_FILES"],
      ["a bad mode", () => postJson("/render", { spec: golden(), files: { a: "x" }, modes: { a: "999" } }), 400, "INVALID_FILES"],
      ["a mode for no file", () => postJson("/render", { spec: golden(), files: { a: "x" }, modes: { b: 420 } }), 400, "INVALID_FILES"],
      ["a symlink key above the root", () => postJson("/render", { spec: golden(), files: { a: "x" }, symlinks: { "../l": "a" } }), 400, "INVALID_FILES"],
      ["a bad module", () => postJson("/render", { spec: golden(), modules: { m: { path: 1 } } }), 400, "INVALID_FILES"],
      ["a bad image inspection", () => postJson("/render", { spec: golden(), images: { "python:3.12": "yes" } }), 400, "INVALID_FILES"],
      ["a spec that is a string", () => postJson("/render", { spec: "FROM python" }), 422, "INVALID_SPEC"],
      ["a spec of version 2", () => postJson("/render", { version: 2, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [] }), 422, "UNSUPPORTED_SPEC_VERSION"],
      [
        "a file the spec needs is missing",
        () => postJson("/render", { spec: { version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "envFile", path: ".env" }] }, files: {} }),
        422,
        "FILE_NOT_FOUND",
      ],
      [
        "a file that does not parse",
        () => postJson("/render", { spec: { version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "envFile", path: ".env" }] }, files: { ".env": "A='unclosed\n" } }),
        422,
        "DOTENV_SYNTAX",
      ],
      ["GET /render", () => call("/render"), 405, "METHOD_NOT_ALLOWED"],
      ["PUT /render", () => call("/render", { method: "PUT", headers: json, body: "{}" }), 405, "METHOD_NOT_ALLOWED"],
      ["an unknown path", () => call("/nope"), 404, "NOT_FOUND"],
      ["a path under /render", () => call("/render/x", { method: "POST", headers: json, body: "{}" }), 404, "NOT_FOUND"],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      assertError(res, status, code, what);
      if (status === 405) assert.equal(res.headers.get("allow"), "POST, OPTIONS", what);
    }
    // A symlink that leaves the root is refused when resolution follows it, as in Node.
    const escape = {
      spec: { version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "copyLocalDir", local: "l", remote: "/srv/", ignore: [] }] },
      files: { a: "x" },
      symlinks: { l: "../../etc" },
    };
    const res = await postJson("/render", escape);
    const expected = await renderInNode(escape);
    assert.equal(expected.status, 422);
    assertError(res, 422, expected.body.code, "a symlink leaving the root");
    assert.deepEqual(res.body, expected.body);
  });

  test("every fromSpec error vector: 422 with the package's code and argument", async () => {
    const vectors = specErrorVectors();
    assert.ok(vectors.length >= 10);
    for (const v of vectors) {
      for (const res of [await postJson("/render", { spec: v.spec }), await call(previewPath(v.spec))]) {
        assertError(res, 422, v.code, v.name);
        if (v.argument !== null && v.argument !== undefined) assert.equal(res.body.argument, v.argument, v.name);
        assert.deepEqual(res.body, (await renderInNode({ spec: v.spec })).body, v.name);
      }
    }
  });

  test("GET /preview", async () => {
    const b64 = (text) => Buffer.from(text).toString("base64url");
    const cases = [
      ["empty", "/preview/", 400, "INVALID_BASE64URL"],
      ["standard base64 alphabet", `/preview/${Buffer.from(JSON.stringify(golden())).toString("base64").replace(/=+$/, "")}+/`, 400, "INVALID_BASE64URL"],
      ["impossible length", "/preview/abcde", 400, "INVALID_BASE64URL"],
      ["a slash", `/preview/${b64("{}")}/x`, 400, "INVALID_BASE64URL"],
      ["bad percent-encoding", "/preview/%E0%A4%A", 400, "INVALID_BASE64URL"],
      ["not JSON", `/preview/${b64("FROM python:3.12")}`, 400, "INVALID_JSON"],
      ["not UTF-8", `/preview/${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}`, 400, "INVALID_JSON"],
      ["z. and not deflate", `/preview/z.${b64("not deflate at all")}`, 400, "INVALID_COMPRESSION"],
      ["z. and bad base64url", "/preview/z.a", 400, "INVALID_BASE64URL"],
      ["a deflate bomb", `/preview/z.${deflateRawSync(Buffer.alloc(4 * 1024 * 1024, 32)).toString("base64url")}`, 413, "SPEC_TOO_LARGE"],
      ["nested too deep", `/preview/${b64(JSON.stringify(nested(100)))}`, 413, "JSON_TOO_DEEP"],
      ["too many steps", `/preview/${b64(JSON.stringify({ version: 1, steps: Array(101).fill(0) }))}`, 413, "TOO_MANY_STEPS"],
      ["URL too long", `/preview/${"A".repeat(12 * 1024 + 4)}`, 414, "URI_TOO_LONG"],
      ["a bad format", `${previewPath(golden())}?format=pdf`, 400, "INVALID_FORMAT"],
      ["an invalid spec", previewPath({ version: 1, base: { op: "nope" }, steps: [] }), 422, "INVALID_SPEC"],
      ["a bad package", previewPath({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "pipInstall", packages: ["-e ."], options: { pre: false } }] }), 422, "INVALID_PACKAGE"],
      ["a step that needs files", previewPath({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "envFile", path: ".env" }] }), 422, "NEEDS_RESOLVE"],
    ];
    for (const [what, path, status, code] of cases) assertError(await call(path), status, code, what);
    const post = await call(previewPath(golden()), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assertError(post, 405, "METHOD_NOT_ALLOWED", "POST /preview");
    assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  });

  test("CORS preflight", async () => {
    const res = await call("/render", { method: "OPTIONS", headers: { origin: "https://console.example", "access-control-request-method": "POST" } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-methods"), "POST, OPTIONS");
    assert.match(res.headers.get("access-control-allow-headers"), /content-type/);
  });

  test("hostile bodies and URLs, 600 of them: never a 500, always JSON { code, message }", async () => {
    let seed = 0x9e3779b9;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = (list) => list[Math.floor(random() * list.length)];
    const weird = [null, true, 0, -1, 1e308, 4294967296, "", " ", "\u0000", "\n", "\ud800", "a".repeat(70_000), [], {}, [[[]]], { op: "env" }, "${HOME}", "'", "\"", "--x", "[", "<<EOF"];
    const mutate = (value, depth = 0) => {
      if (random() < 0.2 || depth > 6) return pick(weird);
      if (Array.isArray(value)) return value.length === 0 ? [pick(weird)] : value.map((x) => (random() < 0.3 ? mutate(x, depth + 1) : x));
      if (value !== null && typeof value === "object") {
        const out = {};
        for (const [k, v] of Object.entries(value)) if (random() > 0.05) out[random() < 0.05 ? `${k}x` : k] = random() < 0.3 ? mutate(v, depth + 1) : v;
        return out;
      }
      return random() < 0.5 ? pick(weird) : value;
    };
    const specs = goldenVectors().map((v) => v.spec);
    const counts = new Map();
    for (let i = 0; i < 600; i++) {
      const spec = mutate(pick(specs));
      let res;
      switch (i % 4) {
        case 0:
          res = await postJson("/render", { spec });
          break;
        case 1: {
          // Past 16 KB the platform refuses the URL itself (Cloudflare's limit; workerd's is near).
          const path = previewPath(spec);
          res = path.length < 16_000 ? await call(path) : await postJson("/render", spec);
          break;
        }
        case 2: {
          const text = JSON.stringify({ spec, files: { "requirements.txt": pick(["numpy\n", "-r a.txt\n", "\u0000"]) } });
          const cut = Math.floor(random() * text.length);
          res = await postJson("/render", random() < 0.5 ? text.slice(0, cut) : text);
          break;
        }
        default: {
          const bytes = new Uint8Array(Math.floor(random() * 200));
          for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
          const r = random();
          if (r < 0.4) res = await call("/render", { method: "POST", headers: { "content-type": "application/json" }, body: bytes });
          else if (r < 0.7) res = await call(`/preview/${Buffer.from(bytes).toString("base64url")}`);
          else {
            // Deflated: random bytes, or a mutated spec's JSON cut short.
            const json = Buffer.from(JSON.stringify(mutate(pick(specs)) ?? null));
            const data = r < 0.85 ? bytes : deflateRawSync(json).subarray(0, Math.floor(random() * 1.2 * json.length));
            res = await call(`/preview/z.${Buffer.from(data).toString("base64url")}`);
          }
        }
      }
      assert.notEqual(res.status, 500, `request ${i}: ${res.text.slice(0, 300)}`);
      assert.ok([200, 400, 413, 414, 422].includes(res.status), `request ${i}: ${res.status} ${res.text.slice(0, 300)}`);
      if (res.status !== 200) assertError(res, res.status, null, `request ${i}`);
      const key = res.status === 200 ? 200 : `${res.status} ${res.body.code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.ok(counts.size >= 4, `the inputs reach several answers: ${[...counts]}`);
    // The module keeps working after all of that.
    const v = selfContained()[0];
    const res = await call(previewPath(v.spec));
    assert.equal(res.body, v.dockerfile);
  });
});

describe("load (bounded, loopback only)", () => {
  /** One request of a mix, and what it must answer. */
  function mixed(i) {
    const vectors = selfContained();
    const v = vectors[i % vectors.length];
    switch (i % 5) {
      case 0:
        return { send: () => call(previewPath(v.spec)), check: (r) => r.status === 200 && r.body === v.dockerfile && r.headers.get("etag") === `"${v.hash}"` };
      case 1:
        return { send: () => postJson("/render", { spec: v.spec }), check: (r) => r.status === 200 && r.body.dockerfile === v.dockerfile && r.body.definitionHash === v.hash };
      case 2:
        return { send: () => call(`${previewPath(v.spec)}?format=html`), check: (r) => r.status === 200 && codeText(r.body) === v.dockerfile.replace(/\n$/, "") };
      case 3:
        return { send: () => call(previewPath(v.spec), { headers: { "if-none-match": `"${v.hash}"` } }), check: (r) => r.status === 304 && r.text === "" };
      default:
        return {
          send: () => postJson("/render", { spec: { ...v.spec, version: 9 } }),
          check: (r) => r.status === 422 && r.body.code === "UNSUPPORTED_SPEC_VERSION",
        };
    }
  }

  test("1,000 sequential requests, all answered correctly", { timeout: 120_000 }, async () => {
    const started = Date.now();
    for (let i = 0; i < 1000; i++) {
      const { send, check } = mixed(i);
      const res = await send();
      assert.ok(check(res), `request ${i}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    console.log(`# 1,000 sequential requests in ${Date.now() - started} ms`);
  });

  test("50 concurrent requests, all answered correctly", { timeout: 60_000 }, async () => {
    const started = Date.now();
    const jobs = Array.from({ length: 50 }, (_, i) => mixed(i * 7 + 3));
    const results = await Promise.all(jobs.map((j) => j.send()));
    results.forEach((res, i) => assert.ok(jobs[i].check(res), `request ${i}: ${res.status} ${res.text.slice(0, 200)}`));
    // Concurrent resolutions with files, too.
    const vectors = resolveVectorRequests();
    const resolved = await Promise.all(vectors.map((v) => postJson("/render", v.body)));
    resolved.forEach((res, i) => assert.equal(res.body.imageHash, vectors[i].resolution.imageHash, vectors[i].name));
    console.log(`# 50 concurrent requests (+ ${vectors.length} concurrent resolutions) in ${Date.now() - started} ms`);
  });
});
