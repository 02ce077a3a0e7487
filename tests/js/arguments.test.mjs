// Every method of `Image` takes exactly the arguments it can use (js/arguments.js): the list
// methods also take the reference's variadic form (`aptInstall("git", "curl")`), which makes the
// same spec and hash as the array form; and an argument a method cannot take (one too many, a
// non-string among separate strings, options not last, anything after the options) is an
// INVALID_ARGUMENT naming its position, `arguments[i]`: never silently dropped.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { Image as WebImage } from "@apothic/image/web";
import { packageDir } from "./helpers.mjs";

const base = Image.debianSlim({ pythonVersion: "3.12" });
const host = memoryHost({ "src/app.py": "", "Dockerfile": "FROM python:3.12\n", "pyproject.toml": '[project]\nname = "x"\ndependencies = []\n', "req.txt": "", ".env": "A=1\n" });
const resolution = await base.resolve(host);

/**
 * Each method (statics as "static name") with the most arguments it takes, all valid. A list
 * method is given its array form. The test below fails when `Image` gains a method not listed.
 */
const FULL = {
  "static debianSlim": [{ pythonVersion: "3.12" }],
  "static fromRegistry": ["python:3.12", { prebuilt: false }],
  "static fromDockerfile": ["Dockerfile", { contextDir: "." }],
  "static fromSpec": [base.toSpec()],
  "static diff": [base, base.toSpec(), { before: resolution, after: resolution }],
  free: [],
  addLocalDir: ["src", "/app/src", { ignore: ["*.pyc"] }],
  addLocalFile: ["src/app.py", "/app/app.py"],
  addLocalPythonSource: [["app"]],
  aptInstall: [["git"]],
  buildContext: [host, {}],
  canonicalJson: [],
  cmd: [["serve"]],
  commandShell: ["/bin/bash"],
  copyLocalDir: ["src", "/app/src", { ignore: ["*.pyc"] }],
  copyLocalFile: ["src/app.py", "/app/app.py"],
  copyLocalPythonSource: [["app"]],
  definitionHash: [],
  dockerfile: [],
  entrypoint: [["python"]],
  envFile: [".env"],
  env: [{ A: "1" }],
  lint: [],
  pipInstallFromPyproject: ["pyproject.toml", { optionalDependencies: [] }],
  pipInstallFromRequirements: ["req.txt", { pre: true }],
  pipInstall: [["numpy"], { pre: true }],
  resolve: [host, {}],
  runCommands: [["echo a"]],
  toSpec: [],
  toJSON: [""],
  uvPipInstallFromPyproject: ["pyproject.toml", { optionalDependencies: [] }],
  uvPipInstallFromRequirements: ["req.txt", { pre: true }],
  uvPipInstall: [["numpy"], { pre: true }],
  withDockerfile: ["RUN true"],
  workdir: ["/app"],
};
const ASYNC = new Set(["resolve", "buildContext"]);

/** Every public method of Image, as FULL names them. */
function methodsOfImage() {
  const names = [];
  for (const [target, prefix] of [[Image, "static "], [Image.prototype, ""]]) {
    for (const name of Object.getOwnPropertyNames(target)) {
      const { value } = Object.getOwnPropertyDescriptor(target, name);
      if (typeof value === "function" && name !== "constructor" && !name.startsWith("__")) names.push(prefix + name);
    }
  }
  return names.sort();
}

/** Calls a method (statics on Image, the others on a fresh image). */
function call(key, args) {
  if (key.startsWith("static ")) return Image[key.slice(7)](...args);
  return Image.debianSlim()[key](...args);
}

/** Asserts an INVALID_ARGUMENT at `arguments[index]`, whose message names the method and position. */
function isInvalidAt(method, index) {
  return (e) => {
    assert.ok(e instanceof ApothicError, `not an ApothicError: ${e}`);
    assert.equal(e.code, "INVALID_ARGUMENT", e.message);
    assert.equal(e.argument, `arguments[${index}]`, e.message);
    assert.ok(e.message.startsWith(`Image.${method}: arguments[${index}] `), e.message);
    return true;
  };
}

const specAndHash = (image) => ({ spec: image.toSpec(), hash: image.definitionHash() });

describe("every method of Image has a shape", () => {
  test("the methods are exactly those listed here", () => {
    assert.deepEqual(methodsOfImage(), Object.keys(FULL).sort());
  });
  test("the checked methods keep their names, and Symbol.dispose is the checked free", () => {
    for (const key of Object.keys(FULL)) {
      const name = key.replace("static ", "");
      const fn = key.startsWith("static ") ? Image[name] : Image.prototype[name];
      assert.equal(fn.name, name);
    }
    assert.equal(Image.prototype[Symbol.dispose], Image.prototype.free);
  });
});

