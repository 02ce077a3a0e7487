// ARCHITECTURE.md §5: errors are values, not traps. 100,000 failing calls with bad input of every kind
// (wrong JavaScript types, bad values, bad specs, huge strings), then a good call: it must work,
// the receiver must be unchanged, and the wasm memory must not have grown since a warm-up batch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApothicError, Image } from "@apothic/image";
import { goldenVectors } from "../harness/vectors.mjs";
import { wasmExports } from "./helpers.mjs";

const TOTAL = 100_000;
const WARM_UP = 3_000;
const TIME_LIMIT_MS = 60_000;

// A small seeded PRNG (mulberry32) so that every run makes the same calls.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(0xa907);
const pick = (items) => items[Math.floor(random() * items.length)];
const int = (n) => Math.floor(random() * n);
const word = (n = 1 + int(12)) => Array.from({ length: n }, () => pick("abcdefghijklmnopqrstuvwxyz0123456789")).join("");
const control = () => String.fromCharCode(pick([0, 1, 7, 8, 9, 10, 11, 12, 13, 27, 31, 127]));
const lineBreak = () => pick(["\n", "\r", "\0"]);

// ---- the receivers ---------------------------------------------------------------------------
const base = Image.debianSlim({ pythonVersion: "3.12" }).pipInstall(["numpy"]).workdir("/app").env({ A: "1" });
const runtime = base.addLocalFile("config.yaml");
const needsResolve = base.envFile(".env");
const baseCanonical = base.canonicalJson();
const baseSpec = base.toSpec();

// ---- wrong JavaScript types -> INVALID_ARGUMENT ----------------------------------------------
// Fresh values on each call, so that nothing is cached between calls.
const notStrings = [
  () => 42,
  () => -1.5,
  () => NaN,
  () => Infinity,
  () => true,
  () => false,
  () => ({}),
  () => ({ a: word() }),
  () => [word()],
  () => [1, 2],
  () => () => word(),
  () => BigInt(int(1000)),
  () => Symbol(word()),
  () => new Date(0),
  () => /re/,
  () => new Map([[word(), word()]]),
  () => new Set([word()]),
  () => ({ toString: () => word() }),
  () => ({ length: 3 }),
  () => Object.create(null),
];
const nullish = [() => null, () => undefined];
const notLists = [
  () => 42,
  () => NaN,
  () => true,
  () => null,
  () => undefined,
  () => ({}),
  () => ({ 0: word(), length: 1 }),
  () => [1],
  () => [word(), 2],
  () => [null],
  () => [undefined],
  () => [[word()]],
  () => [{}],
  () => [word(), [word()]],
  () => () => [word()],
  () => 10n,
  () => Symbol(),
  () => new Map(),
  () => new Set([word()]),
];
const notOptions = [
  () => 42,
  () => true,
  () => word(),
  () => 10n,
  () => Symbol(),
  () => () => ({}),
  () => [1, 2],
  // Known keys with the wrong type, and unknown keys (typos must not be ignored silently).
  () => ({ pythonVersion: 3.12 }),
  () => ({ prebuilt: "yes" }),
  () => ({ contextDir: false }),
  () => ({ pre: 1 }),
  () => ({ indexUrl: 5 }),
  () => ({ extraOptions: ["--no-deps"] }),
  () => ({ uvVersion: 13 }),
  () => ({ ignore: 5 }),
  () => ({ ignore: [1] }),
  () => ({ optionalDependencies: [1] }),
  () => ({ prerelease: true }),
  () => ({ [word() + "X"]: word() }),
];
const notEnvValues = [
  () => 42,
  () => word() + "=1",
  () => null,
  () => undefined,
  () => true,
  () => [[word(), word()]],
  () => [word()],
  () => () => ({}),
  () => Symbol(),
  () => ({ A: {} }),
  () => ({ A: null }),
  () => ({ A: undefined }),
  () => ({ A: [word()] }),
  () => ({ A: Symbol() }),
  () => ({ A: () => 1 }),
  () => ({ A: new Date(0) }),
  () => ({ A: "ok", B: { nested: word() } }),
];
// A JSON text is a spec too (fromSpec parses it): a cut one is not.
const notSpecs = [...notStrings, ...nullish, () => word(), () => [], () => JSON.stringify(baseSpec).slice(0, -1)];

