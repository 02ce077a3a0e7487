// The ready-made hosts on their own, called directly as resolution calls them: memoryHost (every
// entry) and nodeHost (the Node entry; a stub that throws in the others). Listings, sizes,
// modes, symlinks (reported, not followed by listings; refused when they leave the root), `..`
// and absolute-path escapes, missing files, hashFile against node:crypto, Python module lookup.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { memoryHost, nodeHost } from "@apothic/image";
import * as web from "@apothic/image/web";

const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const text = (bytes) => new TextDecoder().decode(bytes);

/** Asserts that `promise` rejects with an Error of `code` whose message holds every `parts`. */
async function rejects(promise, code, ...parts) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof Error, `not an Error: ${error}`);
    assert.equal(error.code, code, error.message);
    for (const part of parts) assert.ok(error.message.includes(part), `${JSON.stringify(error.message)} lacks ${JSON.stringify(part)}`);
    return true;
  });
}

/** Writes `files` (path → string | Buffer) under `root`. */
function writeTree(root, files) {
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
}

describe("memoryHost", () => {
  const files = {
    "README.md": "# hi\n",
    "./src//app/__init__.py": "",
    "src/app/main.py": "print('é')\n",
    "/src/app/util/helpers.py": new Uint8Array([1, 2, 3]),
    "bin/run.sh": "#!/bin/sh\n",
    "empty/": "",
  };
  const host = memoryHost(files, { modes: { "./bin/run.sh": 0o755 } });

  test("readDir lists direct children, sorted, with sizes and modes", async () => {
    assert.deepEqual(await host.readDir("."), [
      { name: "README.md", kind: "file", size: 5, mode: 0o644 },
      { name: "bin", kind: "dir", size: 0, mode: 0o755 },
      { name: "empty", kind: "dir", size: 0, mode: 0o755 },
      { name: "src", kind: "dir", size: 0, mode: 0o755 },
    ]);
    assert.deepEqual(await host.readDir("src/app"), [
      { name: "__init__.py", kind: "file", size: 0, mode: 0o644 },
      { name: "main.py", kind: "file", size: 12, mode: 0o644 }, // "é" is two bytes in UTF-8
      { name: "util", kind: "dir", size: 0, mode: 0o755 },
    ]);
    assert.deepEqual(await host.readDir("bin"), [{ name: "run.sh", kind: "file", size: 10, mode: 0o755 }]);
    assert.deepEqual(await host.readDir("empty"), []);
  });

  test("paths: './', repeated '/', '..' inside the tree, and '/x' as root-relative all name the same file", async () => {
    for (const path of ["src/app/main.py", "./src/app/main.py", "src//app/./main.py", "/src/app/main.py", "src/app/util/../main.py"]) {
      assert.equal(text(await host.readFile(path)), "print('é')\n", path);
    }
    for (const path of ["", ".", "./", "/", "src/.."]) assert.equal((await host.readDir(path)).length, 4, path);
  });

  test("readFile returns a copy of the bytes (strings as UTF-8)", async () => {
    const bytes = await host.readFile("src/app/util/helpers.py");
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes], [1, 2, 3]);
    bytes[0] = 99;
    assert.deepEqual([...(await host.readFile("src/app/util/helpers.py"))], [1, 2, 3]);
    const source = new Uint8Array([7]);
    const copied = memoryHost({ f: source });
    source[0] = 8;
    assert.deepEqual([...(await copied.readFile("f"))], [7], "the host copies the caller's bytes");
  });

  test("a Map works as well as an object", async () => {
    const fromMap = memoryHost(new Map([["a/b.txt", "x"], ["c", new Uint8Array([0])]]));
    assert.deepEqual((await fromMap.readDir(".")).map((e) => e.name), ["a", "c"]);
    assert.equal(text(await fromMap.readFile("a/b.txt")), "x");
  });

  test("missing paths, files as folders and folders as files reject naming the path", async () => {
    await rejects(host.readFile("nope.txt"), "ENOENT", "readFile", '"nope.txt"');
    await rejects(host.readFile("src/nope/x.py"), "ENOENT", '"src/nope/x.py"', '"src/nope"');
    await rejects(host.readDir("nope"), "ENOENT", "readDir", '"nope"');
    await rejects(host.readFile("src"), "EISDIR", '"src"');
    await rejects(host.readDir("README.md"), "ENOTDIR", '"README.md"');
    await rejects(host.readFile("README.md/x"), "ENOTDIR", '"README.md/x"');
  });

  test("'..' may not go above the root", async () => {
    for (const path of ["..", "../x", "src/../../README.md", "/../README.md", "./../src"]) {
      await rejects(host.readFile(path), "EACCES", JSON.stringify(path), "root");
      await rejects(host.readDir(path), "EACCES", JSON.stringify(path));
    }
  });

  test("bad keys and options are TypeErrors at construction", () => {
    const bad = [
      [{ "../x": "" }, "goes above the root"],
      [{ "a/../../x": "" }, "goes above the root"],
      [{ "": "" }, "names the root"],
      [{ "/": "" }, "names the root"],
      [{ "./": "" }, "names the root"],
      [{ a: "1", "./a": "2" }, "same path"],
      [{ a: "1", "a/b": "2" }, "folder"],
      [{ "a/b": "2", a: "1" }, "folder"],
      [{ a: 42 }, "string or a Uint8Array"],
      [{ a: null }, "string or a Uint8Array"],
      [{ "a\0b": "" }, "NUL"],
    ];
    for (const [input, message] of bad) {
      assert.throws(() => memoryHost(input), (e) => e instanceof TypeError && e.message.includes(message), JSON.stringify(input));
    }
    assert.throws(() => memoryHost("a"), TypeError);
    assert.throws(() => memoryHost(null), TypeError);
    assert.throws(() => memoryHost(["a"]), TypeError);
    assert.throws(() => memoryHost({ a: "" }, { modes: { b: 0o755 } }), /not one of the files/);
    assert.throws(() => memoryHost({ a: "" }, { modes: { a: "755" } }), /permission bits/);
    assert.throws(() => memoryHost({ a: "" }, { modes: { a: 0o10000 } }), /permission bits/);
    assert.throws(() => memoryHost({ a: "" }, { pythonpath: ["x"] }), /unknown option "pythonpath"/);
    assert.throws(() => memoryHost({ a: "" }, { inspectImage: "x" }), /inspectImage must be a function/);
    assert.throws(() => memoryHost({ a: "" }, { pythonPath: [".."] }), /above the root/);
  });

  test("symlinks are listed as symlinks, followed inside the root, refused outside it", async () => {
    const linked = memoryHost(
      { "src/app/main.py": "x = 1\n", "other/data.txt": "data" },
      { symlinks: { "src/app/link.py": "main.py", "src/lib": "../other", "src/up": "../../outside", "src/abs": "/other/data.txt", "loop/a": "b", "loop/b": "a" } },
    );
    assert.deepEqual(await linked.readDir("src"), [
      { name: "abs", kind: "symlink", size: 15, mode: 0o777 },
      { name: "app", kind: "dir", size: 0, mode: 0o755 },
      { name: "lib", kind: "symlink", size: 8, mode: 0o777 },
      { name: "up", kind: "symlink", size: 13, mode: 0o777 },
    ]);
    assert.deepEqual((await linked.readDir("src/app")).map((e) => [e.name, e.kind]), [["link.py", "symlink"], ["main.py", "file"]]);
    assert.equal(text(await linked.readFile("src/app/link.py")), "x = 1\n");
    assert.equal(text(await linked.readFile("src/lib/data.txt")), "data");
    assert.equal(text(await linked.readFile("src/abs")), "data", "an absolute target is root-relative");
    assert.deepEqual((await linked.readDir("src/lib")).map((e) => e.name), ["data.txt"]);
    await rejects(linked.readFile("src/up"), "EACCES", '"src/up"');
    await rejects(linked.readDir("src/up/x"), "EACCES", '"src/up/x"');
    await rejects(linked.readFile("loop/a"), "ELOOP", '"loop/a"');
    assert.equal(await linked.hashFile("src/app/link.py"), sha256("x = 1\n"));
  });

  test("hashFile is WebCrypto's SHA-256, equal to node:crypto's", async () => {
    assert.equal(typeof host.hashFile, "function");
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    const hashed = memoryHost({ big, "empty.txt": "", "é.txt": "é" });
    assert.equal(await hashed.hashFile("big"), sha256(big));
    assert.equal(await hashed.hashFile("empty.txt"), sha256(""));
    assert.equal(await hashed.hashFile("é.txt"), sha256("é"));
    assert.match(await hashed.hashFile("big"), /^sha256:[0-9a-f]{64}$/);
    await rejects(hashed.hashFile("nope"), "ENOENT", '"nope"');
  });

  test("resolvePythonModule: package, module, package before module, pythonPath, namespace", async () => {
    const py = memoryHost(
      {
        "app/__init__.py": "",
        "app/sub/__init__.py": "",
        "app/mod.py": "",
        "both/__init__.py": "",
        "both.py": "",
        "single.py": "",
        "src/lib/__init__.py": "",
        "src/lib/deep/x.py": "",
        "src/only.py": "",
        "ns/part.py": "",
        "notes/readme.txt": "",
      },
      { pythonPath: ["./src/"] },
    );
    assert.deepEqual(await py.resolvePythonModule("app"), { path: "app", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("app.sub"), { path: "app/sub", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("app.mod"), { path: "app/mod.py", isPackage: false });
    assert.deepEqual(await py.resolvePythonModule("both"), { path: "both", isPackage: true }, "a package wins over a module, as in Python");
    assert.deepEqual(await py.resolvePythonModule("single"), { path: "single.py", isPackage: false });
    assert.deepEqual(await py.resolvePythonModule("lib"), { path: "src/lib", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("lib.deep"), { path: "src/lib/deep", isPackage: true }, "namespace package");
    assert.deepEqual(await py.resolvePythonModule("only"), { path: "src/only.py", isPackage: false });
    assert.deepEqual(await py.resolvePythonModule("ns"), { path: "ns", isPackage: true });
    await rejects(py.resolvePythonModule("missing.mod"), "ENOENT", '"missing.mod"', "missing/mod/__init__.py", "missing/mod.py", '"src"');
    for (const name of ["", "a..b", "../x", "a/b", "1abc", ".a", "a.", "a b"]) {
      await rejects(py.resolvePythonModule(name), "EINVAL", JSON.stringify(name));
    }
    assert.deepEqual(await py.resolvePythonModule("app"), { path: "app", isPackage: true }, "still works after errors");
  });

  test("inspectImage and lookupDerived are passed through only when given", async () => {
    assert.equal(host.inspectImage, undefined);
    assert.equal(host.lookupDerived, undefined);
    const calls = [];
    const withImages = memoryHost({}, {
      inspectImage: async (ref) => (calls.push(ref), { os: "linux", arch: "amd64" }),
      lookupDerived: (hash) => (calls.push(hash), null),
    });
    assert.deepEqual(await withImages.inspectImage("python:3.12"), { os: "linux", arch: "amd64" });
    assert.equal(await withImages.lookupDerived("sha256:00"), null);
    assert.deepEqual(calls, ["python:3.12", "sha256:00"]);
    assert.deepEqual(await withImages.readDir("."), [], "an empty host has an empty root");
  });

  test("callbacks do not depend on `this` (a host can be spread and overridden)", async () => {
    const { readFile } = host;
    assert.equal(text(await readFile("README.md")), "# hi\n");
    const wrapped = { ...host, readFile: (p) => host.readFile(p) };
    assert.equal(text(await wrapped.readFile("README.md")), "# hi\n");
  });

  test("the browser entry exports the same memoryHost, and a nodeHost that says it needs Node", () => {
    assert.equal(web.memoryHost, memoryHost);
    assert.equal(typeof web.nodeHost, "function");
    assert.throws(() => web.nodeHost({ root: "." }), /nodeHost needs Node\.js.*memoryHost/);
  });
});

describe("nodeHost", () => {
  let base; // holds root/ and outside/
  let root;
  let outside;
  let host;
  const big = Buffer.alloc(3 * 1024 * 1024 + 5, 0).map((_, i) => (i * 7) & 0xff);

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "apothic-nodehost-")));
    root = join(base, "root");
    outside = join(base, "outside");
    writeTree(root, {
      "README.md": "# hi\n",
      "src/app/__init__.py": "",
      "src/app/main.py": "print('é')\n",
      "src/app/sub/__init__.py": "",
      "src/single.py": "",
      "lib/extra/__init__.py": "",
      "bin/run.sh": "#!/bin/sh\n",
      "big.bin": big,
      "empty.txt": "",
    });
    mkdirSync(join(root, "emptydir"));
    writeTree(outside, { "secret.txt": "secret", "pkg/__init__.py": "" });
    chmodSync(join(root, "bin/run.sh"), 0o755);
    symlinkSync("main.py", join(root, "src/app/link.py")); // inside, relative
    symlinkSync(join(root, "src"), join(root, "src-link")); // inside, absolute, a folder
    symlinkSync(join(outside, "secret.txt"), join(root, "secret-link")); // outside, a file
    symlinkSync("../outside", join(root, "out-dir")); // outside, a folder
    symlinkSync(join(outside, "pkg"), join(root, "src/evil")); // a package that lives outside
    symlinkSync("dangling-target", join(root, "dangling"));
    host = nodeHost({ root, pythonPath: ["lib", "src"] });
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  test("readDir lists with lstat: kinds, sizes, modes; symlinks reported, not followed", async () => {
    const entries = await host.readDir(".");
    assert.deepEqual(entries.map((e) => e.name), [...entries.map((e) => e.name)].sort(), "sorted by name");
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    assert.deepEqual(byName["README.md"], { name: "README.md", kind: "file", size: 5, mode: statSync(join(root, "README.md")).mode & 0o7777 });
    assert.equal(byName["big.bin"].size, big.length);
    assert.equal(byName["empty.txt"].size, 0);
    assert.equal(byName.src.kind, "dir");
    assert.equal(byName.emptydir.kind, "dir");
    for (const link of ["src-link", "secret-link", "out-dir", "dangling"]) assert.equal(byName[link].kind, "symlink", link);
    assert.deepEqual((await host.readDir("bin"))[0], { name: "run.sh", kind: "file", size: 10, mode: 0o755 });
    const app = await host.readDir("src/app");
    assert.deepEqual(app.map((e) => [e.name, e.kind]), [["__init__.py", "file"], ["link.py", "symlink"], ["main.py", "file"], ["sub", "dir"]]);
    assert.equal(app.find((e) => e.name === "main.py").size, Buffer.byteLength("print('é')\n"));
    assert.deepEqual(await host.readDir("emptydir"), []);
  });

  test("readFile returns the bytes as a Buffer (a Uint8Array)", async () => {
    const bytes = await host.readFile("src/app/main.py");
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(text(bytes), "print('é')\n");
    assert.equal((await host.readFile("big.bin")).length, big.length);
    assert.equal((await host.readFile("empty.txt")).length, 0);
  });


  test("small work is answered as a value, big files and failures as promises (what makes resolution fast)", async () => {
    await host.hashFile("README.md"); // the first hash imports node:crypto
    assert.equal(host.hashFile("README.md"), sha256("# hi\n"));
    assert.equal(text(host.readFile("README.md")), "# hi\n");
    assert.ok(Array.isArray(host.readDir("bin")));
    const bigHash = host.hashFile("big.bin");
    assert.ok(bigHash instanceof Promise, "a file over 1 MiB is read asynchronously");
    assert.equal(await bigHash, sha256(big));
    assert.ok(host.readFile("big.bin") instanceof Promise);
    for (const failing of [() => host.readFile("nope.txt"), () => host.hashFile("nope.txt"), () => host.readDir("nope"), () => host.readFile("../outside/secret.txt")]) {
      const answer = failing();
      assert.ok(answer instanceof Promise, "a failure is a rejected promise, never a throw");
      await assert.rejects(answer, (error) => ["ENOENT", "EACCES"].includes(error.code));
    }
  });
  test("the same file under './', repeated '/', '..' inside the root, and its absolute path", async () => {
    for (const path of ["README.md", "./README.md", "src//..//README.md", join(root, "README.md"), `${root}/./src/../README.md`]) {
      assert.equal(text(await host.readFile(path)), "# hi\n", path);
    }
    assert.equal((await host.readDir(root)).length, (await host.readDir(".")).length);
  });

  test("symlinks inside the root are followed when a path goes through them", async () => {
    assert.equal(text(await host.readFile("src/app/link.py")), "print('é')\n");
    assert.equal(text(await host.readFile("src-link/app/main.py")), "print('é')\n");
    assert.deepEqual((await host.readDir("src-link")).map((e) => e.name), (await host.readDir("src")).map((e) => e.name));
  });

  test("'..' and absolute paths that leave the root are refused, naming the path", async () => {
    for (const path of ["..", "../outside/secret.txt", "src/../../outside/secret.txt", "/etc/passwd", join(outside, "secret.txt"), base]) {
      await rejects(host.readFile(path), "EACCES", JSON.stringify(path), "outside the root");
      await rejects(host.readDir(path), "EACCES", JSON.stringify(path));
      await rejects(host.hashFile(path), "EACCES", JSON.stringify(path));
    }
  });

  test("a symlink that points outside the root is refused, naming the path", async () => {
    await rejects(host.readFile("secret-link"), "EACCES", '"secret-link"', "symlink", "outside the root");
    await rejects(host.hashFile("secret-link"), "EACCES", '"secret-link"', "symlink");
    await rejects(host.readDir("out-dir"), "EACCES", '"out-dir"', "symlink");
    await rejects(host.readFile("out-dir/secret.txt"), "EACCES", '"out-dir/secret.txt"', "symlink");
    await rejects(host.resolvePythonModule("evil"), "EACCES", '"src/evil"', "symlink");
  });

  test("missing files and wrong kinds reject naming the path", async () => {
    await rejects(host.readFile("nope.txt"), "ENOENT", "nodeHost", "readFile", '"nope.txt"', "no such file");
    await rejects(host.readDir("nope"), "ENOENT", "readDir", '"nope"');
    await rejects(host.hashFile("src/nope.py"), "ENOENT", "hashFile", '"src/nope.py"');
    await rejects(host.readFile("dangling"), "ENOENT", '"dangling"');
    await rejects(host.readFile("src"), "EISDIR", '"src"');
    await rejects(host.readDir("README.md"), "ENOTDIR", '"README.md"');
    await rejects(host.readFile("README.md/x"), "ENOTDIR", '"README.md/x"');
  });

  test("a FIFO is left out of listings and refused by readFile instead of hanging", async () => {
    const fifoRoot = join(base, "fifo");
    mkdirSync(fifoRoot);
    writeFileSync(join(fifoRoot, "a.txt"), "a");
    assert.equal(spawnSync("mkfifo", [join(fifoRoot, "pipe")]).status, 0, "mkfifo (coreutils) failed");
    const fifoHost = nodeHost({ root: fifoRoot });
    assert.deepEqual((await fifoHost.readDir(".")).map((e) => e.name), ["a.txt"]);
    await rejects(fifoHost.readFile("pipe"), "EINVAL", '"pipe"', "not a regular file");
    await rejects(fifoHost.hashFile("pipe"), "EINVAL", '"pipe"');
  });

  test("hashFile streams the file through SHA-256: equal to node:crypto's digest", async () => {
    assert.equal(await host.hashFile("big.bin"), sha256(big));
    assert.equal(await host.hashFile("empty.txt"), sha256(""));
    assert.equal(await host.hashFile("src/app/main.py"), sha256("print('é')\n"));
    assert.equal(await host.hashFile("src/app/link.py"), sha256("print('é')\n"));
    const hashes = await Promise.all(Array.from({ length: 20 }, () => host.hashFile("big.bin")));
    assert.ok(hashes.every((h) => h === sha256(big)), "concurrent calls do not share a buffer");
  });

  test("resolvePythonModule searches the root, then pythonPath, and returns root-relative paths", async () => {
    const py = nodeHost({ root, pythonPath: ["lib", join(root, "src")] });
    assert.deepEqual(await py.resolvePythonModule("extra"), { path: "lib/extra", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("app"), { path: "src/app", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("app.sub"), { path: "src/app/sub", isPackage: true });
    assert.deepEqual(await py.resolvePythonModule("app.main"), { path: "src/app/main.py", isPackage: false });
    assert.deepEqual(await py.resolvePythonModule("single"), { path: "src/single.py", isPackage: false });
    await rejects(py.resolvePythonModule("missing"), "ENOENT", '"missing"', "missing/__init__.py", "missing.py");
    await rejects(py.resolvePythonModule("../x"), "EINVAL");
    const atRoot = nodeHost({ root: join(root, "src") });
    assert.deepEqual(await atRoot.resolvePythonModule("app"), { path: "app", isPackage: true });
  });

  test("root: a file URL, a symlink to the folder, a missing folder (an error on use, not at creation)", async () => {
    const fromUrl = nodeHost({ root: pathToFileURL(root) });
    assert.equal(text(await fromUrl.readFile("README.md")), "# hi\n");
    symlinkSync(root, join(base, "root-link"));
    const viaLink = nodeHost({ root: join(base, "root-link") });
    assert.equal(text(await viaLink.readFile("src/app/link.py")), "print('é')\n");
    await rejects(viaLink.readFile("secret-link"), "EACCES", '"secret-link"');
    const later = join(base, "later");
    const missing = nodeHost({ root: later });
    await rejects(missing.readDir("."), "ENOENT", JSON.stringify(later), "does not exist");
    writeTree(later, { "x.txt": "x" });
    assert.equal(text(await missing.readFile("x.txt")), "x", "the root is looked up again after a failure");
  });

  test("bad options are TypeErrors", () => {
    assert.throws(() => nodeHost(), TypeError);
    assert.throws(() => nodeHost({}), /options\.root/);
    assert.throws(() => nodeHost({ root: 42 }), /options\.root/);
    assert.throws(() => nodeHost({ root, rot: 1 }), /unknown option "rot"/);
    assert.throws(() => nodeHost({ root, pythonPath: ["../x"] }), /outside the root/);
    assert.throws(() => nodeHost({ root, pythonPath: [1] }), /pythonPath/);
    assert.throws(() => nodeHost({ root, lookupDerived: 1 }), /lookupDerived must be a function/);
  });

  test("inspectImage and lookupDerived are passed through", async () => {
    const withImages = nodeHost({ root, inspectImage: (ref) => ({ digest: `sha256:${"0".repeat(64)}`, os: ref }), lookupDerived: async () => "registry/app:1" });
    assert.deepEqual(await withImages.inspectImage("linux"), { digest: `sha256:${"0".repeat(64)}`, os: "linux" });
    assert.equal(await withImages.lookupDerived("sha256:x"), "registry/app:1");
    assert.equal(host.inspectImage, undefined);
  });

  test("bad path arguments are rejected, not thrown synchronously", async () => {
    await assert.rejects(host.readFile(42), TypeError);
    await rejects(host.readFile("a\0b"), "EINVAL", "NUL");
  });
});
