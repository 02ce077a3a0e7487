#!/usr/bin/env node
// apothic-image: the package's command line. Reads a JSON spec (what `image.toSpec()` returns),
// resolves it through `nodeHost` (local paths resolve against the spec's folder) and prints the
// Dockerfile, the hashes, the plan, or the build context as a tar for `docker build -`:
//
//   apothic-image context spec.json | docker build -t my-image -
//
// Base images are inspected from an --inspect file, the local engine (--docker-inspect) or their
// registry (--registry, through registryHost; credentials from Docker's config file or
// APOTHIC_REGISTRY_USER / APOTHIC_REGISTRY_PASSWORD).
//
// Errors print `apothic-image: error CODE: message` on stderr and exit 1 (2 for a wrong command
// line). On a terminal, a resolve that takes a while draws a progress bar on stderr.
//
// Terminal safety: what goes to stderr has every control character escaped (C0, DEL, C1 as
// \u00XX), so a spec, a file name or a host answer cannot send escape sequences (an OSC 52
// clipboard write, say) to the terminal. Standard output is escaped the same way when it is a
// terminal (newlines and tabs kept); to a pipe or a file (-o) it is written byte for byte, as
// `docker build` must read it. A spec on standard input needs --root: it is not rooted at the
// working directory by default, where it could copy ~/.ssh into a context.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { Image, nodeHost, registryHost } from "./node.js";
import { parseReference } from "./registry-host.js";
import { escapeControls } from "./host-helpers.js";
import { HELP, NAME, UsageError, VERSION, parseArgs } from "./cli-args.js";
import { runtimeCommand } from "./cli-runtime.js";
import { failOnRank, lintReport } from "./cli-lint.js";
import { diffReport } from "./cli-diff.js";

/** @typedef {import("./apothic_image.js").ImageHost} ImageHost */
/** @typedef {import("./apothic_image.js").ImageInspection} ImageInspection */
/** @typedef {import("./apothic_image.js").ResolveOptions} ResolveOptions */
/** @typedef {import("./apothic_image.js").Resolution} Resolution */
/** @typedef {import("./apothic_image.js").Diagnostic} Diagnostic */
/** @typedef {import("./index.js").NodeHostOptions} NodeHostOptions */
/** @typedef {import("./index.js").RegistryHostOptions} RegistryHostOptions */
/** @typedef {import("./index.js").RegistryCredentials} RegistryCredentials */
/** @typedef {import("./cli-args.js").Options} Options */
/** An error with a code, as node:fs and the CLI make them. @typedef {Error & { code?: string }} CodedError */

/**
 * An error with a code, made by the CLI (exit status 1).
 * @param {string} code
 * @param {string} message
 * @param {{ file?: string }} [extra] more properties for the error
 */
function cliError(code, message, extra = {}) {
  const error = /** @type {CodedError & { file?: string }} */ (new Error(message));
  error.code = code;
  Object.assign(error, extra);
  return error;
}

// --- input ----------------------------------------------------------------------------------

/** The bytes of standard input. */
function readStdin() {
  try {
    return readFileSync(0);
  } catch (thrown) {
    const error = /** @type {CodedError} */ (thrown);
    throw cliError(error.code ?? "EIO", `cannot read the spec from standard input: ${error.message}`);
  }
}

/**
 * The JSON value in `file` ("-": standard input); errors name the file and `what` it is.
 * @param {string} file
 * @param {string} what
 * @returns {unknown}
 */
