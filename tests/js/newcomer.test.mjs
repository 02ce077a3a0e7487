// The rough edges a newcomer met (issue #19), each pinned: one code for a missing file in every
// host (FILE_NOT_FOUND, naming the file); coded errors from the hosts' own option checks; no Rust
// or serde wording in any message or type doc; `Diagnostic.code` a union of its codes; specs
// written by hand (defaults left out, JSON text with line and column); images people can look
// at (`util.inspect`, `JSON.stringify`).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { ApothicError, Image, canonicalJsonOf, memoryHost, nodeHost } from "@apothic/image";
import { errorVectors, replay } from "../harness/vectors.mjs";

/** Words of Rust or serde that no message and no type doc may hold. */
const RUST_WORDS =
  /\b(None|enum|variant|struct|serde|usize|isize|u8|u16|u32|u64|i32|i64|f64|tsify|wasm_bindgen)\b|Some\(|crate::|Vec<|Option<|Result<|BTreeMap|HashMap|unit value|\bsequence\b|`&str`/;

/** The thrown error of `f()` (sync or async). */
async function caught(f) {
  try {
    await f();
  } catch (e) {
    return e;
  }
  assert.fail("did not throw");
}

const root = mkdtempSync(join(tmpdir(), "apothic-newcomer-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("a missing file is FILE_NOT_FOUND with every host", () => {
  // Each image names one thing that is not there; `file` is the path (none for a module).
  const cases = [
    ["envFile", () => Image.debianSlim().envFile("missing.env"), "missing.env"],
    ["pipInstallFromRequirements", () => Image.debianSlim().pipInstallFromRequirements("missing.txt"), "missing.txt"],
    ["pipInstallFromPyproject", () => Image.debianSlim().pipInstallFromPyproject("pyproject.toml"), "pyproject.toml"],
    ["copyLocalFile", () => Image.debianSlim().copyLocalFile("missing.txt", "/x"), "missing.txt"],
    ["copyLocalDir", () => Image.debianSlim().copyLocalDir("missing", "/x"), "missing"],
    ["fromDockerfile", () => Image.fromDockerfile("Dockerfile"), "Dockerfile"],
    ["copyLocalPythonSource", () => Image.debianSlim().copyLocalPythonSource("nomodule"), undefined],
  ];
  const hosts = [
    ["memoryHost", () => memoryHost({ "present.txt": "x" })],
    ["nodeHost", () => nodeHost({ root })],
  ];
  for (const [name, image, file] of cases) {
    for (const [hostName, host] of hosts) {
      test(`${name} with ${hostName}`, async () => {
        const e = await caught(() => image().resolve(host()));
        assert.ok(e instanceof ApothicError, String(e));
        assert.equal(e.code, "FILE_NOT_FOUND", e.message);
        assert.equal(e.file, file, e.message);
        assert.match(e.message, name === "copyLocalPythonSource" ? /"nomodule"/ : /does not exist/);
      });
    }
  }

  test("a host of one's own that fails with ENOENT gives FILE_NOT_FOUND too; other failures stay HOST_CALLBACK_FAILED", async () => {
    const failing = (code) => ({
      readFile: async (path) => {
        throw Object.assign(new Error(`cannot read ${path}`), { code });
      },
      readDir: async () => [],
    });
    const image = Image.debianSlim().envFile("app.env");
    for (const code of ["ENOENT", "ENOTDIR"]) {
      const e = await caught(() => image.resolve(failing(code)));
      assert.equal(e.code, "FILE_NOT_FOUND", e.message);
      assert.equal(e.file, "app.env");
    }
    for (const code of ["EACCES", undefined]) {
      const e = await caught(() => image.resolve(failing(code)));
      assert.equal(e.code, "HOST_CALLBACK_FAILED", e.message);
    }
  });
});

describe("the hosts' own option checks throw coded errors", () => {
  const cases = [
    ["nodeHost()", () => nodeHost(), "options"],
    ["nodeHost(5)", () => nodeHost(5), "options"],
    ["nodeHost({ root: '' })", () => nodeHost({ root: "" }), "options.root"],
    ["nodeHost with an unknown option", () => nodeHost({ root, bogus: 1 }), "options.bogus"],
    ["nodeHost with a bad pythonPath", () => nodeHost({ root, pythonPath: 5 }), "options.pythonPath"],
    ["nodeHost with a pythonPath outside the root", () => nodeHost({ root, pythonPath: ["../.."] }), undefined],
    ["nodeHost with a bad inspectImage", () => nodeHost({ root, inspectImage: 1 }), "options.inspectImage"],
    ["memoryHost(5)", () => memoryHost(5), "files"],
    ["memoryHost with an unknown option", () => memoryHost({}, { bogus: 1 }), "options.bogus"],
    ["memoryHost with a key above the root", () => memoryHost({ "../a": "x" }), undefined],
    ["memoryHost with bad contents", () => memoryHost({ a: 5 }), undefined],
    ["memoryHost with bad modes", () => memoryHost({ a: "x" }, { modes: null }), undefined],
    ["memoryHost with a bad symlink", () => memoryHost({}, { symlinks: { l: "" } }), undefined],
  ];
  for (const [name, make, argument] of cases) {
    test(name, () => {
      assert.throws(make, (e) => {
        assert.ok(e instanceof TypeError, `${e}: still a TypeError, as before`);
        assert.equal(e.code, "INVALID_ARGUMENT", e.message);
        if (argument !== undefined) assert.equal(e.argument, argument);
        assert.match(e.message, /^(nodeHost|memoryHost): /);
        return true;
      });
    });
  }
});

/** The type declarations the installed package ships. */
function shippedTypes() {
  const dir = dirname(fileURLToPath(import.meta.resolve("@apothic/image")));
  return ["apothic_image.d.ts", "index.d.ts"].map((file) => [file, readFileSync(join(dir, file), "utf8")]);
}

describe("no Rust or serde wording", () => {
  test("in any doc comment of the shipped types", () => {
    let comments = 0;
    const found = [];
    for (const [file, text] of shippedTypes()) {
      const docs = [...text.matchAll(/\/\*\*[\s\S]*?\*\//g)].map((m) => m[0]);
      const lines = [...text.matchAll(/^\s*\/\/.*$/gm)].map((m) => m[0]);
      for (const doc of [...docs, ...lines]) {
        comments++;
        const word = doc.match(RUST_WORDS);
        if (word) found.push(`${file}: ${JSON.stringify(word[0])} in ${doc.trim().slice(0, 200)}`);
      }
    }
    assert.ok(comments > 100, `only ${comments} comments read`);
    assert.deepEqual(found, []);
  });

  test("in the messages of the error vectors and of bad calls of every kind", async () => {
    const messages = [];
    for (const vector of errorVectors()) {
      const e = await caught(() => replay(Image, vector.calls));
      messages.push([vector.name, e.message]);
    }
    const slim = Image.debianSlim();
    const bad = {
      "pipInstall(123)": () => slim.pipInstall(123),
      "pipInstall([1])": () => slim.pipInstall([1]),
      "pipInstall(null)": () => slim.pipInstall(null),
      "pipInstall({})": () => slim.pipInstall({}),
      "aptInstall(true)": () => slim.aptInstall(true),
      "runCommands([[]])": () => slim.runCommands([["ls"]]),
      "entrypoint('python')": () => slim.entrypoint("python"),
      "entrypoint([1])": () => slim.entrypoint([1]),
      "env([])": () => slim.env([]),
      "env({ A: {} })": () => slim.env({ A: {} }),
      "pipInstall options 5": () => slim.pipInstallFromRequirements("r.txt", 5),
      "pre: []": () => slim.pipInstallFromRequirements("r.txt", { pre: [] }),
      "pre: 'yes'": () => slim.pipInstall(["a"], { pre: "yes" }),
      "indexUrl: 1": () => slim.pipInstall(["a"], { indexUrl: 1 }),
      "unknown option": () => slim.pipInstall(["a"], { indexURL: "x" }),
      "optionalDependencies: 1": () => slim.pipInstallFromPyproject("p.toml", { optionalDependencies: 1 }),
      "copyLocalDir ignore: 1": () => slim.copyLocalDir("a", "/a", { ignore: 1 }),
      "debianSlim({ pythonVersion: 3.12 })": () => Image.debianSlim({ pythonVersion: 3.12 }),
      "debianSlim({ buildTools: 'yes' })": () => Image.debianSlim({ buildTools: "yes" }),
      "fromRegistry(1)": () => Image.fromRegistry(1),
      "fromRegistry options": () => Image.fromRegistry("python", { prebuilt: 1 }),
      "fromSpec(5)": () => Image.fromSpec(5),
      "fromSpec([])": () => Image.fromSpec([]),
      "fromSpec version '1'": () => Image.fromSpec({ version: "1", base: { op: "debianSlim" } }),
      "fromSpec version 1.5": () => Image.fromSpec({ version: 1.5, base: { op: "debianSlim" } }),
      "fromSpec steps {}": () => Image.fromSpec({ version: 1, base: { op: "debianSlim" }, steps: {} }),
      "fromSpec base []": () => Image.fromSpec({ version: 1, base: [] }),
      "fromSpec options 5": () => Image.fromSpec({ version: 1, base: { op: "debianSlim" }, steps: [{ op: "pipInstall", packages: ["a"], options: 5 }] }),
      "fromSpec text": () => Image.fromSpec('{"version": 1, "base": {"op": "debianSlim"}, "steps": 5}'),
      "canonicalJsonOf(5)": () => canonicalJsonOf(5),
      "canonicalJsonOf base []": () => canonicalJsonOf({ version: 1, base: [] }),
    };
    for (const [name, call] of Object.entries(bad)) {
      const e = await caught(call);
      assert.ok(e instanceof ApothicError, `${name}: ${e}`);
      messages.push([name, e.message]);
    }
    assert.ok(messages.length > 80, `only ${messages.length} messages`);
    const found = messages.filter(([, message]) => RUST_WORDS.test(message));
    assert.deepEqual(found, []);
  });

  test("pipInstall(123) says what it takes and what it got", () => {
    assert.throws(() => Image.debianSlim().pipInstall(123), (e) => {
      assert.equal(e.code, "INVALID_ARGUMENT");
      assert.equal(e.argument, "packages");
      assert.match(e.message, /expected a string or an array of strings, got the number 123/);
      return true;
    });
  });
});

test("Diagnostic.code is the union of the codes the core emits", () => {
  const [, types] = shippedTypes()[0];
  const union = types.match(/export type DiagnosticCode =([^;]*);/);
  assert.ok(union, "no DiagnosticCode type");
  const codes = [...union[1].matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(codes, [
    "COPY_SOURCE_MISSING",
    "DOCKERFILE_REPLACED",
    "EMPTY_ENV_FILE",
    "IMAGE_NOT_FULLY_INSPECTED",
    "NO_DEPENDENCIES",
    "SYMLINK_SKIPPED",
    "VARIABLE_IN_COPY_SOURCE",
  ]);
  const diagnostic = types.match(/export interface Diagnostic \{[\s\S]*?\n\}/);
  assert.ok(diagnostic, "no Diagnostic interface");
  assert.match(diagnostic[0], /\bcode: DiagnosticCode;/);
  const [, index] = shippedTypes()[1];
  assert.match(index, /\bDiagnosticCode,/, "index.d.ts exports DiagnosticCode");
});

describe("specs written by hand", () => {
  test("the fields with a default may be left out; toSpec() is then the full form", () => {
    const image = Image.fromSpec({
      version: 1,
      base: { op: "fromRegistry", ref: "python:3.12" },
      steps: [
        { op: "uvPipInstall", packages: ["rich"] },
        { op: "copyLocalDir", local: "src", remote: "/app" },
      ],
    });
    const full = {
      version: 1,
      base: { op: "fromRegistry", ref: "python:3.12", normalized: "docker.io/library/python:3.12", prebuilt: false },
      steps: [
        { op: "uvPipInstall", packages: ["rich"], options: { pre: false }, uvVersion: "0.13.9" },
        { op: "copyLocalDir", local: "src", remote: "/app", ignore: [] },
      ],
    };
    assert.deepEqual(image.toSpec(), full);
    assert.equal(image.definitionHash(), Image.fromSpec(full).definitionHash());
    assert.deepEqual(Image.fromSpec(image.toSpec()).toSpec(), full);
    const minimal = Image.fromSpec({ version: 1, base: { op: "debianSlim" } });
    assert.equal(minimal.definitionHash(), Image.debianSlim().definitionHash());
  });

  test("Image.fromSpec and canonicalJsonOf take the JSON text too", () => {
    const image = Image.debianSlim().pipInstall("numpy");
    const text = JSON.stringify(image.toSpec(), null, 2);
    assert.equal(Image.fromSpec(text).definitionHash(), image.definitionHash());
    assert.equal(canonicalJsonOf(text), image.canonicalJson());
  });

  test("a JSON syntax error names its line and column", () => {
    const text = '{\n  "version": 1,\n  "base": { "op": "debianSlim", }\n}';
    assert.throws(() => Image.fromSpec(text), (e) => {
      assert.ok(e instanceof ApothicError);
      assert.equal(e.code, "INVALID_SPEC");
      assert.equal(e.line, 3);
      assert.equal(e.column, 33);
      assert.equal(e.argument, "spec");
      assert.doesNotMatch(e.message, /position|offset/);
      return true;
    });
  });
});

describe("images people can look at", () => {
  const image = Image.fromRegistry("python:3.12").aptInstall("git").pipInstall("numpy").env({ A: "1" });

  test("util.inspect and console.log show the base, the steps and the hash", () => {
    const shown = inspect(image);
    assert.doesNotMatch(shown, /__wbg_ptr/);
    assert.match(shown, /^Image \{/);
    assert.match(shown, /fromRegistry\(\\?"python:3\.12\\?"\)/);
    assert.match(shown, /steps: 3/);
    assert.match(shown, /'aptInstall', 'pipInstall', 'env'/);
    assert.ok(shown.includes(image.definitionHash()), shown);
    assert.match(inspect({ nested: image }), /nested: Image \{/);
  });

  test("a long image lists its first ops and says how many more", () => {
    let long = Image.debianSlim();
    for (let i = 0; i < 20; i++) long = long.env({ [`V${i}`]: String(i) });
    assert.match(inspect(long), /'… 8 more'/);
  });

  test("a freed image shows as freed instead of throwing", () => {
    const freed = Image.debianSlim();
    freed.free();
    assert.equal(inspect(freed), "Image <freed>");
  });

  test("JSON.stringify(image) is its spec", () => {
    assert.equal(JSON.stringify(image), JSON.stringify(image.toSpec()));
    assert.deepEqual(JSON.parse(JSON.stringify({ image })), { image: image.toSpec() });
    assert.equal(Image.fromSpec(JSON.stringify(image)).definitionHash(), image.definitionHash());
  });
});

// The CLI's path options: `--python-path` is relative to the spec's folder (see cli.test.mjs for
// the rest); checked here from a working directory that is not the spec's.
describe("the CLI", () => {
  test("--python-path is relative to the spec's folder", async () => {
    const { spawnSync } = await import("node:child_process");
    const project = join(root, "cli-project");
    mkdirSync(join(project, "src", "app"), { recursive: true });
    writeFileSync(join(project, "src", "app", "__init__.py"), "");
    writeFileSync(
      join(project, "spec.json"),
      JSON.stringify({ version: 1, base: { op: "debianSlim" }, steps: [{ op: "copyLocalPythonSource", modules: ["app"] }] }),
    );
    const bin = join(fileURLToPath(new URL("..", import.meta.url)), "node_modules", ".bin", "apothic-image");
    const r = spawnSync(bin, ["render", join(project, "spec.json"), "--python-path", "src"], { cwd: tmpdir(), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /COPY .*\/root\/app/);
  });
});
