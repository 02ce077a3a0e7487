// The byte budget of one call (issue #13, holes 1 and 14a), through the built package in Node:
// 32 real symlinks `sN -> .` make 999 include paths to one 16 MiB requirements file. Before the
// budget, nodeHost fed 16 GB into wasm, which trapped (out of memory) and stayed broken. Now the
// call fails with RESOLVE_TOO_LARGE before the bytes are copied, wasm memory stays bounded, and
// the instance keeps resolving. A host listing 199,000 names of 4,000 bytes is refused before
// they are copied (it took 803 MiB of wasm memory).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ApothicError, Image, memoryHost, nodeHost } from "@apothic/image";
import { apothicErrors } from "../harness/errors.mjs";
import { wasmExports } from "./helpers.mjs";

const { rejects } = apothicErrors(ApothicError);

const MiB = 1 << 20;

/** A folder with big.txt (16 MiB, 999 includes of itself through two symlinked folders each). */
function symlinkProject() {
  const root = mkdtempSync(join(tmpdir(), "apothic-budget-"));
  let text = "";
  for (let k = 0; k < 999; k++) text += `-r s${k % 32}/s${Math.floor(k / 32) % 32}/big.txt\n`;
  text += "#" + "x".repeat(16 * MiB - text.length - 1);
  writeFileSync(join(root, "big.txt"), text);
  for (let n = 0; n < 32; n++) symlinkSync(".", join(root, `s${n}`));
  return root;
}

const image = () => Image.debianSlim().pipInstallFromRequirements("big.txt");

/** A plain project that must keep resolving after each failure. */
async function stillResolves() {
  const r = await Image.debianSlim().pipInstallFromRequirements("r.txt").resolve(memoryHost({ "r.txt": "flask\n" }));
  assert.match(r.dockerfile, /pip install/);
}

test("symlinked includes of one 16 MiB file stop at maxBytes, wasm memory stays bounded", async () => {
  const root = symlinkProject();
  try {
    const memory = (await wasmExports()).memory;
    // nodeHost without a realPath answer: the budget alone stops the walk.
    const { realPath: _, ...host } = nodeHost({ root });
    await rejects(image().resolve(host), "RESOLVE_TOO_LARGE");
    assert.ok(memory.buffer.byteLength < 1024 * MiB, `${memory.buffer.byteLength / MiB} MiB of wasm memory`);
    // A smaller budget set by the caller (a Worker) stops sooner.
    await assert.rejects(image().resolve(host, { maxBytes: 20 * MiB }), { code: "RESOLVE_TOO_LARGE" });
    await assert.rejects(image().resolve(host, { maxBytes: 0 }), { code: "INVALID_ARGUMENT" });
    await stillResolves();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("nodeHost's realPath: a file reached again through a symlink is a cycle, read once", async () => {
  const root = symlinkProject();
  try {
    const base = nodeHost({ root });
    assert.equal(await base.realPath("s3/s7/big.txt"), "big.txt");
    assert.equal(await base.realPath("s3"), ".");
    let reads = 0;
    const host = { ...base, readFile: (p) => (reads++, base.readFile(p)) };
    await assert.rejects(image().resolve(host), (e) => {
      assert.equal(e.code, "REQUIREMENTS_SYNTAX", e.message);
      assert.match(e.message, /through a symlink/);
      return true;
    });
    assert.equal(reads, 1);
    await stillResolves();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("memoryHost's realPath: one file through two symlinked folders is read once", async () => {
  const files = { "req.txt": "-r a/pins.txt\n-r b/pins.txt\n", "common/pins.txt": "flask==3.0.0\n" };
  const host = memoryHost(files, { symlinks: { a: "common", b: "./common/../common" } });
  assert.equal(await host.realPath("b/pins.txt"), "common/pins.txt");
  let reads = 0;
  const counting = { ...host, readFile: (p) => (reads++, host.readFile(p)) };
  const resolved = await Image.debianSlim().pipInstallFromRequirements("req.txt").resolve(counting);
  assert.equal(reads, 2, "req.txt and pins.txt once");
  // pip in the image still finds the include at both paths.
  const paths = resolved.context.map((f) => f.path);
  assert.ok(paths.some((p) => p.endsWith("a/pins.txt")) && paths.some((p) => p.endsWith("b/pins.txt")), paths.join(" "));
});

test("a listing of 199,000 names of 4,000 bytes is refused before it is copied", async () => {
  const memory = (await wasmExports()).memory;
  const before = memory.buffer.byteLength;
  const name = "n".repeat(3990);
  const listing = Array.from({ length: 199_000 }, (_, i) => ({ name: `${i}`.padStart(10, "0") + name, kind: "file", size: 1 }));
  const host = { readFile: () => new Uint8Array(1), readDir: (p) => (p === "proj" ? listing : []) };
  await assert.rejects(Image.debianSlim().copyLocalDir("proj", "/app").resolve(host), { code: "FOLDER_TOO_LARGE" });
  // 40 MiB of names at most were copied (the walk's 32 MiB path limit), not 760 MiB.
  assert.ok(memory.buffer.byteLength - before < 128 * MiB, `wasm memory grew ${(memory.buffer.byteLength - before) / MiB} MiB`);
  // And the byte budget: a caller's small maxBytes refuses the listing by its length alone.
  await assert.rejects(Image.debianSlim().copyLocalDir("proj", "/app").resolve(host, { maxBytes: MiB }), { code: "RESOLVE_TOO_LARGE" });
  await stillResolves();
});
