// The registry step of the real-build tests (started by tests/e2e/run.sh after the specs, while its
// private dockerd is up): the plan the package makes for an image it only knows through a registry
// is the one that image's contents call for, checked against the image itself.
//
//   1. starts an anonymous Debian `docker-registry` on 127.0.0.1 (tests/registry/registry.mjs;
//      stopped when this process exits) and `docker push`es to it the e2e bases with Python
//      (python:3.11-slim-trixie, python:3.13-slim-trixie: debootstrapped, so no PYTHON_VERSION in
//      their config: Python is found in their layers' tar headers), without Python
//      (debian:bookworm-slim), and a musl image made from Debian's `musl` package (its loader
//      and libc, nothing else; `apt-get download`, cached in target/e2e/cache) — dockerd pushes
//      over plain HTTP to 127.0.0.0/8 by default;
//   2. for each: `registryHost({ insecure: [host] }).inspectImage(ref)` from the installed package,
//      compared with what the engine says (`docker push`'s digest, `docker run … python3
//      --version`, the inspected python path run as the entrypoint, `getconf GNU_LIBC_VERSION` or
//      the musl loader's banner, `uname -m`); the same reference pinned by digest is answered
//      from the cache (no request). libc may be left out of an image with Python only when the
//      layer budget was spent before the base layer was reached (the plan does not need it);
//   3. the plans of `Image.fromRegistry(ref)` and `.pipInstall(["six"])` through
//      `{ ...memoryHost({}), ...registryHost(…) }`: direct / derived with the image's Python when
//      it has one, derived with the managed CPython (the harness's, for the image's arch and libc)
//      when it has none.
//
// Prints `ok …` / `FAIL …` lines, then "e2e registry plans: N passed, N failed"; given the file
// run-specs.mjs's output was saved to, also the total "e2e: N passed, N failed" of both. Exits 1 on
// any failure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startRegistry } from "../registry/registry.mjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`registry-plans: ${name} is not set (run tests/e2e/run.sh)`);
  return value;
};
const work = env("E2E_WORK");
const cache = env("E2E_CACHE");
const managedPython = {
  version: env("E2E_MANAGED_PYTHON_VERSION"),
  release: env("E2E_MANAGED_PYTHON_RELEASE"),
  urlTemplate: env("E2E_MANAGED_PYTHON_URL"),
};
const pkg = path.join(work, "cli", "node_modules", "@apothic", "image", "node.js");
const { Image, memoryHost, registryHost } = await import(pathToFileURL(pkg).href);

let passed = 0;
let failed = 0;
const failures = [];
function record(name, ok, detail = "") {
  const what = `registry-plans: ${name}`;
  if (ok) {
    passed += 1;
    console.log(`ok   ${what}`);
  } else {
    failed += 1;
    failures.push(`${what}: ${detail}`);
    console.log(`FAIL ${what}${detail ? `: ${detail}` : ""}`);
  }
  return ok;
}
const text = (buffer) => (buffer ?? Buffer.alloc(0)).toString("utf8");
function sh(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { maxBuffer: 1 << 30, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: text(result.stdout), stderr: text(result.stderr) };
}
const json = (value) => JSON.stringify(value);

/** A musl image from Debian's `musl` package alone (loader and libc), or why it cannot be made. */
function muslImage(tag) {
  const dir = path.join(cache, "musl");
  let deb = existsSync(dir) ? readdirSync(dir).find((f) => /^musl_.*\.deb$/.test(f)) : undefined;
  if (!deb) {
    mkdirSync(dir, { recursive: true });
    const got = sh(["apt-get", "download", "-qq", "musl"], { cwd: dir });
    deb = readdirSync(dir).find((f) => /^musl_.*\.deb$/.test(f));
    if (got.status !== 0 || !deb) return { error: `apt-get download musl: exit ${got.status}: ${got.stderr}` };
  }
  const root = path.join(work, "musl-root");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const steps = [
    ["dpkg-deb", "-x", path.join(dir, deb), root],
    ["rm", "-rf", path.join(root, "usr", "share")],
    ["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", `${root}.tar`, "."],
    ["docker", "import", "--change", 'CMD ["/lib/ld-musl-x86_64.so.1"]', `${root}.tar`, tag],
  ];
  for (const step of steps) {
    const r = sh(step);
    if (r.status !== 0) return { error: `${step.join(" ")}: exit ${r.status}: ${r.stderr}` };
  }
  return { deb };
}