/** [label, argument positions, make call] for every slot that takes a given kind of value. */
const stringSlots = [
  ["fromRegistry", (v) => Image.fromRegistry(v)],
  ["fromDockerfile", (v) => Image.fromDockerfile(v)],
  ["pipInstallFromRequirements", (v) => base.pipInstallFromRequirements(v)],
  ["uvPipInstallFromRequirements", (v) => base.uvPipInstallFromRequirements(v)],
  ["pipInstallFromPyproject", (v) => base.pipInstallFromPyproject(v)],
  ["uvPipInstallFromPyproject", (v) => base.uvPipInstallFromPyproject(v)],
  ["envFile", (v) => base.envFile(v)],
  ["workdir", (v) => base.workdir(v)],
  ["withDockerfile", (v) => base.withDockerfile(v)],
  ["addLocalFile", (v) => base.addLocalFile(v)],
  ["addLocalDir", (v) => base.addLocalDir(v)],
  ["copyLocalFile", (v) => base.copyLocalFile(v)],
  ["copyLocalDir", (v) => base.copyLocalDir(v)],
];
const optionalStringSlots = [
  ["addLocalFile.remote", (v) => base.addLocalFile("a.txt", v)],
  ["addLocalDir.remote", (v) => base.addLocalDir("static", v)],
  ["copyLocalFile.remote", (v) => base.copyLocalFile("a.txt", v)],
  ["copyLocalDir.remote", (v) => base.copyLocalDir("src", v)],
  ["commandShell", (v) => base.commandShell(v)],
];
const listSlots = [
  ["pipInstall", (v) => base.pipInstall(v)],
  ["uvPipInstall", (v) => base.uvPipInstall(v)],
  ["aptInstall", (v) => base.aptInstall(v)],
  ["runCommands", (v) => base.runCommands(v)],
  ["addLocalPythonSource", (v) => base.addLocalPythonSource(v)],
  ["copyLocalPythonSource", (v) => base.copyLocalPythonSource(v)],
];
const optionSlots = [
  ["debianSlim.options", (v) => Image.debianSlim(v)],
  ["fromRegistry.options", (v) => Image.fromRegistry("python:3.12", v)],
  ["fromDockerfile.options", (v) => Image.fromDockerfile("Dockerfile", v)],
  ["pipInstall.options", (v) => base.pipInstall(["x"], v)],
  ["uvPipInstall.options", (v) => base.uvPipInstall(["x"], v)],
  ["pipInstallFromRequirements.options", (v) => base.pipInstallFromRequirements("r.txt", v)],
  ["uvPipInstallFromRequirements.options", (v) => base.uvPipInstallFromRequirements("r.txt", v)],
  ["pipInstallFromPyproject.options", (v) => base.pipInstallFromPyproject("pyproject.toml", v)],
  ["uvPipInstallFromPyproject.options", (v) => base.uvPipInstallFromPyproject("pyproject.toml", v)],
  ["addLocalDir.options", (v) => base.addLocalDir("static", "/s", v)],
  ["copyLocalDir.options", (v) => base.copyLocalDir("src", "/s", v)],
];

/** A value maker's source, as a label: `() => ({ A: null })` → `({ A: null })`. */
const shown = (make) => String(make).replace(/^\(\) => /, "").replace(/\s+/g, " ");

/** Every kind of failing call: { kind, label, call, codes, argument? }. */
const cases = [];
const add = (kind, label, call, codes, argument) =>
  cases.push({ kind, label, call, codes: new Set([codes].flat()), argument });

for (const [slot, call] of stringSlots) {
  for (const make of [...notStrings, ...nullish]) {
    add("wrong type", `${slot}(${shown(make)})`, () => call(make()), "INVALID_ARGUMENT");
  }
}
for (const [slot, call] of optionalStringSlots) {
  for (const make of notStrings) {
    add("wrong type", `${slot}(${shown(make)})`, () => call(make()), "INVALID_ARGUMENT");
  }
}
for (const [slot, call] of listSlots) {
  for (const make of notLists) {
    add("wrong type", `${slot}(${shown(make)})`, () => call(make()), "INVALID_ARGUMENT");
  }
}
for (const [slot, call] of optionSlots) {
  for (const make of notOptions) {
    add("wrong type", `${slot}(${shown(make)})`, () => call(make()), "INVALID_ARGUMENT");
  }
}
for (const make of notEnvValues) {
  add("wrong type", `env(${shown(make)})`, () => base.env(make()), "INVALID_ARGUMENT");
}
for (const make of notSpecs) {
  add("wrong type", `fromSpec(${shown(make)})`, () => Image.fromSpec(make()), "INVALID_SPEC");
}
add("wrong type", "call without arguments", () => pick([() => base.pipInstall(), () => base.env(), () => Image.fromRegistry(), () => Image.fromSpec()])(), [
  "INVALID_ARGUMENT",
  "INVALID_SPEC",
]);

