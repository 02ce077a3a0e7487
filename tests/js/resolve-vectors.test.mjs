// The golden resolution vectors of the core (tests/vectors-resolve), replayed through the
// packed package with memoryHost: the same Dockerfiles, image hashes, spec hashes, layers,
// context, mounts, plans and diagnostics in wasm under Node as natively.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { repo } from "./helpers.mjs";

const vectorsDir = join(repo, "tests", "vectors-resolve");

/** Every file under `dir`, as root-relative path → bytes. */
function filesUnder(dir, root = dir, out = {}) {
  if (!existsSync(dir)) return out; // git keeps no empty folder: a vector without host files
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, root, out);
    else out[relative(root, path)] = new Uint8Array(readFileSync(path));
  }
  return out;
}

/** A memoryHost with a vector's files and the extras of its host.json. */
function vectorHost(folder) {
  const extraFile = join(folder, "host.json");
  const extra = existsSync(extraFile) ? JSON.parse(readFileSync(extraFile, "utf8")) : {};
  const files = filesUnder(join(folder, "host"));
  for (const dir of extra.dirs ?? []) files[`${dir}/`] = "";
  const modes = Object.fromEntries(Object.entries(extra.modes ?? {}).map(([path, mode]) => [path, parseInt(mode, 8)]));
  const host = memoryHost(files, {
    modes,
    symlinks: extra.symlinks ?? {},
    inspectImage: async (ref) => extra.images?.[ref] ?? null,
    lookupDerived: async (hash) => extra.derived?.[hash] ?? null,
  });
  if (extra.modules) {
    host.resolvePythonModule = async (name) => {
      const found = extra.modules[name];
      if (!found) throw new Error(`no module ${name}`);
      return found;
    };
  }
  return host;
}

/** The resolution as the native test pins it (context folders are not part of the JS object). */
function pinned(folder) {
  const resolution = JSON.parse(readFileSync(join(folder, "resolution.json"), "utf8"));
  delete resolution.contextDirs;
  return resolution;
}

describe("golden resolution vectors through the package", () => {
  const names = readdirSync(vectorsDir).filter((n) => statSync(join(vectorsDir, n)).isDirectory()).sort();
  test("there are vectors to replay", () => assert.ok(names.length >= 12, `${names.length} vectors`));
  for (const name of names) {
    test(name, async () => {
      const folder = join(vectorsDir, name);
      const spec = JSON.parse(readFileSync(join(folder, "spec.json"), "utf8"));
      const resolution = await Image.fromSpec(spec).resolve(vectorHost(folder));
      assert.deepEqual(resolution, pinned(folder));
    });
  }
});
