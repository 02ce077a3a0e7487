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
  /** Reach the registry over plain `http://` (a registry on 127.0.0.1, say). */
  insecure?: boolean;
  /** The fetch `registryHost` uses (default: the global one). */
  fetch?: typeof fetch;
}

/** Something worth knowing that did not stop the call (the resolution's, and the runtime's own). */
export interface RuntimeDiagnostic {
  /** `REGISTRY_UNAVAILABLE` (nothing was published), or a resolution diagnostic's code. */
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
  /** Milliseconds from the call until the container was about to start. */
  timeToCommandMs: number;
  /** After an `attached` run: what building and publishing the optimized image did. */
  optimized?: EnsureResult;
}

/** Makes the image ready on the engine: direct, reused or built (and published). */
export function ensure(image: Image, options: EnsureOptions): Promise<EnsureResult>;

/** Runs `command` in the image, with the `addLocal*` files copied in; answers its exit code. */
export function run(image: Image, command: string[], options: RunOptions): Promise<RunResult>;

/** The spec step whose Dockerfile line an engine's failing instruction is. */
export function stepOfInstruction(resolution: Resolution, instruction: string | undefined): { step: number | null; op: string; line: number } | undefined;

/** The engine repository derived images are tagged in when no registry is given. */
export const LOCAL_REPOSITORY: string;
