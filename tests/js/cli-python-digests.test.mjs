// `apothic-image --managed-python-sha256 FILE=HEX` (repeatable): the digests reach
// `managedPython.sha256`, so the managed CPython install checks its tarball before extracting;
// a malformed entry is a usage error (exit 2) and a bad digest the core's INVALID_ARGUMENT (exit 1).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image } from "@apothic/image";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(scratch, "node_modules", ".bin", "apothic-image");
const TARBALL = "cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz";
const HEX = "0123456789abcdef".repeat(4);

function cli(args) {
  const result = spawnSync(bin, args, { cwd: scratch, maxBuffer: 1 << 24 });
  if (result.error) throw result.error;
  return { status: result.status, out: result.stdout.toString("utf8"), err: result.stderr.toString("utf8") };
}

let dir;
let spec;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-digests-"));
  spec = path.join(dir, "spec.json");
  const image = Image.fromRegistry("ubuntu:24.04", { addPython: "3.12" });
  writeFileSync(spec, JSON.stringify(image.toSpec()));
  image.free();
});
after(() => rmSync(dir, { recursive: true }));

test("a digest for the chosen tarball is checked before extracting; others are not used", () => {
  const run = cli(["render", "--managed-python-sha256", `other.tar.gz=${"ab".repeat(32)}`, "--managed-python-sha256", `${TARBALL}=${HEX}`, spec]);
  assert.equal(run.status, 0, run.err);
  assert.ok(run.out.includes(`echo "${HEX}  /tmp/apothic-python.tar.gz" | sha256sum -c - && tar -xzf`), run.out);
  const plain = cli(["render", spec]);
  assert.equal(plain.status, 0, plain.err);
  assert.ok(!plain.out.includes("sha256sum"), plain.out);
});

test("an entry without FILE= is a usage error; a bad digest is the core's INVALID_ARGUMENT", () => {
  for (const entry of [HEX, `=${HEX}`]) {
    const run = cli(["render", "--managed-python-sha256", entry, spec]);
    assert.equal(run.status, 2, run.err);
    assert.match(run.err, /--managed-python-sha256 takes FILE=HEX/);
  }
  const bad = cli(["render", "--managed-python-sha256", `${TARBALL}=sha256:${HEX.slice(7)}`, spec]);
  assert.equal(bad.status, 1, bad.err);
  assert.match(bad.err, /INVALID_ARGUMENT/);
  assert.match(bad.err, /managedPython\.sha256/);
});
