// The command line of apothic-image: its help texts, its options and how argv is read. Only
// this: what the commands do is in cli.js.
import { readFileSync } from "node:fs";

/**
 * A command's options as the command line gave them (flags are `true`; see OPTIONS).
 * @typedef {{ root?: string, "python-path"?: string[], inspect?: string, "docker-inspect"?: true,
 *   derived?: string, "managed-python-version"?: string, "managed-python-release"?: string,
 *   "managed-python-url"?: string, "managed-python-sha256"?: string[], timeout?: string, progress?: true, "no-progress"?: true,
 *   quiet?: true, help?: true, output?: string, json?: true, definition?: true, registry?: true,
 *   "insecure-registry"?: string[], "derived-repository"?: string, platform?: string, "docker-config"?: string,
 *   push?: true, network?: string, "no-optimize"?: true, "fail-on"?: string, "no-resolve"?: true, resolve?: true }} Options
 */

/** The command's name, as messages and help texts give it. */
export const NAME = "apothic-image";
/** The package's version. */
export const VERSION = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).version;

/** An error of the command line itself (exit status 2). */
export class UsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.code = "USAGE";
  }
}

const RESOLVE_OPTIONS = `Resolution options:
  --root DIR                 the folder local paths resolve against and may not leave
                             (default: the spec's folder; required with -, a spec on
                             standard input, which is never rooted at the working directory)
  --python-path DIR          a folder searched for *LocalPythonSource modules after the root
                             (repeatable; inside the root)
  --inspect FILE             a JSON object mapping image references (as the spec writes them)
                             to what is known about them: { "debian:bookworm-slim":
                             { "digest", "os", "arch", "libc", "pythonPath", "pythonVersion" } };
                             a base without a suitable Python gets a managed CPython
  --docker-inspect           ask the local engine instead (\`docker image inspect\`, and a
                             container of the image, without network, to find its Python and libc);
                             images the engine does not have are not inspected
  --registry                 ask the image's registry instead (OCI Distribution API, no Docker
                             needed): manifest and config, and layer headers when the config
                             does not name the Python; credentials from the Docker config file
                             (--docker-config) or APOTHIC_REGISTRY_USER and
                             APOTHIC_REGISTRY_PASSWORD (for the registry of the spec's base)
  --insecure-registry HOST   reach HOST (such as 127.0.0.1:5000) over plain http (repeatable;
                             with --registry)
  --derived-repository HOST/REPO   where derived images are published: HOST/REPO:sha256-<hex of
                             the build key> is looked up (with --registry)
  --platform OS/ARCH[/VARIANT]     the platform picked from a multi-platform image (default
                             linux/amd64; with --registry)
  --docker-config FILE       Docker's config.json to read registry credentials from ("auths";
                             default $DOCKER_CONFIG/config.json, else ~/.docker/config.json
                             when it exists; with --registry)
  --derived FILE             a JSON object mapping build keys to already published images
  --managed-python-version V         the managed CPython's version (e.g. 3.12.11)
  --managed-python-release R         its python-build-standalone release tag (e.g. 20250723)
  --managed-python-url TEMPLATE      where its install_only tarball comes from; {version},
                                     {release}, {arch} and {libc} are filled in
  --managed-python-sha256 FILE=HEX   the SHA-256 of the tarball named FILE, as the release's
                                     SHA256SUMS lists it; checked before extracting (repeatable)
  --timeout MS               how long one file-system or engine call may take (default 30000)
  --no-progress              no progress bar (it is drawn on stderr only when stderr is a terminal)
  -q, --quiet                no progress bar and no diagnostics on stderr`;