/** What the engine says of an image: its Python (`python3 --version`), libc and arch. */
function truth(ref) {
  const run = (entrypoint, ...args) => sh(["docker", "run", "--rm", "--network", "none", "--entrypoint", entrypoint, ref, ...args]);
  const python = run("python3", "--version");
  const pythonVersion = python.status === 0 ? /^Python (\d+\.\d+\.\d+)/.exec(python.stdout + python.stderr)?.[1] : undefined;
  const glibc = run("getconf", "GNU_LIBC_VERSION");
  const musl = run("/lib/ld-musl-x86_64.so.1");
  const libc = /^glibc \d/.test(glibc.stdout) ? "glibc" : /^musl libc/.test(musl.stderr) ? "musl" : undefined;
  return { python, pythonVersion, libc, glibcOut: glibc.stdout.trim(), muslOut: musl.stderr.split("\n").slice(0, 2).join(" ") };
}

/** registryHost's default `maxLayerBytes` (64 MiB). */
const LAYER_BUDGET = 64 * 1024 * 1024;
const uname = sh(["uname", "-m"]).stdout.trim();
const registry = await startRegistry({ name: "e2e-plans" });
// `docker push` to 127.0.0.1 over plain HTTP: dockerd's default insecure range (127.0.0.0/8).
const images = [
  { base: "python:3.11-slim-trixie", python: "3.11" },
  { base: "python:3.13-slim-trixie", python: "3.13" },
  { base: "debian:bookworm-slim", python: null },
  { base: "apothic-e2e/musl:bookworm", python: null, musl: true },
];
try {
  console.log(`e2e registry plans: docker-registry at ${registry.url}, packed package ${pkg}`);
  for (const image of images) {
    if (image.musl) {
      const made = muslImage(image.base);
      if (!record(`a musl image from Debian's musl package (${made.deb ?? "none"})`, !made.error, made.error)) continue;
    }
    const ref = `${registry.host}/e2e/${image.base.replace(/^.*\//, "").replace(":", "-")}:pushed`;
    await checkImage(image, ref);
  }
} finally {
  await registry.stop();
  rmSync(registry.dir, { recursive: true, force: true });
}