// ---- bad values of the right type -> their own codes ------------------------------------------
add("bad value", "debianSlim(bad pythonVersion)", () => Image.debianSlim({ pythonVersion: pick(["3.9", "2.7", "3.16", "latest", "3", "3.12.x", " 3.12", "3.12 ", "", word(), `3.${int(9)}`, "4.0"]) }), "INVALID_PYTHON_VERSION", "pythonVersion");
add("bad value", "fromRegistry(bad ref)", () => Image.fromRegistry(pick([`Python:3.${int(20)}`, "", `python ${word()}`, `python@sha256:${word(10)}`, `${word()}:${word()}:${word()}`, `-${word()}`, `${word()}@`, "a".repeat(256), `${word()}/UPPER`, `${word()}:${"t".repeat(129)}`])), "INVALID_IMAGE_REF", "ref");
add("bad value", "fromDockerfile(bad base)", () => Image.fromDockerfile("Dockerfile", { base: `UPPER${word()}` }), "INVALID_IMAGE_REF", "base");
add("bad value", "pipInstall(flag)", () => base.pipInstall([word(), `-${word()}`]), "INVALID_PACKAGE", "packages[1]");
add("bad value", "pipInstall(empty)", () => base.pipInstall([""]), "INVALID_PACKAGE", "packages[0]");
add("bad value", "pipInstall(control char)", () => base.pipInstall(`${word()}${control()}${word()}`), "INVALID_PACKAGE", "packages[0]");
add("bad value", "uvPipInstall(flag)", () => base.uvPipInstall(`--${word()}`), "INVALID_PACKAGE", "packages[0]");
add("bad value", "aptInstall(space)", () => base.aptInstall(`${word()} ${word()}`), "INVALID_PACKAGE", "packages[0]");
add("bad value", "aptInstall(flag)", () => base.aptInstall(["git", `-${word()}`]), "INVALID_PACKAGE", "packages[1]");
add("bad value", "pipInstall(indexUrl with space)", () => base.pipInstall("x", { indexUrl: `https://${word()} ${word()}` }), "INVALID_OPTION", "options.indexUrl");
add("bad value", "pipInstall(extraOptions unclosed)", () => base.pipInstall("x", { extraOptions: `--config-settings '${word()}` }), "INVALID_OPTION", "options.extraOptions");
add("bad value", "uvPipInstall(uvVersion latest)", () => base.uvPipInstall("x", { uvVersion: "latest" }), "INVALID_OPTION", "uvVersion");
add("bad value", "pyproject(bad group)", () => base.pipInstallFromPyproject("pyproject.toml", { optionalDependencies: [`${word()} ${word()}`] }), "INVALID_OPTION", "optionalDependencies[0]");
add("bad value", "env(bad key)", () => base.env({ [pick(["", `${word()}=${word()}`, `${word()} ${word()}`, `${word()}${control()}`])]: word() }), "INVALID_ENV_KEY");
add("bad value", "env(bad value)", () => base.env({ OK: word(), B: `${word()}${lineBreak()}${word()}` }), "INVALID_ENV_VALUE", "values.B");
add("bad value", "env(NaN)", () => base.env({ A: pick([NaN, Infinity, -Infinity]) }), ["INVALID_ENV_VALUE", "INVALID_ARGUMENT"], "values.A");
add("bad value", "runCommands(blank)", () => base.runCommands([`echo ${word()}`, pick(["", "   ", "\t"])]), "INVALID_COMMAND", "commands[1]");
add("bad value", "runCommands(NUL)", () => base.runCommands(`echo ${word()}\0`), "INVALID_COMMAND", "commands[0]");
add("bad value", "commandShell(bad)", () => base.commandShell(pick(["", `/bin/bash -c '${word()}`])), "INVALID_SHELL", "shell");
add("bad value", "workdir(bad)", () => base.workdir(pick(["", `/${word()}\n${word()}`, `/${word()}\0`])), "INVALID_PATH", "path");
add("bad value", "addLocalFile(empty)", () => base.addLocalFile(""), "INVALID_PATH", "local");
add("bad value", "copyLocalDir(. without remote)", () => base.copyLocalDir("."), "INVALID_PATH", "remote");
add("bad value", "addLocalPythonSource(bad module)", () => base.addLocalPythonSource(["app", pick([`${word()}-${word()}`, `${word()}..${word()}`, `1${word()}`, ""])]), "INVALID_MODULE_NAME", "modules[1]");
add("bad value", "withDockerfile(FROM)", () => base.withDockerfile(`RUN echo\nFROM ${word()}`), "FORBIDDEN_INSTRUCTION", "contents");
add("bad value", "withDockerfile(local COPY)", () => base.withDockerfile(`COPY ${word()} /app`), "FORBIDDEN_INSTRUCTION", "contents");
add("bad value", "withDockerfile(unknown)", () => base.withDockerfile(`RUN ok\n${word().toUpperCase()}Q bar`), "DOCKERFILE_SYNTAX", "contents");
add("bad value", "withDockerfile(empty)", () => base.withDockerfile(pick(["", "# only a comment\n", "\n\n"])), "DOCKERFILE_SYNTAX", "contents");
add("bad value", "build step after runtime step", () => runtime.pipInstall(word()), "BUILD_STEP_AFTER_RUNTIME_STEP");
add("bad value", "dockerfile() before resolve", () => needsResolve.dockerfile(), "NEEDS_RESOLVE");
add("bad value", "runCommands(too long)", () => {
  // The image is fine; rendering it fails. Freed here: finalizers do not run inside a synchronous loop.
  const long = base.runCommands(`echo ${"x".repeat(70_000)}`);
  try {
    return long.dockerfile();
  } finally {
    long.free();
  }
}, "LINE_TOO_LONG");

