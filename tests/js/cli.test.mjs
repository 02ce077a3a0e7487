// The `apothic-image` command line, as installed from the tarball (node_modules/.bin): every
// command against the API's own results, help, errors and exit statuses, standard input, the
// progress bar (forced, and on a real terminal through script(1)), and --docker-inspect against a
// stand-in `docker`. (Real builds with an engine: tests/e2e/.)
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image, nodeHost } from "@apothic/image";
import { packageDir } from "./helpers.mjs";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(scratch, "node_modules", ".bin", "apothic-image");
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;

/** Runs the CLI; returns { status, stdout (Buffer), out (text), err (text) }. */
function cli(args, options = {}) {
  const result = spawnSync(bin, args, { cwd: options.cwd ?? scratch, input: options.input, env: { ...process.env, ...options.env }, maxBuffer: 1 << 28 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, out: result.stdout.toString("utf8"), err: result.stderr.toString("utf8") };
}

let project;
const spec = () => path.join(project, "spec.json");

/** A project folder with every kind of file a spec can name. */
function makeProject() {
  const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
  const write = (file, contents, mode) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), contents);
    if (mode !== undefined) chmodSync(path.join(dir, file), mode);
  };
  write("requirements.txt", "-r base.txt\nrequests==2.32.3\n");
  write("base.txt", "six==1.16.0\n");
  write("app.env", "A=1\nexport B='two words'\n");
  write("src/app/__init__.py", "");
  write("src/app/main.py", "print('hi')\n");
  write("bin/run.sh", "#!/bin/sh\necho run\n", 0o755);
  write("data/keep.txt", "keep\n");
  write("data/drop.log", "drop\n");
  write("empty.env", "");
  const image = Image.debianSlim({ pythonVersion: "3.12" })
    .pipInstallFromRequirements("requirements.txt")
    .envFile("app.env")
    .copyLocalDir("data", "/data", { ignore: ["*.log"] })
    .copyLocalFile("bin/run.sh", "/usr/local/bin/")
    .copyLocalPythonSource("app")
    .addLocalFile("data/keep.txt", "/mnt/keep.txt");
  write("spec.json", JSON.stringify(image.toSpec(), null, 2));
  image.free();
  return dir;
}

/** What the API gives for the same spec and folder. */
async function viaApi(specFile, root, options = {}, hostOptions = {}) {
  const image = Image.fromSpec(JSON.parse(readFileSync(specFile, "utf8")));
  const host = nodeHost({ root, pythonPath: ["src"], ...hostOptions });
  const resolution = await image.resolve(host, options);
  const tar = await image.buildContext(host, options);
  const definitionHash = image.definitionHash();
  image.free();
  return { resolution, tar: Buffer.from(tar), definitionHash };
}

before(() => {
  project = makeProject();
});
after(() => {
  rmSync(project, { recursive: true, force: true });
});

describe("apothic-image: help and version", () => {
  test("the bin is installed and executable", () => {
    assert.ok(existsSync(bin), bin);
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    assert.deepEqual(manifest.bin, { "apothic-image": "cli.js" });
    assert.ok(manifest.files.includes("cli.js"));
  });

  test("--help lists the commands; --version prints the version", () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = cli(args);
      assert.equal(r.status, 0, r.err);
      for (const command of ["render SPEC", "hash SPEC", "plan SPEC", "context SPEC"]) assert.ok(r.out.includes(command), `${args}: ${command}`);
    }
    for (const args of [["--version"], ["-V"]]) assert.equal(cli(args).out, `${version}\n`);
  });

  test("every command has --help, also as `help COMMAND` and `--help COMMAND`", () => {
    for (const command of ["render", "hash", "plan", "context"]) {
      const forms = [[command, "--help"], [command, "-h"], ["help", command], ["--help", command], [command, "some.json", "--help"]];
      const outputs = forms.map((args) => cli(args));
      for (const r of outputs) {
        assert.equal(r.status, 0, r.err);
        assert.ok(r.out.startsWith(`Usage: apothic-image ${command} `), r.out);
        assert.ok(r.out.includes("--root DIR"), "resolution options are listed");
        assert.equal(r.out, outputs[0].out);
      }
    }
    assert.ok(cli(["context", "--help"]).out.includes("| docker build -t my-image -"));
  });

  test("no arguments: the help on stderr, exit 2", () => {
    const r = cli([]);
    assert.equal(r.status, 2);
    assert.equal(r.out, "");
    assert.ok(r.err.startsWith("Usage: apothic-image <command>"));
  });
});

