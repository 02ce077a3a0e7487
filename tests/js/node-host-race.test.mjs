// nodeHost against a process that swaps a folder of the project for a symlink out of the root
// while resolution runs (issue 13, hole 7), and its errors about such symlinks (hole 11).
//
// A real concurrent swapper (a child process) exchanges `root/sub`, a real folder, with a symlink
// to `outside/sub` in a tight loop. Every file outside holds a unique marker (and its folder a
// file named with it); for a fixed number of runs, no Dockerfile, listing, file read, digest or
// context tar may ever hold it. A run may fail (the folder is briefly missing, or the swap is
// caught): only what succeeds is checked. The same race runs once more in a child without /proc
// (a mount namespace with /proc hidden), where nodeHost falls back to its dev/inode check.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Image, nodeHost } from "@apothic/image";

const MARKER = `OUTSIDE-${randomBytes(8).toString("hex")}`;
const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const BIG = 1536 * 1024; // past nodeHost's 1 MiB synchronous read: the asynchronous path

/** The files of `sub/`, inside (clean) or outside (every one marked). */
function files(marked) {
  const tag = marked ? MARKER : "inside";
  const big = Buffer.alloc(BIG, marked ? "O" : "i");
  big.write(tag, BIG - 64);
  return {
    Dockerfile: `FROM debian:bookworm\nRUN echo ${tag}\n`,
    "requirements.txt": `six==1.16.0 # ${tag}\n`,
    "app.env": `WHO=${tag}\n`,
    "f.txt": `${tag}\n`,
    "big.bin": big,
  };
}

let base;
let root;
let outside;
let insideDigests;

/** Writes `tree` (name → contents) into `dir`. */
function write(dir, tree) {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(tree)) writeFileSync(path.join(dir, name), contents);
}

/** The child that swaps `root/sub` (a folder) with `root/sub-out` (a symlink to outside/sub). */
const SWAPPER = `
const { renameSync } = require("node:fs");
const [sub, parked, link, dwell] = process.argv.slice(1);
const hold = () => { for (const until = process.hrtime.bigint() + BigInt(dwell); process.hrtime.bigint() < until; ); };
process.stdout.write("ready\\n");
for (;;) {
  try { renameSync(sub, parked); renameSync(link, sub); hold(); renameSync(sub, link); renameSync(parked, sub); hold(); } catch {}
}`;

/**
 * Starts the swapper, which holds each state `dwellNs` nanoseconds (0: a tight loop); resolves
 * once it runs; returns a function that stops it.
 */
async function startSwapper(dwellNs) {
  const child = spawn(process.execPath, ["-e", SWAPPER, path.join(root, "sub"), path.join(root, "sub-parked"), path.join(root, "sub-out"), String(dwellNs)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout.once("data", resolve);
  });
  return async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    // Put the folder back wherever the swapper left it.
    spawnSync("sh", ["-c", `cd "${root}" && { [ -d sub-parked ] && { [ -L sub ] && mv sub sub-out; mv sub-parked sub; }; true; }`]);
  };
}