describe("an argument past the last a method takes is INVALID_ARGUMENT at its position", () => {
  for (const [key, args] of Object.entries(FULL)) {
    const name = key.replace("static ", "");
    test(`${key}(${args.length} arguments) works; one more is arguments[${args.length}]`, async () => {
      const ok = call(key, args);
      if (ASYNC.has(name)) await ok;
      for (const extra of ["x", undefined, null, {}, ["x"]]) {
        if (ASYNC.has(name)) await assert.rejects(call(key, [...args, extra]), isInvalidAt(name, args.length));
        else assert.throws(() => call(key, [...args, extra]), isInvalidAt(name, args.length));
      }
    });
  }
  test("Symbol.dispose takes none either; the image is still usable after the refusal", () => {
    const image = base.aptInstall("git");
    assert.throws(() => image[Symbol.dispose](1), isInvalidAt("free", 0));
    assert.match(image.dockerfile(), /git/);
  });
  test("a refused call leaves the receiver as it was", () => {
    const image = base.aptInstall("git");
    const before = specAndHash(image);
    assert.throws(() => image.runCommands("echo a", 1), isInvalidAt("runCommands", 1));
    assert.throws(() => image.workdir("/a", "/b"), isInvalidAt("workdir", 1));
    assert.deepEqual(specAndHash(image), before);
  });
});

describe("the variadic form equals the array form", () => {
  const LISTS = {
    aptInstall: ["git", "curl", "git"],
    runCommands: ["echo a", "echo b"],
    addLocalPythonSource: ["app", "lib.util"],
    copyLocalPythonSource: ["app", "lib.util"],
    pipInstall: ["numpy", "pandas>=2"],
    uvPipInstall: ["numpy", "pandas>=2"],
  };
  for (const [method, items] of Object.entries(LISTS)) {
    test(`${method}: separate strings, one string`, () => {
      assert.deepEqual(specAndHash(base[method](...items)), specAndHash(base[method](items)));
      assert.deepEqual(specAndHash(base[method](items[0])), specAndHash(base[method]([items[0]])));
      assert.deepEqual(base[method]([]).toSpec(), base.toSpec(), "an empty array adds no step");
    });
  }
  for (const method of ["pipInstall", "uvPipInstall"]) {
    test(`${method}: separate strings then options`, () => {
      const options = { indexUrl: "https://download.pytorch.org/whl/cpu", pre: true };
      const array = specAndHash(base[method](["numpy", "pandas"], options));
      assert.deepEqual(specAndHash(base[method]("numpy", "pandas", options)), array);
      assert.deepEqual(specAndHash(base[method]("numpy", options)), specAndHash(base[method](["numpy"], options)));
      assert.deepEqual(specAndHash(base[method]("numpy", "pandas", undefined)), specAndHash(base[method](["numpy", "pandas"])));
      assert.deepEqual(specAndHash(base[method]("numpy", "pandas", null)), specAndHash(base[method](["numpy", "pandas"])));
      assert.notDeepEqual(array, specAndHash(base[method](["numpy", "pandas"])), "the options are kept");
    });
  }
  test("the options of separate strings are checked like the array form's", () => {
    assert.throws(() => base.pipInstall("numpy", { bogus: 1 }), (e) => e.code === "INVALID_ARGUMENT" && e.argument === "options.bogus");
    assert.throws(() => base.uvPipInstall("numpy", "x", { uvVersion: "latest" }), (e) => e.code === "INVALID_OPTION");
    assert.throws(() => base.aptInstall("git", "-rf"), (e) => e.code === "INVALID_PACKAGE" && e.argument === "packages[1]");
  });
  test("the README's Modal chain", () => {
    const variadic = Image.debianSlim({ pythonVersion: "3.12", buildTools: true })
      .aptInstall("git", "ffmpeg")
      .uvPipInstall("torch==2.7.1", "transformers", { indexUrl: "https://download.pytorch.org/whl/cu126" })
      .addLocalPythonSource("app");
    const arrays = Image.debianSlim({ pythonVersion: "3.12", buildTools: true })
      .aptInstall(["git", "ffmpeg"])
      .uvPipInstall(["torch==2.7.1", "transformers"], { indexUrl: "https://download.pytorch.org/whl/cu126" })
      .addLocalPythonSource(["app"]);
    assert.deepEqual(specAndHash(variadic), specAndHash(arrays));
    assert.match(variadic.dockerfile(), /install -y --no-install-recommends git ffmpeg /);
  });
});

