// Types of every entry of @apothic/image (Node.js, browsers, Cloudflare Workers, "./web").
// `Image`, the option and spec types and `ErrorCode` are generated from the Rust types
// (apothic_image.d.ts); this file adds the error class, `init` and the ready-made hosts.

// `Image` is disposable (`using image = Image.debianSlim()`), which needs `Symbol.dispose`.
/// <reference lib="esnext.disposable" />

export { Image, canonicalJsonOf } from "./apothic_image.js";
export type {
  ArgList,
  Base,
  ContextFile,
  DebianSlimOptions,
  Diagnostic,
  DiagnosticCode,
  DiffLines,
  DiffResolutions,
  DiffSide,
  DirEntry,
  DockerfileOptions,
  EntryKind,
  EnvValue,
  EnvValues,
  Finding,
  Fix,
  Hunk,
  HunkLine,
  ImageDiff,
  ImageHost,
  ImageInspection,
  ImageSpec,
  LayersUnread,
  Input,
  Layer,
  LayerChange,
  LayerReason,
  LayerStatus,
  LineKind,
  LineRange,
  LocalDirOptions,
  ManagedPython,
  Mount,
  MountFile,
  PipOptions,
  Plan,
  PlanMode,
  PyprojectOptions,
  PythonModule,
  PythonPlan,
  RegistryOptions,
  Resolution,
  ResolveOptions,
  ResolveProgress,
  Severity,
  Step,
  StepChanges,
  StepPair,
  StringList,
  UvPipOptions,
} from "./apothic_image.js";

import type { ErrorCode as ModuleErrorCode, ImageHost, ImageInspection, PipOptions, UvPipOptions } from "./apothic_image.js";

// The reference's variadic forms (js/arguments.js checks them at run time): each method that
// takes a list also takes its items as separate strings, the pip/uv ones then an optional
// options object. An argument a method cannot take is an `INVALID_ARGUMENT` at `arguments[i]`.
declare module "./apothic_image.js" {
  interface Image {
    /** `addLocalPythonSource("app", "lib")` is `addLocalPythonSource(["app", "lib"])`. */
    addLocalPythonSource(...modules: string[]): Image;
    /** `aptInstall("git", "curl")` is `aptInstall(["git", "curl"])`. */
    aptInstall(...packages: string[]): Image;
    /** `copyLocalPythonSource("app", "lib")` is `copyLocalPythonSource(["app", "lib"])`. */
    copyLocalPythonSource(...modules: string[]): Image;
    /** `pipInstall("numpy", "pandas")` is `pipInstall(["numpy", "pandas"])`. */
    pipInstall(...packages: string[]): Image;
    /** `pipInstall("numpy", "pandas", { indexUrl })` is `pipInstall(["numpy", "pandas"], { indexUrl })`. */
    pipInstall(...packagesThenOptions: [...packages: string[], options: PipOptions | null | undefined]): Image;
    /** `runCommands("a", "b")` is `runCommands(["a", "b"])`: one `RUN` each. */
    runCommands(...commands: string[]): Image;
    /** `uvPipInstall("numpy", "pandas")` is `uvPipInstall(["numpy", "pandas"])`. */
    uvPipInstall(...packages: string[]): Image;
    /** `uvPipInstall("numpy", "pandas", { indexUrl })` is `uvPipInstall(["numpy", "pandas"], { indexUrl })`. */
    uvPipInstall(...packagesThenOptions: [...packages: string[], options: UvPipOptions | null | undefined]): Image;
  }
}

/**
 * Stable identifiers of every kind of failure (`ApothicError.code`): the WebAssembly module's
 * codes, and `"INSTANCE_TRAPPED"`, which the package's JavaScript raises when the module traps
 * (runs out of memory, hits `unreachable`): the call that trapped and every promise of that
 * instance not settled yet reject with it, the next call runs on a fresh instance, and an `Image`
 * made before the trap throws it from every method (make it again, e.g. with `Image.fromSpec`).
 */
export type ErrorCode = ModuleErrorCode | "INSTANCE_TRAPPED";