/** Names of a ustar/pax tar's members (regular headers only; enough for our tars). */
function tarNames(tar) {
  const names = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("latin1").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    names.push(name);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

/** Runs `runs` rounds of every nodeHost use against the swapper; returns counts and leaks. */
async function race(runs) {
  const host = nodeHost({ root });
  const image = Image.fromDockerfile("sub/Dockerfile", { contextDir: "sub" })
    .pipInstallFromRequirements("sub/requirements.txt")
    .envFile("sub/app.env")
    .copyLocalDir("sub", "/app");
  const leaks = [];
  const counts = { ok: 0, failed: 0, succeeded: {} };
  const check = (what, text) => {
    if (text.includes(MARKER)) leaks.push(`${what}: holds the marker`);
  };
  const attempt = async (what, run) => {
    try {
      await run();
      counts.ok += 1;
      counts.succeeded[what] = (counts.succeeded[what] ?? 0) + 1;
    } catch (error) {
      counts.failed += 1;
      // An error may say the path leaves the root; it never says where to.
      check(`${what}: error`, String(error?.message));
      if (String(error?.message).includes(outside)) leaks.push(`${what}: error names the outside folder: ${error.message}`);
    }
  };
  const stop = await startSwapper(0);
  try {
    for (let run = 0; run < runs; run++) {
      await attempt("readFile", async () => check("readFile", (await host.readFile("sub/f.txt")).toString("latin1")));
      await attempt("readFile big", async () => check("readFile big", (await host.readFile("sub/big.bin")).toString("latin1")));
      await attempt("hashFile", async () => {
        for (const name of ["f.txt", "big.bin"]) {
          const digest = await host.hashFile(`sub/${name}`);
          if (digest !== insideDigests[name]) leaks.push(`hashFile ${name}: ${digest}`);
        }
      });
      await attempt("readDir", async () => check("readDir", JSON.stringify(await host.readDir("sub"))));
      await attempt("resolve", async () => {
        const resolution = await image.resolve(host);
        check("resolve: Dockerfile", resolution.dockerfile);
        for (const entry of resolution.context) {
          check("resolve: context", entry.source);
          const name = path.posix.basename(entry.source);
          if (entry.sha256 !== insideDigests[name]) leaks.push(`resolve: hash input ${entry.source} ${entry.sha256}`);
        }
      });
      await attempt("buildContext", async () => {
        const tar = Buffer.from(await image.buildContext(host));
        check("buildContext: tar", tar.toString("latin1"));
        check("buildContext: names", tarNames(tar).join("\n"));
      });
    }
  } finally {
    await stop();
    image.free();
  }
  return { ...counts, leaks };
}

before(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), "apothic-race-")));
  root = path.join(base, "root");
  outside = path.join(base, "outside");
  write(path.join(root, "sub"), files(false));
  write(path.join(outside, "sub"), { ...files(true), [`${MARKER}.txt`]: MARKER });
  symlinkSync(path.join(outside, "sub"), path.join(root, "sub-out"));
  symlinkSync(path.join(outside, "sub"), path.join(root, "stable-out")); // left alone by the swapper
  insideDigests = Object.fromEntries(Object.entries(files(false)).map(([name, contents]) => [name, sha256(contents)]));
});
after(() => rmSync(base, { recursive: true, force: true }));