/** @type {Record<string, string>} */
export const HELP = {
  main: `Usage: ${NAME} <command> [options] SPEC

Renders, hashes, plans and packs container images described by a JSON spec (what
\`image.toSpec()\` of @apothic/image returns). SPEC is a file, or - for standard input.
Local paths in the spec (requirements, Dockerfiles, folders to copy) are read from the
spec's folder, or from --root DIR, which a spec on standard input requires (a spec piped in
from your home folder could otherwise copy ~/.ssh into the build context).

Commands:
  render SPEC      print the Dockerfile, every step rendered
  hash SPEC        print the definition, image and spec hashes
  plan SPEC        print how the image runs (JSON): direct or derived, which Python, mounts
  lint SPEC        report lint findings (docs/lint.md); exit status 1 at --fail-on
  diff BEFORE AFTER  the Dockerfiles' unified diff and which layers rebuild (docs/diff.md)
  context SPEC     write the build context as a tar: ${NAME} context SPEC | docker build -t NAME -
  build SPEC       make the image ready on the Docker engine: direct, reused or built (--push)
  run SPEC -- CMD  run CMD in the image, with the spec's addLocal* files copied in
  help [COMMAND]   print this help, or a command's

Options:
  -h, --help       help (also after a command: ${NAME} render --help)
  -V, --version    print the version

Errors print "${NAME}: error CODE: message" on stderr; the exit status is 1, or 2 for a
wrong command line. Control characters in what is printed on stderr, and on stdout when it
is a terminal, are shown escaped (\\u001b); output to a pipe or a file is exact.`,

  render: `Usage: ${NAME} render [options] SPEC

Prints the Dockerfile of the spec, with every step rendered: files the steps name are read
(and hashed) through the spec's folder, so steps such as pipInstallFromRequirements or
copyLocalDir render in full. Diagnostics go to stderr.

Options:
  -o, --output FILE          write the Dockerfile to FILE instead of standard output

${RESOLVE_OPTIONS}`,

  hash: `Usage: ${NAME} hash [options] SPEC

Prints the three identities of the image, one per line:
  definition sha256:…   the spec alone (no file is read; same on every machine)
  image      sha256:…   the definition plus the digest of every input file
  spec       sha256:…   the image hash plus the files attached at run time (addLocal*)

Options:
  --definition               print only the definition hash (reads no file but the spec)
  --json                     print { "definitionHash", "imageHash", "specHash" } as JSON

${RESOLVE_OPTIONS}`,

  plan: `Usage: ${NAME} plan [options] SPEC

Prints how the image executes, as JSON:
  { "mode": "direct" | "derived", "image", "imageHash", "buildKey", "specHash", "python",
    "mounts", "diagnostics" }
"direct": a registry image with no build steps runs as it is; "derived": the image is built
from the Dockerfile (keyed by buildKey: the image hash, the Dockerfile and the context layout). "python" is the image's own Python, or a managed
CPython installed into the derived image when the base has none (see --inspect,
--docker-inspect and --registry). "mounts" lists the files attached when a container
starts (addLocal*).

${RESOLVE_OPTIONS}`,

  context: `Usage: ${NAME} context [options] SPEC > context.tar

Writes the build context as a tar to standard output: the rendered Dockerfile at its root,
a fromDockerfile context at the root, and the files of the other steps under .apothic/.
The tar is deterministic (sorted, mtime 0, owner 0), so the same spec and files give the
same bytes. Hand it to an engine:

  ${NAME} context spec.json | docker build -t my-image -
  ${NAME} context spec.json -o ctx.tar && docker build -t my-image - < ctx.tar

It refuses to write the archive to a terminal.

Options:
  -o, --output FILE          write the tar to FILE instead of standard output

${RESOLVE_OPTIONS}`,
};
HELP.build = `Usage: ${NAME} build [options] SPEC

Makes the image ready on the Docker engine (DOCKER_HOST, else /var/run/docker.sock; Podman's
Docker-compatible socket works the same way) and prints what it did:
  direct   a registry image with nothing to build: pulled when the engine lacks it
  reused   the derived image published before under --derived-repository (pulled), or built
           on this engine before
  built    built from the build context (BuildKit); with --push, pushed to
           --derived-repository as HOST/REPO:sha256-<hex of the build key>
then the image reference to run and the time each phase took. A registry that cannot be
reached means a local build and nothing published (said on stderr).
On a terminal one status line on stderr is redrawn (the phase, then each build step);
otherwise one plain line per phase.

Options:
  --push                     publish a built image (needs --registry --derived-repository)
  --network NAME             the network the build's RUN steps use (host, none, …)
  --json                     print { "action", "ref", "published", "pulled", "times", … } as JSON
  --progress                 draw the status line even when stderr is not a terminal
  --no-progress              show no progress: neither the status line (a terminal's) nor the
                             plain line per phase (otherwise); the summary is still printed

${RESOLVE_OPTIONS}`;

HELP.run = `Usage: ${NAME} run [options] SPEC -- CMD [ARG…]

Runs CMD in the image (made ready as \`build\` does), with the files of the spec's addLocal*
steps copied in before the container starts; streams its output and exits with its exit
code. A Python-less registry base with nothing else to build runs at once on the managed
CPython (fetched once into ~/.cache/apothic-image), and its optimized image is built (and,
with --push, published) after the command, for the next run; if that fails, the exit
status is still the command's and stderr says the optimized image was not published.

Options:
  --push                     publish what is built (needs --registry --derived-repository)
  --network NAME             the network of the build and of the container (host, none, …)
  --no-optimize              after a run on an attached CPython, build nothing
  --progress                 draw the status line even when stderr is not a terminal
  --no-progress              show no progress: neither the status line (a terminal's) nor the
                             plain line per phase (otherwise); the summary is still printed

${RESOLVE_OPTIONS}`;

