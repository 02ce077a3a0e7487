// Types of the Docker Engine API client (js/runtime/docker-engine.js and its siblings): Node only.

/** What went wrong, as `EngineError.code`. */
export type EngineErrorCode =
  /** The engine's address could not be connected to (the message names it). */
  | "ENGINE_UNREACHABLE"
  /** The engine answered an HTTP error status (`status`) with its `message`. */
  | "ENGINE_API"
  /** The engine speaks an API older than 1.41. */
  | "ENGINE_UNSUPPORTED"
  /** A build failed: the engine's message, `log` (the build log's tail), `instruction` and `step` when known. */
  | "ENGINE_BUILD_FAILED"
  /** A push failed; `reason: "auth"` when the registry refused the credentials. */
  | "ENGINE_PUSH_FAILED"
  /** A pull failed; `reason: "auth"` when the registry refused the credentials. */
  | "ENGINE_PULL_FAILED"
  /** The engine answered something that does not decode (JSON, a frame, a BuildKit trace). */
  | "ENGINE_BAD_ANSWER"
  /** The `signal` was aborted. */
  | "ABORTED";

/** An error of the engine client: a plain `Error` with these properties (never a credential in them). */
export interface EngineError extends Error {
  code: EngineErrorCode;
  /** The engine's address, with ENGINE_UNREACHABLE and ENGINE_UNSUPPORTED. */
  host?: string;
  /** The HTTP status of the answer, when the engine answered one with an error. */
  status?: number;
  /** `"auth"`: a push or pull the registry refused for its credentials. */
  reason?: "auth";
  /** A failed build's log: its last 40 lines. */
  log?: string;
  /** A failed build's failing instruction as the engine names it (`RUN exit 3`), when it does. */
  instruction?: string;
  /** A failed build's step number (BuildKit's `[3/3]`, the classic builder's `Step 3/3`, buildah's `STEP 3/3:`). */
  step?: number;
}

/** Options of `dockerEngine`. */
export interface DockerEngineOptions {
  /**
   * Where the engine listens: `unix:///path`, `tcp://host:port` or `http://host:port` (default:
   * `DOCKER_HOST`, else `unix:///var/run/docker.sock`). Podman's Docker-compatible socket is
   * addressed the same way (`unix:///run/podman/podman.sock`; tested with Podman 4.3).
   */
  host?: string;
  /** An Engine API version to speak ("1.41" to "1.47") instead of negotiating it with `GET /version`. */
  apiVersion?: string;
}

/** What every method takes. */
export interface EngineCallOptions {
  /** Aborts the call: it rejects with ABORTED (a running container is killed and removed). */
  signal?: AbortSignal;
  /** Progress as the engine reports it. */
  onProgress?: (event: EngineProgress) => void;
}

/** A progress event. */
export type EngineProgress =
  /** A BuildKit step (vertex): started, completed, cached, failed. Times in ms since the epoch. */
  | { kind: "vertex"; id: string; name: string; cached: boolean; started?: number; completed?: number; error?: string }
  /** Output of a BuildKit step (`stream` 1 stdout, 2 stderr). */
  | { kind: "log"; vertex: string; stream: number; text: string }
  /** A BuildKit warning. */
  | { kind: "warning"; vertex: string; text: string }
  /** The classic builder's output (Podman's builds too). */
  | { kind: "stream"; text: string }
  /** A transfer or a BuildKit sub-task: push and pull layers, base image pulls. */
  | { kind: "status"; id?: string; vertex?: string; status: string; current?: number; total?: number; completed?: number }
  /** A container of `run`. */
  | { kind: "container"; id: string; state: "created" | "started" | "exited"; exitCode?: number };

/** `version()`: the engine and the API version this client speaks to it. */
export interface EngineVersion {
  /** The engine's version ("20.10.24+dfsg1"). */
  version: string;
  /** The newest API version the engine speaks. */
  apiVersion: string;
  /** The oldest API version the engine speaks. */
  minApiVersion?: string;
  /** The version this client uses: `apiVersion` capped at 1.47. */
  usedApiVersion: string;
  os?: string;
  arch?: string;
}

/** Registry credentials, sent to the engine as `X-Registry-Auth` (never put in a message). */
export type RegistryAuth =
  | { username: string; password: string; serveraddress?: string }
  | { identitytoken: string; serveraddress?: string };

/** Options of `build`. */
export interface BuildOptions extends EngineCallOptions {
  /** The tag the built image gets (`repo:tag`). */
  tag: string;
  /** The network of `RUN` steps: "host", "none", a network's name (default: the engine's). */
  network?: string;
  /** Labels of the built image. */
  labels?: Record<string, string>;
  /** "buildkit" (default: `version=2`) or "classic" (`version=1`, the legacy builder). */
  builder?: "buildkit" | "classic";
}

/** Options of `push` and `pull`. */
export interface TransferOptions extends EngineCallOptions {
  auth?: RegistryAuth;
}

