// image.resolve(host) and image.buildContext(host) through the installed package, as a user runs
// them on a real project folder: a temp project (requirements with a nested -r, pyproject with
// optional groups, .env, a Dockerfile with COPY lines and a .dockerignore, a src/ package with a
// symlink and a path long enough for a PAX record) resolved with nodeHost and with memoryHost
// holding the same files; the tar parsed here (ustar + PAX) and checked against the resolution;
// progress, cancellation, host callbacks that fail in every way, the timeout, a missing callback.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ApothicError, Image, memoryHost, nodeHost } from "@apothic/image";
import { apothicErrors } from "../harness/errors.mjs";

const { failure } = apothicErrors(ApothicError);

const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const utf8 = new TextDecoder();

const LONG = `a_rather_long_module_name_that_needs_a_pax_record_${"x".repeat(40)}`;

/** The project, as path → contents. */
const FILES = {
  "requirements.txt": "# runtime\n-r base.txt\nrequests==2.32.3\n",
  "base.txt": "numpy>=2\n",
  "pyproject.toml": [
    "[project]",
    'name = "demo"',
    'version = "0.1.0"',
    'dependencies = ["httpx>=0.27"]',
    "",
    "[project.optional-dependencies]",
    'dev = ["pytest>=8"]',
    'docs = ["mkdocs"]',
    "",
  ].join("\n"),
  ".env": "# settings\nGREETING=hello world\nexport DEBUG=1\n",
  Dockerfile: [
    "FROM python:3.12-slim",
    "WORKDIR /app",
    "COPY requirements.txt base.txt ./",
    "RUN pip install -r requirements.txt",
    "COPY src/ ./src/",
    "COPY scripts/run.sh /usr/local/bin/run.sh",
    "",
  ].join("\n"),
  ".dockerignore": "**/__pycache__\n*.log\nsrc/app/secret.txt\n",
  "src/app/__init__.py": "",
  "src/app/main.py": "print('hello')\n",
  "src/app/util/__init__.py": "",
  "src/app/util/helpers.py": "X = 1\n",
  [`src/app/${LONG}/__init__.py`]: "# deep\n",
  "src/app/__pycache__/main.cpython-312.pyc": "\0junk",
  "src/app/static/": "", // an empty folder (memoryHost: a key ending in "/")
  "src/app/secret.txt": "do not ship\n",
  "debug.log": "log\n",
  "scripts/run.sh": "#!/bin/sh\nexec python -m app.main\n",
  "data/a.txt": "a\n",
  "data/nested/b.bin": new Uint8Array([0, 1, 2, 255]),
};
const MODES = { "scripts/run.sh": 0o755 };
const SYMLINKS = { "src/app/link.py": "main.py" };

/** The image a user would write for that project. */
function projectImage() {
  return Image.fromDockerfile("Dockerfile")
    .envFile(".env")
    .pipInstallFromRequirements("requirements.txt")
    .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
    .copyLocalDir("./src", "/app/src", { ignore: ["**/__pycache__"] })
    .copyLocalFile("scripts/run.sh", "/usr/local/bin/")
    .copyLocalPythonSource("app")
    .addLocalDir("data", "/data");
}

/** Writes the project into a fresh temp folder; returns its path. */
function writeProject() {
  const root = mkdtempSync(join(tmpdir(), "apothic-resolve-"));
  for (const [path, contents] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (path.endsWith("/")) mkdirSync(join(root, path));
    else writeFileSync(join(root, path), contents);
  }
  for (const [path, mode] of Object.entries(MODES)) chmodSync(join(root, path), mode);
  for (const [path, target] of Object.entries(SYMLINKS)) symlinkSync(target, join(root, path));
  return root;
}