HELP.lint = `Usage: ${NAME} lint [options] SPEC

Prints the lint findings of the spec (docs/lint.md), one a line:
  SPEC: step N: AL101 secret-in-env (error): message
("base" for the base image). Files the spec names are read (an envFile's variables are
checked too) unless --no-resolve. The exit status is 1 when a finding is at or above
--fail-on, so CI can run it.

Options:
  --fail-on LEVEL            error (default), warning, info, or never
  --json                     print the findings as a JSON array (with each fix's spec)
  --no-resolve               check the spec alone: read no file, inspect no image

${RESOLVE_OPTIONS}`;

HELP.diff = `Usage: ${NAME} diff [options] BEFORE AFTER

Compares two specs (BEFORE, AFTER: files, or - for one of them on standard input) and prints
the unified diff of their Dockerfiles, what changed, and which layers a build of AFTER reuses
from a build of BEFORE:
  layers: 4 reused, 2 rebuild (from step 3)
A layer is reused only when it and every layer before it are unchanged. No file is read:
steps that read files (requirements, copied folders, a fromDockerfile base) are one comment
line in the Dockerfiles, and their layers are "unknown until resolved" when they did not
change (docs/diff.md), unless --resolve. The exit status is 0 when the specs are the same
(with --resolve: the images, files included), 1 when they differ, 2 on an error, as diff(1).

Options:
  --resolve                  resolve both specs (each from its folder, or from --root DIR)
                             and compare their layer hashes: a layer whose files changed
                             rebuilds ("filesChanged"), none is unknown, and the diff is
                             that of the resolved Dockerfiles
  --root DIR                 with --resolve: the folder both specs' local paths resolve
                             against (a spec on standard input needs it)
  --json                     print the whole diff as JSON (layers, steps, hunks)`;

HELP.help = HELP.main;

const COMMANDS = new Set(["render", "hash", "plan", "lint", "diff", "context", "build", "run", "help"]);

/** @typedef {"flag" | "value" | "list"} OptionKind */

/**
 * Options each command takes: name → kind ("flag", "value", "list").
 * @type {Record<string, OptionKind>}
 */
const COMMON = {
  root: "value",
  "python-path": "list",
  inspect: "value",
  "docker-inspect": "flag",
  registry: "flag",
  "insecure-registry": "list",
  "derived-repository": "value",
  platform: "value",
  "docker-config": "value",
  derived: "value",
  "managed-python-version": "value",
  "managed-python-release": "value",
  "managed-python-url": "value",
  "managed-python-sha256": "list",
  timeout: "value",
  progress: "flag",
  "no-progress": "flag",
  quiet: "flag",
  help: "flag",
};
/** @type {Record<string, Record<string, OptionKind>>} */
const OPTIONS = {
  render: { ...COMMON, output: "value" },
  hash: { ...COMMON, json: "flag", definition: "flag" },
  plan: { ...COMMON },
  lint: { ...COMMON, json: "flag", "fail-on": "value", "no-resolve": "flag" },
  diff: { json: "flag", help: "flag", resolve: "flag", root: "value" },
  context: { ...COMMON, output: "value" },
  build: { ...COMMON, push: "flag", network: "value", json: "flag" },
  run: { ...COMMON, push: "flag", network: "value", "no-optimize": "flag" },
};
/** @type {Record<string, string>} */
const SHORT = { o: "output", q: "quiet", h: "help" };

/**
 * Parses `argv` (after the node binary and the script) into { command, options, spec }.
 * @param {string[]} argv
 * @returns {{ command: string, options: Options, operands: string[] }}
 */