/** Where an `ApothicError` applies, besides its message. */
export interface ApothicErrorDetails {
  /** Stable identifier of the kind of failure. */
  code: ErrorCode;
  /** Path of the offending argument: `packages[1]`, `values.PATH`, `steps[3].commands[0]`. */
  argument?: string;
  /** The file the error is in (a Dockerfile, requirements file, …). */
  file?: string;
  /** 1-based line in `file` (or in the `withDockerfile` contents). */
  line?: number;
  /** 1-based column on `line`. */
  column?: number;
}

/**
 * What every method of `Image` throws on bad input: a real `Error` with `name` "ApothicError",
 * a stable `code`, a message that says what to do, and where it applies. Errors thrown by the
 * WebAssembly core are plain `Error` objects with these own properties; `instanceof
 * ApothicError` recognises them by their name.
 */
export declare class ApothicError extends Error {
  constructor(message: string, details: ApothicErrorDetails);
  name: "ApothicError";
  /** Stable identifier of the kind of failure (see the README's table). */
  readonly code: ErrorCode;
  /** Path of the offending argument: `packages[1]`, `values.PATH`, `steps[3].commands[0]`. */
  readonly argument?: string;
  /** The file the error is in. */
  readonly file?: string;
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** True for any `Error` named "ApothicError", wherever it was made. */
  static [Symbol.hasInstance](value: unknown): value is ApothicError;
}

/**
 * The instance type of a global class when the project's libs declare it (`URL`, `Request`,
 * `Response`, `WebAssembly.Module`), and `never` otherwise, so these types need neither the DOM
 * lib nor @types/node.
 */
type InstanceOfGlobal<T> = T extends { prototype: infer I } ? I : never;
type GlobalScope = typeof globalThis;
type URLLike = GlobalScope extends { URL: infer C } ? InstanceOfGlobal<C> : never;
type RequestLike = GlobalScope extends { Request: infer C } ? InstanceOfGlobal<C> : never;
type ResponseLike = GlobalScope extends { Response: infer C } ? InstanceOfGlobal<C> : never;
type WasmModule = GlobalScope extends { WebAssembly: { Module: infer C } } ? InstanceOfGlobal<C> : never;

/** Where `init` can load the WebAssembly module from: a URL, a fetch `Response`, a compiled module or the bytes. */
export type InitInput = string | URLLike | RequestLike | ResponseLike | ArrayBuffer | ArrayBufferView | WasmModule;

/**
 * Loads the WebAssembly module. Browsers must `await init()` once before using `Image`
 * (by default it fetches `apothic_image_bg.wasm` from beside the package's `browser.js`; pass a
 * URL, a `Response`, a compiled `WebAssembly.Module` or the bytes to load it from elsewhere).
 * In Node.js and Cloudflare Workers the module is ready at import and `init()` resolves at once.
 */
export declare function init(input?: InitInput | Promise<InitInput>): Promise<void>;
export default init;

/** Contents of a `memoryHost` file: a string (encoded as UTF-8) or the bytes. */
export type FileContents = string | Uint8Array;

/** Options of `memoryHost`. */
export interface MemoryHostOptions {
  /**
   * Permission bits per file (default `0o644`), keyed like `files`: `{ "bin/run.sh": 0o755 }`.
   * Naming a path that is not one of the files is an error.
   */
  modes?: Readonly<Record<string, number>>;
  /**
   * Symlinks, link path → target (relative to the link's folder, or `/…` from the root). They are
   * listed as `kind: "symlink"` (resolution skips them in folders, as it does on disk), followed
   * when a path goes through one, and refused when the target leaves the root.
   */
  symlinks?: Readonly<Record<string, string>>;
  /** More folders `resolvePythonModule` searches, after the root (like `PYTHONPATH`). */
  pythonPath?: readonly string[];
  /** Passed through as the host's `inspectImage`. */
  inspectImage?: ImageHost["inspectImage"];
  /** Passed through as the host's `lookupDerived`. */
  lookupDerived?: ImageHost["lookupDerived"];
}

