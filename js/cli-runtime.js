// The CLI's `build` and `run` commands: the runtime (runtime/index.js) on the engine DOCKER_HOST
// names, with the registry options of the other commands. What they print: on a terminal a
// status line that is redrawn; otherwise (a pipe, a CI log) one plain line per phase.
import { parseReference } from "./registry-host.js";
import { ensure, run } from "./runtime/index.js";

/** @typedef {import("./cli-args.js").Options} Options */
/** @typedef {import("./index.js").Image} Image */
/** @typedef {import("./index.js").ImageHost} ImageHost */
/** @typedef {import("./index.js").ResolveOptions} ResolveOptions */
/** @typedef {import("./index.js").RegistryCredentials} RegistryCredentials */
/** @typedef {import("./runtime/runtime.js").EnsureResult} EnsureResult */
/** @typedef {import("./runtime/runtime.js").ProgressEvent} ProgressEvent */
/** @typedef {import("./runtime/runtime.js").RuntimeRegistry} RuntimeRegistry */

/**
 * How a phase is shown.
 * @param {ProgressEvent} event
 */
function describe(event) {
  switch (event.phase) {
    case "resolve":
      return "resolving the spec";
    case "python":
      return `fetching the managed CPython ${event.url ?? ""}`;
    case "optimize":
      return "building the optimized image (the managed CPython baked in)";
    default:
      return `${event.phase} ${event.ref ?? ""}`;
  }
}

/**
 * How progress is shown: `line` (one redrawn status line, the default on a terminal, or with
 * --progress), `lines` (one plain line per phase, the default otherwise) or `none` (--no-progress
 * or --quiet).
 * @typedef {"line" | "lines" | "none"} ProgressMode
 */

/**
 * The progress mode the options and `stream` ask for.
 * @param {Options} options
 * @param {{ isTTY?: boolean }} stream
 * @returns {ProgressMode}
 */
export function progressMode(options, stream) {
  if (options.quiet || options["no-progress"]) return "none";
  return options.progress || stream.isTTY ? "line" : "lines";
}

/**
 * A progress reporter on `stream`, in `mode`: a redrawn line (with the engine's build steps as
 * their vertex names), plain lines (phases only), or nothing.
 * @param {NodeJS.WriteStream} stream
 * @param {{ mode: ProgressMode, escape: (text: string) => string }} how
 */
export function reporter(stream, { mode, escape }) {
  let last = "";
  const line = mode === "line";
  // Whether a status line is on the screen (erased once, never over the command's output).
  let drawn = false;
  const draw = (/** @type {string} */ text) => {
    stream.write(`\r\x1b[K${escape(text).slice(0, (stream.columns || 80) - 1)}`);
    drawn = true;
  };
  return {
    /** @param {ProgressEvent} event */
    onProgress(event) {
      if (mode === "none") return;
      if (event.engine !== undefined) {
        if (!line) return;
        const vertex = /** @type {{ name?: unknown }} */ (event.engine);
        if (typeof vertex.name !== "string") return;
        draw(`build: ${vertex.name}`);
        return;
      }
      const text = describe(event);
      if (text === last) return;
      last = text;
      if (line) draw(text);
      else stream.write(`${escape(text)}\n`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

/**
 * The runtime's registry from the command line: `--derived-repository` (with `--registry`), its
 * credentials from the same sources as the registry host's, plain HTTP to the hosts of
 * `--insecure-registry` (the registry's, and a token server's when it is another). Publishing
 * only with `--push`.
 * @param {Options} options
 * @param {Record<string, RegistryCredentials>} credentials
 * @returns {RuntimeRegistry | undefined}
 */
export function runtimeRegistry(options, credentials) {
  const repository = options["derived-repository"];
  if (repository === undefined) return undefined;
  const { registry } = parseReference(repository);
  return {
    repository,
    credentials: credentials[registry],
    insecure: options["insecure-registry"] ?? [],
  };
}

/**
 * One line saying what `ensure` did, with its times.
 * @param {EnsureResult} result
 */
export function summary(result) {
  const times = Object.entries(result.times)
    .map(([phase, ms]) => `${phase.replace(/Ms$/, "")} ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}`)
    .join(", ");
  const notes = [result.pulled ? "pulled" : "", result.published ? "published" : ""].filter(Boolean).join(", ");
  return `${result.action} ${result.ref}${notes ? ` (${notes})` : ""}${times ? `; ${times}` : ""}`;
}

/**
 * Runs `build` or `run`. Answers the exit status (run: the command's).
 * @param {"build" | "run"} command
 * @param {Image} image
 * @param {{ host: ImageHost, resolveOptions: ResolveOptions, options: Options, operands: string[],
 *   credentials: Record<string, RegistryCredentials>, escape: (text: string) => string,
 *   printDiagnostics: (diagnostics: { code: string, message: string, step?: number }[]) => void,
 *   json: (value: unknown, indent?: number) => string }} context
 * @returns {Promise<number>}
 */
export async function runtimeCommand(command, image, context) {
  const { host, resolveOptions, options, operands } = context;
  const progress = reporter(process.stderr, { mode: progressMode(options, process.stderr), escape: context.escape });
  const registry = runtimeRegistry(options, context.credentials);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const common = {
    host,
    registry,
    // With --registry: the engine pulls private images with the same credentials.
    credentials: context.credentials,
    publish: Boolean(options.push),
    resolveOptions,
    network: options.network,
    onProgress: progress.onProgress,
    signal: controller.signal,
  };
  try {
    if (command === "build") {
      const result = await ensure(image, common);
      progress.done();
      context.printDiagnostics(result.diagnostics);
      const { action, ref, published, pulled, times, plan } = result;
      process.stdout.write(options.json ? `${context.json({ action, ref, published, pulled, times, buildKey: result.resolution.buildKey, plan }, 2)}\n` : `${context.escape(summary(result))}\n`);
      return 0;
    }
    const result = await run(image, operands.slice(1), {
      ...common,
      stdout: process.stdout,
      stderr: process.stderr,
      publishOptimized: !options["no-optimize"],
      onProgress: (event) => {
        // Once the command runs, its output owns the terminal: no more status lines.
        if (event.phase === "run") progress.done();
        else progress.onProgress(event);
      },
    });
    progress.done();
    context.printDiagnostics(result.diagnostics);
    if (!options.quiet) process.stderr.write(`${context.escape(`${summary(result)}; python ${result.python}; exit ${result.exitCode}`)}\n`);
    // A failed optimize step is said by its OPTIMIZE_FAILED diagnostic (above); the exit status
    // is the command's all the same.
    if (result.optimized && !("error" in result.optimized) && !options.quiet) process.stderr.write(`${context.escape(`optimized: ${summary(result.optimized)}`)}\n`);
    return result.exitCode;
  } finally {
    progress.done();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