export function parseArgs(argv) {
  const args = [...argv];
  if (args.length === 0) return { command: "usage", options: {}, operands: [] };
  const first = args[0];
  if (first === "-h" || first === "--help") return { command: "help", options: {}, operands: args.slice(1, 2) };
  if (first === "-V" || first === "--version") return { command: "version", options: {}, operands: [] };
  if (!COMMANDS.has(first)) {
    if (first.startsWith("-")) throw new UsageError(`unknown option ${first} (a command comes first: render, hash, plan, lint, diff, context, build, run)`);
    throw new UsageError(`unknown command ${JSON.stringify(first)} (commands: render, hash, plan, lint, diff, context, build, run, help)`);
  }
  const command = /** @type {string} */ (args.shift()); // a command: checked above
  if (command === "help") {
    const topic = args.find((a) => !a.startsWith("-"));
    if (topic !== undefined && !COMMANDS.has(topic)) throw new UsageError(`no help for ${JSON.stringify(topic)} (commands: render, hash, plan, lint, diff, context, build, run)`);
    return { command: "help", options: {}, operands: topic ? [topic] : [] };
  }
  const known = OPTIONS[command];
  /** @type {Record<string, string | string[] | true>} */
  const given = {};
  /** @type {string[]} */
  const operands = [];
  let onlyOperands = false;
  while (args.length > 0) {
    const arg = /** @type {string} */ (args.shift()); // args is not empty
    if (command === "run" && operands.length === 1 && !onlyOperands) {
      // After run's SPEC, everything is the command (a "--" before it is optional).
      onlyOperands = true;
      if (arg === "--") continue;
    }
    if (onlyOperands || arg === "-" || !arg.startsWith("-")) {
      operands.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyOperands = true;
      continue;
    }
    let name;
    let inline;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      name = SHORT[/** @type {string} */ (arg[1])];
      if (name === undefined || !(name in known)) throw new UsageError(`unknown option ${arg} for ${command} (see ${NAME} ${command} --help)`);
      if (arg.length > 2) inline = arg.slice(2);
    }
    const kind = known[name];
    if (kind === undefined) throw new UsageError(`unknown option --${name} for ${command} (see ${NAME} ${command} --help)`);
    if (kind === "flag") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      given[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (args.length === 0) throw new UsageError(`--${name} needs a value`);
      value = /** @type {string} */ (args.shift());
    }
    if (kind === "list") /** @type {string[]} */ (given[name] ??= []).push(value);
    else if (name in given) throw new UsageError(`--${name} given twice`);
    else given[name] = value;
  }
  const options = /** @type {Options} */ (given); // the kinds of OPTIONS are the types of Options
  if (options.help) return { command: "help", options: {}, operands: [command] };
  if (command === "diff") {
    if (operands.length !== 2) throw new UsageError(`diff takes two specs, BEFORE and AFTER, got ${operands.length}; see ${NAME} diff --help`);
    if (operands[0] === "-" && operands[1] === "-") throw new UsageError("diff reads at most one spec from standard input");
    if (options.root !== undefined && !options.resolve) throw new UsageError("--root goes with --resolve (diff reads no file without it)");
    if (options.resolve && operands.includes("-") && options.root === undefined) {
      throw new UsageError(`a spec on standard input needs --root DIR, the folder its local paths are read from (--root . for the working directory); see ${NAME} diff --help`);
    }
    return { command, options, operands };
  }
  if (operands.length === 0) throw new UsageError(`${command} needs a SPEC file (or - for standard input); see ${NAME} ${command} --help`);
  if (command === "run") {
    if (operands.length < 2) throw new UsageError(`run needs a SPEC and a command after it: ${NAME} run SPEC -- CMD [ARG…]`);
  } else if (operands.length > 1) throw new UsageError(`${command} takes one SPEC, got ${operands.length}: ${operands.map((o) => JSON.stringify(o)).join(" ")}`);
  if (options.timeout !== undefined && !/^[1-9][0-9]*$/.test(options.timeout)) {
    throw new UsageError(`--timeout takes a whole number of milliseconds, got ${JSON.stringify(options.timeout)}`);
  }
  if (options.progress && options["no-progress"]) throw new UsageError("--progress and --no-progress contradict each other");
  if (options.inspect !== undefined && options["docker-inspect"]) throw new UsageError("--inspect and --docker-inspect contradict each other");
  if (options.registry && options.inspect !== undefined) throw new UsageError("--registry and --inspect contradict each other");
  if (options.registry && options["docker-inspect"]) throw new UsageError("--registry and --docker-inspect contradict each other");
  if (options.derived !== undefined && options["derived-repository"] !== undefined) throw new UsageError("--derived and --derived-repository contradict each other");
  if (options.push && options["derived-repository"] === undefined) throw new UsageError("--push needs --registry and --derived-repository HOST/REPO (where to publish)");
  for (const name of /** @type {const} */ (["insecure-registry", "derived-repository", "platform", "docker-config"])) {
    if (options[name] !== undefined && !options.registry) throw new UsageError(`--${name} goes with --registry`);
  }
  if (options.platform !== undefined && !/^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_]+)?$/.test(options.platform)) {
    throw new UsageError(`--platform takes OS/ARCH or OS/ARCH/VARIANT (such as linux/arm64), got ${JSON.stringify(options.platform)}`);
  }
  if (operands[0] === "-" && options.root === undefined && !(command === "hash" && options.definition)) {
    throw new UsageError(`a spec on standard input needs --root DIR, the folder its local paths are read from (--root . for the working directory); see ${NAME} ${command} --help`);
  }
  return { command, options, operands };
}