function readJsonFile(file, what) {
  let text;
  try {
    text = file === "-" ? readStdin().toString("utf8") : readFileSync(file, "utf8");
  } catch (thrown) {
    const error = /** @type {CodedError} */ (thrown);
    if (error.code === "ENOENT") throw cliError("ENOENT", `cannot read ${what} ${file}: no such file`, { file });
    if (error.code === "EISDIR") throw cliError("EISDIR", `cannot read ${what} ${file}: it is a folder, not a file`, { file });
    if (error.code && error.message) throw cliError(error.code, `cannot read ${what} ${file}: ${error.message}`, { file });
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (thrown) {
    const error = /** @type {SyntaxError} */ (thrown);
    throw cliError(what === "the spec file" ? "INVALID_SPEC" : "INVALID_ARGUMENT", `${what} ${file === "-" ? "on standard input" : file} is not JSON: ${error.message}`, {
      file: file === "-" ? undefined : file,
    });
  }
}

/**
 * Loads SPEC into an Image; errors name the file.
 * @param {string} specPath
 */
function loadImage(specPath) {
  // Any JSON value: fromSpec decodes it strictly and says what is wrong.
  const spec = /** @type {import("./apothic_image.js").ImageSpec} */ (readJsonFile(specPath, "the spec file"));
  try {
    return Image.fromSpec(spec);
  } catch (thrown) {
    const error = /** @type {{ file?: unknown } | null | undefined} */ (thrown);
    if (error && typeof error === "object" && error.file === undefined && specPath !== "-") {
      try {
        error.file = specPath;
      } catch {
        // a frozen error keeps what it has
      }
    }
    throw error;
  }
}

// --- image inspection through the local engine --------------------------------------------

/**
 * Runs a program; resolves (never rejects) with whether it succeeded and its output.
 * @param {string} file
 * @param {string[]} args
 * @param {number} timeoutMs
 * @returns {Promise<{ ok: boolean, code: string | number | null | undefined, stdout: string, stderr: string }>}
 */
function run(file, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ ok: !error, code: error?.code, stdout, stderr });
    });
  });
}

// Run with /bin/sh inside the image (no network): the first python3/python, its version, and libc.
const PROBE = `for p in python3 python; do
  exe=$(command -v "$p" 2>/dev/null) || continue
  v=$("$exe" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || continue
  echo "python=$exe"; echo "version=$v"; break
done
if ls /lib/ld-musl-* >/dev/null 2>&1; then echo libc=musl; else echo libc=glibc; fi`;

/**
 * `inspectImage` answered by the local engine (`docker` on PATH, or $DOCKER).
 * @param {number} timeoutMs
 * @returns {(ref: string) => Promise<ImageInspection | null>}
 */
function dockerInspector(timeoutMs) {
  const docker = process.env.DOCKER || "docker";
  return async (ref) => {
    const inspected = await run(docker, ["image", "inspect", "--format", "{{json .}}", ref], timeoutMs);
    if (!inspected.ok) {
      if (inspected.code === "ENOENT") throw cliError("DOCKER_NOT_FOUND", `--docker-inspect: ${docker} is not on PATH`);
      return null; // the engine does not have it: not inspected
    }
    // What `docker image inspect` prints; resolution checks every field of the answer it gets.
    const info = /** @type {{ Os?: string, Architecture?: string, Id?: unknown }} */ (JSON.parse(inspected.stdout));
    /** @type {ImageInspection} */
    const result = { os: info.Os, arch: info.Architecture };
    if (typeof info.Id === "string" && /^sha256:[0-9a-f]{64}$/.test(info.Id)) result.digest = info.Id;
    const probe = await run(docker, ["run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", ref, "-c", PROBE], timeoutMs);
    for (const line of probe.stdout.split("\n")) {
      const eq = line.indexOf("=");
      if (eq < 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === "python") result.pythonPath = value;
      else if (key === "version") result.pythonVersion = value;
      else if (key === "libc") result.libc = value;
    }
    return result;
  };
}

// --- image inspection through the registry ------------------------------------------------

/**
 * The registry a Docker config's `auths` key names: "https://index.docker.io/v1/" and the like are
 * Docker Hub ("docker.io"); a URL gives its host; anything else is taken as a host.
 * @param {string} key
 */
