// `apothic-image … --registry` (the installed CLI) against real registries (Debian's
// docker-registry, tests/registry/registry.mjs, filled through the registry API by fill.mjs): the
// plan each image calls for with no Docker at hand, the derived-image lookup, the platform option,
// Basic credentials from a Docker config file and from the environment, refused and malformed
// credentials (coded errors that never print the secret), and the usage errors (exit 2).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Image, registryHost } from "@apothic/image";
import { MEDIA, fill, publishDerived } from "./fill.mjs";
import { repoRoot, startRegistry } from "./registry.mjs";

const bin = fileURLToPath(new URL("../node_modules/.bin/apothic-image", import.meta.url));
const BASIC = { user: "carol", password: "cli-basic-pw-93ae51" };
const b64 = (/** @type {string} */ text) => Buffer.from(text).toString("base64");

/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let anon;
/** @type {Awaited<ReturnType<typeof startRegistry>>} */ let basic;
/** @type {string} */ let dir;
/** @type {Awaited<ReturnType<typeof fill>>} */ let filled;

before(async () => {
  anon = await startRegistry({ name: "cli-anonymous" });
  filled = await fill(anon.url);
  basic = await startRegistry({ name: "cli-basic", storage: anon.storage, basic: BASIC });
  dir = mkdtempSync(path.join(tmpdir(), "apothic-registry-cli-"));
  mkdirSync(path.join(dir, "home"));
});

