// The console's import rule: no import circle among the modules of www/src. `node
// scripts/check-imports.mjs [dir]` reads every .ts file under dir (default: src), takes its
// imports (static, `import type`, `export … from` and dynamic `import("…")`, read by TypeScript's
// own pre-processor, so comments and strings are never mistaken for imports), follows the relative
// ones, and fails with each circle it finds. Run by scripts/test.sh before the build.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The .ts files under `dir`, as absolute paths. */
function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.isFile() && e.name.endsWith(".ts") ? [path] : [];
  });
}

/** The file a relative specifier names (null for packages and for non-TypeScript files such as CSS). */
function target(from, spec) {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return null;
  const path = resolve(dirname(from), spec);
  if (path.endsWith(".ts")) return path;
  for (const candidate of [`${path}.ts`, join(path, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* not this one */
    }
  }
  return null;
}

/** The import graph of the .ts files under `dir`: file → the files it imports. */
export function importGraph(dir) {
  const graph = new Map();
  for (const file of tsFiles(resolve(dir))) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const deps = new Set();
    for (const { fileName } of info.importedFiles) {
      const to = target(file, fileName);
      if (to) deps.add(to);
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/**
 * The import circles of `graph`: one circle (a list of files, the first repeated at the end) for
 * each group of files that reach each other (Tarjan's strongly connected components).
 */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(circleIn(graph, new Set(group), v));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One circle through `start` inside `group` (breadth-first, so it is a shortest one). */
function circleIn(graph, group, start) {
  const prev = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const www = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const dir = resolve(www, process.argv[2] ?? "src");
  const graph = importGraph(dir);
  const cycles = findCycles(graph);
  for (const c of cycles) console.error(`import circle: ${c.map((f) => relative(dir, f)).join(" → ")}`);
  if (cycles.length) {
    const where = dir.startsWith(www) ? relative(www, dir) || "." : dir;
    console.error(`www: ${cycles.length} import circle${cycles.length === 1 ? "" : "s"} in ${where} (break them: a module may not reach itself through its imports)`);
    process.exit(1);
  }
  console.log(`www: no import circles among ${graph.size} modules`);
}