/**
 * An `ImageHost` over files held in memory: for browsers (dropped files, an editor's buffers),
 * Cloudflare Workers (a request body) and tests. Works in every runtime.
 *
 * Keys are POSIX paths relative to a virtual root: `./` and repeated `/` are dropped, `..` may not
 * go above the root, and an absolute path `/x` means the root-relative `x` (there is nothing
 * above the root). Folders are implied by the keys; a key ending in `/` with the value `""`
 * declares an empty folder. Contents are copied when the host is made.
 *
 * `readDir` lists direct children sorted by name (files with their size and mode, folders with
 * mode `0o755`); a missing path rejects with an `Error` whose `code` is `"ENOENT"` and whose
 * message names the path. `hashFile` uses WebCrypto (`crypto.subtle.digest`) where it exists.
 * `resolvePythonModule("a.b")` finds the package folder `a/b` (with `a/b/__init__.py`) or the
 * file `a/b.py`, at the root and then in each `pythonPath` folder (a folder without
 * `__init__.py` counts as a namespace package when nothing else matches).
 *
 * @example
 * const host = memoryHost({ "requirements.txt": "numpy\n", "src/app/__init__.py": "" });
 * const { dockerfile } = await image.resolve(host);
 */
export declare function memoryHost(
  files: Readonly<Record<string, FileContents>> | ReadonlyMap<string, FileContents>,
  options?: MemoryHostOptions,
): ImageHost;

/** Options of `nodeHost`. */
export interface NodeHostOptions {
  /** The folder every path resolves against and may not leave (a path, or a `file:` URL). */
  root: string | URLLike;
  /** More folders (inside `root`) `resolvePythonModule` searches, after the root. */
  pythonPath?: readonly string[];
  /** Passed through as the host's `inspectImage`. */
  inspectImage?: ImageHost["inspectImage"];
  /** Passed through as the host's `lookupDerived`. */
  lookupDerived?: ImageHost["lookupDerived"];
}

/**
 * **Node.js only.** An `ImageHost` over a folder of the file system (node:fs/promises and
 * node:crypto). In the browser and workerd entries it exists (so shared code imports the same
 * names) but throws when called: use `memoryHost` or your own host there.
 *
 * Every path resolves against `root` and must stay inside it, both after `..` is resolved and
 * after `realpath`: a path that leaves it, and a symlink pointing outside it, reject with an
 * error naming the path. `readDir` uses `lstat`: symlinks are reported as `kind: "symlink"` and
 * never followed (resolution skips them with a `SYMLINK_SKIPPED` diagnostic); sockets, FIFOs and
 * devices are left out. `readFile` returns a `Buffer`; `hashFile` streams the file through
 * SHA-256 in 1 MiB chunks. `resolvePythonModule` searches `root`, then each `pythonPath` folder,
 * and returns root-relative paths.
 *
 * @example
 * const host = nodeHost({ root: process.cwd() });
 * const context = await image.buildContext(host); // a tar for `docker build -`
 */
export declare function nodeHost(options: NodeHostOptions): ImageHost;

/**
 * The `code` of an error `registryHost` throws (also on the `Error` the core wraps as
 * `HOST_CALLBACK_FAILED`, in its message): the registry could not be reached or failed (HTTP 5xx),
 * refused access (401/403 after authenticating), has no such manifest, tag or blob (404), is rate
 * limiting (429, `retryAfter`), gave bytes that do not match their digest, something over its
 * size limit, a manifest or index of another media type, an answer that does not parse; or the
 * request timed out or the `signal` was aborted.
 */
export type RegistryErrorCode =
  | "REGISTRY_UNREACHABLE"
  | "REGISTRY_AUTH_REFUSED"
  | "REGISTRY_NOT_FOUND"
  | "REGISTRY_RATE_LIMITED"
  | "REGISTRY_DIGEST_MISMATCH"
  | "REGISTRY_TOO_LARGE"
  | "REGISTRY_UNSUPPORTED_MEDIA_TYPE"
  | "REGISTRY_BAD_ANSWER"
  | "REGISTRY_TIMEOUT"
  | "REGISTRY_CACHE_FAILED"
  | "ABORTED";

/** An error of `registryHost`: a plain `Error` with these properties (never a credential in them). */
export interface RegistryError extends Error {
  /** What went wrong. */
  code: RegistryErrorCode;
  /** The registry host, as in references: `"docker.io"`, `"127.0.0.1:5000"`. */
  registry?: string;
  /** The repository: `"library/python"`. */
  repository?: string;
  /** The reference asked for, as given (for `lookupDerived`, `{derivedRepository}:{tag}`). */
  reference?: string;
  /** With `REGISTRY_RATE_LIMITED`: the seconds the registry's `Retry-After` asks to wait. */
  retryAfter?: number;
}

