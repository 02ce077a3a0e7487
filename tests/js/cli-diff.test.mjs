// `apothic-image diff BEFORE AFTER`, as installed from the tarball: the unified Dockerfile diff,
// the layers line, --json, a spec on standard input, and the exit status of diff(1): 0 when the
// specs are the same, 1 when they differ, 2 on an error.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image } from "@apothic/image";
import { repo } from "../harness/vectors.mjs";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(scratch, "node_modules", ".bin", "apothic-image");

/** Runs the CLI; returns { status, out, err }. */
function cli(args, input) {
  const result = spawnSync(bin, args, { cwd: scratch, input });
  if (result.error) throw result.error;
  return { status: result.status, out: result.stdout.toString("utf8"), err: result.stderr.toString("utf8") };
}

let dir;
/** Writes `spec` (an Image's or plain data) into the scratch folder; returns its path. */
const specFile = (name, spec) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(spec instanceof Image ? spec.toSpec() : spec));
  return file;
};

const five = (value) =>
  Image.debianSlim({ pythonVersion: "3.12" })
    .aptInstall(["git"])
    .pipInstall(["numpy", "pandas"])
    .runCommands(["python -m compileall /root"])
    .env({ APP_ENV: value })
    .cmd(["python", "app.py"]);

describe("apothic-image diff", () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "apothic-diff-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("prints the unified diff and the layers line; exit status 1 when they differ", () => {
    const a = specFile("a.json", five("production"));
    const b = specFile("b.json", five("staging"));
    const { status, out, err } = cli(["diff", a, b]);
    assert.equal(err, "");
    assert.equal(status, 1);
    assert.equal(
      out,
      `--- ${a}\n+++ ${b}\n` +
        "@@ -2,5 +2,5 @@\n" +
        " RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n" +
        " RUN python -m pip install --no-cache-dir numpy pandas\n" +
        " RUN python -m compileall /root\n" +
        "-ENV APP_ENV=production\n" +
        "+ENV APP_ENV=staging\n" +
        ' CMD ["python","app.py"]\n' +
        "steps changed: 3\n" +
        "layers: 4 reused, 2 rebuild (from step 3)\n",
    );
  });

  test("identical specs: no hunk, exit status 0", () => {
    const a = specFile("same-a.json", five("x"));
    const b = specFile("same-b.json", five("x"));
    const { status, out } = cli(["diff", a, b]);
    assert.equal(status, 0);
    assert.equal(out, "identical specs\nlayers: 6 reused, 0 rebuild\n");
  });

  test("a changed base rebuilds from the base; files read are unknown until resolved", () => {
    const a = specFile("base-a.json", Image.debianSlim({ pythonVersion: "3.12" }).pipInstallFromRequirements("requirements.txt"));
    const b = specFile("base-b.json", Image.debianSlim({ pythonVersion: "3.13" }).pipInstallFromRequirements("requirements.txt"));
    const { status, out } = cli(["diff", a, b]);
    assert.equal(status, 1);
    assert.match(out, /^-FROM python:3\.12-slim-trixie\n\+FROM python:3\.13-slim-trixie\n # rendered by resolve: \{"op":"pipInstallFromRequirements"/m);
    assert.ok(out.endsWith("base changed\nlayers: 0 reused, 2 rebuild (from the base)\n"), out);
    const c = specFile("base-c.json", Image.debianSlim({ pythonVersion: "3.12" }).pipInstallFromRequirements("requirements.txt").env({ A: "1" }));
    assert.ok(cli(["diff", a, c]).out.endsWith("steps added: 1\nlayers: 1 reused, 1 rebuild (from step 1), 1 unknown until resolved (they read files)\n"));
  });

  test("--json prints the structure that Image.diff gives, the same as the vectors", () => {
    const vector = JSON.parse(readFileSync(path.join(repo, "tests", "vectors-diff", "removed-step.json"), "utf8"));
    const a = specFile("v-a.json", vector.before);
    const b = specFile("v-b.json", vector.after);
    const { status, out } = cli(["diff", "--json", a, b]);
    assert.equal(status, 1);
    assert.deepEqual(JSON.parse(out), vector.diff);
  });

  test("the hunks are those of GNU diff -u on the two Dockerfiles, for every vector that renders without files", () => {
    const vectorsDir = path.join(repo, "tests", "vectors-diff");
    let compared = 0;
    for (const name of readdirSync(vectorsDir).filter((f) => f.endsWith(".json"))) {
      const vector = JSON.parse(readFileSync(path.join(vectorsDir, name), "utf8"));
      if (vector.diff.before.unrendered.length + vector.diff.after.unrendered.length > 0) continue;
      const a = path.join(dir, `gnu-${name}.a`);
      const b = path.join(dir, `gnu-${name}.b`);
      writeFileSync(a, Image.fromSpec(vector.before).dockerfile());
      writeFileSync(b, Image.fromSpec(vector.after).dockerfile());
      const gnu = spawnSync("diff", ["-u", a, b]);
      assert.ok(gnu.status === 0 || gnu.status === 1, `diff -u: ${gnu.stderr}`);
      // GNU diff writes a count of 1 as nothing ("@@ -5 +5 @@"); its headers carry times.
      const hunks = gnu.stdout
        .toString("utf8")
        .split("\n")
        .slice(2)
        .join("\n")
        .replace(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/gm, (_, s1, n1, s2, n2) => `@@ -${s1},${n1 ?? 1} +${s2},${n2 ?? 1} @@`);
      const ours = cli(["diff", specFile(`gnu-${name}`, vector.before), specFile(`gnu2-${name}`, vector.after)]).out;
      const body = ours.split("\n").slice(ours.startsWith("--- ") ? 2 : 0, -3).join("\n");
      assert.equal(body === "" ? "" : `${body}\n`, hunks, name);
      compared += 1;
    }
    assert.ok(compared >= 8, `${compared} vectors compared`);
  });

  test("one spec may come on standard input, and needs no --root", () => {
    const a = specFile("in-a.json", five("production"));
    const { status, out } = cli(["diff", a, "-"], JSON.stringify(five("production").workdir("/srv").toSpec()));
    assert.equal(status, 1);
    assert.ok(out.startsWith(`--- ${a}\n+++ <stdin>\n`), out);
    assert.ok(out.endsWith("steps added: 5\nlayers: 6 reused, 1 rebuild (from step 5)\n"), out);
  });

  test("errors exit 2: a missing file, a bad spec, a wrong command line", () => {
    const a = specFile("ok.json", five("production"));
    const missing = cli(["diff", a, path.join(dir, "nope.json")]);
    assert.equal(missing.status, 2);
    assert.match(missing.err, /^apothic-image: error ENOENT: /);
    const bad = specFile("bad.json", { version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "aptInstall", packages: ["-x"] }] });
    const invalid = cli(["diff", a, bad]);
    assert.equal(invalid.status, 2);
    assert.match(invalid.err, /^apothic-image: error INVALID_PACKAGE: /);
    assert.match(invalid.err, /in: .*bad\.json/);
    for (const args of [["diff", a], ["diff", a, a, a], ["diff", "-", "-"], ["diff", "--root", ".", a, a]]) {
      const usage = cli(args);
      assert.equal(usage.status, 2, args.join(" "));
      assert.match(usage.err, /^apothic-image: error USAGE: /);
    }
    assert.equal(cli(["diff", "--help"]).status, 0);
    assert.match(cli(["diff", "--help"]).out, /^Usage: apothic-image diff \[options\] BEFORE AFTER/);
  });

  test("past its work limit: DIFF_TOO_LARGE, exit 2", () => {
    const many = (tag) => ({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: Array.from({ length: 2000 }, (_, i) => ({ op: "runCommands", commands: [`echo ${tag} ${i}`] })) });
    const { status, err } = cli(["diff", specFile("many-a.json", many("a")), specFile("many-b.json", many("b"))]);
    assert.equal(status, 2);
    assert.match(err, /^apothic-image: error DIFF_TOO_LARGE: comparing 2000 steps with 2000/);
  });

  test("--resolve compares the resolved images: a changed requirements file rebuilds from its step", () => {
    const spec = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["git"]).pipInstallFromRequirements("req.txt").runCommands(["echo done"]);
    const side = (name, requirements) => {
      mkdirSync(path.join(dir, name), { recursive: true });
      writeFileSync(path.join(dir, name, "req.txt"), requirements);
      return specFile(path.join(name, "spec.json"), spec);
    };
    const a = side("resolve-a", "flask\n");
    const b = side("resolve-b", "flask\nrequests\n");
    // Without --resolve: the same specs, their file layers unknown.
    const pure = cli(["diff", a, b]);
    assert.deepEqual([pure.status, pure.out], [0, "identical specs\nlayers: 2 reused, 0 rebuild, 2 unknown until resolved (they read files)\n"]);
    // Each resolved from its own folder: the requirements layer and the one after it rebuild.
    const resolved = cli(["diff", "--resolve", a, b]);
    assert.equal(resolved.err, "");
    assert.deepEqual([resolved.status, resolved.out], [1, "same specs, other files\nlayers: 2 reused, 2 rebuild (from step 1: its files changed)\n"]);
    const asJson = cli(["diff", "--resolve", "--json", a, b]);
    const d = JSON.parse(asJson.out);
    assert.deepEqual(d.layers.map((l) => l.reason), ["unchanged", "unchanged", "filesChanged", "afterRebuild"]);
    assert.match(d.before.imageHash, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(d.before.imageHash, d.after.imageHash);
    // Both from one --root: the same files, identical images, exit 0.
    const rooted = cli(["diff", "--resolve", "--root", path.join(dir, "resolve-a"), a, b]);
    assert.deepEqual([rooted.status, rooted.out], [0, "identical images\nlayers: 4 reused, 0 rebuild\n"]);
    // A spec on standard input needs --root; a missing file is the resolve error, exit 2.
    const stdin = cli(["diff", "--resolve", a, "-"], JSON.stringify(spec.toSpec()));
    assert.equal(stdin.status, 2);
    assert.match(stdin.err, /^apothic-image: error USAGE: a spec on standard input needs --root/);
    rmSync(path.join(dir, "resolve-b", "req.txt"));
    const missing = cli(["diff", "--resolve", a, b]);
    assert.equal(missing.status, 2);
    assert.match(missing.err, /^apothic-image: error FILE_NOT_FOUND: /);
  });
});