describe("apothic-image: commands match the API", () => {
  test("render prints resolve().dockerfile; diagnostics go to stderr", async () => {
    const api = await viaApi(spec(), project);
    const r = cli(["render", "--python-path", path.join(project, "src"), spec()]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, api.resolution.dockerfile);
    assert.match(r.out, /^FROM python:3\.12-slim-trixie\n/);
    assert.match(r.out, /-r \/tmp\/apothic-requirements\//);
    assert.equal(r.err, "");
  });

  test("hash prints the definition, image and spec hashes (and --json, --definition)", async () => {
    const api = await viaApi(spec(), project);
    const args = ["--python-path", path.join(project, "src"), spec()];
    const r = cli(["hash", ...args]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, `definition ${api.definitionHash}\nimage      ${api.resolution.imageHash}\nspec       ${api.resolution.specHash}\n`);
    const json = JSON.parse(cli(["hash", "--json", ...args]).out);
    assert.deepEqual(json, { definitionHash: api.definitionHash, imageHash: api.resolution.imageHash, specHash: api.resolution.specHash });
    assert.equal(cli(["hash", "--definition", spec()]).out, `${api.definitionHash}\n`);
  });

  test("hash --definition reads no file but the spec", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    const image = Image.debianSlim().pipInstallFromRequirements("nowhere.txt");
    writeFileSync(path.join(dir, "s.json"), JSON.stringify(image.toSpec()));
    const r = cli(["hash", "--definition", path.join(dir, "s.json")]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, `${image.definitionHash()}\n`);
    image.free();
    rmSync(dir, { recursive: true });
  });

  test("plan prints the plan, hashes, mounts and diagnostics as JSON", async () => {
    const api = await viaApi(spec(), project);
    const r = cli(["plan", "--python-path", path.join(project, "src"), spec()]);
    assert.equal(r.status, 0, r.err);
    const plan = JSON.parse(r.out);
    assert.deepEqual(plan, {
      mode: "derived",
      image: null,
      imageHash: api.resolution.imageHash,
      buildKey: api.resolution.buildKey,
      specHash: api.resolution.specHash,
      python: api.resolution.plan.python,
      mounts: api.resolution.mounts,
      diagnostics: api.resolution.diagnostics,
    });
    assert.equal(plan.mounts[0].files[0].remote, "/mnt/keep.txt");
  });

  test("context writes buildContext()'s tar, the same bytes every time; -o writes a file", async () => {
    const api = await viaApi(spec(), project);
    const args = ["context", "--python-path", path.join(project, "src"), spec()];
    const a = cli(args);
    const b = cli(args);
    assert.equal(a.status, 0, a.err);
    assert.ok(a.stdout.equals(api.tar), "the same bytes as image.buildContext(nodeHost)");
    assert.ok(a.stdout.equals(b.stdout), "deterministic");
    const listing = execFileSync("tar", ["-tf", "-"], { input: a.stdout, encoding: "utf8" }).split("\n");
    assert.ok(listing.includes("Dockerfile"), listing.join(" "));
    assert.ok(listing.some((p) => p.startsWith(".apothic/steps/")), listing.join(" "));
    const out = path.join(project, "..", `${path.basename(project)}.tar`);
    const c = cli([...args, "-o", out]);
    assert.equal(c.status, 0, c.err);
    assert.equal(c.out, "");
    assert.ok(readFileSync(out).equals(api.tar));
    rmSync(out);
    // The Dockerfile inside is render's output.
    const dockerfile = execFileSync("tar", ["-xOf", "-", "Dockerfile"], { input: a.stdout, encoding: "utf8" });
    assert.equal(dockerfile, cli(["render", "--python-path", path.join(project, "src"), spec()]).out);
  });

  test("paths resolve against the spec's folder, whatever the working directory", () => {
    const elsewhere = cli(["render", "--python-path", path.join(project, "src"), path.relative(tmpdir(), spec())], { cwd: tmpdir() });
    const inside = cli(["render", "--python-path", "src", "spec.json"], { cwd: project });
    assert.equal(elsewhere.status, 0, elsewhere.err);
    assert.equal(elsewhere.out, inside.out);
  });

  test("SPEC - reads standard input, paths against --root (required with -); --root changes the root", () => {
    const fromStdin = cli(["render", "--root", ".", "--python-path", "src", "-"], { cwd: project, input: readFileSync(spec()) });
    assert.equal(fromStdin.status, 0, fromStdin.err);
    assert.equal(fromStdin.out, cli(["render", "--python-path", "src", "spec.json"], { cwd: project }).out);
    // A spec kept elsewhere, with --root naming the project.
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    writeFileSync(path.join(dir, "spec.json"), readFileSync(spec()));
    const rooted = cli(["render", "--root", project, "--python-path", path.join(project, "src"), path.join(dir, "spec.json")]);
    assert.equal(rooted.status, 0, rooted.err);
    assert.equal(rooted.out, fromStdin.out);
    const unrooted = cli(["render", path.join(dir, "spec.json")]);
    assert.equal(unrooted.status, 1);
    rmSync(dir, { recursive: true });
  });

  test("--inspect and --managed-python-*: a base without Python gets the managed CPython from the URL given", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    const image = Image.fromRegistry("debian:bookworm-slim").runCommands("python3 --version");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(image.toSpec()));
    image.free();
    writeFileSync(path.join(dir, "inspect.json"), JSON.stringify({ "debian:bookworm-slim": { os: "linux", arch: "arm64", libc: "glibc" } }));
    const args = [
      "--inspect", path.join(dir, "inspect.json"),
      "--managed-python-version", "3.12.1",
      "--managed-python-release", "20240101",
      "--managed-python-url", "http://127.0.0.1:9/py/{version}/{release}/{arch}-{libc}.tar.gz",
      path.join(dir, "spec.json"),
    ];
    const plan = JSON.parse(cli(["plan", ...args]).out);
    assert.deepEqual(plan.python, { kind: "managed", version: "3.12.1", arch: "aarch64", libc: "gnu", url: "http://127.0.0.1:9/py/3.12.1/20240101/aarch64-gnu.tar.gz" });
    const rendered = cli(["render", ...args]).out;
    assert.ok(rendered.includes("ADD http://127.0.0.1:9/py/3.12.1/20240101/aarch64-gnu.tar.gz /tmp/apothic-python.tar.gz\n"), rendered);
    // Without --inspect nothing is known about the base: its own Python.
    assert.deepEqual(JSON.parse(cli(["plan", path.join(dir, "spec.json")]).out).python, { kind: "image" });
    rmSync(dir, { recursive: true });
  });

  test("--docker-inspect asks `docker` (image inspect, then a probe container without network)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    const image = Image.fromRegistry("example.org/no-python:1").aptInstall("jq");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(image.toSpec()));
    image.free();
    const calls = path.join(dir, "calls.log");
    const fake = path.join(dir, "docker");
    writeFileSync(
      fake,
      `#!/bin/sh
echo "$*" >> '${calls}'
case "$1 $2" in
  "image inspect")
    case "$5" in
      example.org/no-python:1) echo '{"Id":"sha256:${"a".repeat(64)}","Os":"linux","Architecture":"amd64"}' ;;
      *) echo "Error: No such image: $5" >&2; exit 1 ;;
    esac ;;
  "run --rm") echo libc=musl ;;
esac
`,
    );
    chmodSync(fake, 0o755);
    const r = cli(["plan", "--docker-inspect", path.join(dir, "spec.json")], { env: { DOCKER: fake } });
    assert.equal(r.status, 0, r.err);
    const plan = JSON.parse(r.out);
    assert.equal(plan.python.kind, "managed");
    assert.equal(plan.python.libc, "musl");
    assert.equal(plan.python.arch, "x86_64");
    const log = readFileSync(calls, "utf8");
    assert.match(log, /^image inspect --format \{\{json \.\}\} example\.org\/no-python:1$/m);
    assert.match(log, /^run --rm --network none --entrypoint \/bin\/sh example\.org\/no-python:1 -c /m);
    // The digest joins the image hash.
    const without = JSON.parse(cli(["plan", path.join(dir, "spec.json")]).out);
    assert.notEqual(plan.imageHash, without.imageHash);
    rmSync(dir, { recursive: true });
  });
});

