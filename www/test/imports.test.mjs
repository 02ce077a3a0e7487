// The import rule's checker (scripts/check-imports.mjs) on real files: it finds a circle however
// the modules import each other (a type import, a re-export, a dynamic import, a folder's
// index.ts), reports a shortest one, ignores packages, CSS and imports written in comments or
// strings, and finds none in the console's own src/.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { findCycles, importGraph } from "../scripts/check-imports.mjs";

const SRC = fileURLToPath(new URL("../src", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "www-imports-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** Writes `files` (path → text) into a fresh folder; returns the circles found there, as paths. */
function circles(files) {
  const dir = join(scratch, String(n++));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return findCycles(importGraph(dir)).map((c) => c.map((f) => relative(dir, f)));
}

test("the console's modules import no circle", () => {
  assert.deepEqual(findCycles(importGraph(SRC)), []);
});

test("a circle through a type import, a re-export and a dynamic import is found", () => {
  const found = circles({
    "app/layout.ts": 'import { specText } from "./output.ts";\nexport const layout = 1;\n',
    "app/output.ts": 'export { stepLabel as specText } from "./resolution.ts";\n',
    "app/resolution.ts": 'import type { Views } from "./views.ts";\nexport const stepLabel = 1;\n',
    "app/views.ts": 'export async function load() {\n  return import("./layout.ts");\n}\n',
    "app/free.ts": 'import { layout } from "./layout.ts";\n',
  });
  assert.deepEqual(found, [["app/layout.ts", "app/output.ts", "app/resolution.ts", "app/views.ts", "app/layout.ts"]]);
});

test("a folder's index.ts and a self-import count; the shortest circle is reported", () => {
  const found = circles({
    "a.ts": 'import "./b";\nimport "./c.ts";\n',
    "b/index.ts": 'import "../a.ts";\n',
    "c.ts": 'import "./d.ts";\n',
    "d.ts": 'import "./b/index.ts";\n',
    "self.ts": 'import "./self.ts";\n',
  });
  assert.deepEqual(found, [["a.ts", "b/index.ts", "a.ts"], ["self.ts", "self.ts"]]);
});

test("packages, CSS, and imports inside comments or strings are no edges", () => {
  const found = circles({
    "a.ts": [
      'import "./styles.css";',
      'import { Image } from "@apothic/image";',
      '// import { b } from "./b.ts";',
      '/* import { b } from "./b.ts"; */',
      'export const text = `import { b } from "./b.ts";`;',
      "",
    ].join("\n"),
    "b.ts": 'import { text } from "./a.ts";\n',
    "styles.css": "body {}\n",
  });
  assert.deepEqual(found, []);
});