/** Parses a tar (ustar headers, PAX `path` records): [{ path, type, mode, size, uid, gid, mtime, data }]. */
function parseTar(tar) {
  const entries = [];
  const field = (header, start, length) => utf8.decode(header.subarray(start, start + length)).replace(/\0.*$/s, "");
  const octal = (header, start, length) => parseInt(field(header, start, length).trim() || "0", 8);
  let offset = 0;
  let pax = {};
  let zeroBlocks = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    offset += 512;
    if (header.every((b) => b === 0)) {
      zeroBlocks++;
      continue;
    }
    assert.equal(zeroBlocks, 0, "a zero block in the middle of the archive");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    assert.equal(octal(header, 148, 8), sum, "header checksum");
    assert.equal(field(header, 257, 6), "ustar", "ustar magic");
    const size = octal(header, 124, 12);
    const data = tar.subarray(offset, offset + size);
    offset += Math.ceil(size / 512) * 512;
    const type = String.fromCharCode(header[156]);
    if (type === "x") {
      const records = utf8.decode(data);
      let at = 0;
      while (at < records.length) {
        const space = records.indexOf(" ", at);
        const length = Number(records.slice(at, space));
        const record = records.slice(space + 1, at + length - 1);
        const eq = record.indexOf("=");
        pax[record.slice(0, eq)] = record.slice(eq + 1);
        assert.equal(Buffer.byteLength(records.slice(at, at + length)), length, "PAX record length");
        at += length;
      }
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = field(header, 0, 100);
    entries.push({
      path: pax.path ?? (prefix ? `${prefix}/${name}` : name),
      type,
      mode: octal(header, 100, 8),
      uid: octal(header, 108, 8),
      gid: octal(header, 116, 8),
      size,
      mtime: octal(header, 136, 12),
      uname: field(header, 265, 32),
      data,
    });
    pax = {};
  }
  assert.ok(zeroBlocks >= 2, "the archive ends with two zero blocks");
  assert.equal(tar.length % 512, 0);
  return entries;
}

