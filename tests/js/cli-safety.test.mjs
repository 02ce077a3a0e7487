// The `apothic-image` command line against hostile specs (issue 13): a spec on standard input is
// not rooted at the working directory (hole 13), and control characters from a spec never reach
// a terminal raw, while pipes and files get exact bytes (hole 8, the CLI's part).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image } from "@apothic/image";

const scratch = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(scratch, "node_modules", ".bin", "apothic-image");

/** Runs the CLI; returns { status, stdout (Buffer), out, err }. */
function cli(args, options = {}) {
  const result = spawnSync(bin, args, { cwd: options.cwd ?? scratch, input: options.input, maxBuffer: 1 << 26 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, out: result.stdout.toString("utf8"), err: result.stderr.toString("utf8") };
}

/** Runs the CLI on a pseudo-terminal (script(1), util-linux); returns what the terminal got. */
function onTerminal(args, cwd) {
  assert.equal(spawnSync("script", ["--version"]).status, 0, "script(1) is missing: install util-linux");
  const command = [bin, ...args].map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(" ");
  const r = spawnSync("script", ["-qec", command, "/dev/null"], { cwd, encoding: "latin1" });
  return { status: r.status, screen: r.stdout };
}

/** Every control character but newline, CR (script(1) turns \n into \r\n) and tab. */
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const OSC52 = "\u001b]52;c;SGVsbG8=\u0007";

let home;
before(() => {
  home = mkdtempSync(path.join(tmpdir(), "apothic-cli-safety-"));
  mkdirSync(path.join(home, ".ssh"));
  writeFileSync(path.join(home, ".ssh", "id_ed25519"), "PRIVATE-KEY-MARKER\n");
});
after(() => rmSync(home, { recursive: true, force: true }));

/** The JSON spec of `image` (freed). */
function specOf(image) {
  const spec = JSON.stringify(image.toSpec());
  image.free();
  return spec;
}

describe("apothic-image: a spec on standard input needs --root", () => {
  const stealer = () => specOf(Image.debianSlim().copyLocalDir(".ssh", "/stolen"));

  test("without --root every command refuses (USAGE, exit 2) and reads no file", () => {
    for (const command of ["render", "hash", "plan", "context"]) {
      const r = cli([command, "-"], { cwd: home, input: stealer() });
      assert.equal(r.status, 2, `${command}: ${r.err}`);
      assert.match(r.err, /^apothic-image: error USAGE: a spec on standard input needs --root DIR/, command);
      assert.equal(r.stdout.length, 0, command);
      assert.ok(!r.stdout.includes("PRIVATE-KEY-MARKER"), command);
    }
  });

  test("--root says where to read from; hash --definition reads no file and needs none", () => {
    const rooted = cli(["render", "--root", home, "-"], { cwd: scratch, input: stealer() });
    assert.equal(rooted.status, 0, rooted.err);
    assert.match(rooted.out, /COPY .*\/stolen/);
    const definition = cli(["hash", "--definition", "-"], { cwd: home, input: stealer() });
    assert.equal(definition.status, 0, definition.err);
    assert.match(definition.out, /^sha256:[0-9a-f]{64}\n$/);
  });

  test("the help says so", () => {
    const main = cli(["--help"]);
    assert.match(main.out, /--root DIR, which a spec on standard input requires/);
    const render = cli(["render", "--help"]);
    assert.match(render.out, /required with -, a spec on\s+standard input/);
  });
});

describe("apothic-image: control characters reach no terminal", () => {
  let dir;
  let dockerfile;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "apothic-cli-osc-"));
    const image = Image.debianSlim().env({ CLIP: `${OSC52}\u007f\u009b2J` }).runCommands(["printf 'a\tb'"]);
    dockerfile = image.dockerfile();
    writeFileSync(path.join(dir, "spec.json"), specOf(image));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the rendered Dockerfile does hold them (so the terminal check matters)", () => {
    assert.ok(dockerfile.includes(OSC52), JSON.stringify(dockerfile));
  });

  test("render on a terminal: escaped as \\u00XX, newlines and tabs kept", () => {
    const shown = onTerminal(["render", "-q", "spec.json"], dir);
    assert.equal(shown.status, 0, shown.screen);
    assert.doesNotMatch(shown.screen, RAW_CONTROL, JSON.stringify(shown.screen));
    assert.ok(shown.screen.includes("CLIP='\\u001b]52;c;SGVsbG8=\\u0007\\u007f\\u009b2J'"), JSON.stringify(shown.screen));
    assert.ok(shown.screen.includes("printf 'a\tb'"), "a tab is kept");
    assert.ok(shown.screen.includes("FROM python:3.11-slim-trixie\r\nENV"), "lines are kept");
  });

  test("render to a pipe and to a file (-o): the exact bytes", () => {
    const piped = cli(["render", "spec.json"], { cwd: dir });
    assert.equal(piped.status, 0, piped.err);
    assert.equal(piped.out, dockerfile);
    const out = path.join(dir, "Dockerfile");
    assert.equal(cli(["render", "-o", out, "spec.json"], { cwd: dir }).status, 0);
    assert.equal(readFileSync(out, "utf8"), dockerfile);
  });

  test("plan JSON and warnings: a symlink named with DEL and C1 is reported escaped, the same JSON", () => {
    const name = `l${OSC52}\u007f\u009b`;
    mkdirSync(path.join(dir, "linked"), { recursive: true });
    symlinkSync("nowhere", path.join(dir, "linked", name));
    writeFileSync(path.join(dir, "plan.json"), specOf(Image.debianSlim().copyLocalDir("linked", "/linked")));
    const piped = cli(["plan", "plan.json"], { cwd: dir });
    assert.equal(piped.status, 0, piped.err);
    assert.doesNotMatch(piped.out, RAW_CONTROL, JSON.stringify(piped.out));
    const plan = JSON.parse(piped.out);
    assert.equal(plan.diagnostics[0].code, "SYMLINK_SKIPPED");
    assert.ok(plan.diagnostics[0].message.includes("\u009b") || plan.diagnostics[0].message.includes("\\u009b"), plan.diagnostics[0].message);
    assert.match(piped.err, /warning SYMLINK_SKIPPED/);
    assert.doesNotMatch(piped.err.replaceAll("\n", ""), RAW_CONTROL, JSON.stringify(piped.err));
    const shown = onTerminal(["plan", "plan.json"], dir);
    assert.equal(shown.status, 0, shown.screen);
    assert.doesNotMatch(shown.screen, RAW_CONTROL, JSON.stringify(shown.screen));
  });

  test("errors and warnings on stderr are escaped, to a pipe as to a terminal", () => {
    // A file name and an unknown field of the spec, each with an escape sequence.
    const missing = cli(["render", `nope${OSC52}.json`], { cwd: dir });
    assert.equal(missing.status, 1);
    assert.doesNotMatch(missing.err.replaceAll("\n", ""), RAW_CONTROL, JSON.stringify(missing.err));
    assert.ok(missing.err.includes("\\u001b]52"), missing.err);
    assert.equal(missing.err.split("\n").filter(Boolean).every((line) => /^(apothic-image: |  (at|in): )/.test(line)), true, missing.err);

    const spec = JSON.parse(readFileSync(path.join(dir, "spec.json"), "utf8"));
    writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ ...spec, [`x${OSC52}\u009b`]: 1 }));
    const bad = cli(["render", "bad.json"], { cwd: dir });
    assert.equal(bad.status, 1);
    assert.doesNotMatch(bad.err.replaceAll("\n", ""), RAW_CONTROL, JSON.stringify(bad.err));

    const shown = onTerminal(["render", "bad.json"], dir);
    assert.equal(shown.status, 1);
    assert.doesNotMatch(shown.screen, RAW_CONTROL, JSON.stringify(shown.screen));
  });
});
