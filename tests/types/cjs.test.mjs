// Type-checks tests/types/cjs (a CommonJS TypeScript project, `module: node16`) against the
// installed package with both compilers: its "require" condition has CommonJS declarations
// (index.d.cts), so no TS1479 ("the referenced file is an ECMAScript module").
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const project = fileURLToPath(new URL("./cjs/", import.meta.url));
const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");

for (const [compiler, tsc] of [["TypeScript 5.9", join(tools, "typescript", "bin", "tsc")], ["TypeScript 7.0", join(tools, "typescript-7", "bin", "tsc")]]) {
  test(`${compiler}, CommonJS project (module node16): no errors, the types come from index.d.cts`, () => {
    let out;
    try {
      out = execFileSync(process.execPath, [tsc, "-p", ".", "--pretty", "false", "--traceResolution", "--typeRoots", join(tools, "@types")], { cwd: project, encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      assert.fail(`${compiler} found errors:\n${e.stdout.split("\n").filter((l) => /error TS/.test(l)).join("\n")}${e.stderr}`);
    }
    assert.match(out, /'@apothic\/image' was successfully resolved to '[^']*\/@apothic\/image\/index\.d\.cts'/);
  });
}
