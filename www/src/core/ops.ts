// The builder methods the console knows, as data: for each constructor and step kind, its
// fields, where each field goes in the method's arguments, and how the form shows it. The form
// view, the TypeScript view (chain.ts), the spec conversion (model.ts) and the error mapping all
// read this one table, so adding a method here is all it takes to support it everywhere.

/** How a field is edited and what JavaScript value it holds. */
export type FieldKind =
  | "text" //      a string ("" = left out when optional)
  | "list" //      string[] (a single string is accepted in code)
  | "commands" //  string[] whose items may span lines (runCommands)
  | "bool" //      boolean (false = left out)
  | "env" //       [name, value][] (an object in code)
  | "shell" //     string | null (null = back to /bin/sh -c)
  | "dockerfile"; // string, several lines (withDockerfile)

/**
 * Where a field sits in the call: `[i]` is positional argument `i`; `[i, key]` is the property
 * `key` of the options object at argument `i`.
 */
export type ArgSlot = readonly [number] | readonly [number, string];

export interface FieldDef {
  /** The name the package uses for it (spec field, option key, error `argument` head). */
  key: string;
  kind: FieldKind;
  label: string;
  slot: ArgSlot;
  /** Must be given (the call fails without it). */
  required?: boolean;
  /** Shown under "Options" (collapsed until one is set). */
  advanced?: boolean;
  placeholder?: string;
  /** One line of help under the field. */
  help?: string;
  /** Suggest paths from the files panel (files, folders or both). */
  suggest?: "file" | "dir" | "any" | "module";
  /** A "list" the package takes only as an array (entrypoint / cmd args): no single string in code. */
  arrayOnly?: boolean;
}

export type BaseOp = "debianSlim" | "fromRegistry" | "fromDockerfile";
export type StepOp =
  | "pipInstall"
  | "uvPipInstall"
  | "pipInstallFromRequirements"
  | "uvPipInstallFromRequirements"
  | "pipInstallFromPyproject"
  | "uvPipInstallFromPyproject"
  | "aptInstall"
  | "runCommands"
  | "entrypoint"
  | "cmd"
  | "commandShell"
  | "workdir"
  | "env"
  | "envFile"
  | "withDockerfile"
  | "copyLocalFile"
  | "copyLocalDir"
  | "copyLocalPythonSource"
  | "addLocalFile"
  | "addLocalDir"
  | "addLocalPythonSource";
export type Op = BaseOp | StepOp;

export interface OpDef {
  op: Op;
  /** Short human title. */
  title: string;
  /** What it does, one sentence. */
  doc: string;
  /** Group in the "add step" menu. */
  group: string;
  /** Positional parameter names, in order (for the error `argument` paths and the hover docs). */
  params: readonly string[];
  fields: readonly FieldDef[];
  /** Steps whose files are attached at container start (never in the image). */
  runtime?: boolean;
  /** Steps whose rendering needs file contents (the files panel). */
  needsFiles?: boolean;
}

const pipOptions = (slot: number): FieldDef[] => [
  { key: "indexUrl", kind: "text", label: "Index URL", slot: [slot, "indexUrl"], advanced: true, placeholder: "https://…/simple", help: "--index-url" },
  { key: "extraIndexUrl", kind: "text", label: "Extra index URL", slot: [slot, "extraIndexUrl"], advanced: true, help: "--extra-index-url" },
  { key: "findLinks", kind: "text", label: "Find links", slot: [slot, "findLinks"], advanced: true, help: "--find-links" },
  { key: "pre", kind: "bool", label: "Allow pre-releases", slot: [slot, "pre"], advanced: true },
  { key: "extraOptions", kind: "text", label: "Extra options", slot: [slot, "extraOptions"], advanced: true, placeholder: "--no-deps", help: "More installer flags, split like a shell would" },
];
const uvVersion = (slot: number): FieldDef => ({
  key: "uvVersion",
  kind: "text",
  label: "uv version",
  slot: [slot, "uvVersion"],
  advanced: true,
  placeholder: "pinned default",
  help: "The uv release copied in from its image (never latest)",
});
const groups = (slot: number): FieldDef => ({
  key: "optionalDependencies",
  kind: "list",
  label: "Optional dependency groups",
  slot: [slot, "optionalDependencies"],
  placeholder: "dev",
});

const localDir = (runtime: boolean): FieldDef[] => [
  { key: "local", kind: "text", label: "Local folder", slot: [0], required: true, placeholder: "src", suggest: "dir" },
  { key: "remote", kind: "text", label: "Path in the image", slot: [1], placeholder: runtime ? "/root/<name>" : "/root/<name>", help: "Absolute, or relative to the workdir; empty: workdir/<name>" },
  { key: "ignore", kind: "list", label: "Ignore patterns", slot: [2, "ignore"], placeholder: "**/__pycache__", help: ".dockerignore syntax" },
];
const localFile: FieldDef[] = [
  { key: "local", kind: "text", label: "Local file", slot: [0], required: true, placeholder: "app.py", suggest: "file" },
  { key: "remote", kind: "text", label: "Path in the image", slot: [1], placeholder: "/root/<name>", help: "Absolute, or relative to the workdir; ending in / keeps the name" },
];
const modules: FieldDef = { key: "modules", kind: "list", label: "Modules", slot: [0], required: true, placeholder: "app", suggest: "module" };

