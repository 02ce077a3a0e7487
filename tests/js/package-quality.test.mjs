// The checks a maintainer runs before publishing, over the installed package (its files are the
// tarball's): publint (strict), Are the Types Wrong (every entry, resolution modes node10,
// node16 from CommonJS and from ESM, bundler) and `npm publish --dry-run` (what would be
// published is exactly the files the package lists, with public access for the scoped name).
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { packageDir } from "./helpers.mjs";

const tools = process.env.APOTHIC_NPM_TOOLS;
assert.ok(tools, "APOTHIC_NPM_TOOLS (scripts/tools/node_modules) is not set; run scripts/test-js.sh");
const repoRoot = process.env.APOTHIC_REPO ?? assert.fail("APOTHIC_REPO (the repository) is not set; run scripts/test-js.sh");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));

/** A scratch copy of the installed package and its tarball (npm pack), for the tools that pack. */
let work = "";
let tarball = "";
before(() => {
  work = mkdtempSync(join(tmpdir(), "apothic-quality-"));
  cpSync(packageDir, join(work, "package"), { recursive: true });
  const packed = spawnSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: join(work, "package"), encoding: "utf8" });
  assert.equal(packed.status, 0, packed.stderr);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")) ?? assert.fail("npm pack made no tarball"));
});
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs a tool's script with this Node; answers its exit status and output, without colour: the
 * tools colour their output when `CI` is set even into a pipe, so colour is turned off and any
 * escape left is stripped.
 */
function tool(script, args, cwd = work) {
  const { FORCE_COLOR: _forced, ...inherited } = process.env;
  const env = { ...inherited, NO_COLOR: "1" };
  const child = spawnSync(process.execPath, [join(tools, ...script), ...args], { cwd, encoding: "utf8", env });
  const out = `${child.stdout}${child.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  return { status: child.status, out };
}

test("publint --strict: no error, no warning; the one suggestion is the top-level browser field, kept for Parcel", () => {
  const { status, out } = tool(["publint", "src", "cli.js"], [join(work, "package"), "--strict"]);
  assert.equal(status, 0, out);
  assert.doesNotMatch(out, /Errors?:|Warnings?:/, out);
  // Parcel reads `exports` only when a project opts in (packageExports); without the field it
  // took `main` (node.cjs, node: modules) for a page. Bundlers that read `exports` ignore it.
  const suggestions = out.split("\n").filter((line) => /^\d+\. /.test(line));
  assert.equal(suggestions.length, 1, out);
  assert.match(suggestions[0], /^1\. pkg\.browser with a string value/);
});

describe("Are the Types Wrong (node10, node16 from CJS, node16 from ESM, bundler)", () => {
  /**
   * attw over `entrypoints`, ignoring the rules `ignore`; answers its exit status, the problems it
   * found (the ignored ones too, as "kind entry mode") and the declaration file each entry resolves
   * to in each mode.
   */
  const attw = (entrypoints, ignore = []) => {
    const args = [tarball, "--format", "json", "--entrypoints", ...entrypoints];
    if (ignore.length > 0) args.push("--ignore-rules", ...ignore);
    const { status, out } = tool(["@arethetypeswrong", "cli", "dist", "index.js"], args);
    const report = JSON.parse(out.slice(out.indexOf("{")));
    const problems = Object.values(report.problems ?? {}).flat().map((p) => `${p.kind} ${p.entrypoint} ${p.resolutionKind}`).sort();
    const resolutions = Object.fromEntries(
      Object.entries(report.analysis.entrypoints).map(([entry, { resolutions }]) => [
        entry,
        Object.fromEntries(Object.entries(resolutions).map(([mode, r]) => [mode, r.resolution?.fileName?.replace(/^\/node_modules\/@apothic\/image\//, "") ?? null])),
      ]),
    );
    return { status, problems, resolutions };
  };

  test("'.': CommonJS (node.cjs, index.d.cts) under node10 and node16-cjs, ESM elsewhere; no problem", () => {
    const { status, problems, resolutions } = attw([".", "./package.json"]);
    assert.deepEqual(problems, []);
    assert.equal(status, 0);
    assert.deepEqual(resolutions["."], { node10: "index.d.cts", "node16-cjs": "index.d.cts", "node16-esm": "index.d.ts", bundler: "index.d.ts" });
  });

  test("'./runtime': Node's, CommonJS and ESM; a bundler without the node condition resolves nothing (as meant)", () => {
    const { status, problems, resolutions } = attw(["./runtime"], ["no-resolution"]);
    assert.deepEqual(problems, ["NoResolution ./runtime bundler"]);
    assert.equal(status, 0);
    assert.deepEqual(resolutions["./runtime"], { node10: "runtime/runtime.d.ts", "node16-cjs": "runtime/runtime.d.cts", "node16-esm": "runtime/runtime.d.ts", bundler: null });
  });

  test("'./web', './inline': the browser entries are ES modules (require() only where Node has require(esm))", () => {
    const { status, problems, resolutions } = attw(["./web", "./inline"], ["cjs-resolves-to-esm"]);
    assert.deepEqual(problems, ["CJSResolvesToESM ./inline node16-cjs", "CJSResolvesToESM ./web node16-cjs"]);
    assert.equal(status, 0);
    for (const entry of ["./web", "./inline"]) assert.deepEqual(resolutions[entry], { node10: "index.d.ts", "node16-cjs": "index.d.ts", "node16-esm": "index.d.ts", bundler: "index.d.ts" });
  });
});

test("repository, homepage and bugs name the project's one public home, in the forms npm reads (the crate names the same)", () => {
  const packed = JSON.parse(readFileSync(join(work, "package", "package.json"), "utf8"));
  const home = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(packed.repository?.url ?? "");
  assert.ok(home, `repository.url is a git+https URL of a repository: ${JSON.stringify(packed.repository)}`);
  assert.equal(packed.repository.type, "git");
  assert.equal(packed.homepage, `${home[1]}#readme`);
  assert.deepEqual(packed.bugs, { url: `${home[1]}/issues` });
  const crate = readFileSync(join(repoRoot, "Cargo.toml"), "utf8");
  assert.match(crate, new RegExp(`^repository = "${home[1].replace(/[.]/g, "\\.")}"$`, "m"));
});

test("npm publish --dry-run would publish exactly package.json and the listed files, publicly", () => {
  const child = spawnSync("npm", ["publish", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(work, "package"), encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout);
  const published = (report[manifest.name] ?? report).files.map((f) => f.path).sort();
  assert.deepEqual(published, ["package.json", ...manifest.files].sort());
  assert.deepEqual(manifest.publishConfig, { access: "public" }, "a scoped package is published restricted unless told otherwise");
  assert.match(child.stderr, /with tag latest and public access/);
});