describe("resolve and buildContext on a project folder", () => {
  let root;
  let disk;
  let memory;
  let fromDisk;
  let fromMemory;

  before(async () => {
    root = writeProject();
    disk = nodeHost({ root, pythonPath: ["src"] });
    memory = memoryHost(FILES, { modes: MODES, symlinks: SYMLINKS, pythonPath: ["src"] });
    fromDisk = await projectImage().resolve(disk);
    fromMemory = await projectImage().resolve(memory);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("nodeHost and memoryHost with the same files give the same resolution", () => {
    assert.match(fromDisk.imageHash, /^sha256:[0-9a-f]{64}$/);
    assert.match(fromDisk.specHash, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(fromDisk.imageHash, fromDisk.specHash, "runtime mounts are in the spec hash only");
    assert.equal(fromMemory.imageHash, fromDisk.imageHash);
    assert.equal(fromMemory.specHash, fromDisk.specHash);
    assert.equal(fromMemory.dockerfile, fromDisk.dockerfile);
    assert.deepEqual(fromMemory.context, fromDisk.context);
    assert.deepEqual(fromMemory.layers, fromDisk.layers);
    assert.deepEqual(fromMemory.mounts, fromDisk.mounts);
    assert.deepEqual(fromMemory.plan, fromDisk.plan);
    assert.deepEqual(fromMemory.diagnostics, fromDisk.diagnostics);
  });

  test("the Dockerfile: the user's instructions, then every step with its COPY/RUN lines", () => {
    const lines = fromDisk.dockerfile.split("\n");
    assert.equal(lines.pop(), "", "ends with a newline");
    assert.deepEqual(lines.slice(0, 6), FILES.Dockerfile.trimEnd().split("\n"), "the user's Dockerfile first, as written");
    const rest = lines.slice(6);
    const expected = [
      /^ENV DEBUG=1 GREETING='hello world'$/,
      /^COPY \.apothic\/steps\/1\/ \/tmp\/[\w./-]+\/$/,
      /^RUN python -m pip install --no-cache-dir -r \/tmp\/[\w./-]+\/requirements\.txt$/,
      /^COPY --from=ghcr\.io\/astral-sh\/uv:[\w.]+ \/uv \/usr\/local\/bin\/uv$/,
      /^RUN uv pip install --system --no-cache 'httpx>=0\.27' 'pytest>=8'$/,
      /^COPY \.apothic\/steps\/3\/ \/app\/src\/$/,
      /^COPY \.apothic\/steps\/4\/\S+ \/usr\/local\/bin\/run\.sh$/,
      /^COPY \.apothic\/steps\/5\/\S+ \/root\/app\/$/,
    ];
    assert.equal(rest.length, expected.length, rest.join("\n"));
    rest.forEach((line, i) => assert.match(line, expected[i]));
    assert.ok(!/mkdocs/.test(fromDisk.dockerfile), "only the requested optional group is installed");
    assert.ok(!/\/data/.test(fromDisk.dockerfile), "addLocalDir renders nothing");
  });

  test("the context: the Dockerfile's COPY sources minus .dockerignore, and each step's files", () => {
    const paths = fromDisk.context.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort(), "sorted by path");
    for (const path of ["requirements.txt", "base.txt", "scripts/run.sh", "src/app/main.py", "src/app/util/helpers.py", `src/app/${LONG}/__init__.py`]) {
      assert.ok(paths.includes(path), `${path} is in the context`);
    }
    for (const path of ["src/app/__pycache__/main.cpython-312.pyc", "src/app/secret.txt", "debug.log", "pyproject.toml", ".env", ".dockerignore"]) {
      assert.ok(!paths.includes(path), `${path} is not in the context`);
    }
    assert.ok(paths.includes(".apothic/steps/1/requirements.txt") && paths.includes(".apothic/steps/1/base.txt"), "the nested -r file is copied beside it");
    assert.ok(paths.some((p) => p.startsWith(".apothic/steps/3/app/") && p.endsWith("helpers.py")));
    assert.ok(!paths.some((p) => p.includes("__pycache__")), "ignore: and the Python source walk leave out __pycache__");
    assert.ok(!paths.some((p) => p.endsWith("link.py")), "symlinks are not followed");
    for (const file of fromDisk.context) {
      // `source` is the path as resolution asked the host for it ("./src" + "/app/main.py").
      const source = file.source.replace(/^\.\//, "");
      const contents = FILES[source];
      assert.ok(contents !== undefined, `${file.source} is a project file`);
      assert.equal(file.sha256, sha256(contents), file.path);
      assert.equal(file.size, Buffer.byteLength(contents), file.path);
      assert.equal(file.mode, MODES[source] ?? 0o644, file.path);
    }
    assert.deepEqual(
      fromDisk.mounts.flatMap((m) => m.files.map((f) => f.remote)),
      ["/data/a.txt", "/data/nested/b.bin"],
    );
    const skipped = fromDisk.diagnostics.filter((d) => d.code === "SYMLINK_SKIPPED");
    assert.ok(skipped.length >= 1 && skipped.every((d) => d.message.includes("link.py")), JSON.stringify(fromDisk.diagnostics));
    assert.equal(fromDisk.plan.mode, "derived");
    assert.equal(fromDisk.plan.imageHash, fromDisk.imageHash);
  });

  test("buildContext: same bytes twice, from either host; entries match the resolution", async () => {
    const image = projectImage();
    const tar = await image.buildContext(disk);
    assert.ok(tar instanceof Uint8Array);
    assert.deepEqual(await image.buildContext(disk), tar, "same spec and files, same bytes");
    assert.deepEqual(await image.buildContext(memory), tar, "memoryHost gives the same tar");

    const entries = parseTar(tar);
    const files = entries.filter((e) => e.type === "0");
    const dirs = entries.filter((e) => e.type === "5");
    assert.equal(files.length + dirs.length, entries.length, "only files and folders");
    assert.deepEqual(entries.map((e) => e.path), [...entries.map((e) => e.path)].sort(), "sorted by path");
    for (const entry of entries) {
      assert.equal(entry.mtime, 0, entry.path);
      assert.equal(entry.uid, 0, entry.path);
      assert.equal(entry.gid, 0, entry.path);
      assert.equal(entry.uname, "", entry.path);
    }
    const dockerfile = files.find((e) => e.path === "Dockerfile");
    assert.ok(dockerfile, "the Dockerfile is at the root");
    assert.equal(utf8.decode(dockerfile.data), fromDisk.dockerfile);
    assert.equal(dockerfile.mode, 0o644);

    const inTar = files.filter((e) => e.path !== "Dockerfile");
    assert.deepEqual(inTar.map((e) => e.path), fromDisk.context.map((f) => f.path));
    inTar.forEach((entry, i) => {
      const file = fromDisk.context[i];
      assert.equal(entry.size, file.size, entry.path);
      assert.equal(entry.mode, file.mode, entry.path);
      assert.equal(sha256(entry.data), file.sha256, entry.path);
    });
    assert.ok(inTar.some((e) => e.path.length > 100), "a path over 100 bytes (a PAX record) is in the tar");

    // Every file's folders are in the tar as folders (context_tar.rs: "folders before their
    // contents"; an empty folder of a copied tree can only travel this way).
    const dirPaths = new Set(dirs.map((d) => d.path.replace(/\/$/, "")));
    for (const entry of inTar) {
      const parts = entry.path.split("/");
      for (let k = 1; k < parts.length; k++) assert.ok(dirPaths.has(parts.slice(0, k).join("/")), `${parts.slice(0, k).join("/")}/ is in the tar`);
    }
    assert.ok(dirPaths.has(".apothic/steps/3/app/static"), "copyLocalDir keeps an empty folder");
    assert.ok(dirPaths.has("src/app/static"), "the Dockerfile's context keeps an empty folder (COPY src/ copies it)");
  });

  test("progress: files and bytes grow as resolution reads and hashes", async () => {
    const seen = [];
    await projectImage().resolve(disk, { onProgress: (p) => seen.push({ ...p }) });
    assert.ok(seen.length >= fromDisk.context.length, `${seen.length} progress calls`);
    seen.forEach((p, i) => {
      assert.ok(Number.isInteger(p.files) && Number.isInteger(p.bytes), JSON.stringify(p));
      if (i > 0) {
        assert.ok(p.files > seen[i - 1].files, "files grows with every call");
        assert.ok(p.bytes >= seen[i - 1].bytes, "bytes never shrinks");
      }
    });
    assert.ok(seen.at(-1).bytes > 0);

    // Without hashFile the package hashes the bytes itself: every context byte is counted.
    const { hashFile: _, ...noHash } = memory;
    const counted = [];
    const again = await projectImage().resolve(noHash, { onProgress: (p) => counted.push({ ...p }) });
    assert.equal(again.imageHash, fromDisk.imageHash, "in-wasm hashing gives the same hashes");
    const contextBytes = fromDisk.context.reduce((n, f) => n + f.size, 0);
    assert.ok(counted.at(-1).bytes >= contextBytes, `${counted.at(-1).bytes} bytes reported, ${contextBytes} in the context`);
  });

  test("buildContext with a resolution's buildKey builds only those files; a file changed since is CONTEXT_CHANGED", async () => {
    const image = Image.debianSlim().copyLocalFile("app.py", "/app/app.py");
    const first = await image.resolve(memoryHost({ "app.py": "print(1)\n" }));
    const tar = await image.buildContext(memoryHost({ "app.py": "print(1)\n" }), { buildKey: first.buildKey });
    assert.ok(tar.length > 0);
    const changed = memoryHost({ "app.py": "print(2)\n" });
    for (const call of [() => image.buildContext(changed, { buildKey: first.buildKey }), () => image.resolve(changed, { buildKey: first.buildKey })]) {
      const error = await failure(call());
      assert.equal(error.code, "CONTEXT_CHANGED");
      assert.ok(error.message.includes(first.buildKey), error.message);
    }
    const throwing = { get buildKey() { throw new Error("no key"); } };
    for (const options of [...["sha256:abc", first.buildKey.toUpperCase(), 42, null].map((buildKey) => ({ buildKey })), throwing]) {
      const error = await failure(image.buildContext(changed, options));
      assert.equal(error.code, "INVALID_ARGUMENT", String(options === throwing ? "a throwing getter" : options.buildKey));
      assert.equal(error.argument, "options.buildKey");
    }
  });

  test("an aborted signal stops resolution with ABORTED, before or during", async () => {
    const already = await failure(projectImage().resolve(disk, { signal: AbortSignal.abort() }));
    assert.equal(already.code, "ABORTED");

    const controller = new AbortController();
    let calls = 0;
    const aborting = { ...memory, readFile: (path) => (++calls === 2 && controller.abort(), memory.readFile(path)) };
    const during = await failure(projectImage().buildContext(aborting, { signal: controller.signal }));
    assert.equal(during.code, "ABORTED");
    assert.ok(calls <= 3, `resolution stopped at the next host call (${calls} readFile calls)`);
    assert.equal((await projectImage().resolve(disk)).imageHash, fromDisk.imageHash, "the module keeps working");
  });

  describe("a failing host callback gives an error naming the callback and the path", () => {
    // memoryHost with one callback answering `answer` for one path (made when the test runs,
    // after `before` made `memory`).
    const on = (name, path, answer) => () => ({
      ...memory,
      [name]: (p, ...rest) => (p === path ? answer(p) : memory[name](p, ...rest)),
    });
    const cases = [
      ["readFile throws", on("readFile", "requirements.txt", () => { throw new Error("disk on fire"); }), "HOST_CALLBACK_FAILED", ['host.readFile("requirements.txt")', "threw", "disk on fire"]],
      ["readFile rejects", on("readFile", "base.txt", async () => { throw new Error("gone"); }), "HOST_CALLBACK_FAILED", ['host.readFile("base.txt")', "rejected", "gone"]],
      ["readFile returns a number", on("readFile", ".env", () => 42), "HOST_CALLBACK_FAILED", ['host.readFile(".env")', "number", "Uint8Array"]],
      ["readFile returns a string", on("readFile", "pyproject.toml", () => "[project]"), "HOST_CALLBACK_FAILED", ['host.readFile("pyproject.toml")', "Uint8Array"]],
      ["readFile never answers", on("readFile", "requirements.txt", () => new Promise(() => {})), "HOST_TIMEOUT", ['host.readFile("requirements.txt")', "200 ms"]],
      ["readDir returns a number", on("readDir", "src/app", () => 7), "HOST_CALLBACK_FAILED", ['host.readDir("src/app")', "number"]],
      ["readDir rejects", on("readDir", "data", () => Promise.reject(new Error("no listing"))), "HOST_CALLBACK_FAILED", ['host.readDir("data")', "no listing"]],
      ["hashFile returns garbage", on("hashFile", "scripts/run.sh", () => "md5:abc"), "HOST_CALLBACK_FAILED", ['host.hashFile("scripts/run.sh")', "sha256:"]],
      ["hashFile never answers", on("hashFile", "base.txt", () => new Promise(() => {})), "HOST_TIMEOUT", ['host.hashFile("base.txt")']],
      ["resolvePythonModule rejects", on("resolvePythonModule", "app", () => Promise.reject(new Error("no app"))), "HOST_CALLBACK_FAILED", ['host.resolvePythonModule("app")', "no app"]],
    ];
    for (const [label, makeHost, code, parts] of cases) {
      test(label, async () => {
        const started = Date.now();
        const error = await failure(projectImage().resolve(makeHost(), { timeoutMs: 200 }));
        assert.equal(error.code, code, error.message);
        for (const part of parts) assert.ok(error.message.includes(part), `${JSON.stringify(error.message)} lacks ${JSON.stringify(part)}`);
        assert.ok(Date.now() - started < 5_000, "the timeout applies per call");
        const next = await projectImage().resolve(memory);
        assert.equal(next.imageHash, fromDisk.imageHash, "the module keeps working afterwards");
      });
    }

    test("a nodeHost error (a missing file) is FILE_NOT_FOUND with its path, as in every host", async () => {
      const error = await failure(Image.debianSlim().envFile("missing.env").resolve(disk));
      assert.equal(error.code, "FILE_NOT_FOUND");
      assert.equal(error.file, "missing.env");
      assert.match(error.message, /"missing\.env" does not exist.*nodeHost.*no such file/);
    });

    test("a path that leaves the root is refused by nodeHost", async () => {
      const error = await failure(Image.debianSlim().copyLocalFile("../../etc/passwd", "/x").resolve(disk));
      assert.equal(error.code, "HOST_CALLBACK_FAILED");
      assert.match(error.message, /outside the root/);
    });

    test("a host without resolvePythonModule: MISSING_HOST_CALLBACK", async () => {
      const { resolvePythonModule: _, ...host } = memory;
      const error = await failure(projectImage().resolve(host));
      assert.equal(error.code, "MISSING_HOST_CALLBACK");
      assert.match(error.message, /resolvePythonModule/);
    });

    test("a host that is not an object, and a bad timeoutMs: INVALID_ARGUMENT", async () => {
      assert.equal((await failure(projectImage().resolve(null))).code, "INVALID_ARGUMENT");
      assert.equal((await failure(projectImage().resolve(memory, { timeoutMs: -1 }))).code, "INVALID_ARGUMENT");
    });
  });
});

describe("a big file hashed in wasm (no hashFile)", () => {
  // 40 MiB of a repeating pattern, served by memoryHost without its hashFile.
  const big = new Uint8Array(40 << 20).map((_, i) => i % 251);
  const host = () => {
    const { hashFile, ...rest } = memoryHost({ "data/big.bin": big });
    return rest;
  };
  const image = () => Image.debianSlim().copyLocalFile("data/big.bin", "/srv/big.bin");

  test("progress reports bytes while the file is hashed, then counts the file", async () => {
    const reports = [];
    const resolution = await image().resolve(host(), { onProgress: (p) => reports.push({ ...p }) });
    assert.equal(resolution.context[0].sha256, sha256(big));
    const during = reports.filter((r) => r.files === 0);
    assert.ok(during.length >= 2, `reports before the file is done: ${JSON.stringify(reports)}`);
    assert.ok(during.every((r, i) => i === 0 || r.bytes > during[i - 1].bytes), "bytes only grow");
    assert.deepEqual(reports.at(-1), { files: 1, bytes: big.length });
  });

  test("an AbortSignal flipped during the hash stops it with ABORTED", async () => {
    const controller = new AbortController();
    const error = await failure(
      image().resolve(host(), {
        signal: controller.signal,
        onProgress: (p) => p.files === 0 && p.bytes > 0 && controller.abort(),
      }),
    );
    assert.equal(error.code, "ABORTED");
    const again = await image().resolve(host());
    assert.equal(again.context[0].sha256, sha256(big), "the module keeps working afterwards");
  });
});
