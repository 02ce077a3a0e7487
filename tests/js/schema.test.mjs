// The JSON Schema of ImageSpec the package ships (@apothic/image/schema.json, generated from the
// Rust spec types by tests/schema.rs), checked with a real validator (ajv, pinned in
// scripts/tools) against what the core itself accepts and refuses: every golden, resolution and
// lint vector's spec and every lint fix is valid; every spec error vector is invalid when the core
// refuses it for its shape, and valid only when the core refuses it for a rule a schema cannot
// state (the table below, documented in docs/api.md "Editor support"); hand-written specs that
// leave out defaults are valid, and so is the full form toSpec() writes for them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { Image } from "@apothic/image";
import { goldenVectors, lintVectors, repo, resolveVectors, specErrorVectors } from "../harness/vectors.mjs";

const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");
const Ajv = createRequire(join(tools, "ajv", "package.json"))("ajv").default;

const schemaPath = fileURLToPath(import.meta.resolve("@apothic/image/schema.json"));
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
// Strict mode: an unknown keyword or format in the schema is an error, not a silent pass.
const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);

/** ajv's verdict on `spec`, with its errors as text when it refuses it. */
function check(spec) {
  const valid = validate(spec);
  return { valid, errors: valid ? "" : JSON.stringify(validate.errors, null, 1) };
}

/** Asserts that the schema accepts `spec`. */
function assertValid(spec, what) {
  const { valid, errors } = check(spec);
  assert.ok(valid, `${what} is valid for the core but not for the schema: ${errors}`);
}

/** The code the core refuses `spec` with, or null when it accepts it. */
function coreRefusal(spec) {
  try {
    Image.fromSpec(spec).free();
    return null;
  } catch (e) {
    return /** @type {{ code: string }} */ (e).code;
  }
}

describe("the shipped schema", () => {
  test("@apothic/image/schema.json is the committed js/schema/image-spec.json, a draft-07 schema ajv compiles strictly", () => {
    const committed = readFileSync(join(repo, "js", "schema", "image-spec.json"), "utf8");
    assert.ok(readFileSync(schemaPath, "utf8") === committed, "the packed schema is not js/schema/image-spec.json: rebuild the package");
    assert.ok(schemaPath.endsWith("/node_modules/@apothic/image/schema/image-spec.json"), schemaPath);
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.title, "ImageSpec");
  });

  test("every base op and step op of the core is in the schema, and no other", () => {
    const ops = (name) => schema.definitions[name].oneOf.map((/** @type {any} */ s) => s.properties.op.const).sort();
    assert.deepEqual(ops("Base"), ["debianSlim", "fromDockerfile", "fromRegistry"]);
    const golden = new Set(goldenVectors().flatMap((v) => v.spec.steps.map((/** @type {any} */ s) => s.op)));
    for (const op of golden) assert.ok(ops("Step").includes(op), `${op} (a golden step) is not in the schema`);
    assert.equal(ops("Step").length, 21);
  });

  test("the descriptions come from the types' doc comments and name the defaults", () => {
    const debianSlim = schema.definitions.Base.oneOf.find((/** @type {any} */ s) => s.properties.op.const === "debianSlim");
    assert.match(debianSlim.properties.pythonVersion.description, /may be left out: 3\.11/);
    assert.equal(debianSlim.properties.pythonVersion.default, "3.11");
    assert.deepEqual(debianSlim.required, ["op"]);
  });
});

describe("specs the core accepts are valid", () => {
  const golden = goldenVectors();
  test("there are golden vectors", () => assert.ok(golden.length >= 40, `${golden.length}`));
  for (const vector of golden) {
    test(`golden ${vector.name}: spec.json and canonical.json`, () => {
      assertValid(vector.spec, "spec.json");
      assertValid(JSON.parse(vector.canonical), "canonical.json");
    });
  }
  for (const vector of resolveVectors()) {
    test(`resolution vector ${vector.name}: spec.json`, () => assertValid(vector.spec, "spec.json"));
  }
  for (const vector of lintVectors()) {
    test(`lint vector ${vector.name}: its spec and every fix's spec`, () => {
      assertValid(vector.spec, "the spec");
      for (const finding of Image.fromSpec(vector.spec).lint()) {
        if (finding.fix) assertValid(finding.fix.spec, `the fix of ${finding.rule}`);
      }
    });
  }
});