// ---- bad specs -> INVALID_SPEC / UNSUPPORTED_SPEC_VERSION ---------------------------------------
const specCodes = ["INVALID_SPEC", "UNSUPPORTED_SPEC_VERSION"];
const goldenSpecs = goldenVectors().map((v) => v.spec).filter((s) => s.steps.length > 0);
const clone = (x) => structuredClone(x);
const mutations = [
  (s) => ((s.version = pick([2, 0, -1, "1", null, 1.5, true])), s),
  // `steps` may be left out (or null): it defaults to [] (docs/api.md); version and base may not.
  (s) => (delete s[pick(["version", "base"])], s),
  (s) => ((s.steps = pick([{}, "steps", 1])), s),
  (s) => ((s.base = pick([null, "debianSlim", [], { op: "fromMars" }])), s),
  (s) => ((pick(s.steps).op = pick(["rmRf", "", "PIPINSTALL", 1, null])), s),
  (s) => (delete pick(s.steps).op, s),
  (s) => ((pick(s.steps)[`extra${word()}`] = 1), s),
  (s) => ((s[`extra${word()}`] = true), s),
  (s) => {
    const step = pick(s.steps);
    const key = pick(Object.keys(step).filter((k) => k !== "op"));
    step[key] = pick([42, true, { x: 1 }]);
    return s;
  },
];
add("bad spec", "fromSpec(mutated golden spec)", () => Image.fromSpec(pick(mutations)(clone(pick(goldenSpecs)))), specCodes);
add(
  "bad spec",
  "fromSpec(normalized mismatch)",
  () => Image.fromSpec({ version: 1, base: { op: "fromRegistry", ref: "python:3.12", normalized: `docker.io/library/${word()}:3.11`, prebuilt: false }, steps: [] }),
  "INVALID_SPEC",
  "base.normalized",
);
// Image.diff(before, after): each side an Image, a spec or its JSON text; a bad side names itself.
for (const make of notSpecs) {
  add("wrong type", `diff(${shown(make)}, image)`, () => Image.diff(make(), base), "INVALID_SPEC", "before");
  add("wrong type", `diff(image, ${shown(make)})`, () => Image.diff(base, make()), "INVALID_SPEC", "after");
}
add("bad spec", "diff(mutated golden spec, image)", () => Image.diff(pick(mutations)(clone(pick(goldenSpecs))), base), specCodes);
add("bad spec", "diff(image, mutated golden spec)", () => Image.diff(baseSpec, pick(mutations)(clone(pick(goldenSpecs)))), specCodes);
add("bad spec", "fromSpec(empty list)", () => Image.fromSpec({ version: 1, base: { op: "debianSlim", pythonVersion: "3.12" }, steps: [{ op: "runCommands", commands: [] }] }), "INVALID_SPEC", "steps[0].commands");

