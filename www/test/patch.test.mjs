// A form edit written into the user's TypeScript (src/core/chain/patch.ts, compiled to build/core):
// comments and formatting outside the changed arguments survive every kind of form edit, and code
// that does not parse is never replaced.

import assert from "node:assert/strict";
import { test } from "node:test";
import { modelToCode, parseModel, patchCode } from "../build/core/chain.js";
import { cloneModel, newCall } from "../build/core/model.js";

const CODE = `import { Image } from "@apothic/image";

// Our service image.
export const image = Image.debianSlim({ pythonVersion: "3.12" }) // pinned by ops
  // system tools
  .aptInstall(["git", /* for clones */ "curl"])
  /* settings */
  .env({ APP_ENV: "production" }) // prod
  .workdir("/app");
// end
`;

const COMMENTS = ["// Our service image.", "// pinned by ops", "// system tools", "/* for clones */", "/* settings */", "// prod", "// end"];

function model(code) {
  const parsed = parseModel(code);
  assert.ok(parsed.ok, "the code parses");
  return cloneModel(parsed.chain.model);
}

/** Patches, checks the result parses to `next`, and returns it. */
function patch(next) {
  const out = patchCode(CODE, next, modelToCode);
  assert.ok(out.ok && out.kept);
  assert.equal(modelToCode(model(out.code)), modelToCode(next), "the patched code says what the forms say");
  return out.code;
}

test("a changed argument is rewritten in place; every comment stays", () => {
  const m = model(CODE);
  m.base.f.pythonVersion = "3.13";
  const code = patch(m);
  for (const c of COMMENTS) assert.ok(code.includes(c), c);
  assert.equal(code, CODE.replace('{ pythonVersion: "3.12" }', '{ pythonVersion: "3.13" }'));
});

test("an edit inside one argument leaves the other arguments' text (and comments) alone", () => {
  const m = model(CODE);
  m.steps[2].f.path = "/srv";
  assert.equal(patch(m), CODE.replace('"/app"', '"/srv"'));
});

test("adding, moving and deleting steps keeps the comments of the steps that stay", () => {
  const m = model(CODE);
  const add = newCall("runCommands");
  add.f.commands = ["echo hi"];
  m.steps.push(add);
  let code = patch(m);
  for (const c of COMMENTS) assert.ok(code.includes(c), c);
  assert.match(code, /\.workdir\("\/app"\)\n {2}\.runCommands\(\["echo hi"\]\);\n\/\/ end\n$/);

  const moved = model(CODE);
  moved.steps = [moved.steps[1], moved.steps[0], moved.steps[2]];
  code = patch(moved);
  for (const c of COMMENTS) assert.ok(code.includes(c), c);
  assert.ok(code.indexOf("/* settings */") < code.indexOf("// system tools"), "a moved step takes its comments along");

  const deleted = model(CODE);
  deleted.steps.splice(0, 1);
  code = patch(deleted);
  assert.ok(!code.includes("aptInstall"));
  for (const c of COMMENTS.filter((c) => c !== "// system tools" && c !== "/* for clones */")) assert.ok(code.includes(c), c);
});

test("code that does not parse is not replaced", () => {
  const broken = CODE.replace('"curl"])', '"curl"');
  assert.deepEqual(patchCode(broken, model(CODE), modelToCode), { ok: false });
});