test("leaving a field out of a golden spec: the core accepts it exactly when the schema does", () => {
  let tried = 0;
  for (const vector of [...goldenVectors(), ...resolveVectors()]) {
    /** @type {Array<[string, (spec: any) => any]>} */
    const objects = [
      ["the spec", (spec) => spec],
      ["base", (spec) => spec.base],
      ...vector.spec.steps.map((/** @type {unknown} */ _, /** @type {number} */ i) => [`steps[${i}]`, (/** @type {any} */ spec) => spec.steps[i]]),
    ];
    for (const [where, at] of objects) {
      for (const field of Object.keys(at(vector.spec))) {
        const spec = structuredClone(vector.spec);
        delete at(spec)[field];
        const core = coreRefusal(spec) === null;
        const { valid, errors } = check(spec);
        assert.equal(valid, core, `${vector.name}: ${where} without ${field}: the core ${core ? "accepts" : "refuses"} it, the schema does not (${errors})`);
        tried += 1;
      }
    }
  }
  assert.ok(tried > 200, `${tried} fields tried`);
});

describe("spec error vectors", () => {
  // true: the core refuses the spec for its shape (unknown field or op, wrong type, missing
  // field, an empty list, version other than 1): the schema refuses it too. false: the core
  // refuses it for a rule a schema does not state (a value's grammar or range, a reference's
  // normalised form, the order of steps): the schema accepts it. A new vector must be added here.
  const invalidForTheSchema = {
    "spec-version": true,
    "spec-unknown-op": true,
    "spec-unknown-field": true,
    "spec-bad-step": false, // a package starting with '-' (INVALID_PACKAGE)
    "spec-normalized-mismatch": false, // `normalized` is not the normalised `ref`
    "spec-bad-base": false, // Python 2.7: out of the supported range (INVALID_PYTHON_VERSION)
    "spec-runtime-order": false, // a build step after an addLocal* step (BUILD_STEP_AFTER_RUNTIME_STEP)
    "spec-empty-packages": true,
    "spec-empty-env": true,
    "spec-empty-commands": true,
    "spec-empty-modules": true,
    "spec-not-an-object": true,
    "spec-missing-field": true,
    "spec-field-of-another-op": true,
    "spec-shell-missing": true,
    "spec-base-field-of-another-op": true,
    "spec-base-unknown-op": true,
  };
  const vectors = specErrorVectors();
  test("every spec error vector is classified", () => {
    assert.deepEqual(vectors.map((v) => v.name).sort(), Object.keys(invalidForTheSchema).sort());
  });
  for (const vector of vectors) {
    const expectInvalid = invalidForTheSchema[/** @type {keyof typeof invalidForTheSchema} */ (vector.name)];
    test(`${vector.name} (${vector.code}): ${expectInvalid ? "invalid for the schema too" : "valid for the schema, a rule beyond it"}`, () => {
      assert.equal(coreRefusal(vector.spec), vector.code, "the core's refusal");
      const { valid, errors } = check(vector.spec);
      assert.equal(valid, !expectInvalid, errors || "the schema accepts it");
    });
  }
});