export const BASES: readonly OpDef[] = [
  {
    op: "debianSlim",
    title: "Debian slim",
    doc: "The official Python image on Debian slim (trixie).",
    group: "Base",
    params: ["options"],
    fields: [
      { key: "pythonVersion", kind: "text", label: "Python version", slot: [0, "pythonVersion"], placeholder: "3.11", help: "3.10 to 3.15, X.Y or X.Y.Z" },
      { key: "buildTools", kind: "bool", label: "Build tools (compilers: build-essential)", slot: [0, "buildTools"], help: "For packages that build from source, as Modal's debian_slim has them" },
    ],
  },
  {
    op: "fromRegistry",
    title: "Registry image",
    doc: "Any image reference docker pull accepts.",
    group: "Base",
    params: ["ref", "options"],
    fields: [
      { key: "ref", kind: "text", label: "Image reference", slot: [0], required: true, placeholder: "python:3.12" },
      { key: "prebuilt", kind: "bool", label: "Prebuilt (already a ready execution image)", slot: [1, "prebuilt"] },
      { key: "addPython", kind: "text", label: "Add Python", slot: [1, "addPython"], placeholder: "3.12", help: "Installs a managed CPython (3.10 to 3.13) with python, python3 and pip on PATH" },
    ],
  },
  {
    op: "fromDockerfile",
    title: "Dockerfile",
    doc: "A Dockerfile from the files panel; later steps continue its last stage.",
    group: "Base",
    params: ["path", "options"],
    needsFiles: true,
    fields: [
      { key: "path", kind: "text", label: "Dockerfile", slot: [0], required: true, placeholder: "Dockerfile", suggest: "file" },
      { key: "contextDir", kind: "text", label: "Context folder", slot: [1, "contextDir"], placeholder: "the Dockerfile's folder", suggest: "dir" },
      { key: "base", kind: "text", label: "Base for a fragment without FROM", slot: [1, "base"], placeholder: "python:3.11-slim" },
    ],
  },
];