describe("nodeHost: a folder swapped for a symlink out of the root while it reads", () => {
  test("no byte from outside reaches a Dockerfile, a hash input, a listing or a tar (1,000 runs × 6 uses, /proc)", async () => {
    const result = await race(1000);
    const kinds = {};
    for (const leak of result.leaks) {
      const kind = leak.slice(0, leak.indexOf(":")) + (leak.includes(": error") ? " (error message)" : "");
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    assert.deepEqual(result.leaks.slice(0, 5), [], `${result.leaks.length} leaks in ${result.ok + result.failed} uses: ${JSON.stringify(kinds)}`);
    assert.ok(result.ok >= 20, `too few uses succeeded to say anything: ${JSON.stringify(result)}`);
  });

  // Without /proc, Node offers no way to ask where a descriptor is (no openat, no F_GETPATH): the
  // fallback re-checks the real path and the device and inode after the open, so a swap gets
  // through only if it is undone again within microseconds. The swapper here holds each state
  // for 0.2 ms, which today's code does not survive either.
  test("the same without /proc (the dev/inode fallback, a swapper holding each state 0.2 ms), in a mount namespace with /proc hidden", () => {
    const child = path.join(base, "child.mjs");
    const entry = import.meta.resolve("@apothic/image");
    writeFileSync(
      child,
      `import { nodeHost } from ${JSON.stringify(entry)};
import { existsSync, readdirSync } from "node:fs";
const [root, marker] = process.argv.slice(2);
if (existsSync("/proc/self")) throw new Error("/proc is still there");
const host = nodeHost({ root });
let ok = 0, failed = 0, leaks = 0;
const end = Date.now() + 4000;
while (Date.now() < end) {
  for (const use of [() => host.readFile("sub/f.txt"), () => host.readFile("sub/big.bin"), () => host.readDir("sub").then(JSON.stringify)]) {
    try { const got = String(await use()); ok++; if (got.includes(marker)) leaks++; } catch { failed++; }
  }
}
let refused;
try { await host.readFile("stable-out/f.txt"); } catch (error) { refused = error.code; }
console.log(JSON.stringify({ ok, failed, leaks, refused }));
`,
    );
    return (async () => {
      const stop = await startSwapper(200_000);
      let run;
      try {
        run = spawnSync("unshare", ["-m", "sh", "-c", 'mount -t tmpfs none /proc && exec "$0" "$@"', process.execPath, child, root, MARKER], { encoding: "utf8" });
      } finally {
        await stop();
      }
      assert.equal(run.status, 0, `unshare (util-linux, as root) failed: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim());
      // Without /proc the check is the documented best effort (js/node-host.js, "Swaps"): a swap
      // undone between two of our system calls can get through, and under load it did (1 in
      // 5,434 reads on a 2-core CI run). What it promises is that such leaks stay rare; the
      // guarantee of no leak at all is the /proc path's, tested above with a tight-loop swapper.
      assert.ok(result.ok > 100, JSON.stringify(result));
      assert.ok(result.leaks * 1000 <= result.ok, `more than 1 leak per 1,000 reads: ${JSON.stringify(result)}`);
      console.log(`without /proc: ${JSON.stringify(result)}`);
      assert.equal(result.refused, "EACCES", "a symlink out of the root is refused without /proc too");
    })();
  });
});

describe("nodeHost: errors about symlinks out of the root say so, and not where they lead", () => {
  test("the same error whether the target exists or not, without the target's path", async () => {
    const dir = path.join(base, "errors");
    const away = path.join(base, `away-${MARKER}`);
    write(path.join(away, "folder"), { "there.txt": "x" });
    write(dir, { "ok.txt": "ok" });
    symlinkSync(path.join(away, "folder", "there.txt"), path.join(dir, "to-file"));
    symlinkSync(path.join(away, "missing.txt"), path.join(dir, "to-missing"));
    symlinkSync(path.join(away, "folder"), path.join(dir, "to-folder"));
    symlinkSync(path.join(away, "gone"), path.join(dir, "to-gone"));
    symlinkSync(`../${path.basename(away)}`, path.join(dir, "relative"));
    const host = nodeHost({ root: dir });
    const message = async (call) => {
      const error = await call().then(
        () => assert.fail("resolved"),
        (e) => e,
      );
      assert.equal(error.code, "EACCES", error.message);
      assert.ok(!error.message.includes(MARKER) && !error.message.includes(away), `discloses the target: ${error.message}`);
      assert.match(error.message, /leads outside the root/);
      return error.message.replace(/\(".*"\)/, "(…)");
    };
    const seen = new Set();
    for (const [call, given] of [
      ["readFile", "to-file"],
      ["readFile", "to-missing"],
      ["hashFile", "to-file"],
      ["hashFile", "to-missing"],
      ["readFile", "to-folder/there.txt"],
      ["readFile", "to-folder/nothing.txt"],
      ["readFile", "to-gone/nothing.txt"],
      ["readDir", "to-folder"],
      ["readDir", "to-gone"],
      ["readFile", "relative/folder/there.txt"],
      ["readFile", "relative/folder/nothing.txt"],
    ]) {
      seen.add(`${call} ${await message(() => host[call](given))}`);
    }
    assert.equal(seen.size, 3, `one message per callback, whatever lies outside: ${[...seen].join("\n")}`);
    // A symlink inside the root that dangles is still "no such file".
    symlinkSync("nowhere", path.join(dir, "dangling"));
    await assert.rejects(host.readFile("dangling"), { code: "ENOENT" });
  });

  test("control characters in a quoted path are escaped (C0, DEL and C1)", async () => {
    const host = nodeHost({ root: base });
    const given = "a\u001b]52;c;SGk=\u0007\u007f\u009b.txt";
    const error = await host.readFile(given).then(
      () => assert.fail("resolved"),
      (e) => e,
    );
    assert.equal(error.code, "ENOENT");
    assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f]/);
    assert.ok(error.message.includes("\\u001b]52;c;SGk=\\u0007\\u007f\\u009b.txt"), error.message);
  });
});
