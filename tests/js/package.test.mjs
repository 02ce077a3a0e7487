// The installed package as a user meets it: what `import` and `require` resolve to, what the
// entries export, the browser entry in a fresh process, the error class, immutability, env
// stringification, and what the tarball contains.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import defaultExport, * as pkg from "@apothic/image";
import { ApothicError, Image, init } from "@apothic/image";
import { packageDir } from "./helpers.mjs";

const scratch = fileURLToPath(new URL("..", import.meta.url));

/** Runs a Node script in a fresh process from the scratch project; returns its stdout. */
function node(args, source) {
  return execFileSync(process.execPath, [...args, source], {
    cwd: scratch,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe("resolution through exports", () => {
  test("import resolves '.' to node.js under Node", () => {
    assert.equal(import.meta.resolve("@apothic/image"), new URL("node.js", `file://${packageDir}/`).href);
  });
  test("'./web' is the browser entry and the .wasm is exported", () => {
    assert.ok(import.meta.resolve("@apothic/image/web").endsWith("/node_modules/@apothic/image/browser.js"));
    assert.ok(
      import.meta.resolve("@apothic/image/apothic_image_bg.wasm").endsWith("/node_modules/@apothic/image/apothic_image_bg.wasm"),
    );
  });
  test("the glue and other files are not exported", async () => {
    for (const sub of ["apothic_image.js", "errors.js", "host-helpers.js", "workerd.js"]) {
      await assert.rejects(import(`@apothic/image/${sub}`), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
    }
  });
  test("exports conditions are in the documented order", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
    assert.deepEqual(Object.keys(manifest.exports["."]), ["workerd", "browser", "deno", "node", "default"]);
    // Node: "module-sync" (a Node with require(esm)) gives import and require the one ES module
    // instance; "require" elsewhere (Node 18, Jest) the CommonJS build (cjs.test.mjs).
    assert.deepEqual(Object.keys(manifest.exports["."].node), ["module-sync", "require", "default"]);
    assert.equal(manifest.exports["."].node.require.types, "./index.d.cts");
    assert.equal(manifest.type, "module");
    // The Node and workerd entries instantiate the module when imported, and arguments.js wraps
    // Image's methods when loaded (linked into core.js with the other shared modules): side
    // effects a bundler must keep (bundlers.test.mjs, arguments.test.mjs); everything else may
    // be tree-shaken.
    assert.deepEqual(manifest.sideEffects, ["./node.js", "./node.cjs", "./deno.js", "./workerd.js", "./core.js"]);
    assert.equal(manifest.license, "Apache-2.0");
  });
});

describe("entries", () => {
  test("ESM named exports", async () => {
    assert.equal(typeof Image, "function");
    assert.equal(typeof Image.debianSlim, "function");
    assert.equal(typeof ApothicError, "function");
    assert.equal(typeof pkg.canonicalJsonOf, "function");
    assert.equal(defaultExport, init);
    assert.equal(await init(), undefined, "init() resolves at once in Node");
    assert.deepEqual(Object.keys(pkg).sort(), ["ApothicError", "Image", "canonicalJsonOf", "default", "init", "memoryHost", "nodeHost", "registryHost"]);
  });

  test("require() from CommonJS works (Node's require of an ES module without top-level await)", () => {
    const out = node(
      ["-e"],
      `const { Image, ApothicError } = require("@apothic/image");
       const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
       let code; try { image.pipInstall(["-e ."]); } catch (e) { code = e instanceof ApothicError && e.code; }
       console.log(JSON.stringify({ resolved: require.resolve("@apothic/image"), dockerfile: image.dockerfile(), hash: image.definitionHash(), code }));`,
    );
    const result = JSON.parse(out);
    assert.ok(result.resolved.endsWith("/node_modules/@apothic/image/node.js"), result.resolved);
    assert.equal(result.dockerfile, "FROM python:3.12-slim-trixie\nRUN python -m pip install --no-cache-dir numpy\n");
    assert.match(result.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(result.code, "INVALID_PACKAGE");
  });

  test("require() prints no warning", () => {
    const child = spawnSync(process.execPath, ["-e", 'require("@apothic/image")'], { cwd: scratch, encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stderr, "");
  });

  for (const [label, input] of [
    ["bytes", "readFileSync(wasmPath)"],
    ["a promise of bytes", "Promise.resolve(readFileSync(wasmPath))"],
    ["a WebAssembly.Module", "new WebAssembly.Module(readFileSync(wasmPath))"],
    ["a Response", 'new Response(readFileSync(wasmPath), { headers: { "content-type": "application/wasm" } })'],
  ]) {
    test(`browser entry ("./web"): await init(${label}) in a fresh process`, () => {
      const out = node(
        ["--input-type=module", "-e"],
        `import { readFileSync } from "node:fs";
         import { fileURLToPath } from "node:url";
         import { init, Image, ApothicError } from "@apothic/image/web";
         const wasmPath = fileURLToPath(import.meta.resolve("@apothic/image/apothic_image_bg.wasm"));
         let before = "worked";
         try { Image.debianSlim(); } catch (e) { before = "threw"; }
         await Promise.all([init(${input}), init(${input})]);
         await init();
         const image = Image.fromRegistry("python:3.12").aptInstall("git");
         let code; try { image.workdir(""); } catch (e) { code = e instanceof ApothicError && e.code; }
         console.log(JSON.stringify({ before, dockerfile: image.dockerfile(), code }));`,
      );
      const result = JSON.parse(out);
      assert.equal(result.before, "threw", "Image works before init() in the browser entry");
      assert.match(result.dockerfile, /^FROM python:3\.12\nRUN apt-get update/);
      assert.equal(result.code, "INVALID_PATH");
    });
  }

  test("the tarball holds exactly the package's files", () => {
    assert.deepEqual(readdirSync(packageDir).sort(), [
      "LICENSE",
      "README.md",
      "apothic_image.d.cts",
      "apothic_image.d.ts",
      "apothic_image.js",
      "apothic_image_bg.wasm",
      "arguments.js",
      "browser.js",
      "cli-args.js",
      "cli-diff.js",
      "cli-lint.js",
      "cli-runtime.js",
      "cli.js",
      "core.js",
      "deno.js",
      "errors.js",
      "host-helpers.js",
      "index.d.cts",
      "index.d.ts",
      "inline.js",
      "memory-host.js",
      "node-host-stub.js",
      "node-host.js",
      "node.cjs",
      "node.js",
      "package.json",
      "recovery.js",
      "registry-host.js",
      "runtime",
      "schema",
      "tar-headers.js",
      "wasm-inline.js",
      "workerd.js",
    ]);
    assert.deepEqual(readdirSync(join(packageDir, "runtime")).sort(), [
      "build-steps.js",
      "buildkit-trace.js",
      "docker-engine.js",
      "docker-stream.js",
      "docker-transport.js",
      "engine-errors.js",
      "engine.d.cts",
      "engine.d.ts",
      "errors.js",
      "index.cjs",
      "index.js",
      "managed-python.js",
      "runtime.d.cts",
      "runtime.d.ts",
      "tar-pack.js",
    ]);
    assert.deepEqual(readdirSync(join(packageDir, "schema")), ["image-spec.json"]);
  });

  test("@apothic/image/runtime is Node's: ensure, run and dockerEngine (no engine is reached at import)", async () => {
    const runtime = await import("@apothic/image/runtime");
    assert.deepEqual(Object.keys(runtime).sort(), ["LOCAL_REPOSITORY", "dockerEngine", "ensure", "run", "stepOfInstruction"]);
    // Only the "node" condition resolves it: a bundler targeting browsers gets no runtime.
    const exported = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).exports["./runtime"];
    assert.deepEqual(Object.keys(exported), ["node"]);
  });
});

describe("errors", () => {
  const catchError = (f) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    assert.fail("did not throw");
  };

  test("a thrown error is an Error and an ApothicError, with own properties", () => {
    const e = catchError(() => Image.debianSlim().pipInstall(["numpy", "-e ."]));
    assert.ok(e instanceof Error);
    assert.ok(e instanceof ApothicError);
    assert.equal(e.name, "ApothicError");
    assert.equal(e.code, "INVALID_PACKAGE");
    assert.equal(e.argument, "packages[1]");
    assert.ok(Object.hasOwn(e, "code") && Object.hasOwn(e, "argument"));
    assert.ok(e.message.length > 10);
    assert.match(String(e.stack), /ApothicError/);
    assert.equal(Object.prototype.toString.call(e), "[object Error]");
  });

  test("line and column of a bad withDockerfile fragment", () => {
    const e = catchError(() => Image.debianSlim().withDockerfile("RUN ok\nFOO bar"));
    assert.equal(e.code, "DOCKERFILE_SYNTAX");
    assert.equal(e.argument, "contents");
    assert.equal(e.line, 2);
    assert.equal(typeof e.column, "number");
  });

  test("instanceof: other errors and look-alikes are not ApothicErrors", () => {
    assert.ok(!(new Error("x") instanceof ApothicError));
    assert.ok(!(new TypeError("x") instanceof ApothicError));
    assert.ok(!({ name: "ApothicError", code: "INVALID_PACKAGE" } instanceof ApothicError));
    assert.ok(!(null instanceof ApothicError));
    assert.ok(!("ApothicError" instanceof ApothicError));
  });

  test("new ApothicError(message, details)", () => {
    const e = new ApothicError("bad", { code: "INVALID_PACKAGE", argument: "packages[0]" });
    assert.ok(e instanceof ApothicError && e instanceof Error);
    assert.equal(e.name, "ApothicError");
    assert.equal(e.code, "INVALID_PACKAGE");
    assert.equal(e.argument, "packages[0]");
    assert.equal(e.message, "bad");
    assert.ok(!Object.hasOwn(e, "line"));
  });

  test("wrong JavaScript types are INVALID_ARGUMENT", () => {
    const base = Image.debianSlim();
    for (const [label, f] of [
      ["pipInstall(42)", () => base.pipInstall(42)],
      ["pipInstall([1])", () => base.pipInstall([1])],
      ["workdir(null)", () => base.workdir(null)],
      ["env('A=1')", () => base.env("A=1")],
      ["env({ A: {} })", () => base.env({ A: {} })],
      ["fromRegistry(undefined)", () => Image.fromRegistry(undefined)],
      ["debianSlim('3.12')", () => Image.debianSlim("3.12")],
      ["aptInstall()", () => base.aptInstall()],
    ]) {
      const e = catchError(f);
      assert.ok(e instanceof ApothicError, `${label}: ${e}`);
      assert.equal(e.code, "INVALID_ARGUMENT", label);
    }
  });
});

describe("behaviour", () => {
  test("every method returns a new Image and leaves the receiver as it was", () => {
    const base = Image.debianSlim({ pythonVersion: "3.12" });
    const spec = base.toSpec();
    const hash = base.definitionHash();
    const steps = [
      (i) => i.pipInstall("numpy"),
      (i) => i.uvPipInstall(["httpx"], { uvVersion: "0.13.9" }),
      (i) => i.pipInstallFromRequirements("requirements.txt"),
      (i) => i.uvPipInstallFromRequirements("requirements.txt"),
      (i) => i.pipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] }),
      (i) => i.uvPipInstallFromPyproject("pyproject.toml"),
      (i) => i.env({ A: "1" }),
      (i) => i.envFile(".env"),
      (i) => i.runCommands("echo hi"),
      (i) => i.commandShell("/bin/bash"),
      (i) => i.workdir("/app"),
      (i) => i.aptInstall(["git"]),
      (i) => i.withDockerfile("EXPOSE 80"),
      (i) => i.copyLocalFile("a.txt"),
      (i) => i.copyLocalDir("src", "/app/src", { ignore: ["*.pyc"] }),
      (i) => i.copyLocalPythonSource("app"),
      (i) => i.addLocalFile("a.txt", "/data/"),
      (i) => i.addLocalDir("static", undefined, { ignore: "*.tmp" }),
      (i) => i.addLocalPythonSource(["app", "lib.util"]),
    ];
    for (const step of steps) {
      const next = step(base);
      assert.ok(next instanceof Image);
      assert.notEqual(next, base);
      assert.equal(next.length, 1, String(step));
      assert.deepEqual(base.toSpec(), spec);
      assert.equal(base.definitionHash(), hash);
      assert.equal(base.length, 0);
      next.free();
    }
  });

  test("a failed call leaves the receiver as it was", () => {
    const base = Image.debianSlim().pipInstall(["numpy"]).env({ A: "1" });
    const canonical = base.canonicalJson();
    for (const f of [
      () => base.pipInstall(["ok", "-bad"]),
      () => base.env({ B: "2", "C=": "3" }),
      () => base.runCommands(["echo", "   "]),
      () => base.withDockerfile("FROM alpine"),
      () => base.addLocalFile("a").pipInstall("x"),
      () => base.pipInstall(7),
    ]) {
      assert.throws(f, ApothicError);
      assert.equal(base.canonicalJson(), canonical);
      assert.equal(base.length, 2);
    }
    assert.equal(base.pipInstall("pandas").length, 3);
  });

  test("env values are stringified as String(x) does", () => {
    const image = Image.debianSlim().env({ A: 1, B: true, C: 1.5, D: false, E: -0, F: 1e21, G: 0.1, H: "x" });
    assert.deepEqual(image.toSpec().steps[0].values, {
      A: "1",
      B: "true",
      C: "1.5",
      D: "false",
      E: String(-0),
      F: String(1e21),
      G: String(0.1),
      H: "x",
    });
    assert.match(image.dockerfile(), /^ENV A=1 B=true C=1\.5 D=false E=0 F=1e\+21 G=0\.1 H=x$/m);
  });

  test("env key order does not change the image", () => {
    const a = Image.debianSlim().env({ A: "1", B: "2" });
    const b = Image.debianSlim().env({ B: "2", A: "1" });
    assert.equal(a.definitionHash(), b.definitionHash());
    assert.equal(a.dockerfile(), b.dockerfile());
  });

  test("a single string works where a list is taken", () => {
    const one = Image.debianSlim().pipInstall("numpy").aptInstall("git").runCommands("true");
    const many = Image.debianSlim().pipInstall(["numpy"]).aptInstall(["git"]).runCommands(["true"]);
    assert.equal(one.definitionHash(), many.definitionHash());
  });

  test("toSpec() round-trips through fromSpec() and JSON", () => {
    const image = Image.fromRegistry("python:3.12", { prebuilt: false })
      .env({ X: "y" })
      .commandShell("/bin/bash -euo pipefail -c")
      .commandShell(null)
      .addLocalDir(".", "/app");
    const spec = image.toSpec();
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
    assert.equal(Image.fromSpec(JSON.parse(JSON.stringify(spec))).definitionHash(), image.definitionHash());
    assert.equal(spec.base.normalized, "docker.io/library/python:3.12");
  });

  test("free() releases the image; using it afterwards throws instead of crashing", () => {
    const image = Image.debianSlim().pipInstall("numpy");
    image.free();
    assert.throws(() => image.dockerfile());
    assert.equal(Image.debianSlim().pipInstall("numpy").length, 1, "the module still works");
    if (typeof Symbol.dispose === "symbol") {
      const other = Image.debianSlim();
      assert.equal(typeof other[Symbol.dispose], "function");
      other[Symbol.dispose]();
      assert.throws(() => other.toSpec());
    }
  });
});
