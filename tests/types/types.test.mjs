// Type-checks usage.ts against the installed package's types: two compilers (TypeScript 5.9,
// the JavaScript one most projects use, and 7.0, the native one) × three set-ups a user has
// (NodeNext resolution with the DOM lib; Node with @types/node and no DOM; bundler resolution
// with the "browser" condition, as Vite does). Also checks that the public types hold no `any`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");

const compilers = {
  "TypeScript 5.9": join(tools, "typescript", "bin", "tsc"),
  "TypeScript 7.0": join(tools, "typescript-7", "bin", "tsc"),
};
const setups = {
  "NodeNext + DOM": {},
  "Node (@types/node, no DOM)": { lib: ["ES2022"], types: ["node"], typeRoots: [join(tools, "@types")] },
  "bundler + browser condition (Vite)": { module: "ESNext", moduleResolution: "Bundler", customConditions: ["browser"] },
};

describe("tsc --noEmit (strict) over usage.ts", () => {
  for (const [compiler, tsc] of Object.entries(compilers)) {
    for (const [setup, options] of Object.entries(setups)) {
      test(`${compiler}, ${setup}`, () => {
        const name = `tsconfig.${compiler.replace(/\W+/g, "")}.${setup.replace(/\W+/g, "")}.json`;
        writeFileSync(join(here, name), JSON.stringify({ extends: "./tsconfig.json", compilerOptions: options }, null, 2));
        try {
          execFileSync(process.execPath, [tsc, "-p", name, "--pretty", "false"], { cwd: here, encoding: "utf8", stdio: "pipe" });
        } catch (e) {
          assert.fail(`${compiler} (${setup}) found errors:\n${e.stdout}${e.stderr}`);
        }
      });
    }
  }
});

test("the public types hold no `any`", () => {
  const pkg = fileURLToPath(new URL("./", import.meta.resolve("@apothic/image/package.json")));
  const offending = [];
  for (const file of ["index.d.ts", "apothic_image.d.ts"]) {
    // The glue's own declarations (InitOutput lists the raw wasm exports) are not re-exported.
    const text = readFileSync(join(pkg, file), "utf8").replace(/export interface InitOutput \{[\s\S]*?\n\}/, "");
    text.split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$|^\s*\*.*$|\/\*.*?\*\//g, "");
      if (/\bany\b/.test(code)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offending, []);
});
