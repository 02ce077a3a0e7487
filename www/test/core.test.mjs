// The console's core (src/core, compiled to build/core by `npm run build:core`) against the
// package itself, in Node: the TypeScript view's parser and generator, the spec ↔ model
// conversion and the error mapping, over the project's own golden vectors.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { locateArgument, modelToCode, parseChain, parseModel } from "../build/core/chain.js";
import { evaluate } from "../build/core/engine.js";
import { callArgs, specToModel } from "../build/core/model.js";
import { errorVectors, goldenVectors, repo, resolveVectors, vectorHost } from "../../tests/harness/vectors.mjs";

const api = { Image, memoryHost };
const uvDefault = Image.debianSlim().uvPipInstall("x").toSpec().steps[0].uvVersion;

function build(model) {
  let image = Image[model.base.op](...callArgs(model.base));
  for (const step of model.steps) image = image[step.op](...callArgs(step));
  return image;
}

/** JSON args are valid JavaScript literals: the vector's calls as code. */
function callsToCode(calls) {
  const [ctor, ...steps] = calls;
  const call = ([m, ...args]) => `${m}(${args.map((a) => JSON.stringify(a)).join(", ")})`;
  return `Image.${call(ctor)}\n${steps.map((s) => `  .${call(s)}`).join("\n")};\n`;
}

const golden = goldenVectors();
const resolving = resolveVectors();
const exampleSpecs = readdirSync(join(repo, "examples/specs")).map((f) => join(repo, "examples/specs", f));

test("spec → model → code → parse → image gives the spec back exactly (every golden vector)", () => {
  let n = 0;
  const specs = [...golden, ...resolving].map((v) => ({ file: join(v.dir, "spec.json"), spec: v.spec }));
  for (const file of exampleSpecs) specs.push({ file, spec: JSON.parse(readFileSync(file, "utf8")) });
  for (const { file, spec: given } of specs) {
    const spec = Image.fromSpec(given).toSpec();
    const model = specToModel(spec, uvDefault);
    const code = modelToCode(model);
    const parsed = parseModel(code);
    assert.ok(parsed.ok, `${relative(repo, file)}: the generated code does not parse: ${JSON.stringify(parsed.errors)}\n${code}`);
    assert.deepEqual(parsed.chain.model, model, `${relative(repo, file)}: parse(generate(model)) differs`);
    const image = build(parsed.chain.model);
    assert.deepEqual(image.toSpec(), spec, `${relative(repo, file)}: the spec differs\n${code}`);
    assert.equal(image.definitionHash(), Image.fromSpec(spec).definitionHash());
    n++;
  }
  assert.ok(n >= 50, `only ${n} specs`);
});

test("the vectors' calls, written as code, parse and give the vectors' specs", () => {
  let n = 0;
  for (const { dir, calls, spec } of golden) {
    if (calls[0][0] === "fromSpec") continue; // not a builder chain
    const code = callsToCode(calls);
    const parsed = parseModel(code);
    assert.ok(parsed.ok, `${relative(repo, dir)}: ${JSON.stringify(!parsed.ok && parsed.errors)}\n${code}`);
    assert.deepEqual(build(parsed.chain.model).toSpec(), Image.fromSpec(spec).toSpec(), relative(repo, dir));
    n++;
  }
  assert.ok(n >= 30);
});

test("error vectors: the same code, and the error lands on the argument it names", async () => {
  const vectors = errorVectors();
  let checked = 0;
  for (const v of vectors) {
    if (v.calls[0][0] === "fromSpec") continue; // not a builder chain
    const code = callsToCode(v.calls);
    const parsed = parseModel(code);
    if (!parsed.ok) {
      // The view refuses a wrong JavaScript type itself, with the package's code for it.
      assert.equal(parsed.errors[0].code, "INVALID_ARGUMENT", `${v.name}: ${parsed.errors[0].message}`);
      assert.equal(v.code, "INVALID_ARGUMENT", `${v.name}: the view refused ${JSON.stringify(v.calls)} that the package takes`);
      continue;
    }
    const ev = await evaluate(api, parsed.chain.model, memoryHost({}));
    const failure = ev.baseError ? { index: 0, error: ev.baseError } : ev.steps.map((s, i) => ({ index: i + 1, error: s.error })).find((s) => s.error);
    assert.ok(failure, `${v.name}: no call failed`);
    assert.equal(failure.error.code, v.code, v.name);
    assert.equal(failure.error.argument ?? null, v.argument ?? null, v.name);
    const node = parsed.chain.ast.calls[failure.index];
    const { from, to } = locateArgument(code, node, failure.error.argument, failure.error.line, failure.error.column);
    assert.ok(from >= node.nameFrom && to <= node.to && from < to, `${v.name}: range ${from}-${to} outside the call`);
    checked++;
  }
  assert.ok(checked > 10);
});

