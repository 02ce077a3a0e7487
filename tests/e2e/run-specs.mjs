// The spec loop of the real-build tests (started by tests/e2e/run.sh, which has set up the engine,
// the bases, the CLI and the loopback server and exported E2E_*). For each folder of
// tests/e2e/specs/ (or the names given as arguments):
//
//   1. copies it to target/e2e/work/specs/<name>, replacing @E2E_LOOPBACK@ (the loopback server's
//      http://127.0.0.1:PORT) in its files, adds the files e2e.json's "files" holds (names git
//      would mangle) and sets the modes its "chmod" names;
//   2. `apothic-image plan` → checks the plan against e2e.json's "plan" (a subset);
//   3. `apothic-image context spec.json | docker build --network host -t apothic-e2e/<name> -`
//      (skipped when e2e.json says "build": false: the plan runs the base directly);
//      With "buildFails": TEXT (or [TEXT, …]) the build must fail with each TEXT in its log, and
//      that is all;
//   4. checks e2e.json's "config" against `docker image inspect` (.Config: Entrypoint, Cmd, …)
//      and runs its "runs" (`docker run IMAGE ARGS…`, the image's own ENTRYPOINT and CMD);
//   5. runs check.py (or e2e.json's "command") in a container of the image, with the runtime
//      mounts of the plan (addLocal*) bind-mounted read-only where the plan puts them, and counts
//      its `ok` / `not ok` lines.
//
// Then the checks that span specs: the context tar is deterministic, and a rebuild is served
// from the engine's cache. Prints "e2e: N passed, N failed" and exits 1 on any failure.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// E2E_SPECS_DIR: another folder of specs (each a folder with spec.json; check.py and e2e.json
// optional: without them the spec is planned and built, not run).
const specsDir = process.env.E2E_SPECS_DIR ? path.resolve(process.env.E2E_SPECS_DIR) : path.join(here, "specs");
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`run-specs: ${name} is not set (run tests/e2e/run.sh)`);
  return value;
};
const cli = env("E2E_CLI");
const work = path.join(env("E2E_WORK"), "specs");
const logs = env("E2E_LOGS");
const loopback = env("E2E_LOOPBACK");
const managedArgs = [
  `--managed-python-version=${env("E2E_MANAGED_PYTHON_VERSION")}`,
  `--managed-python-release=${env("E2E_MANAGED_PYTHON_RELEASE")}`,
  `--managed-python-url=${env("E2E_MANAGED_PYTHON_URL")}`,
];

let passed = 0;
let failed = 0;
const failures = [];
function record(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    failures.push(`${name}: ${detail}`);
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
  return ok;
}

function sh(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { maxBuffer: 1 << 30, ...options });
  if (result.error) throw result.error;
  return result;
}
const text = (buffer) => (buffer ?? Buffer.alloc(0)).toString("utf8");
const tail = (s, n = 1500) => (s.length > n ? `…${s.slice(-n)}` : s);

/** The spec's folder copied with @E2E_LOOPBACK@ replaced (modes kept: the tests check them). */
function prepare(name) {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(path.join(specsDir, name), dir, { recursive: true, preserveTimestamps: true });
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const bytes = readFileSync(p);
        if (bytes.includes("@E2E_LOOPBACK@")) writeFileSync(p, bytes.toString("utf8").replaceAll("@E2E_LOOPBACK@", loopback));
      }
    }
  };
  walk(dir);
  return dir;
}

/** True when `actual` has every field of `expected` (recursively) with the same value. */
function matches(actual, expected) {
  if (expected === null || typeof expected !== "object") return actual === expected;
  if (actual === null || typeof actual !== "object") return false;
  return Object.entries(expected).every(([k, v]) => matches(actual[k], v));
}

/** The CLI options each spec was built with (for the cross-spec checks). */
const argsOf = new Map();