describe("apothic-image: errors", () => {
  const errorLine = (r) => r.err.split("\n")[0];

  test("a missing spec file: ENOENT, exit 1", () => {
    const r = cli(["render", "no-such-spec.json"]);
    assert.equal(r.status, 1);
    assert.equal(r.out, "");
    assert.equal(errorLine(r), "apothic-image: error ENOENT: cannot read the spec file no-such-spec.json: no such file");
  });

  test("a spec that is not JSON, or not a valid spec: INVALID_SPEC, exit 1", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    writeFileSync(path.join(dir, "bad.json"), "{ not json");
    let r = cli(["render", path.join(dir, "bad.json")]);
    assert.equal(r.status, 1);
    assert.match(errorLine(r), /^apothic-image: error INVALID_SPEC: the spec file .*bad\.json is not JSON: /);
    writeFileSync(path.join(dir, "op.json"), JSON.stringify({ version: 1, base: { op: "debianSlim", pythonVersion: "3.11" }, steps: [{ op: "frobnicate" }] }));
    r = cli(["plan", path.join(dir, "op.json")]);
    assert.equal(r.status, 1);
    assert.match(errorLine(r), /^apothic-image: error INVALID_SPEC: .*frobnicate/);
    writeFileSync(path.join(dir, "v.json"), JSON.stringify({ version: 2, base: { op: "debianSlim", pythonVersion: "3.11" }, steps: [] }));
    assert.match(errorLine(cli(["hash", path.join(dir, "v.json")])), /^apothic-image: error UNSUPPORTED_SPEC_VERSION: /);
    rmSync(dir, { recursive: true });
  });

  test("a file error names the file, line and column", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    writeFileSync(path.join(dir, "requirements.txt"), "six\n-r\n");
    const image = Image.debianSlim().pipInstallFromRequirements("requirements.txt");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(image.toSpec()));
    image.free();
    for (const command of ["render", "hash", "plan", "context"]) {
      const r = cli([command, path.join(dir, "spec.json")]);
      assert.equal(r.status, 1, command);
      assert.equal(r.out, "", command);
      assert.match(errorLine(r), /^apothic-image: error REQUIREMENTS_SYNTAX: /, command);
      assert.ok(r.err.includes("  in: requirements.txt:2:1\n"), r.err);
    }
    // A file the spec names that does not exist.
    rmSync(path.join(dir, "requirements.txt"));
    const r = cli(["render", path.join(dir, "spec.json")]);
    assert.equal(r.status, 1);
    assert.match(errorLine(r), /^apothic-image: error FILE_NOT_FOUND: .*requirements\.txt.*no such file/);
    rmSync(dir, { recursive: true });
  });

  test("a wrong command line: USAGE, exit 2", () => {
    const cases = [
      [["frobnicate", "x.json"], /unknown command "frobnicate"/],
      [["--frobnicate"], /unknown option --frobnicate/],
      [["render"], /render needs a SPEC file/],
      [["render", "a.json", "b.json"], /takes one SPEC, got 2/],
      [["render", "--bogus", "a.json"], /unknown option --bogus for render/],
      [["render", "--json", "a.json"], /unknown option --json for render/],
      [["hash", "-o", "x", "a.json"], /unknown option -o for hash/],
      [["render", "--timeout", "soon", "a.json"], /--timeout takes a whole number/],
      [["render", "a.json", "--root"], /--root needs a value/],
      [["render", "--root", "a", "--root", "b", "a.json"], /--root given twice/],
      [["render", "--quiet=yes", "a.json"], /--quiet takes no value/],
      [["render", "--inspect", "i.json", "--docker-inspect", "a.json"], /contradict/],
      [["help", "frobnicate"], /no help for "frobnicate"/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(errorLine(r), /^apothic-image: error USAGE: /, args.join(" "));
      assert.match(r.err, pattern, args.join(" "));
    }
  });

  test("diagnostics are warnings on stderr; -q keeps them quiet", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-"));
    writeFileSync(path.join(dir, "empty.env"), "");
    const image = Image.debianSlim().envFile("empty.env");
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(image.toSpec()));
    image.free();
    const loud = cli(["render", path.join(dir, "spec.json")]);
    assert.equal(loud.status, 0);
    assert.match(loud.err, /^apothic-image: warning EMPTY_ENV_FILE \(step 0\): /);
    const quiet = cli(["render", "-q", path.join(dir, "spec.json")]);
    assert.equal(quiet.err, "");
    assert.equal(quiet.out, loud.out);
    rmSync(dir, { recursive: true });
  });

  test("a closed pipe ends quietly", () => {
    const r = spawnSync("sh", ["-c", `'${bin}' context '${spec()}' --python-path '${path.join(project, "src")}' | head -c 10 >/dev/null`], { encoding: "utf8" });
    assert.equal(r.status, 0);
    assert.equal(r.stderr, "");
  });
});