// ---- huge strings (rarer: each copies up to 1 MiB into the module) --------------------------------
const huge = (n) => pick("abcxyz").repeat(n);
const hugeCases = [];
const addHuge = (label, call, codes) => hugeCases.push({ kind: "huge string", label, call, codes: new Set([codes].flat()) });
for (const size of [64 << 10, 1 << 20]) {
  addHuge(`pipInstall(-${size})`, () => base.pipInstall(`-${huge(size)}`), "INVALID_PACKAGE");
  addHuge(`fromRegistry(${size})`, () => Image.fromRegistry(huge(size)), "INVALID_IMAGE_REF");
  addHuge(`workdir(${size} + NUL)`, () => base.workdir(`/${huge(size)}\0`), "INVALID_PATH");
  addHuge(`env(key ${size} + =)`, () => base.env({ [`${huge(size)}=`]: "x" }), "INVALID_ENV_KEY");
  addHuge(`env(value ${size} + newline)`, () => base.env({ A: `${huge(size)}\n` }), "INVALID_ENV_VALUE");
  addHuge(`withDockerfile(FROM ${size})`, () => base.withDockerfile(`FROM ${huge(size)}`), ["FORBIDDEN_INSTRUCTION", "DOCKERFILE_SYNTAX"]);
  addHuge(`runCommands(${size} spaces)`, () => base.runCommands(" ".repeat(size)), "INVALID_COMMAND");
  addHuge(`fromSpec(${size} package)`, () => Image.fromSpec({ ...baseSpec, steps: [{ op: "pipInstall", packages: [`-${huge(size)}`], options: {} }] }), "INVALID_PACKAGE");
}

// ---- the run ------------------------------------------------------------------------------------
/** Makes one failing call; returns a problem description, or undefined when it failed right. */
function failOnce(c) {
  let result;
  try {
    result = c.call();
  } catch (e) {
    if (!(e instanceof ApothicError)) return `threw ${e?.constructor?.name}: ${String(e?.message ?? e).slice(0, 160)}`;
    if (!(e instanceof Error)) return "an ApothicError that is not an Error";
    if (!c.codes.has(e.code)) return `code ${e.code} (expected ${[...c.codes].join(" or ")}): ${e.message.slice(0, 160)}`;
    if (c.argument !== undefined && e.argument !== c.argument) return `argument ${e.argument} (expected ${c.argument})`;
    return undefined;
  }
  const got = typeof result?.canonicalJson === "function" ? result.canonicalJson().slice(0, 200) : String(result).slice(0, 100);
  result?.free?.();
  return `did not throw: ${got}`;
}

/** The case for call number i: one in 400 a huge string, else a kind of bad input, then a case of that kind. */
const kinds = [...new Set(cases.map((c) => c.kind))];
const casesOfKind = new Map(kinds.map((k) => [k, cases.filter((c) => c.kind === k)]));
const caseFor = (i) => (i % 400 === 399 ? hugeCases[Math.floor(i / 400) % hugeCases.length] : pick(casesOfKind.get(pick(kinds))));

test(`${TOTAL.toLocaleString("en")} failing calls: no trap, no leak, receiver unchanged`, async (t) => {
  const wasm = await wasmExports();
  const memory = () => wasm.memory.buffer.byteLength;
  const problems = new Map(); // label -> { count, first }
  const byKind = new Map();
  const note = (c, problem) => {
    byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
    if (problem === undefined) return;
    const entry = problems.get(c.label) ?? { count: 0, first: problem };
    entry.count++;
    problems.set(c.label, entry);
  };

  // Warm-up: every case once (huge ones included), then a random batch; memory is measured after.
  for (const c of [...cases, ...hugeCases]) failOnce(c);
  for (let i = 0; i < WARM_UP; i++) failOnce(caseFor(i));
  base.pipInstall("warm").free();
  const before = memory();

  const started = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i++) {
    const c = caseFor(i);
    note(c, failOnce(c));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  // A good call works, and the receiver is unchanged.
  const good = base.pipInstall(["pandas"]).aptInstall("git");
  assert.match(good.dockerfile(), /pip install --no-cache-dir numpy\nWORKDIR \/app\nENV A=1\nRUN python -m pip install --no-cache-dir pandas\n/);
  assert.equal(good.length, base.length + 2);
  good.free();
  assert.equal(base.canonicalJson(), baseCanonical);
  assert.deepEqual(base.toSpec(), baseSpec);
  const after = memory();

  t.diagnostic(
    `${TOTAL} failing calls (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(", ")}; ${cases.length} ordinary and ${hugeCases.length} huge-string cases) in ${seconds.toFixed(2)} s (${((seconds / TOTAL) * 1e6).toFixed(1)} µs/call); wasm memory ${before} → ${after} bytes`,
  );
  const report = [...problems].sort((a, b) => b[1].count - a[1].count).map(([label, p]) => `${label}: ${p.count}× — ${p.first}`);
  assert.equal(problems.size, 0, `${report.length} kinds of call did not fail as they should:\n  ${report.slice(0, 60).join("\n  ")}`);
  assert.equal(after, before, `wasm memory grew from ${before} to ${after} bytes`);
  assert.ok(seconds * 1000 < TIME_LIMIT_MS, `took ${seconds.toFixed(1)} s`);
});