function runSpec(name) {
  const started = Date.now();
  const dir = prepare(name);
  const configPath = path.join(dir, "e2e.json");
  const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : {};
  // Files whose names git or some checkouts would mangle (tabs, backslashes, `*`), made here.
  for (const [file, contents] of Object.entries(config.files ?? {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), contents);
  }
  // Modes git does not keep (it has only 644 and 755).
  for (const [file, mode] of Object.entries(config.chmod ?? {})) chmodSync(path.join(dir, file), parseInt(mode, 8));
  const cliArgs = [...(config.cli ?? []), ...managedArgs];
  argsOf.set(name, cliArgs);
  const spec = path.join(dir, "spec.json");

  // The plan.
  const planRun = sh([cli, "plan", "--no-progress", ...cliArgs, spec]);
  if (!record(`${name}: apothic-image plan`, planRun.status === 0, tail(text(planRun.stderr)))) return;
  const plan = JSON.parse(text(planRun.stdout));
  writeFileSync(path.join(logs, `${name}.plan.json`), text(planRun.stdout));
  if (config.plan) {
    record(`${name}: plan is ${JSON.stringify(config.plan)}`, matches(plan, config.plan), `got ${JSON.stringify(plan)}`);
  }
  if (config.diagnostics) {
    const codes = plan.diagnostics.map((d) => d.code).sort();
    record(`${name}: diagnostics ${config.diagnostics.join(", ")}`, JSON.stringify(codes) === JSON.stringify([...config.diagnostics].sort()), `got ${JSON.stringify(plan.diagnostics)}`);
  }

  // The build, through the CLI's context tar on a pipe, as the README shows it.
  let image = plan.image;
  const tag = `apothic-e2e/${name}:latest`;
  if (config.build !== false) {
    const quoted = (s) => `'${s.replaceAll("'", `'"'"'`)}'`;
    const log = path.join(logs, `${name}.build.log`);
    const pipeline = `${quoted(cli)} context --no-progress ${cliArgs.map(quoted).join(" ")} ${quoted(spec)} | docker build --network host --progress plain -t ${quoted(tag)} - > ${quoted(log)} 2>&1`;
    const build = sh(["bash", "-o", "pipefail", "-c", pipeline], { stdio: ["ignore", "pipe", "pipe"] });
    if (config.buildFails !== undefined) {
      // A spec that must not build: the build fails, and its log says why (every text given).
      const output = readFileSync(log, "utf8");
      const texts = [config.buildFails].flat();
      record(
        `${name}: docker build fails with ${texts.map((t) => JSON.stringify(t)).join(" and ")}`,
        build.status !== 0 && texts.every((t) => output.includes(t)),
        `exit ${build.status}\n${tail(output, 3000)}`,
      );
      return;
    }
    const ok = record(`${name}: context | docker build`, build.status === 0, `${tail(text(build.stderr))}${tail(readFileSync(log, "utf8"), 3000)}`);
    if (!ok) return;
    image = tag;
  } else if (!record(`${name}: plan runs an image directly`, plan.mode === "direct" && typeof image === "string", JSON.stringify(plan))) {
    return;
  }

  // The image's configuration (`docker image inspect`): each key of "config" is exactly so.
  if (config.config) {
    const inspect = sh(["docker", "image", "inspect", "--format", "{{json .Config}}", image]);
    const actual = inspect.status === 0 ? JSON.parse(text(inspect.stdout)) : {};
    for (const [key, expected] of Object.entries(config.config)) {
      record(`${name}: docker inspect: Config.${key} is ${JSON.stringify(expected)}`, JSON.stringify(actual[key] ?? null) === JSON.stringify(expected), `got ${JSON.stringify(actual[key])}`);
    }
  }
  // `docker run IMAGE ARGS…` as a user runs it (the image's own ENTRYPOINT and CMD): its exit
  // status (0 unless "status" says) and standard output (exactly, when "stdout" is given).
  for (const { args = [], stdout, status = 0 } of config.runs ?? []) {
    const run = sh(["docker", "run", "--rm", "--network", "none", image, ...args]);
    const what = `${name}: docker run ${args.length ? JSON.stringify(args) : "(no command)"}`;
    record(`${what} exits ${status}`, run.status === status, `exit ${run.status}: ${tail(text(run.stdout) + text(run.stderr))}`);
    if (stdout !== undefined) record(`${what} prints ${JSON.stringify(stdout)}`, text(run.stdout) === stdout, `got ${JSON.stringify(text(run.stdout))}; stderr ${tail(text(run.stderr))}`);
  }

  if (!config.command && !existsSync(path.join(dir, "check.py"))) {
    console.log(`     ${name}: no check.py: built, not run (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return;
  }
  // The checks, in a container of the image with the runtime mounts attached.
  const mounts = [];
  for (const mount of plan.mounts) {
    for (const file of mount.files) mounts.push("-v", `${path.resolve(dir, file.source)}:${file.remote}:ro`);
  }
  // check.py runs with /e2e/lib (checklib) on sys.path and no bytecode written, set up here
  // rather than through PYTHONPATH or PYTHONDONTWRITEBYTECODE, so that every environment
  // variable a spec sets reaches the checks as the image has it.
  const runCheck = "import runpy, sys; sys.path[:0] = ['/e2e/spec', '/e2e/lib']; runpy.run_path('/e2e/spec/check.py', run_name='__main__')";
  const command = config.command ?? ["python3", "-B", "-c", runCheck];
  const run = sh([
    "docker", "run", "--rm", "--network", "none",
    "-v", `${dir}:/e2e/spec:ro`,
    "-v", `${path.join(here, "checklib.py")}:/e2e/lib/checklib.py:ro`,
    ...mounts,
    "--entrypoint", command[0],
    image, ...command.slice(1),
  ]);
  const out = text(run.stdout);
  writeFileSync(path.join(logs, `${name}.check.log`), out + text(run.stderr));
  let lines = 0;
  for (const line of out.split("\n")) {
    if (line.startsWith("ok ")) {
      lines += 1;
      record(`${name}: ${line.slice(3)}`, true);
    } else if (line.startsWith("not ok ")) {
      lines += 1;
      const rest = line.slice(7);
      const colon = rest.indexOf(": ");
      record(`${name}: ${colon < 0 ? rest : rest.slice(0, colon)}`, false, colon < 0 ? "" : rest.slice(colon + 2));
    }
  }
  if (run.status !== 0 && !failures.some((f) => f.startsWith(`${name}: `))) {
    record(`${name}: checks ran`, false, `exit ${run.status}: ${tail(text(run.stderr))}`);
  } else if (lines === 0) {
    record(`${name}: checks ran`, false, `no ok/not ok lines: ${tail(out + text(run.stderr))}`);
  }
  console.log(`     ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The same spec and files give the same context bytes; a rebuild is all cache. */
function crossChecks(names) {
  const built = names.filter((n) => existsSync(path.join(work, n, "spec.json")));
  const name = built.find((n) => n === "files") ?? built[0];
  if (!name) return;
  const spec = path.join(work, name, "spec.json");
  const args = argsOf.get(name) ?? [];
  const quoted = (s) => `'${s.replaceAll("'", `'"'"'`)}'`;
  const digests = [0, 1].map(() => {
    const r = sh([cli, "context", "--no-progress", ...args, spec], { stdio: ["ignore", "pipe", "pipe"] });
    return r.status === 0 ? createHash("sha256").update(r.stdout).digest("hex") : `exit ${r.status}: ${text(r.stderr)}`;
  });
  record(`${name}: the context tar is the same bytes twice`, digests[0] === digests[1] && /^[0-9a-f]{64}$/.test(digests[0]), digests.join(" vs "));

  const tag = `apothic-e2e/${name}:latest`;
  const before = text(sh(["docker", "image", "inspect", "--format", "{{.Id}}", tag]).stdout).trim();
  if (!before) return;
  const rebuild = sh(["bash", "-o", "pipefail", "-c", `${quoted(cli)} context --no-progress ${args.map(quoted).join(" ")} ${quoted(spec)} | docker build --network host --progress plain -t apothic-e2e/${name}:again - 2>&1`]);
  const after = text(sh(["docker", "image", "inspect", "--format", "{{.Id}}", `apothic-e2e/${name}:again`]).stdout).trim();
  const log = text(rebuild.stdout);
  // BuildKit's plain progress: "#7 [stage-0 3/6] RUN …" … "#7 CACHED".
  const steps = new Set();
  const cached = new Set();
  for (const line of log.split("\n")) {
    const step = /^#(\d+) \[[^\]]*\d+\/\d+\] (RUN|COPY|ADD) /.exec(line);
    if (step) steps.add(step[1]);
    const hit = /^#(\d+) CACHED$/.exec(line);
    if (hit) cached.add(hit[1]);
  }
  const stepsCached = [...steps].filter((id) => cached.has(id)).length;
  record(
    `${name}: a rebuild reuses the engine cache (same image; ${stepsCached} of ${steps.size} RUN/COPY/ADD steps cached)`,
    rebuild.status === 0 && after === before && steps.size > 0 && stepsCached === steps.size,
    `status ${rebuild.status}, ${before} vs ${after}\n${tail(log)}`,
  );
}

const wanted = process.argv.slice(2);
const names = readdirSync(specsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(specsDir, d.name, "spec.json")))
  .map((d) => d.name)
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
for (const n of wanted) if (!names.includes(n)) record(`${n}: spec exists`, false, `no tests/e2e/specs/${n}/spec.json`);

const engine = text(sh(["docker", "version", "--format", "{{.Server.Version}}"]).stdout).trim();
console.log(`e2e: ${names.length} specs, engine docker.io ${engine} (BuildKit), CLI ${cli}`);
for (const name of names) {
  try {
    runSpec(name);
  } catch (error) {
    record(`${name}: ran`, false, error.stack ?? String(error));
  }
}
try {
  crossChecks(names);
} catch (error) {
  record("cross-spec checks ran", false, error.stack ?? String(error));
}
if (failures.length) {
  console.log("\nfailures:");
  for (const f of failures) console.log(`  ${f.split("\n")[0]}`);
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