describe("an argument a list method cannot take is INVALID_ARGUMENT at its position", () => {
  const cases = [
    ["aptInstall", ["git", "curl", 3], 2, /is number, not a string/],
    ["aptInstall", [1, "git"], 0, /is number/],
    ["aptInstall", ["git", ["curl"]], 1, /is an array/],
    ["aptInstall", ["git", undefined], 1, /is undefined/],
    ["aptInstall", ["git", { pre: true }], 1, /is object/],
    ["aptInstall", [["git"], "curl"], 1, /follows an array/],
    ["runCommands", ["echo a", "echo b", null], 2, /is null/],
    ["runCommands", [["echo a"], ["echo b"]], 1, /follows an array/],
    ["addLocalPythonSource", ["app", 7], 1, /each module name is a separate string/],
    ["copyLocalPythonSource", ["app", true], 1, /is boolean/],
    ["pipInstall", ["numpy", 2], 1, /is number/],
    ["pipInstall", [{ pre: true }, "numpy"], 0, /options object that is not last/],
    ["pipInstall", ["numpy", { pre: true }, "pandas"], 1, /options object that is not last/],
    ["pipInstall", ["numpy", { pre: true }, {}], 1, /options object that is not last/],
    ["pipInstall", ["numpy", null, "pandas"], 1, /is null/],
    ["pipInstall", [["numpy"], "pandas"], 1, /follows an array/],
    ["pipInstall", [["numpy"], ["pandas"]], 1, /follows an array/],
    ["pipInstall", [["numpy"], {}, "pandas"], 2, /one argument too many/],
    ["uvPipInstall", ["numpy", "pandas", 3], 2, /is number/],
    ["uvPipInstall", ["numpy", [], {}], 1, /is an array/],
    ["entrypoint", [["python"], "-m"], 1, /one argument too many: entrypoint takes at most 1/],
    ["entrypoint", ["python", "-m", "app"], 1, /one argument too many/],
    ["cmd", ["serve", "--port"], 1, /one argument too many/],
  ];
  for (const [method, args, index, message] of cases) {
    test(`${method}(${args.map((a) => JSON.stringify(a) ?? "undefined").join(", ")}) → arguments[${index}]`, () => {
      assert.throws(() => base[method](...args), (e) => isInvalidAt(method, index)(e) && message.test(e.message));
    });
  }
  test("no argument, or one that is no list, is named by the module, as before", () => {
    for (const method of ["aptInstall", "runCommands", "addLocalPythonSource", "copyLocalPythonSource", "pipInstall", "uvPipInstall"]) {
      assert.throws(() => base[method](), (e) => e.code === "INVALID_ARGUMENT" && /^(packages|commands|modules)$/.test(e.argument), method);
    }
    assert.throws(() => base.aptInstall(5), (e) => e.code === "INVALID_ARGUMENT" && e.argument === "packages");
    assert.throws(() => base.pipInstall({ pre: true }), (e) => e.code === "INVALID_ARGUMENT" && e.argument === "packages");
    assert.throws(() => base.entrypoint("python -m app"), (e) => e.code === "INVALID_ARGUMENT" && e.argument === "args");
    assert.throws(() => base.entrypoint(), (e) => e.code === "INVALID_ARGUMENT" && e.argument === "args");
  });
});

describe("every entry checks", () => {
  test("the browser entry's Image is the checked one", () => {
    assert.equal(WebImage, Image);
    assert.throws(() => WebImage.debianSlim({}, 2), isInvalidAt("debianSlim", 1));
  });
  test("every entry exports Image from core.js, where arguments.js's checks are linked, which bundlers keep", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
    assert.ok(manifest.sideEffects.includes("./core.js"), "core.js (arguments.js linked in) patches Image at load: it has side effects");
    const core = readFileSync(join(packageDir, "core.js"), "utf8");
    assert.match(core, /^\/\/ The arguments every method of `Image` takes, checked in JavaScript/m, "core.js holds arguments.js");
    for (const entry of ["node.js", "browser.js", "workerd.js", "deno.js", "inline.js"]) {
      assert.match(readFileSync(join(packageDir, entry), "utf8"), /^export \{[^}]*\bImage\b[^}]*\} from '\.\/core\.js';/m, entry);
    }
  });
  test("Rollup keeps the checks under each runtime's export conditions", async () => {
    const tools = process.env.APOTHIC_NPM_TOOLS;
    assert.ok(tools, "APOTHIC_NPM_TOOLS is not set; run scripts/test-js.sh");
    const { rollup } = await import(pathToFileURL(join(tools, "rollup", "dist", "es", "rollup.js")).href);
    const { nodeResolve } = await import(pathToFileURL(join(tools, "@rollup", "plugin-node-resolve", "dist", "es", "index.js")).href);
    const scratch = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(scratch, "bundle-arguments-"));
    try {
      const input = join(dir, "app.js");
      writeFileSync(input, 'import { Image } from "@apothic/image";\nexport const f = () => Image.debianSlim().aptInstall("git", "curl");\n');
      for (const [conditions, browser] of [[["node"], false], [["workerd", "worker", "browser"], false], [["browser"], true]]) {
        const build = await rollup({
          input,
          external: [/\.wasm$/, /^node:/],
          plugins: [nodeResolve({ exportConditions: conditions, browser, rootDir: scratch, modulePaths: [join(scratch, "node_modules")] })],
          onwarn: () => {},
        });
        const { output } = await build.generate({ format: "es" });
        await build.close();
        const code = output[0].code;
        assert.ok(code.includes('"list+options"') && /function apply\(\)/.test(code) && /^apply\(\);$/m.test(code), `${conditions}: the bundle lacks arguments.js`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