describe("shapes the core refuses are invalid for the schema", () => {
  const base = { op: "debianSlim", pythonVersion: "3.12" };
  const withStep = (/** @type {object} */ step) => ({ version: 1, base, steps: [step] });
  /** @type {Array<[string, unknown]>} */
  const cases = [
    ["no base", { version: 1, steps: [] }],
    ["no version", { base, steps: [] }],
    ["version as a string", { version: "1", base, steps: [] }],
    ["an unknown top-level field", { version: 1, base, steps: [], name: "app" }],
    ["steps as an object", { version: 1, base, steps: {} }],
    ["a base without op", { version: 1, base: { pythonVersion: "3.12" } }],
    ["a fromRegistry base without ref", { version: 1, base: { op: "fromRegistry" } }],
    ["prebuilt as a string", { version: 1, base: { op: "fromRegistry", ref: "python:3.12", prebuilt: "yes" } }],
    ["a fromDockerfile base without path", { version: 1, base: { op: "fromDockerfile" } }],
    ["a step that is a string", { version: 1, base, steps: ["pipInstall numpy"] }],
    ["packages as a string", withStep({ op: "pipInstall", packages: "numpy" })],
    ["options as a number", withStep({ op: "pipInstall", packages: ["numpy"], options: 5 })],
    ["an unknown option", withStep({ op: "pipInstall", packages: ["numpy"], options: { upgrade: true } })],
    ["pre as a string", withStep({ op: "pipInstall", packages: ["numpy"], options: { pre: "yes" } })],
    ["an env value that is a number", withStep({ op: "env", values: { PORT: 8080 } })],
    ["a shell that is a string", withStep({ op: "commandShell", shell: "/bin/bash -c" })],
    ["an empty shell", withStep({ op: "commandShell", shell: [] })],
    ["an empty aptInstall", withStep({ op: "aptInstall", packages: [] })],
    ["a cmd without args", withStep({ op: "cmd" })],
    ["a $schema that is not a string", { $schema: 7, version: 1, base }],
  ];
  for (const [name, spec] of cases) {
    test(name, () => {
      assert.ok(coreRefusal(spec) !== null, "the core accepts it");
      const { valid } = check(spec);
      assert.equal(valid, false, "the schema accepts it");
    });
  }
});

describe("hand-written specs that leave out defaults", () => {
  /** @type {Array<[string, object]>} */
  const cases = [
    ["no steps, no pythonVersion", { version: 1, base: { op: "debianSlim" } }],
    ["a $schema key", { $schema: "./node_modules/@apothic/image/schema/image-spec.json", version: 1, base: { op: "debianSlim" } }],
    ["fromRegistry with only ref", { version: 1, base: { op: "fromRegistry", ref: "python:3.12-slim" } }],
    ["fromDockerfile with only path", { version: 1, base: { op: "fromDockerfile", path: "docker/app.Dockerfile" } }],
    [
      "every step with its defaults left out",
      {
        version: 1,
        base: { op: "debianSlim", pythonVersion: "3.12" },
        steps: [
          { op: "pipInstall", packages: ["numpy"] },
          { op: "uvPipInstall", packages: ["pandas"] },
          { op: "pipInstallFromRequirements", path: "requirements.txt" },
          { op: "uvPipInstallFromRequirements", path: "requirements.txt" },
          { op: "pipInstallFromPyproject", path: "pyproject.toml" },
          { op: "uvPipInstallFromPyproject", path: "pyproject.toml" },
          { op: "commandShell", shell: null },
          { op: "copyLocalDir", local: "src", remote: "/app/src" },
          { op: "addLocalDir", local: "data", remote: "/data" },
        ],
      },
    ],
  ];
  for (const [name, spec] of cases) {
    test(`${name}: the core and the schema accept it, and the full form toSpec() writes`, () => {
      const image = Image.fromSpec(spec);
      const full = image.toSpec();
      image.free();
      assertValid(spec, "the hand-written spec");
      assertValid(full, "its toSpec()");
      assert.ok(!("$schema" in full), "toSpec() writes no $schema");
    });
  }
});

test("null for a field with a default: fromSpec reads it as left out, the schema marks it (docs/api.md)", () => {
  /** @type {Array<[string, object]>} */
  const cases = [
    ["pythonVersion", { version: 1, base: { op: "debianSlim", pythonVersion: null } }],
    ["prebuilt", { version: 1, base: { op: "fromRegistry", ref: "python:3.12", prebuilt: null } }],
    ["options", { version: 1, base: { op: "debianSlim" }, steps: [{ op: "pipInstall", packages: ["numpy"], options: null }] }],
  ];
  for (const [field, spec] of cases) {
    assert.equal(coreRefusal(spec), null, `fromSpec refuses ${field}: null`);
    assert.equal(check(spec).valid, false, `the schema accepts ${field}: null`);
  }
});