describe("apothic-image: terminals", () => {
  // script(1) (util-linux, essential on Debian) gives the CLI a real terminal.
  const requireScript = () => assert.equal(spawnSync("script", ["--version"]).status, 0, "script(1) is missing: install util-linux");
  /** Runs the CLI on a pseudo-terminal (script(1)); returns what the terminal showed. */
  function onTerminal(args, env = {}) {
    const command = [bin, ...args].map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(" ");
    const r = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: { ...process.env, ...env }, cwd: project });
    return { status: r.status, screen: r.stdout };
  }

  test("--progress draws the bar on stderr: files and bytes", () => {
    const r = cli(["render", "--progress", "--python-path", "src", "spec.json"], { cwd: project, env: { APOTHIC_PROGRESS_DELAY_MS: "0" } });
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, /resolving \[[ =]{20}\] \d+ files, [\d.]+ (B|KiB) hashed/);
    assert.ok(r.err.endsWith("\r\x1b[K"), "the bar is erased at the end");
    assert.ok(!r.out.includes("resolving"), "nothing of it on stdout");
    // Bytes hashed natively by nodeHost count too.
    const last = r.err.split("\r\x1b[K").filter(Boolean).pop();
    assert.doesNotMatch(last, / 0 B hashed/);
  });

  test("on a terminal the bar is drawn without asking; --no-progress and -q turn it off", () => {
    requireScript();
    const env = { APOTHIC_PROGRESS_DELAY_MS: "0" };
    const shown = onTerminal(["render", "--python-path", "src", "spec.json"], env);
    assert.equal(shown.status, 0, shown.screen);
    assert.match(shown.screen, /resolving \[/);
    assert.match(shown.screen, /FROM python:3\.12-slim-trixie/);
    for (const flag of ["--no-progress", "-q"]) {
      const hidden = onTerminal(["render", flag, "--python-path", "src", "spec.json"], env);
      assert.equal(hidden.status, 0, hidden.screen);
      assert.doesNotMatch(hidden.screen, /resolving \[/, flag);
    }
  });

  // build and run show their phases (the engine is not there: the run stops after "resolving").
  const noEngine = () => ({ DOCKER_HOST: `unix://${path.join(tmpdir(), "apothic-cli-no-engine.sock")}` });

  test("build and run: plain phase lines on a pipe, none with --no-progress or -q, the status line with --progress", () => {
    for (const command of ["build", "run"]) {
      const tail = command === "run" ? ["--", "true"] : [];
      const plain = cli([command, "--python-path", "src", "spec.json", ...tail], { cwd: project, env: noEngine() });
      assert.equal(plain.status, 1, plain.err);
      assert.match(plain.err, /^resolving the spec\napothic-image: error ENGINE_UNREACHABLE: /, command);
      for (const flag of ["--no-progress", "-q"]) {
        const hidden = cli([command, flag, "--python-path", "src", "spec.json", ...tail], { cwd: project, env: noEngine() });
        assert.equal(hidden.status, 1, hidden.err);
        assert.match(hidden.err, /^apothic-image: error ENGINE_UNREACHABLE: /, `${command} ${flag}`);
      }
      const forced = cli([command, "--progress", "--python-path", "src", "spec.json", ...tail], { cwd: project, env: noEngine() });
      assert.equal(forced.status, 1, forced.err);
      assert.match(forced.err, /^\r\x1b\[Kresolving the spec\r\x1b\[Kapothic-image: error ENGINE_UNREACHABLE: /, `${command} --progress`);
    }
  });

  test("build and run on a terminal: one status line, erased; --no-progress turns it off", () => {
    requireScript();
    for (const command of ["build", "run"]) {
      const tail = command === "run" ? ["--", "true"] : [];
      const shown = onTerminal([command, "--python-path", "src", "spec.json", ...tail], noEngine());
      assert.equal(shown.status, 1, shown.screen);
      assert.match(shown.screen, /^\r\x1b\[Kresolving the spec\r\x1b\[Kapothic-image: error ENGINE_UNREACHABLE: /, command);
      const hidden = onTerminal([command, "--no-progress", "--python-path", "src", "spec.json", ...tail], noEngine());
      assert.equal(hidden.status, 1, hidden.screen);
      assert.match(hidden.screen, /^apothic-image: error ENGINE_UNREACHABLE: /, `${command} --no-progress`);
    }
  });

  test("context refuses to write a tar to a terminal", () => {
    requireScript();
    const r = onTerminal(["context", "spec.json"]);
    assert.notEqual(r.status, 0);
    assert.match(r.screen, /apothic-image: error TTY_OUTPUT: refusing to write a tar archive to a terminal/);
  });
});