/** An image as the engine has it (`GET /images/{name}/json`). */
export interface EngineImage {
  /** The image ID ("sha256:…", its config's digest). */
  id: string;
  /** `repo@sha256:…` for every registry it was pushed to or pulled from. */
  repoDigests: string[];
  repoTags: string[];
  /** Its `Config.Env` ("NAME=value"). */
  env: string[];
  workingDir: string;
  user: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** Its `Config.Labels`. */
  labels: Record<string, string>;
}

/** A file `run` copies into the container before it starts (or a symlink, or a folder). */
export interface ContainerFile {
  /** An absolute normalized path ("/app/main.py"); missing parent folders are made with mode 0755. */
  path: string;
  /** A file's bytes (exactly one of `bytes`, `link` and `dir`). */
  bytes?: Uint8Array;
  /** A symlink's target. */
  link?: string;
  /** A folder. */
  dir?: boolean;
  /** Its mode (permission bits, 0 to 0o7777; default 0o644, a folder 0o755). Owned by root. */
  mode?: number;
}

/** Where `run` sends a stream's output: a function of each chunk, or a writable stream. */
export type OutputSink = ((chunk: Uint8Array) => void) | { write(chunk: Uint8Array): boolean | void; once?(event: "drain", listener: () => void): unknown };

/** What `run` runs. */
export interface RunOptions extends EngineCallOptions {
  image: string;
  /** The command (the image's CMD when not given). */
  cmd?: string[];
  /** The entrypoint (the image's when not given; `[]` clears it). */
  entrypoint?: string[] | null;
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** "none", "host", a network's name (default: the engine's). */
  network?: string;
  /** Files copied in before the container starts (after `archives`). */
  files?: ContainerFile[];
  /**
   * Archives extracted in the container before it starts, in order: a tar, or a tar compressed
   * with gzip, bzip2 or xz (the engine decompresses it), each into `path`, an existing folder
   * (absolute; a missing one is ENGINE_API 404).
   */
  archives?: { path: string; tar: Uint8Array }[];
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Return `stdout` and `stderr` (UTF-8 text), each at most `maxOutputBytes`. */
  capture?: boolean;
  /** The most bytes of each stream kept with `capture` (default 8 MiB); more sets `truncated`. */
  maxOutputBytes?: number;
}

/** What `run` returns: the command's exit code (a non-zero one is not an error) and its output. */
export interface RunResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** With `capture`: an output was longer than `maxOutputBytes` and was cut. */
  truncated?: boolean;
}

/** A client of one engine. */
export interface DockerEngine {
  /** The engine's address. */
  readonly host: string;
  /** `GET /version`. */
  version(options?: EngineCallOptions): Promise<EngineVersion>;
  /** `POST /build` of a context tar (BuildKit by default). */
  build(contextTar: Uint8Array | AsyncIterable<Uint8Array>, options: BuildOptions): Promise<{ imageId: string }>;
  /** Pushes a tagged image; answers the pushed manifest's digest. */
  push(ref: string, options?: TransferOptions): Promise<{ digest: string }>;
  /** Pulls an image (by tag or digest); answers the digest when the engine says it. */
  pull(ref: string, options?: TransferOptions): Promise<{ digest?: string }>;
  /** The image's ID, repo digests and config; ENGINE_API with status 404 when there is none. */
  inspectImage(ref: string, options?: EngineCallOptions): Promise<EngineImage>;
  /** Whether the engine has the image. */
  imageExists(ref: string, options?: EngineCallOptions): Promise<boolean>;
  /** Tags `source` as `repo:tag`. */
  tag(source: string, repo: string, tag: string, options?: EngineCallOptions): Promise<void>;
  /** Removes an image (untags it; deletes it with its last tag). */
  removeImage(ref: string, options?: EngineCallOptions & { force?: boolean }): Promise<void>;
  /**
   * Runs a command in a new container: `files` copied in before it starts (not bind mounts: the
   * same on a remote engine, no host paths, modes exact), its output streamed to `stdout` and
   * `stderr` (and returned with `capture`), its exit code returned (a non-zero one is not an
   * error). The container is removed afterwards whatever happens; an aborted `signal` kills and
   * removes it and rejects with ABORTED.
   */
  run(options: RunOptions): Promise<RunResult>;
}

/** A client of the engine at `options.host` (default `DOCKER_HOST`, else the default socket). */
export function dockerEngine(options?: DockerEngineOptions): DockerEngine;

/** The oldest Engine API version this client speaks ("1.41", Docker 20.10). */
export const MIN_API_VERSION: string;
/** The newest Engine API version this client asks for ("1.47"); a newer engine is spoken to in it. */
export const MAX_API_VERSION: string;

/** A decoded BuildKit `StatusResponse` (buildkit-trace.js). Times in ms since the epoch. */
export interface BuildkitStatus {
  vertexes: BuildkitVertex[];
  statuses: BuildkitVertexStatus[];
  logs: BuildkitVertexLog[];
  warnings: BuildkitVertexWarning[];
}
export interface BuildkitVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started?: number;
  completed?: number;
  error?: string;
}
export interface BuildkitVertexStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  started?: number;
  completed?: number;
}
export interface BuildkitVertexLog {
  vertex: string;
  stream: number;
  msg: Uint8Array;
}
export interface BuildkitVertexWarning {
  vertex: string;
  level: number;
  short: string;
}