async function checkImage(image, ref) {
  const name = `${image.base} as ${ref}`;
  const tagged = sh(["docker", "tag", image.base, ref]);
  const push = tagged.status === 0 ? sh(["docker", "push", ref]) : tagged;
  const pushed = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
  if (!record(`${name}: docker push over plain HTTP`, push.status === 0 && !!pushed, `exit ${push.status}: ${push.stdout}${push.stderr}`)) return;

  const real = truth(ref);
  const registryOptions = { insecure: [registry.host] };
  const host = registryHost(registryOptions);
  let inspection;
  try {
    inspection = await host.inspectImage(ref);
  } catch (error) {
    record(`${name}: inspectImage`, false, `${error.code}: ${error.message}`);
    return;
  }
  const { requests, bytes } = host.stats();
  console.log(`     ${name}: inspectImage → ${json(inspection)} (${requests} requests, ${bytes} bytes)`);
  record(`${name}: inspected digest is the one docker push gave (${pushed})`, inspection.digest === pushed, `got ${inspection.digest}`);
  const pinned = await host.inspectImage(`${ref.replace(/:pushed$/, "")}@${pushed}`);
  record(`${name}: the same image pinned by digest comes from the cache (no request)`, host.stats().requests === requests && json(pinned) === json(inspection), `${host.stats().requests - requests} requests; ${json(pinned)}`);
  record(`${name}: inspected os/arch linux/${inspection.arch} is what uname -m says in the image`, inspection.os === "linux" && inspection.arch === uname, `uname -m: ${uname}; ${json(inspection)}`);
  if (inspection.libc !== undefined || !image.python) {
    record(`${name}: inspected libc ${inspection.libc} is what the image runs (${real.glibcOut || real.muslOut})`, !!real.libc && inspection.libc === real.libc, `engine says ${real.libc}`);
  } else {
    // Python found in an upper layer, libc not: only when the layer budget ran out before the
    // base layer was reached; the plan does not need libc then.
    record(`${name}: libc left out only because the ${LAYER_BUDGET}-byte layer budget was spent (image runs ${real.glibcOut})`, requests > 0 && bytes >= LAYER_BUDGET, `${bytes} bytes read`);
  }

  if (image.python) {
    const said = real.pythonVersion ?? "";
    record(`${name}: docker run python3 --version → ${said} (${image.python})`, said.startsWith(`${image.python}.`), `exit ${real.python.status}: ${real.python.stdout}${real.python.stderr}`);
    const minor = said.split(".").slice(0, 2).join(".");
    const inspected = inspection.pythonVersion ?? "";
    record(`${name}: inspected pythonVersion ${inspected} agrees with ${said}`, inspected === minor || inspected === said, `got ${json(inspection.pythonVersion)}`);
    const viaPath = inspection.pythonPath ? sh(["docker", "run", "--rm", "--network", "none", "--entrypoint", inspection.pythonPath, ref, "--version"]) : undefined;
    record(
      `${name}: inspected pythonPath ${inspection.pythonPath} runs and says ${said}`,
      !!viaPath && viaPath.status === 0 && (viaPath.stdout + viaPath.stderr).trim() === `Python ${said}`,
      viaPath ? `exit ${viaPath.status}: ${viaPath.stdout}${viaPath.stderr}` : "no pythonPath",
    );
  } else {
    record(`${name}: docker run python3 --version fails (no Python)`, real.python.status !== 0 && real.pythonVersion === undefined, `exit ${real.python.status}: ${real.python.stdout}`);
    record(`${name}: inspection has no Python`, inspection.pythonPath === undefined && inspection.pythonVersion === undefined, json(inspection));
  }

  const fileHost = { ...memoryHost({}), ...registryHost(registryOptions) };
  const plans = {};
  for (const [what, img] of [
    ["fromRegistry", Image.fromRegistry(ref)],
    ["fromRegistry + pipInstall six", Image.fromRegistry(ref).pipInstall(["six"])],
  ]) {
    try {
      const { plan } = await img.resolve(fileHost, { managedPython });
      plans[what] = plan;
      console.log(`     ${name}: ${what} → ${json(plan)}`);
    } catch (error) {
      record(`${name}: ${what} resolves`, false, `${error.code}: ${error.message}`);
    }
  }
  const [bare, derived] = [plans.fromRegistry, plans["fromRegistry + pipInstall six"]];
  if (!bare || !derived) return;
  if (image.python) {
    const imagePython = (plan) => plan.python.kind === "image" && plan.python.path === inspection.pythonPath && plan.python.version === inspection.pythonVersion;
    record(`${name}: fromRegistry plans direct, the image itself, with its Python`, bare.mode === "direct" && bare.image === ref && imagePython(bare), json(bare));
    record(`${name}: pipInstall plans derived with the image's Python ${inspection.pythonVersion}`, derived.mode === "derived" && derived.image === null && imagePython(derived), json(derived));
  } else {
    const libc = { glibc: "gnu", musl: "musl" }[real.libc];
    const managed = (plan) =>
      plan.mode === "derived" && plan.image === null && plan.python.kind === "managed" && plan.python.version === managedPython.version && plan.python.arch === uname && plan.python.libc === libc;
    record(`${name}: fromRegistry plans derived with a managed CPython ${managedPython.version} (${uname}, ${libc})`, managed(bare), json(bare));
    record(`${name}: pipInstall plans derived with a managed CPython ${managedPython.version} (${uname}, ${libc})`, managed(derived), json(derived));
  }
}

if (failures.length) {
  console.log("\nregistry plans failures:");
  for (const f of failures) console.log(`  ${f.split("\n")[0]}`);
}
console.log(`e2e registry plans: ${passed} passed, ${failed} failed`);
// The total with the specs' own count (the last "e2e: N passed, N failed" line of their output).
const specsOut = process.argv[2];
if (specsOut) {
  const counts = [...readFileSync(specsOut, "utf8").matchAll(/^e2e: (\d+) passed, (\d+) failed$/gm)].at(-1);
  const specsPassed = counts ? Number(counts[1]) : 0;
  const specsFailed = counts ? Number(counts[2]) : 1;
  console.log(`e2e: ${specsPassed + passed} passed, ${specsFailed + failed} failed (specs and registry plans)`);
}
process.exitCode = failed === 0 ? 0 : 1;
