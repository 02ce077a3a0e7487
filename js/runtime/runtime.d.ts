// Types of @apothic/image/runtime (Node only): ensure and run an image on a Docker Engine.
import type { Image, ImageHost, Plan, Resolution, ResolveOptions, RegistryCredentials } from "../index.js";
import type { DockerEngine, OutputSink } from "./engine.js";

export type { DockerEngine, DockerEngineOptions, EngineError, EngineImage, OutputSink } from "./engine.js";
export { dockerEngine } from "./engine.js";

/** Where derived images are published and found again. */
export interface RuntimeRegistry {
  /** `"host/repo"`: derived images are tagged `sha256-<hex of the build key>` there. */
  repository: string;
  /** Sent by `registryHost` for lookups and by the engine for pushes and pulls. */
  credentials?: RegistryCredentials;
  /**
   * Reach the registry over plain `http://` (a registry on 127.0.0.1, say): `true` for the
   * repository's registry, or the list of plain-http hosts, which must also name a token server
   * on another host or port (its realm gets the credentials, so it is never implied).
   */
  insecure?: boolean | string[];
  /** The fetch `registryHost` uses (default: the global one). */
  fetch?: typeof fetch;
}

/** Something worth knowing that did not stop the call (the resolution's, and the runtime's own). */
export interface RuntimeDiagnostic {
  /**
   * `REGISTRY_UNAVAILABLE` (nothing was published), `OPTIMIZE_FAILED` (the command ran; its
   * optimized image was not built or published), or a resolution diagnostic's code.
   */
  code: string;
  message: string;
  step?: number;
}

/** What the runtime reports as it goes. */
export interface ProgressEvent {
  /** `resolve`, `pull`, `build`, `push`, `python` (fetching the managed CPython), `run`, `optimize`. */
  phase: "resolve" | "pull" | "build" | "push" | "python" | "run" | "optimize";
  /** The image concerned. */
  ref?: string;
  /** With `python`: the tarball's URL. */
  url?: string;
  /** With `build`: the engine's own progress event. */
  engine?: unknown;
}

/** Options of `ensure`. */
export interface EnsureOptions {
  /** Where the spec's files come from (and base images are inspected, when it can). */
  host: ImageHost;
  /** The engine that builds and runs (default: `dockerEngine()`, addressed by `DOCKER_HOST`). */
  engine?: DockerEngine;
  /** Where derived images are looked up and published; without it they are built and kept on the engine only. */
  registry?: RuntimeRegistry;
  /**
   * Credentials the engine pulls private images with, per registry host as references name it
   * (`{ "ghcr.io": { username, password } }`; Docker Hub is `docker.io`): a base run directly or
   * with the managed CPython attached, a derived image the host's `lookupDerived` found, and a
   * `fromRegistry` base a build needs (pulled before the build). Inspection goes through the
   * host: give a `registryHost` the same credentials.
   */
  credentials?: Readonly<Record<string, RegistryCredentials>>;
  /** Push what is built to `registry` (default true; false: look up only). */
  publish?: boolean;
  /** Passed to `resolve` and `buildContext` (the managed CPython, the byte budget). */
  resolveOptions?: ResolveOptions;
  /** The network builds run on (`"host"`, `"none"`, …; default the engine's). */
  network?: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What `ensure` did and the image to run. */
export interface EnsureResult {
  /** `direct`: the base as is; `reused`: published (or built on this engine) before; `built`: built now. */
  action: "direct" | "reused" | "built";
  /** The image to run: the base reference, `repo@sha256:…`, or a local tag when nothing was published. */
  ref: string;
  plan: Plan;
  resolution: Resolution;
  /** Whether the engine pulled the image. */
  pulled: boolean;
  /** Whether this call pushed the image to the registry. */
  published: boolean;
  diagnostics: RuntimeDiagnostic[];
  /** Milliseconds each phase took (those that ran). */
  times: { resolveMs?: number; pullMs?: number; buildMs?: number; pushMs?: number; pythonMs?: number };
}

/** Options of `run`. */
export interface RunOptions extends EnsureOptions {
  /** Where the command's output goes as it comes (a function of each chunk or a writable stream). */
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Also answer the output as text. */
  capture?: boolean;
  /** Where the managed CPython tarball is cached (default `$XDG_CACHE_HOME/apothic-image`). */
  cacheDir?: string;
  /** After a run on an attached managed CPython, build and publish the optimized image (default true). */
  publishOptimized?: boolean;
}

/** What `run` did. */
export interface RunResult extends EnsureResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  truncated?: boolean;
  /** `image`: the image's own Python; `baked`: the managed CPython built into a derived image; `attached`: copied in for this run. */
  python: "image" | "baked" | "attached";
  /**
   * Milliseconds from the call until the engine had started the container (its files and the
   * managed CPython copied in); for an engine that does not report the start, until it was asked to run.
   */
  timeToCommandMs: number;
  /**
   * After an `attached` run: what building and publishing the optimized image did, or, when
   * that failed after the command ran, the error (the command's result is answered all the
   * same, with an `OPTIMIZE_FAILED` diagnostic).
   */
  optimized?: EnsureResult | OptimizeFailure;
}

/** The optimized image of an `attached` run could not be built or published. */
export interface OptimizeFailure {
  /** The error's `code` (`BUILD_FAILED`, `PUSH_FAILED`, `ABORTED`, …) and message. */
  error: { code: string; message: string };
}

/** Makes the image ready on the engine: direct, reused or built (and published). */
export function ensure(image: Image, options: EnsureOptions): Promise<EnsureResult>;

/** Runs `command` in the image, with the `addLocal*` files copied in; answers its exit code. */
export function run(image: Image, command: string[], options: RunOptions): Promise<RunResult>;

/**
 * The spec step whose Dockerfile instruction an engine's failing instruction is: an exact
 * match first, and among equal instructions the one the engine's step number (`error.step`) names.
 */
export function stepOfInstruction(resolution: Resolution, instruction: string | undefined, engineStep?: number): { step: number | null; op: string; line: number } | undefined;

/** The engine repository derived images are tagged in when no registry is given. */
export const LOCAL_REPOSITORY: string;
