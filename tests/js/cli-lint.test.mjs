// `apothic-image lint SPEC`, as installed from the tarball: its lines, --json, --fail-on and
// its exit status, --no-resolve, and the env file a spec names read through the spec's folder.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image } from "@apothic/image";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(scratch, "node_modules", ".bin", "apothic-image");

/** Runs the CLI; returns { status, out, err }. */
function cli(args) {
  const result = spawnSync(bin, args, { cwd: scratch });
  if (result.error) throw result.error;
  return { status: result.status, out: result.stdout.toString("utf8"), err: result.stderr.toString("utf8") };
}

let dir;
/** Writes a spec of `image` into the project; returns its path. */
const specOf = (name, image) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(image.toSpec()));
  return file;
};

describe("apothic-image lint", () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "apothic-lint-"));
    writeFileSync(path.join(dir, ".env"), "DATABASE_URL=postgres://acme:secret@db:5432/app\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("prints one line a finding and exits 1 on an error", () => {
    const spec = specOf("secret.json", Image.debianSlim().env({ DB_PASSWORD: "hunter2" }));
    const { status, out } = cli(["lint", spec]);
    assert.equal(status, 1);
    const lines = out.trimEnd().split("\n");
    assert.equal(lines.length, 2, out);
    assert.match(lines[0], new RegExp(`^${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: base: AL301 runs-as-root \\(info\\): `));
    assert.match(lines[1], /: step 0: AL101 secret-in-env \(error\): `DB_PASSWORD` is named like a secret/);
    assert.ok(!out.includes("hunter2"));
  });

  test("--fail-on sets which severity fails; never never does", () => {
    const spec = specOf("unpinned.json", Image.debianSlim().pipInstall(["numpy"]));
    assert.equal(cli(["lint", spec]).status, 0);
    assert.equal(cli(["lint", "--fail-on", "warning", spec]).status, 1);
    assert.equal(cli(["lint", "--fail-on", "info", spec]).status, 1);
    const secret = specOf("secret2.json", Image.debianSlim().env({ API_TOKEN: "x1" }));
    assert.equal(cli(["lint", "--fail-on", "never", secret]).status, 0);
  });

  test("a wrong --fail-on is a usage error (exit 2)", () => {
    const spec = specOf("plain.json", Image.debianSlim());
    const { status, err } = cli(["lint", "--fail-on", "fatal", spec]);
    assert.equal(status, 2);
    assert.match(err, /--fail-on takes error, warning, info or never/);
  });

  test("--json prints the findings with their fixes", () => {
    const spec = specOf("fix.json", Image.debianSlim().env({ DB_PASSWORD: "hunter2", APP: "x" }));
    const findings = JSON.parse(cli(["lint", "--json", spec]).out);
    const secret = findings.find((f) => f.rule === "AL101");
    assert.equal(secret.step, 0);
    assert.deepEqual(secret.fix.spec.steps, [{ op: "env", values: { APP: "x" } }]);
  });

  test("reads the env file a spec names, unless --no-resolve", () => {
    const spec = specOf("envfile.json", Image.debianSlim().envFile(".env"));
    const resolved = cli(["lint", spec]);
    assert.equal(resolved.status, 1);
    assert.match(resolved.out, /step 0: AL102 secret-in-env-file \(error\): the value of `DATABASE_URL` holds a password/);
    const specOnly = cli(["lint", "--no-resolve", spec]);
    assert.equal(specOnly.status, 0);
    assert.ok(!specOnly.out.includes("AL102"));
  });

  test("help lists the command and its options", () => {
    assert.match(cli(["--help"]).out, /lint SPEC/);
    assert.match(cli(["help", "lint"]).out, /--fail-on LEVEL/);
  });
});