test("errors point at the exact literal", async () => {
  const cases = [
    [`Image.debianSlim().pipInstall(["numpy", "-e ."])`, `"-e ."`],
    [`Image.debianSlim().pipInstall("numpy", { indexUrl: "not a url" })`, `"not a url"`],
    [`Image.debianSlim().env({ OK: "1", "A B": "x" })`, `"A B": "x"`],
    [`Image.debianSlim({ pythonVersion: "3.9" })`, `"3.9"`],
    [`Image.fromRegistry("Python:3")`, `"Python:3"`],
    [`Image.debianSlim().runCommands(["ok", ""])`, `""`],
    ["Image.debianSlim().withDockerfile(`RUN x\nFROM y\n`)", "FROM y"],
    [`Image.debianSlim().withDockerfile("RUN x\\nBOGUS y")`, "BOGUS y"],
    [`Image.debianSlim().pipInstallFromPyproject("p.toml", { optionalDependencies: ["ok", "bad group!"] })`, `"bad group!"`],
  ];
  for (const [code, want] of cases) {
    const parsed = parseModel(code);
    assert.ok(parsed.ok, code);
    const ev = await evaluate(api, parsed.chain.model, memoryHost({}));
    const index = ev.baseError ? 0 : ev.steps.findIndex((s) => s.error) + 1;
    const error = ev.baseError ?? ev.steps[index - 1].error;
    const r = locateArgument(code, parsed.chain.ast.calls[index], error.argument, error.line, error.column);
    assert.equal(code.slice(r.from, r.to), want, `${code}: ${error.code} ${error.argument}`);
  }
});

test("the parser reads the chain forms people write, and nothing else", () => {
  const ok = [
    `Image.debianSlim()`,
    `import { Image } from "@apothic/image";\nconst image = Image.debianSlim();`,
    `export default Image.fromRegistry('python:3.12', { prebuilt: true, })`,
    `let img: Image = Image.debianSlim() // comment\n  /* block */ .pipInstall(\`numpy\`,)`,
    `Image.debianSlim().env({ N: 4, B: true, "x-y": 'z' })`,
    `Image.debianSlim().commandShell(null).commandShell("/bin/bash")`,
    `Image.debianSlim().copyLocalDir("src", undefined, { ignore: "*.pyc" })`,
    `Image.debianSlim().runCommands("echo \\u{1F600} \\x41\\
continued")`,
  ];
  for (const code of ok) assert.ok(parseModel(code).ok, `${code}: ${JSON.stringify(parseModel(code).errors)}`);
  const m = parseModel(`Image.debianSlim().env({ N: 4, B: true })`);
  assert.deepEqual(m.chain.model.steps[0].f.values, [["N", "4"], ["B", "true"]]);
  assert.deepEqual(parseModel(`Image.debianSlim().runCommands("a\\
b")`).chain.model.steps[0].f.commands, ["ab"]);

  const bad = [
    [`Image.debianSlim().pipInstall(pkgs)`, "TS_NOT_LITERAL", "pkgs"],
    ["Image.debianSlim().pipInstall(`${x}`)", "TS_SYNTAX", "${"],
    [`Image.debianSlim().pipInstal(["x"])`, "TS_UNKNOWN_METHOD", "pipInstal"],
    [`Image.pipInstall(["x"])`, "TS_UNKNOWN_METHOD", "pipInstall"],
    [`Image.debianSlim().debianSlim()`, "TS_UNKNOWN_METHOD", "debianSlim"],
    [`Image.debianSlim().pipInstall(["x"], { indexURL: "u" })`, "INVALID_ARGUMENT", "indexURL"],
    [`Image.debianSlim().pipInstall([1])`, "INVALID_ARGUMENT", "1"],
    [`Image.debianSlim().workdir("/a", "/b")`, "INVALID_ARGUMENT", `"/b"`],
    [`Image.debianSlim().env({ A: "1", A: "2" })`, "DUPLICATE_KEY", "A"],
    [`Image.debianSlim().pipInstall(["x"]`, "TS_SYNTAX", ""],
    [`Image.debianSlim("x") + 1`, "TS_SYNTAX", "+"],
    [`Image.debianSlim(); fetch("/steal")`, "TS_SYNTAX", "fetch"],
    [`Image.debianSlim().pipInstall(["x\ny"])`, "TS_SYNTAX", `"x`],
    [``, "TS_EMPTY", ""],
  ];
  for (const [code, wantCode, wantText] of bad) {
    const r = parseModel(code);
    assert.equal(r.ok, false, code);
    assert.equal(r.errors[0].code, wantCode, `${code}: ${r.errors[0].message}`);
    assert.equal(code.slice(r.errors[0].from, r.errors[0].to), wantText, `${code}: ${r.errors[0].message}`);
  }
});