function registryOfAuthKey(key) {
  let host = key.replace(/^[a-z]+:\/\//i, "").split("/")[0].toLowerCase();
  if (host === "index.docker.io" || host === "registry-1.docker.io" || host === "registry.hub.docker.com") host = "docker.io";
  return host;
}

/**
 * Registry credentials from a Docker config file (`auths` → { registry: { auth: base64(user:pass) } }).
 * Entries without `auth` (a credential helper's, an identity token's) are skipped. A malformed
 * file is DOCKER_CONFIG_INVALID naming the file and the entry, never the secret.
 * @param {string} file
 * @returns {Record<string, RegistryCredentials>}
 */
function dockerCredentials(file) {
  const bad = (/** @type {string} */ why) => cliError("DOCKER_CONFIG_INVALID", `the Docker config file ${file} ${why}`, { file });
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (thrown) {
    const error = /** @type {CodedError} */ (thrown);
    if (error.code === "ENOENT") throw cliError("ENOENT", `cannot read the Docker config file ${file}: no such file`, { file });
    throw cliError(error.code ?? "EIO", `cannot read the Docker config file ${file}: ${error.code === "EISDIR" ? "it is a folder, not a file" : error.message}`, { file });
  }
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    throw bad("is not JSON"); // the parser's message may quote the text, secrets included
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw bad("must hold a JSON object");
  const auths = config.auths ?? {};
  if (auths === null || typeof auths !== "object" || Array.isArray(auths)) throw bad('has an "auths" that is not an object');
  /** @type {Record<string, RegistryCredentials>} */
  const credentials = {};
  for (const [key, entry] of Object.entries(auths)) {
    const name = JSON.stringify(key);
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw bad(`has an entry ${name} in "auths" that is not an object`);
    if (entry.auth === undefined || entry.auth === "") continue;
    if (typeof entry.auth !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(entry.auth) || entry.auth.length % 4 !== 0) {
      throw bad(`has an "auth" for ${name} that is not base64`);
    }
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw bad(`has an "auth" for ${name} that is not base64 of user:password`);
    credentials[registryOfAuthKey(key)] = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return credentials;
}

/**
 * The registry credentials: the Docker config file (--docker-config, else $DOCKER_CONFIG/config.json
 * or ~/.docker/config.json when it exists), then APOTHIC_REGISTRY_USER / APOTHIC_REGISTRY_PASSWORD
 * for the registry of the spec's base (`baseRef`), which win for that registry.
 * @param {Options} options
 * @param {string | undefined} baseRef
 * @returns {Record<string, RegistryCredentials>}
 */
function registryCredentials(options, baseRef) {
  let file = options["docker-config"];
  if (file === undefined) {
    const fallback = process.env.DOCKER_CONFIG ? path.join(process.env.DOCKER_CONFIG, "config.json") : path.join(homedir(), ".docker", "config.json");
    if (existsSync(fallback)) file = fallback;
  }
  const credentials = file === undefined ? {} : dockerCredentials(file);
  const username = process.env.APOTHIC_REGISTRY_USER;
  const password = process.env.APOTHIC_REGISTRY_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError("APOTHIC_REGISTRY_USER and APOTHIC_REGISTRY_PASSWORD go together: set both or neither");
  }
  if (username !== undefined && password !== undefined) {
    if (baseRef === undefined) throw new UsageError("APOTHIC_REGISTRY_USER is set, but the spec's base is not a registry image");
    credentials[parseReference(baseRef).registry] = { username, password };
  }
  return credentials;
}

/**
 * The registry host --registry asks for. Its callbacks remember the last error they threw:
 * resolution wraps it as HOST_CALLBACK_FAILED, and the CLI reports the registry's own code.
 * @param {Options} options
 * @param {string | undefined} baseRef the spec's base image reference, when it has one
 * @param {number | undefined} timeoutMs
 */
function registryCallbacks(options, baseRef, timeoutMs) {
  /** @type {RegistryHostOptions} */
  const registryOptions = { credentials: registryCredentials(options, baseRef) };
  if (options["insecure-registry"]) registryOptions.insecure = options["insecure-registry"];
  if (options["derived-repository"] !== undefined) registryOptions.derivedRepository = options["derived-repository"];
  if (options.platform !== undefined) registryOptions.platform = options.platform;
  if (timeoutMs !== undefined) registryOptions.timeoutMs = timeoutMs;
  let host;
  try {
    host = registryHost(registryOptions);
  } catch (thrown) {
    // An option registryHost refuses (a bad --insecure-registry or --derived-repository): the
    // command line's fault. Its messages never hold a credential.
    throw new UsageError(/** @type {Error} */ (thrown).message);
  }
  /** @type {{ error: unknown }} */
  const failure = { error: undefined };
  /**
   * @template {unknown[]} A
   * @template R
   * @param {(...args: A) => Promise<R>} call
   */
  const remember =
    (call) =>
    async (/** @type {A} */ ...args) => {
      try {
        return await call(...args);
      } catch (error) {
        failure.error = error;
        throw error;
      }
    };
  return { inspectImage: remember(host.inspectImage), lookupDerived: remember(host.lookupDerived), failure };
}

/**
 * A host callback answering from a JSON object in `file` (null for a key it does not hold).
 * The values are the file's: resolution checks each answer as it does any host's.
 * @template T
 * @param {string} file
 * @param {string} what
 * @returns {(key: string) => T | null}
 */
function mapLookup(file, what) {
  const read = readJsonFile(file, what);
  if (read === null || typeof read !== "object" || Array.isArray(read)) {
    throw cliError("INVALID_ARGUMENT", `${what} ${file} must hold a JSON object`, { file });
  }
  const table = /** @type {Record<string, T>} */ (read);
  return (key) => (Object.hasOwn(table, key) ? table[key] : null);
}

/**
 * The nodeHost and resolve options the command line asks for.
 * @param {string} specPath
 * @param {Options} options
 * @param {Progress | undefined} progress
 * @param {string | undefined} baseRef the spec's base image reference, when it has one
 */
function resolution(specPath, options, progress, baseRef) {
  const rootOption = options.root ?? path.dirname(specPath); // "-" needs --root (parseArgs)
  const root = path.resolve(rootOption);
  /** @type {NodeHostOptions} */
  const hostOptions = { root };
  if (options["python-path"]) {
    // Relative to the root (the spec's folder unless --root), as every path in the spec is.
    hostOptions.pythonPath = options["python-path"].map((dir) => {
      const rel = path.relative(root, path.resolve(root, dir));
      if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
        throw new UsageError(`--python-path ${dir} is not inside the root ${root}`);
      }
      return rel === "" ? "." : rel.split(path.sep).join("/");
    });
  }
  const timeoutMs = options.timeout === undefined ? undefined : Number(options.timeout);
  if (options.inspect !== undefined) hostOptions.inspectImage = mapLookup(options.inspect, "the --inspect file");
  if (options["docker-inspect"]) hostOptions.inspectImage = dockerInspector(timeoutMs ?? 120_000);
  if (options.derived !== undefined) hostOptions.lookupDerived = mapLookup(options.derived, "the --derived file");
  /** @type {{ error: unknown } | undefined} */
  let registryFailure;
  if (options.registry) {
    const registry = registryCallbacks(options, baseRef, timeoutMs);
    hostOptions.inspectImage = registry.inspectImage;
    if (options.derived === undefined) hostOptions.lookupDerived = registry.lookupDerived;
    registryFailure = registry.failure;
  }
  /** @type {ResolveOptions} */
  const resolveOptions = {};
  if (timeoutMs !== undefined) resolveOptions.timeoutMs = timeoutMs;
  /** @type {NonNullable<ResolveOptions["managedPython"]>} */
  const managed = {};
  if (options["managed-python-version"] !== undefined) managed.version = options["managed-python-version"];
  if (options["managed-python-release"] !== undefined) managed.release = options["managed-python-release"];
  if (options["managed-python-url"] !== undefined) managed.urlTemplate = options["managed-python-url"];
  if (options["managed-python-sha256"] !== undefined) {
    /** @type {Record<string, string>} */
    const digests = Object.create(null);
    for (const entry of options["managed-python-sha256"]) {
      const eq = entry.indexOf("=");
      if (eq <= 0) throw new UsageError(`--managed-python-sha256 takes FILE=HEX (a tarball name, then its SHA-256), not ${JSON.stringify(entry)}`);
      digests[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    managed.sha256 = digests;
  }
  if (Object.keys(managed).length > 0) resolveOptions.managedPython = managed;
  const host = nodeHost(hostOptions);
  if (progress) resolveOptions.onProgress = (p) => progress.update(p);
  return { host, resolveOptions, registryFailure };
}

// --- output ---------------------------------------------------------------------------------

/**
 * Writes to standard output and waits until it is flushed; a closed pipe ends quietly. Text
 * shown on a terminal has its control characters escaped (newlines and tabs kept).
 * @param {string | Uint8Array} data
 * @returns {Promise<void>}
 */
function writeStdout(data) {
  if (typeof data === "string" && process.stdout.isTTY) data = escapeControls(data, true);
  return new Promise((resolve, reject) => {
    /** @param {NodeJS.ErrnoException} error */
    const onError = (error) => {
      if (error.code === "EPIPE") resolve();
      else reject(cliError(error.code ?? "EIO", `cannot write to standard output: ${error.message}`));
    };
    process.stdout.once("error", onError);
    process.stdout.write(data, (error) => {
      process.stdout.off("error", onError);
      if (error) onError(error);
      else resolve();
    });
  });
}

/**
 * Writes `data` to `file`, or to standard output when there is none.
 * @param {string | Uint8Array} data
 * @param {string | undefined} file
 */
async function output(data, file) {
  if (file === undefined) return writeStdout(data); // bytes (a tar) never reach a terminal: main refuses
  try {
    writeFileSync(file, data);
  } catch (thrown) {
    const error = /** @type {CodedError} */ (thrown);
    throw cliError(error.code ?? "EIO", `cannot write ${file}: ${error.message}`, { file });
  }
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];
/**
 * `n` bytes in B, KiB, MiB, … (one decimal above bytes).
 * @param {number} n
 */
function formatBytes(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Resolves quicker than this draw no bar (APOTHIC_PROGRESS_DELAY_MS overrides it, for tests). */
const PROGRESS_DELAY_MS = /^[0-9]+$/.test(process.env.APOTHIC_PROGRESS_DELAY_MS ?? "") ? Number(process.env.APOTHIC_PROGRESS_DELAY_MS) : 200;

/**
 * The progress bar on stderr: files and bytes hashed so far, their rate, and a bar that sweeps
 * while the total is unknown. Drawn only after a short delay (quick resolves draw nothing),
 * redrawn at most every 100 ms, and erased when done.
 */
class Progress {
  /**
   * @param {NodeJS.WriteStream} stream
   * @param {string} label
   */
  constructor(stream, label) {
    this.stream = stream;
    this.label = label;
    this.files = 0;
    this.bytes = 0;
    this.start = Date.now();
    this.drawn = false;
    this.lastDraw = 0;
    this.frame = 0;
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref?.();
  }
  /** @param {import("./apothic_image.js").ResolveProgress} progress */
  update({ files, bytes }) {
    this.files = files;
    this.bytes = bytes;
    this.maybeDraw();
  }
  /** Draws now if the last drawing is old enough (the timer only runs between host calls). */
  maybeDraw() {
    if (Date.now() - this.lastDraw >= 100) this.draw();
  }
  draw() {
    const elapsed = Date.now() - this.start;
    if (elapsed < PROGRESS_DELAY_MS) return;
    this.lastDraw = Date.now();
    const width = 20;
    const pos = this.frame++ % (2 * (width - 4));
    const at = pos < width - 4 ? pos : 2 * (width - 4) - pos;
    const bar = " ".repeat(at) + "====" + " ".repeat(width - 4 - at);
    const rate = formatBytes(Math.round(this.bytes / (elapsed / 1000)));
    const columns = this.stream.columns || 80;
    let line = `${this.label} [${bar}] ${this.files.toLocaleString("en-US")} files, ${formatBytes(this.bytes)} hashed (${rate}/s)`;
    if (line.length > columns - 1) line = line.slice(0, columns - 1);
    this.stream.write(`\r\x1b[K${line}`);
    this.drawn = true;
  }
  done() {
    clearInterval(this.timer);
    if (this.drawn) this.stream.write("\r\x1b[K");
  }
}

/** JSON text with DEL and C1 written as \\u escapes too (JSON.stringify escapes C0 only): same JSON, safe anywhere. */
/**
 * @param {unknown} value
 * @param {number} [indent]
 */
const json = (value, indent) => escapeControls(JSON.stringify(value, null, indent), true);

/** One line for stderr: every control character escaped, the newline added. */
/** @param {string} text */
const errLine = (text) => process.stderr.write(`${escapeControls(text)}\n`);

/**
 * Prints each diagnostic on stderr, unless `quiet` (the runtime's too, whose codes are its own).
 * @param {{ code: string, message: string, step?: number }[] | undefined} diagnostics
 * @param {boolean} quiet
 */
function printDiagnostics(diagnostics, quiet) {
  if (quiet) return;
  for (const d of diagnostics ?? []) {
    const where = d.step === undefined || d.step === null ? "" : ` (step ${d.step})`;
    errLine(`${NAME}: warning ${d.code}${where}: ${d.message}`);
  }
}

/**
 * Prints an error on stderr; returns the exit status (2 for a wrong command line, else 1).
 * @param {unknown} thrown
 */
function printError(thrown) {
  // Whatever was thrown: an ApothicError, a host's or node's error, or any value at all.
  const error = /** @type {{ code?: unknown, message?: unknown, argument?: unknown, file?: unknown, line?: unknown, column?: unknown, stack?: unknown } | null | undefined} */ (thrown);
  if (error instanceof UsageError) {
    errLine(`${NAME}: error USAGE: ${error.message}`);
    return 2;
  }
  const code = error && typeof error === "object" && typeof error.code === "string" ? error.code : "INTERNAL";
  const message = error && typeof error === "object" && "message" in error ? String(error.message) : String(error);
  errLine(`${NAME}: error ${code}: ${message}`);
  if (error && typeof error === "object") {
    if (error.argument) errLine(`  at: ${error.argument}`);
    if (error.file) {
      let where = String(error.file);
      if (error.line !== undefined && error.line !== null) where += `:${error.line}`;
      if (error.column !== undefined && error.column !== null) where += `:${error.column}`;
      errLine(`  in: ${where}`);
    }
    if (code === "INTERNAL" && process.env.APOTHIC_DEBUG && error.stack) process.stderr.write(`${escapeControls(error.stack, true)}\n`);
  }
  return 1;
}

// --- commands -------------------------------------------------------------------------------

/**
 * Runs the command line `argv`.
 * @param {string[]} argv
 */
async function main(argv) {
  const { command, options, operands } = parseArgs(argv);
  if (command === "version") return writeStdout(`${VERSION}\n`);
  if (command === "help") return writeStdout(`${HELP[operands[0] ?? "main"]}\n`);
  if (command === "usage") {
    process.stderr.write(`${HELP.main}\n`); // our own text
    process.exitCode = 2;
    return undefined;
  }

  if (command === "diff") return diff(operands, options);
  const specPath = operands[0];
  if (command === "context" && options.output === undefined && process.stdout.isTTY) {
    throw cliError(
      "TTY_OUTPUT",
      "refusing to write a tar archive to a terminal: pipe it (| docker build -t NAME -), redirect it (> context.tar) or use -o FILE",
    );
  }
  const failOn = failOnRank(options["fail-on"]);
  if (command === "lint" && failOn === undefined) throw new UsageError(`--fail-on takes error, warning, info or never, not ${JSON.stringify(options["fail-on"])}`);
  const image = loadImage(specPath);
  /** @param {import("./cli-lint.js").Finding[]} findings */
  const lint = async (findings) => {
    const report = lintReport(specPath === "-" ? "<stdin>" : specPath, findings, { json: Boolean(options.json), failOn: /** @type {number} */ (failOn) });
    await writeStdout(report.text);
    process.exitCode = report.status;
  };
  try {
    if (command === "lint" && options["no-resolve"]) return await lint(image.lint());
    if (command === "hash" && options.definition) {
      const hash = image.definitionHash();
      return writeStdout(options.json ? `${json({ definitionHash: hash })}\n` : `${hash}\n`);
    }
    const quiet = Boolean(options.quiet);
    if (command === "build" || command === "run") {
      const base = /** @type {{ base?: { ref?: unknown } }} */ (image.toSpec()).base;
      const baseRef = typeof base?.ref === "string" ? base.ref : undefined;
      const { host, resolveOptions } = resolution(specPath, options, undefined, baseRef);
      process.exitCode = await runtimeCommand(command, image, {
        host,
        resolveOptions,
        options,
        operands,
        credentials: options.registry ? registryCredentials(options, baseRef) : {},
        escape: (text) => escapeControls(text),
        printDiagnostics: (diagnostics) => printDiagnostics(diagnostics, quiet),
        json,
      });
      return undefined;
    }
    const drawProgress = !quiet && !options["no-progress"] && (options.progress || Boolean(process.stderr.isTTY));
    const progress = drawProgress ? new Progress(process.stderr, command === "context" ? "packing" : "resolving") : undefined;
    const base = /** @type {{ base?: { ref?: unknown } }} */ (image.toSpec()).base;
    const { host, resolveOptions, registryFailure } = resolution(specPath, options, progress, typeof base?.ref === "string" ? base.ref : undefined);
    let result;
    try {
      result = command === "context" ? await image.buildContext(host, resolveOptions) : await image.resolve(host, resolveOptions);
    } catch (thrown) {
      // The registry's own error (its code, registry, repository) rather than the wrapper's.
      const error = /** @type {{ code?: unknown } | null | undefined} */ (thrown);
      if (error?.code === "HOST_CALLBACK_FAILED" && registryFailure?.error !== undefined) throw registryFailure.error;
      throw thrown;
    } finally {
      progress?.done();
    }
    if (command === "context") return await output(/** @type {Uint8Array} */ (result), options.output);
    result = /** @type {Resolution} */ (result); // every other command resolved
    printDiagnostics(result.diagnostics, quiet);
    if (command === "lint") return await lint(/** @type {import("./cli-lint.js").Finding[]} */ (result.lint));
    if (command === "render") return await output(result.dockerfile, options.output);
    if (command === "hash") {
      const hashes = { definitionHash: image.definitionHash(), imageHash: result.imageHash, specHash: result.specHash };
      return await writeStdout(
        options.json
          ? `${json(hashes, 2)}\n`
          : `definition ${hashes.definitionHash}\nimage      ${hashes.imageHash}\nspec       ${hashes.specHash}\n`,
      );
    }
    // plan
    const plan = {
      mode: result.plan.mode,
      image: result.plan.image ?? null,
      imageHash: result.imageHash,
      buildKey: result.buildKey,
      specHash: result.specHash,
      python: result.plan.python,
      mounts: result.mounts,
      diagnostics: result.diagnostics,
    };
    return await writeStdout(`${json(plan, 2)}\n`);
  } finally {
    image.free();
  }
}

/**
 * `diff [--resolve] BEFORE AFTER`: exit status 0 when the specs (with --resolve, the images)
 * are the same, 1 when they differ, 2 on an error (as diff(1)). With --resolve each spec is
 * resolved through a nodeHost rooted as `resolve` roots it, and the diff compares the layer
 * hashes.
 * @param {string[]} operands the two spec files
 * @param {Options} options
 */
async function diff([beforePath, afterPath], options) {
  try {
    const label = (/** @type {string} */ p) => (p === "-" ? "<stdin>" : p);
    const [before, after] = [loadImage(beforePath), loadImage(afterPath)];
    /** @param {Image} image @param {string} specPath */
    const resolve = (image, specPath) => {
      const { host, resolveOptions } = resolution(specPath, options, undefined, undefined);
      return image.resolve(host, resolveOptions);
    };
    const resolutions = options.resolve ? { before: await resolve(before, beforePath), after: await resolve(after, afterPath) } : undefined;
    const result = Image.diff(before, after, resolutions);
    const report = diffReport(label(beforePath), label(afterPath), result, { json: Boolean(options.json) });
    await writeStdout(report.text);
    process.exitCode = report.status;
  } catch (error) {
    printError(error);
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).then(
  () => {},
  (error) => {
    process.exitCode = printError(error);
  },
);
