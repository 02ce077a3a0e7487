// CommonJS consumers of the installed package: require() on a Node without require(esm) (Node
// 18.20.8 from scripts/tools' node18, and this Node with require(esm) turned off, as on Node 20
// before 20.19), default-mode Jest (its own CommonJS loader), and the one-instance rule on a Node
// with require(esm): there the "module-sync" condition gives require() the ES module import
// gets. Each gives the same Dockerfile and definition hash as the ES module entry here.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image } from "@apothic/image";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");
const NODE18 = join(tools, "node18", "bin", "node");

const expected = (() => {
  const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
  return { dockerfile: image.dockerfile(), hash: image.definitionHash(), code: "INVALID_PACKAGE" };
})();

/** CommonJS code that requires the package and prints what `expected` holds, and where it resolved. */
const requireApp = `const { Image, ApothicError } = require("@apothic/image");
const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
let code; try { image.pipInstall(["-e ."]); } catch (e) { code = e instanceof ApothicError && e.code; }
console.log(JSON.stringify({ resolved: require.resolve("@apothic/image"), dockerfile: image.dockerfile(), hash: image.definitionHash(), code }));`;

/** Runs `node -e source` from the scratch project; answers its parsed JSON output. */
function run(node, args, source) {
  const out = execFileSync(node, [...args, "-e", source], { cwd: scratch, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out);
}

describe("require() where Node has no require(esm)", () => {
  test("Node 18.20.8: require() gives node.cjs, with the same Dockerfile, hash and error class", () => {
    assert.equal(execFileSync(NODE18, ["--version"], { encoding: "utf8" }).trim(), "v18.20.8");
    const { resolved, ...result } = run(NODE18, [], requireApp);
    assert.ok(resolved.endsWith("/node_modules/@apothic/image/node.cjs"), resolved);
    assert.deepEqual(result, expected);
  });

  test("Node 18.20.8: import() gives node.js, the same again", () => {
    const result = run(NODE18, ["--input-type=module"], `import { Image } from "@apothic/image";
      const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
      console.log(JSON.stringify({ dockerfile: image.dockerfile(), hash: image.definitionHash(), code: "INVALID_PACKAGE" }));`);
    assert.deepEqual(result, expected);
  });

  test("Node 18.20.8: require('@apothic/image/runtime') gives its CommonJS build", () => {
    const result = run(NODE18, [], `const r = require("@apothic/image/runtime");
      console.log(JSON.stringify({ resolved: require.resolve("@apothic/image/runtime"), keys: Object.keys(r).sort() }));`);
    assert.ok(result.resolved.endsWith("/node_modules/@apothic/image/runtime/index.cjs"), result.resolved);
    assert.deepEqual(result.keys, ["LOCAL_REPOSITORY", "dockerEngine", "ensure", "run", "stepOfInstruction"]);
  });

  test(`Node ${process.version} with --no-experimental-require-module: require() gives node.cjs`, () => {
    const { resolved, ...result } = run(process.execPath, ["--no-experimental-require-module"], requireApp);
    assert.ok(resolved.endsWith("/node_modules/@apothic/image/node.cjs"), resolved);
    assert.deepEqual(result, expected);
  });
});

test(`Node ${process.version} (require(esm)): require() and import give the same instance`, () => {
  const result = run(process.execPath, ["--input-type=module"], `import { createRequire } from "node:module";
    import * as esm from "@apothic/image";
    const cjs = createRequire(import.meta.url)("@apothic/image");
    console.log(JSON.stringify({ image: cjs.Image === esm.Image, error: cjs.ApothicError === esm.ApothicError }));`);
  assert.deepEqual(result, { image: true, error: true });
});

test("default-mode Jest (CommonJS, no flags) requires the package and passes", () => {
  const dir = mkdtempSync(join(scratch, "jest-"));
  try {
    // A CommonJS project (no "type": "module"), as `npm init` and Jest's docs make it.
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "jest-app", private: true }));
    writeFileSync(
      join(dir, "image.test.js"),
      `const { Image, ApothicError } = require("@apothic/image");
test("builds", () => {
  const image = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]);
  expect(image.dockerfile()).toBe(${JSON.stringify(expected.dockerfile)});
  expect(image.definitionHash()).toBe(${JSON.stringify(expected.hash)});
  expect(() => image.pipInstall(["-e ."])).toThrow(ApothicError);
});
`,
    );
    const child = spawnSync(process.execPath, [join(tools, "jest", "bin", "jest.js"), "--ci", "--rootDir", dir], { cwd: dir, encoding: "utf8" });
    assert.equal(child.status, 0, `jest failed:\n${child.stdout}\n${child.stderr}`);
    assert.match(child.stderr, /Tests:\s+1 passed, 1 total/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