type AbortSignalLike = GlobalScope extends { AbortSignal: infer C } ? InstanceOfGlobal<C> : { readonly aborted: boolean };

/** What `registryHost` passes to `fetch`. */
export interface RegistryRequestInit {
  method: "GET" | "HEAD";
  headers: Record<string, string>;
  redirect: "manual" | "follow" | "error";
  signal: AbortSignalLike;
}

/** The Basic credentials of one registry (also sent to its token service for Bearer tokens). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** An inspection cache: `get` may answer a promise (a KV store), `set` is not awaited for its value. */
export interface RegistryCache {
  get(key: string): ImageInspection | undefined | Promise<ImageInspection | undefined>;
  set(key: string, value: ImageInspection): unknown;
}

/** Options of `registryHost` (all optional; a bad one is a `TypeError` with `code` `"INVALID_ARGUMENT"`). */
export interface RegistryHostOptions {
  /** The fetch to use (default: the global `fetch`). */
  fetch?: (url: string, init: RegistryRequestInit) => Promise<ResponseLike>;
  /** Credentials per registry host as references name it: `{ "127.0.0.1:5000": { username, password } }`. */
  credentials?: Readonly<Record<string, RegistryCredentials>>;
  /** The platform picked from an index: `"linux/amd64"` (default), `"linux/arm64"`, `"linux/arm/v7"`. */
  platform?: string;
  /** Base URL used instead of Docker Hub's API host for `docker.io/…` references (its credentials are keyed by its own host; an `http://` one must have its host in `insecure`). */
  mirror?: string;
  /** Hosts reached over plain `http://` (only these; every other one is `https://`): registries, and also a mirror, a Bearer realm or a redirect target on plain http. A redirect from https to http is never followed. */
  insecure?: readonly string[];
  /** Per registry operation (a manifest or a blob, with its token request, redirects and body); default 30,000. */
  timeoutMs?: number;
  /** Aborting it stops every request: `ABORTED`. */
  signal?: AbortSignalLike | { readonly aborted: boolean };
  /** The inspection cache, keyed by `"<registry API base URL>/<repository>@<manifest digest> <platform>"`; default an in-memory `Map`. What `get` or `set` throws is `REGISTRY_CACHE_FAILED`. */
  cache?: RegistryCache;
  /** `"host/repo"` where derived images are published, tagged `sha256-<hex of the build key>` (`resolution.buildKey`). */
  derivedRepository?: string;
  /** The most a manifest, index, config or token answer may hold (default 4 MiB). */
  maxManifestBytes?: number;
  /** Compressed layer bytes one inspection may read to find Python and libc (default 64 MiB; 0: none). */
  maxLayerBytes?: number;
}

/** Requests made and body bytes received by a `registryHost` so far. */
export interface RegistryStats {
  requests: number;
  bytes: number;
}

/** The image callbacks `registryHost` answers (spread them into a file host), and its counters. */
export interface RegistryHost {
  /**
   * The image a reference names: `digest` (of what the reference resolves to at the top), `os`,
   * `arch`, `libc`, `pythonPath`, `pythonVersion` (absent when not known), the config's `env`,
   * `workdir`, `user`, `entrypoint` and `cmd` (absent when unset), and `layersUnread` when a layer
   * that could hold what is not known was not read (zstd, an unknown media type, the budget).
   */
  inspectImage(ref: string): Promise<ImageInspection>;
  /** `{derivedRepository}@sha256:…` when `{derivedRepository}:sha256-<hex>` exists, else `null` (always `null` without `derivedRepository`). */
  lookupDerived(buildKey: string): Promise<string | null>;
  /** Requests made and body bytes received so far. */
  stats(): RegistryStats;
}

/**
 * An `ImageHost`'s `inspectImage` and `lookupDerived` answered by OCI registries (the
 * Distribution API) with `fetch`, WebCrypto and `DecompressionStream`: the same code in Node,
 * browsers and Cloudflare Workers.
 *
 * @example
 * const host = { ...nodeHost({ root: "." }), ...registryHost({ derivedRepository: "ghcr.io/me/envs" }) };
 * const { plan } = await image.resolve(host);
 */
export declare function registryHost(options?: RegistryHostOptions): RegistryHost;

// Only the declarations marked `export` above are the package's (the helper types are not).
export {};