after(async () => {
  await Promise.all([anon?.stop(), basic?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes `image`'s spec to a file of its own; answers the path. */
function specFile(/** @type {string} */ name, /** @type {Image} */ image) {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(image.toSpec()));
  image.free();
  return file;
}

/**
 * Runs the CLI with no Docker reachable (DOCKER names nothing, PATH holds node only), a HOME of
 * its own (no ~/.docker/config.json) and no DOCKER_CONFIG, plus `env`.
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function cli(args, env = {}) {
  const clean = { PATH: path.dirname(process.execPath), HOME: path.join(dir, "home"), DOCKER: path.join(dir, "no-docker"), ...env };
  const result = spawnSync(bin, args, { cwd: dir, env: clean, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, out: result.stdout, err: result.stderr };
}

/** `plan SPEC --registry --insecure-registry` for the anonymous registry, parsed. */
function plan(/** @type {string} */ spec, /** @type {string[]} */ extra = [], env = {}) {
  const r = cli(["plan", spec, "--registry", "--insecure-registry", anon.host, ...extra], env);
  assert.equal(r.status, 0, r.err);
  return JSON.parse(r.out);
}

/** Asserts an exit status 1 with `code`, and no `secret` (nor base64 user:secret) on stderr or stdout. */
function refused(/** @type {ReturnType<typeof cli>} */ r, /** @type {string} */ code, /** @type {string[]} */ secrets = []) {
  assert.equal(r.status, 1, r.err);
  assert.match(r.err, new RegExp(`^apothic-image: error ${code}: `), r.err);
  for (const secret of secrets) {
    for (const text of [r.err, r.out]) {
      assert.ok(!text.includes(secret), `the secret leaked: ${text}`);
      assert.ok(!text.includes(b64(`${BASIC.user}:${secret}`)), `the encoded secret leaked: ${text}`);
    }
  }
}

/** A Docker config file holding `auths`; answers its path. */
function dockerConfig(/** @type {string} */ name, /** @type {unknown} */ auths) {
  const file = path.join(dir, `${name}.config.json`);
  writeFileSync(file, typeof auths === "string" ? auths : JSON.stringify({ auths }));
  return file;
}

describe("plan --registry", () => {
  test("a Python image with no steps runs directly on its own Python", () => {
    const ref = `${anon.host}/python-env:1`;
    const result = plan(specFile("direct", Image.fromRegistry(ref)));
    assert.equal(result.mode, "direct");
    assert.equal(result.image, ref);
    assert.deepEqual(result.python, { kind: "image", path: "/usr/local/bin/python3", version: "3.12.7" });
  });

  test("a Python-less image with steps is derived, with a managed CPython for its arch and libc", () => {
    const result = plan(specFile("managed", Image.fromRegistry(`${anon.host}/no-python:1`).pipInstall(["requests"])));
    assert.equal(result.mode, "derived");
    assert.equal(result.image, null);
    assert.equal(result.python.kind, "managed");
    assert.equal(result.python.arch, "x86_64");
    assert.equal(result.python.libc, "gnu");
  });

  test("--platform picks from an index: arm64 without Python gets a managed CPython for aarch64 and musl", () => {
    const spec = specFile("arm", Image.fromRegistry(`${anon.host}/oci-index:1`).pipInstall(["requests"]));
    const arm = plan(spec, ["--platform", "linux/arm64"]);
    assert.equal(arm.python.kind, "managed");
    assert.equal(arm.python.arch, "aarch64");
    assert.equal(arm.python.libc, "musl");
    // The default platform (linux/amd64) of the same index has a Python of its own.
    assert.equal(plan(spec).python.kind, "image");
  });

  test("--derived-repository finds the published derived image by its sha256-<hex of the build key> tag", async () => {
    const spec = specFile("derived", Image.fromRegistry(`${anon.host}/no-python:1`).pipInstall(["httpx"]));
    const options = ["--derived-repository", `${anon.host}/cli-derived`];
    const first = plan(spec, options);
    assert.equal(first.image, null);
    const digest = await publishDerived(anon.url, "no-python", "cli-derived", `sha256-${first.buildKey.slice("sha256:".length)}`);
    const second = plan(spec, options);
    assert.equal(second.buildKey, first.buildKey);
    assert.equal(second.mode, "derived");
    assert.equal(second.image, `${anon.host}/cli-derived@${digest}`);
    // Without --derived-repository nothing is looked up.
    assert.equal(plan(spec).image, null);
  });

  test("the registry's digest joins the image hash (hash --registry differs from hash without it)", () => {
    const spec = specFile("hash", Image.fromRegistry(`${anon.host}/python-env:1`).pipInstall(["requests"]));
    const withRegistry = cli(["hash", spec, "--json", "--registry", "--insecure-registry", anon.host]);
    const without = cli(["hash", spec, "--json"]);
    assert.equal(withRegistry.status, 0, withRegistry.err);
    assert.equal(without.status, 0, without.err);
    assert.notEqual(JSON.parse(withRegistry.out).imageHash, JSON.parse(without.out).imageHash);
  });

  test("an image the registry does not have is REGISTRY_NOT_FOUND naming the repository", () => {
    const r = cli(["plan", specFile("missing", Image.fromRegistry(`${anon.host}/nothing-here:1`)), "--registry", "--insecure-registry", anon.host]);
    refused(r, "REGISTRY_NOT_FOUND");
    assert.ok(r.err.includes("nothing-here"), r.err);
  });

  test("a registry not listed by --insecure-registry is reached over https only (and fails here)", () => {
    const r = cli(["plan", specFile("https", Image.fromRegistry(`${anon.host}/python-env:1`)), "--registry", "--timeout", "5000"]);
    refused(r, "REGISTRY_UNREACHABLE");
  });
});

describe("credentials", () => {
  const ref = () => `${basic.host}/python-env:1`;
  const run = (/** @type {string[]} */ extra, env = {}) => cli(["plan", specFile("basic", Image.fromRegistry(ref())), "--registry", "--insecure-registry", basic.host, ...extra], env);

  test("Basic credentials from --docker-config work", () => {
    const config = dockerConfig("good", { [basic.host]: { auth: b64(`${BASIC.user}:${BASIC.password}`) } });
    const r = run(["--docker-config", config]);
    assert.equal(r.status, 0, r.err);
    assert.equal(JSON.parse(r.out).mode, "direct");
  });

  test("an auths key written as a URL names its host", () => {
    const config = dockerConfig("url-key", { [`http://${basic.host}/v2/`]: { auth: b64(`${BASIC.user}:${BASIC.password}`) } });
    assert.equal(run(["--docker-config", config]).status, 0);
  });

  test("the default file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json", () => {
    const auths = { auths: { [basic.host]: { auth: b64(`${BASIC.user}:${BASIC.password}`) } } };
    const dockerDir = path.join(dir, "docker-config-dir");
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(path.join(dockerDir, "config.json"), JSON.stringify(auths));
    assert.equal(run([], { DOCKER_CONFIG: dockerDir }).status, 0);
    const home = path.join(dir, "home-with-docker");
    mkdirSync(path.join(home, ".docker"), { recursive: true });
    writeFileSync(path.join(home, ".docker", "config.json"), JSON.stringify(auths));
    assert.equal(run([], { HOME: home }).status, 0);
    // A DOCKER_CONFIG folder without config.json: no credentials (home's file is not read then).
    refused(run([], { HOME: home, DOCKER_CONFIG: path.join(dir, "empty-docker-config") }), "REGISTRY_AUTH_REFUSED");
  });

  test("APOTHIC_REGISTRY_USER / APOTHIC_REGISTRY_PASSWORD for the base's registry work, and win over the file", () => {
    const env = { APOTHIC_REGISTRY_USER: BASIC.user, APOTHIC_REGISTRY_PASSWORD: BASIC.password };
    assert.equal(run([], env).status, 0);
    const wrongFile = dockerConfig("wrong-for-env", { [basic.host]: { auth: b64(`${BASIC.user}:not-it`) } });
    assert.equal(run(["--docker-config", wrongFile], env).status, 0);
  });

  test("no credentials: REGISTRY_AUTH_REFUSED", () => {
    refused(run([]), "REGISTRY_AUTH_REFUSED");
  });

  test("wrong credentials are REGISTRY_AUTH_REFUSED, the password never printed", () => {
    const wrong = "wrong-pw-5d1e0c";
    const config = dockerConfig("wrong", { [basic.host]: { auth: b64(`${BASIC.user}:${wrong}`) } });
    refused(run(["--docker-config", config]), "REGISTRY_AUTH_REFUSED", [wrong, BASIC.password]);
    refused(run([], { APOTHIC_REGISTRY_USER: BASIC.user, APOTHIC_REGISTRY_PASSWORD: wrong }), "REGISTRY_AUTH_REFUSED", [wrong]);
  });

  test("a malformed Docker config file is DOCKER_CONFIG_INVALID naming the file, never the secret", () => {
    const secret = "s3cret-in-config-77f0";
    const cases = {
      "not-json": `{ "auths": { "${basic.host}": { "auth": "${b64(`${BASIC.user}:${secret}`)}" } } `,
      "bare-secret": `{ "auths": ${secret} }`,
      "not-object": JSON.stringify([secret]),
      "auths-array": JSON.stringify({ auths: [secret] }),
      "entry-string": JSON.stringify({ auths: { [basic.host]: secret } }),
      "auth-not-base64": JSON.stringify({ auths: { [basic.host]: { auth: `${secret}!` } } }),
      "auth-number": JSON.stringify({ auths: { [basic.host]: { auth: 42 } } }),
      "auth-no-colon": JSON.stringify({ auths: { [basic.host]: { auth: b64(secret) } } }),
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = dockerConfig(name, text);
      const r = run(["--docker-config", file]);
      refused(r, "DOCKER_CONFIG_INVALID", [secret]);
      assert.ok(r.err.includes(file), `${name}: ${r.err}`);
      assert.ok(!r.err.includes(b64(secret)), `${name}: ${r.err}`);
    }
  });

  test("a --docker-config file that does not exist is ENOENT naming it", () => {
    const file = path.join(dir, "no-such-config.json");
    const r = run(["--docker-config", file]);
    refused(r, "ENOENT");
    assert.ok(r.err.includes(file), r.err);
  });
});

describe("usage", () => {
  test("contradicting or misplaced options exit 2", () => {
    const spec = specFile("usage", Image.fromRegistry(`${anon.host}/python-env:1`));
    writeFileSync(path.join(dir, "inspect.json"), "{}");
    const cases = [
      [["--registry", "--inspect", "inspect.json"], /--registry and --inspect contradict/],
      [["--registry", "--docker-inspect"], /--registry and --docker-inspect contradict/],
      [["--registry", "--derived", "inspect.json", "--derived-repository", `${anon.host}/d`], /--derived and --derived-repository contradict/],
      [["--insecure-registry", anon.host], /--insecure-registry goes with --registry/],
      [["--derived-repository", `${anon.host}/d`], /--derived-repository goes with --registry/],
      [["--platform", "linux/arm64"], /--platform goes with --registry/],
      [["--docker-config", "x.json"], /--docker-config goes with --registry/],
      [["--registry", "--platform", "arm64"], /--platform takes OS\/ARCH/],
      [["--registry", "--platform", "linux/arm64", "--platform", "linux/amd64"], /--platform given twice/],
      [["--registry", "--derived-repository", `${anon.host}/d:tag`], /derivedRepository/],
      [["--registry", "--insecure-registry", "bad host/"], /insecure/],
    ];
    for (const [args, message] of cases) {
      const r = cli(["plan", spec, ...args]);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, /^apothic-image: error USAGE: /, r.err);
      assert.match(r.err, message, r.err);
    }
  });

  test("APOTHIC_REGISTRY_USER without APOTHIC_REGISTRY_PASSWORD exits 2", () => {
    const spec = specFile("env-half", Image.fromRegistry(`${anon.host}/python-env:1`));
    const r = cli(["plan", spec, "--registry", "--insecure-registry", anon.host], { APOTHIC_REGISTRY_USER: "someone" });
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /APOTHIC_REGISTRY_USER and APOTHIC_REGISTRY_PASSWORD go together/);
  });

  test("every command's help names the registry options", () => {
    for (const command of ["render", "hash", "plan", "context"]) {
      const r = cli([command, "--help"]);
      assert.equal(r.status, 0, r.err);
      for (const option of ["--registry", "--insecure-registry HOST", "--derived-repository HOST/REPO", "--platform OS/ARCH[/VARIANT]", "--docker-config FILE", "APOTHIC_REGISTRY_USER"]) {
        assert.ok(r.out.includes(option), `${command} --help lacks ${option}`);
      }
    }
  });
});

/** @typedef {{ requests: number, bytes: number, of?: number }} Figures an inspection's cost */

/**
 * The figures a document's table states: the first Markdown table after `marker` in `file` (a
 * path in the repository), each row named by the first of `labels` its first cell matches;
 * requests are the second cell's leading number, bytes the third cell's first number, and the
 * image's size the third cell's second number ("1,422 of the image's 1,606") or the fourth cell.
 * @param {string} file
 * @param {string} marker
 * @param {[RegExp, string][]} labels
 * @returns {Record<string, Figures>}
 */
function documentedFigures(file, marker, labels) {
  const text = readFileSync(path.join(repoRoot, file), "utf8");
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `${file} has no ${JSON.stringify(marker)}`);
  const lines = text.slice(at).split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|").slice(1, -1).map((cell) => cell.trim()));
  }
  /** @type {(cell: string | undefined) => number[]} */
  const numbers = (cell) => [...(cell ?? "").matchAll(/\d[\d,]*/g)].map((m) => Number(m[0].replaceAll(",", "")));
  /** @type {Record<string, Figures>} */
  const figures = {};
  for (const [label, requests, bytes, of] of rows) {
    const name = labels.find(([pattern]) => pattern.test(label))?.[1];
    assert.ok(name, `${file}: the row ${JSON.stringify(label)} names no measured inspection`);
    const [read, whole] = numbers(bytes);
    figures[name] = { requests: numbers(requests)[0], bytes: read, ...((whole ?? numbers(of)[0]) === undefined ? {} : { of: whole ?? numbers(of)[0] }) };
  }
  return figures;
}