test("no input makes the parser throw (random and mutated code)", () => {
  const seedCode = modelToCode(specToModel(Image.fromSpec(golden.find((v) => v.name === "kitchen-sink").spec).toSpec(), uvDefault));
  let state = 12345;
  const rand = (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const alphabet = `Image.()[]{},:;"'\`\\\${}-+0123456789abcdefxyz \n\t/*`;
  for (let i = 0; i < 3000; i++) {
    let code;
    if (i % 2) {
      code = "";
      for (let k = rand(60); k > 0; k--) code += alphabet[rand(alphabet.length)];
    } else {
      code = seedCode.split("");
      for (let k = 1 + rand(4); k > 0; k--) {
        const at = rand(code.length);
        if (rand(2)) code.splice(at, 1 + rand(5));
        else code.splice(at, 0, alphabet[rand(alphabet.length)]);
      }
      code = code.join("");
    }
    const r = parseModel(code);
    if (!r.ok) for (const e of r.errors) assert.ok(e.from >= 0 && e.to <= code.length && e.from <= e.to, `bad range for ${JSON.stringify(code)}`);
  }
  assert.throws(() => parseChain("Image.x(\\u0001)"), /unexpected character/);
});

test("resolution through the console's engine equals the resolve vectors", async () => {
  let n = 0;
  for (const vector of resolving) {
    const spec = Image.fromSpec(vector.spec).toSpec();
    const parsed = parseModel(modelToCode(specToModel(spec, uvDefault)));
    const ev = await evaluate(api, parsed.chain.model, vectorHost(memoryHost, vector));
    assert.ok(ev.resolution, `${relative(repo, vector.dir)}: ${JSON.stringify(ev.resolveError)}`);
    assert.deepEqual(ev.resolution, vector.resolution, relative(repo, vector.dir));
    n++;
  }
  assert.ok(n >= 10);
});

test("resolution errors land on the call, also when an earlier call adds no step", async () => {
  const code = `Image.debianSlim().pipInstall([]).aptInstall("git").envFile(".env").pipInstallFromRequirements("requirements.txt")`;
  const parsed = parseModel(code);
  const ev = await evaluate(api, parsed.chain.model, memoryHost({ ".env": "A=1\n" }));
  assert.deepEqual(ev.specToModel, [1, 2, 3]);
  assert.equal(ev.steps[0].specIndex, null);
  assert.equal(ev.resolveError.code, "FILE_NOT_FOUND");
  assert.deepEqual(ev.resolveError.target, { kind: "step", index: 3 });
  const bad = await evaluate(api, parsed.chain.model, memoryHost({ ".env": "A B\n", "requirements.txt": "x\n" }));
  assert.equal(bad.resolveError.code, "DOTENV_SYNTAX");
  assert.equal(bad.resolveError.file, ".env");
  assert.equal(bad.resolveError.line, 1);
  assert.deepEqual(bad.resolveError.target, { kind: "step", index: 2 });
  const base = await evaluate(api, parseModel(`Image.fromDockerfile("Dockerfile")`).chain.model, memoryHost({}));
  assert.deepEqual(base.resolveError.target, { kind: "base" });
  assert.equal(base.resolveError.argument, "path");
});

test("a failing call is left out, the rest still renders, and the image is untouched", async () => {
  const parsed = parseModel(`Image.debianSlim().aptInstall("git").pipInstall(["-e ."]).env({ A: "1" })`);
  const ev = await evaluate(api, parsed.chain.model, memoryHost({}));
  assert.equal(ev.complete, false);
  assert.equal(ev.steps[1].error.code, "INVALID_PACKAGE");
  assert.equal(ev.dockerfile, Image.debianSlim().aptInstall("git").env({ A: "1" }).dockerfile());
  assert.equal(ev.definitionHash, Image.debianSlim().aptInstall("git").env({ A: "1" }).definitionHash());
});