export const STEPS: readonly OpDef[] = [
  {
    op: "pipInstall",
    title: "pip install",
    doc: "Python packages with pip (sorted, de-duplicated).",
    group: "Python packages",
    params: ["packages", "options"],
    fields: [{ key: "packages", kind: "list", label: "Packages", slot: [0], placeholder: "numpy>=2" }, ...pipOptions(1)],
  },
  {
    op: "uvPipInstall",
    title: "uv pip install",
    doc: "Python packages with a pinned uv.",
    group: "Python packages",
    params: ["packages", "options"],
    fields: [{ key: "packages", kind: "list", label: "Packages", slot: [0], placeholder: "numpy>=2" }, ...pipOptions(1), uvVersion(1)],
  },
  {
    op: "pipInstallFromRequirements",
    title: "pip install -r",
    doc: "A requirements file (and the files it includes) from the files panel.",
    group: "Python packages",
    params: ["path", "options"],
    needsFiles: true,
    fields: [{ key: "path", kind: "text", label: "Requirements file", slot: [0], required: true, placeholder: "requirements.txt", suggest: "file" }, ...pipOptions(1)],
  },
  {
    op: "uvPipInstallFromRequirements",
    title: "uv pip install -r",
    doc: "A requirements file, installed with uv.",
    group: "Python packages",
    params: ["path", "options"],
    needsFiles: true,
    fields: [{ key: "path", kind: "text", label: "Requirements file", slot: [0], required: true, placeholder: "requirements.txt", suggest: "file" }, ...pipOptions(1), uvVersion(1)],
  },
  {
    op: "pipInstallFromPyproject",
    title: "pip install (pyproject)",
    doc: "[project].dependencies of a pyproject.toml, plus optional groups.",
    group: "Python packages",
    params: ["path", "options"],
    needsFiles: true,
    fields: [{ key: "path", kind: "text", label: "pyproject.toml", slot: [0], required: true, placeholder: "pyproject.toml", suggest: "file" }, groups(1), ...pipOptions(1)],
  },
  {
    op: "uvPipInstallFromPyproject",
    title: "uv pip install (pyproject)",
    doc: "[project].dependencies of a pyproject.toml, installed with uv.",
    group: "Python packages",
    params: ["path", "options"],
    needsFiles: true,
    fields: [{ key: "path", kind: "text", label: "pyproject.toml", slot: [0], required: true, placeholder: "pyproject.toml", suggest: "file" }, groups(1), ...pipOptions(1), uvVersion(1)],
  },
  {
    op: "aptInstall",
    title: "apt install",
    doc: "Debian packages in one non-interactive RUN.",
    group: "System",
    params: ["packages"],
    fields: [{ key: "packages", kind: "list", label: "Packages", slot: [0], placeholder: "git" }],
  },
  {
    op: "runCommands",
    title: "Run commands",
    doc: "One RUN per command, verbatim.",
    group: "System",
    params: ["commands"],
    fields: [{ key: "commands", kind: "commands", label: "Commands", slot: [0], placeholder: "echo hello", help: "Enter: next command · Shift+Enter: new line inside one" }],
  },
  {
    op: "entrypoint",
    title: "Entrypoint",
    doc: "ENTRYPOINT in exec form, args in order; an empty list clears the base image's.",
    group: "System",
    params: ["args"],
    fields: [{ key: "args", kind: "list", arrayOnly: true, label: "Arguments", slot: [0], placeholder: "python", help: "One word a row (exec form); no rows: ENTRYPOINT [] clears the base's" }],
  },
  {
    op: "cmd",
    title: "Command (CMD)",
    doc: "CMD in exec form, args in order; an empty list clears the base image's.",
    group: "System",
    params: ["args"],
    fields: [{ key: "args", kind: "list", arrayOnly: true, label: "Arguments", slot: [0], placeholder: "serve", help: "One word a row (exec form); no rows: CMD [] clears the base's" }],
  },
  {
    op: "env",
    title: "Environment",
    doc: "Environment variables (one ENV, names sorted).",
    group: "System",
    params: ["values"],
    fields: [{ key: "values", kind: "env", label: "Variables", slot: [0] }],
  },
  {
    op: "envFile",
    title: "Env file",
    doc: "Variables from a dotenv file in the files panel.",
    group: "System",
    params: ["path"],
    needsFiles: true,
    fields: [{ key: "path", kind: "text", label: "Env file", slot: [0], required: true, placeholder: ".env", suggest: "file" }],
  },
  {
    op: "workdir",
    title: "Workdir",
    doc: "WORKDIR; relative paths resolve against the current one (/root at first).",
    group: "System",
    params: ["path"],
    fields: [{ key: "path", kind: "text", label: "Path", slot: [0], required: true, placeholder: "/app" }],
  },
  {
    op: "commandShell",
    title: "Command shell",
    doc: "The shell later RUN commands use.",
    group: "System",
    params: ["shell"],
    fields: [{ key: "shell", kind: "shell", label: "Shell", slot: [0], placeholder: "/bin/bash -euo pipefail" }],
  },
  {
    op: "withDockerfile",
    title: "Dockerfile lines",
    doc: "Raw Dockerfile instructions (no FROM, no local COPY/ADD).",
    group: "System",
    params: ["contents"],
    fields: [{ key: "contents", kind: "dockerfile", label: "Instructions", slot: [0], required: true, placeholder: "LABEL org.opencontainers.image.title=app" }],
  },
  {
    op: "copyLocalFile",
    title: "Copy file",
    doc: "A file baked into the image with COPY.",
    group: "Local files (in the image)",
    params: ["local", "remote"],
    needsFiles: true,
    fields: localFile,
  },
  {
    op: "copyLocalDir",
    title: "Copy folder",
    doc: "A folder baked into the image with COPY.",
    group: "Local files (in the image)",
    params: ["local", "remote", "options"],
    needsFiles: true,
    fields: localDir(false),
  },
  {
    op: "copyLocalPythonSource",
    title: "Copy Python source",
    doc: "Python modules baked in under /root/.",
    group: "Local files (in the image)",
    params: ["modules"],
    needsFiles: true,
    fields: [modules],
  },
  {
    op: "addLocalFile",
    title: "Attach file",
    doc: "A file attached when a container starts (not in the image hash).",
    group: "Local files (at container start)",
    params: ["local", "remote"],
    runtime: true,
    fields: localFile,
  },
  {
    op: "addLocalDir",
    title: "Attach folder",
    doc: "A folder attached when a container starts.",
    group: "Local files (at container start)",
    params: ["local", "remote", "options"],
    runtime: true,
    fields: localDir(true),
  },
  {
    op: "addLocalPythonSource",
    title: "Attach Python source",
    doc: "Python modules attached under /root/ at container start.",
    group: "Local files (at container start)",
    params: ["modules"],
    runtime: true,
    fields: [modules],
  },
];

const BY_OP = new Map<string, OpDef>([...BASES, ...STEPS].map((d) => [d.op, d]));

export function opDef(op: string): OpDef | undefined {
  return BY_OP.get(op);
}
export function isBaseOp(op: string): op is BaseOp {
  return BASES.some((d) => d.op === op);
}
export function isStepOp(op: string): op is StepOp {
  return STEPS.some((d) => d.op === op);
}