/** How each document's rows are named. */
const LABELS = /** @type {[RegExp, string][]} */ ([
  [/PYTHON_VERSION/, "python-env"],
  [/Python found in the layers/, "python-layer"],
  [/big layer|1 MiB layer/, "python-over-big-layer"],
  [/inspected before|already inspected/, "cached digest"],
]);

describe("requests and bytes per inspection (the tables in README.md, docs/resolution.md and js/README.md)", () => {
  /** The bytes an image is made of: its manifest, config and every layer. */
  async function imageBytes(/** @type {string} */ repository) {
    const response = await fetch(`${anon.url}/v2/${repository}/manifests/1`, { headers: { accept: `${MEDIA.ociManifest}, ${MEDIA.dockerManifest}` } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const manifest = JSON.parse(new TextDecoder().decode(bytes));
    return bytes.length + manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
  }

  test("PYTHON_VERSION in the config, Python found in the layers, Python over a big layer, a cached digest", async (t) => {
    /** @type {Record<string, { requests: number, bytes: number, of: number }>} */
    const rows = {};
    for (const name of ["python-env", "python-layer", "python-over-big-layer"]) {
      const host = registryHost({ insecure: [anon.host] });
      const answer = await host.inspectImage(`${anon.host}/${name}:1`);
      assert.deepEqual(answer, filled.images[name].expected);
      const { requests, bytes } = host.stats();
      rows[name] = { requests, bytes, of: await imageBytes(name) };
      // Manifest, config and at most each layer once; never more bytes than the image has.
      assert.ok(bytes <= rows[name].of, `${name}: ${bytes} bytes read of ${rows[name].of}`);
    }
    // The config names the Python: manifest, config and the base layer (for libc), not the
    // Python layer. Python in the layers: manifest, config, both layers (Python newest, libc base).
    assert.equal(rows["python-env"].requests, 3);
    assert.ok(rows["python-env"].bytes < rows["python-env"].of, JSON.stringify(rows["python-env"]));
    assert.equal(rows["python-layer"].requests, 4);
    // Python on top of a 1 MiB middle layer: the top layer, then the base for libc; the middle
    // layer is never asked for.
    assert.equal(rows["python-over-big-layer"].requests, 4);
    assert.ok(rows["python-over-big-layer"].bytes < rows["python-over-big-layer"].of / 50, JSON.stringify(rows["python-over-big-layer"]));
    const host = registryHost({ insecure: [anon.host] });
    const pinned = `${anon.host}/python-env@${filled.images["python-env"].digest}`;
    await host.inspectImage(pinned);
    const first = host.stats();
    assert.deepEqual(await host.inspectImage(pinned), filled.images["python-env"].expected);
    const second = host.stats();
    rows["cached digest"] = { requests: second.requests - first.requests, bytes: second.bytes - first.bytes, of: 0 };
    assert.deepEqual(rows["cached digest"], { requests: 0, bytes: 0, of: 0 });
    t.diagnostic(`per inspection: ${JSON.stringify(rows)}`);
    // The documents state exactly these figures (js/README.md leaves out the big layer).
    for (const [file, marker, names] of /** @type {const} */ ([
      ["README.md", "An inspection reads only what it needs", Object.keys(rows)],
      ["docs/resolution.md", "**Requests and bytes per inspection**", Object.keys(rows)],
      ["js/README.md", "with the test registry an inspection costs", ["python-env", "python-layer", "cached digest"]],
    ])) {
      const documented = documentedFigures(file, marker, LABELS);
      assert.deepEqual(Object.keys(documented).sort(), [...names].sort(), `${file}: the rows of its table`);
      for (const [name, stated] of Object.entries(documented)) {
        const measured = rows[name];
        for (const key of /** @type {const} */ (["requests", "bytes", "of"])) {
          if (key === "of" && name === "cached digest") continue;
          assert.equal(stated[key], measured[key], `${file}, the ${name} row: ${key} ${stated[key]} stated, ${measured[key]} measured`);
        }
      }
    }
  });
});
