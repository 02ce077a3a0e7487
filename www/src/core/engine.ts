// Turns the model into an image with the package, call by call, and resolves it through a
// memory host: the spec, definition hash, Dockerfile, layers, context, plan and every error,
// attributed to the call (and field) it concerns. It runs in the evaluator (evaluator.worker.ts)
// and, unchanged, in the Node tests with the package's node entry.

import type { Finding, Image as ImageClass, ImageHost, ImageSpec, Resolution, memoryHost as MemoryHostFn } from "@apothic/image";
import { callArgs, duplicateEnvKeys, type CallModel, type Model } from "./model.ts";

/** The parts of the package the engine uses (the browser entry in the evaluator, node in tests). */
export interface Api {
  Image: typeof ImageClass;
  memoryHost: typeof MemoryHostFn;
}

/** An error as data (ApothicError's fields), safe to post between threads. */
export interface ErrInfo {
  code: string;
  message: string;
  argument?: string;
  file?: string;
  line?: number;
  column?: number;
}

export function errInfo(e: unknown): ErrInfo {
  if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    const info: ErrInfo = {
      code: typeof o.code === "string" ? o.code : "ERROR",
      message: typeof o.message === "string" ? o.message : String(e),
    };
    if (typeof o.argument === "string") info.argument = o.argument;
    if (typeof o.file === "string") info.file = o.file;
    if (typeof o.line === "number") info.line = o.line;
    if (typeof o.column === "number") info.column = o.column;
    return info;
  }
  return { code: "ERROR", message: String(e) };
}

export interface StepOutcome {
  /** The spec step this call produced (null: it failed, or added no step, like an empty list). */
  specIndex: number | null;
  error?: ErrInfo;
}

/** Where a resolution error belongs: the base, a call (model index), or the image as a whole. */
export type ErrorTarget = { kind: "base" } | { kind: "step"; index: number } | { kind: "image" };

export interface Evaluation {
  baseError?: ErrInfo;
  steps: StepOutcome[];
  /** True when every call succeeded (the preview is the whole image). */
  complete: boolean;
  spec: ImageSpec;
  definitionHash: string;
  /** The full Dockerfile (resolved), or the one `dockerfile()` renders, or null. */
  dockerfile: string | null;
  dockerfileFrom: "resolve" | "render" | null;
  /** Why `dockerfile()` could not render (NEEDS_RESOLVE …), when resolution failed too. */
  renderError?: ErrInfo;
  resolution: Resolution | null;
  resolveError?: ErrInfo & { target: ErrorTarget };
  /** Model step index for each spec step. */
  specToModel: number[];
  /** Lint findings: the resolution's (all rules), or the spec's alone (`image.lint()`) when it failed. */
  lint: Finding[];
  /** Milliseconds spent building and resolving. */
  ms: { build: number; resolve: number };
}

export interface EvaluateOptions {
  /** Checked before and after every host call (a newer edit sets it). */
  signal?: { readonly aborted: boolean };
  onProgress?: (p: { files: number; bytes: number }) => void;
  timeoutMs?: number;
}

/** Calls `method` on `image` with the call's arguments; throws what the package throws. */
function apply(image: ImageClass, call: CallModel): ImageClass {
  const dup = duplicateEnvKeys(call);
  if (dup.length) {
    throw Object.assign(new Error(`the variable ${dup[0]} is given more than once; keep one row per name`), {
      name: "ApothicError",
      code: "DUPLICATE_KEY",
      argument: `values.${dup[0]}`,
    });
  }
  const fn = (image as unknown as Record<string, (...a: unknown[]) => ImageClass>)[call.op];
  return fn.apply(image, callArgs(call));
}

function construct(api: Api, call: CallModel): ImageClass {
  const fn = (api.Image as unknown as Record<string, (...a: unknown[]) => ImageClass>)[call.op];
  return fn.apply(api.Image, callArgs(call));
}

/** An image built from the model's calls: what each call gave, and the failing calls left out. */
export interface Built {
  image: ImageClass;
  baseError?: ErrInfo;
  steps: StepOutcome[];
  /** Model step index for each spec step. */
  specToModel: number[];
}

/** Builds the image call by call (a failing call is left out and reported; a failing base is `debianSlim()`). */
export function build(api: Api, model: Model): Built {
  let baseError: ErrInfo | undefined;
  let image: ImageClass;
  try {
    image = construct(api, model.base);
  } catch (e) {
    baseError = errInfo(e);
    // Keep going on the default base, so the steps are still checked and previewed.
    image = api.Image.debianSlim();
  }
  const steps: StepOutcome[] = [];
  const specToModel: number[] = [];
  model.steps.forEach((call, index) => {
    const before = image.length;
    try {
      const next = apply(image, call);
      image.free();
      image = next;
      const added = image.length - before;
      for (let k = 0; k < added; k++) specToModel.push(index);
      steps.push({ specIndex: added > 0 ? before : null });
    } catch (e) {
      steps.push({ specIndex: null, error: errInfo(e) });
    }
  });
  return { image, baseError, steps, specToModel };
}

/** Builds the image call by call (a failing call is left out and reported), then resolves it. */
export async function evaluate(api: Api, model: Model, host: ImageHost, options: EvaluateOptions = {}): Promise<Evaluation> {
  const t0 = performance.now();
  const { image, baseError, steps, specToModel } = build(api, model);
  const complete = !baseError && steps.every((s) => !s.error);
  const spec = image.toSpec();
  const definitionHash = image.definitionHash();
  let dockerfile: string | null = null;
  let dockerfileFrom: Evaluation["dockerfileFrom"] = null;
  let renderError: ErrInfo | undefined;
  const t1 = performance.now();

  let resolution: Resolution | null = null;
  let resolveError: Evaluation["resolveError"];
  try {
    resolution = await image.resolve(host, { signal: options.signal, onProgress: options.onProgress, timeoutMs: options.timeoutMs ?? 15_000 });
    dockerfile = resolution.dockerfile;
    dockerfileFrom = "resolve";
  } catch (e) {
    const info = errInfo(e);
    resolveError = { ...info, ...retarget(info, specToModel) };
    try {
      dockerfile = image.dockerfile();
      dockerfileFrom = "render";
    } catch (e2) {
      renderError = errInfo(e2);
    }
  }
  let lint: Finding[] = resolution?.lint ?? [];
  if (!resolution) {
    try {
      lint = image.lint();
    } catch {
      /* the spec-only rules never fail on a built image; nothing to show if they do */
    }
  }
  image.free();
  return {
    lint,
    baseError,
    steps,
    complete,
    spec,
    definitionHash,
    dockerfile,
    dockerfileFrom,
    renderError,
    resolution,
    resolveError,
    specToModel,
    ms: { build: t1 - t0, resolve: performance.now() - t1 },
  };
}

/**
 * Resolution errors name the spec step (`steps[3]`, `steps[3].ignore[0]`) or the base
 * (`base.path`): the target call, and the argument relative to that call.
 */
export function retarget(info: ErrInfo, specToModel: number[]): { target: ErrorTarget; argument?: string } {
  const arg = info.argument ?? "";
  const step = /^steps\[(\d+)\]\.?(.*)$/s.exec(arg);
  if (step) {
    const index = specToModel[Number(step[1])];
    if (index !== undefined) return { target: { kind: "step", index }, argument: step[2] || undefined };
  }
  const base = /^base\.?(.*)$/s.exec(arg);
  if (base) return { target: { kind: "base" }, argument: base[1] || undefined };
  return { target: { kind: "image" }, argument: info.argument };
}

/**
 * A host over the files panel: `memoryHost`, with each file's hash kept while the files do not
 * change (typing re-resolves on every edit; the files are hashed once).
 */
export function cachedHost(api: Api, files: Map<string, Uint8Array>, modes: Record<string, number>, pythonPath: string[]): ImageHost {
  const host = api.memoryHost(files, { modes, pythonPath });
  const hashes = new Map<string, Promise<string>>();
  const hashFile = host.hashFile?.bind(host);
  if (hashFile) {
    host.hashFile = (path: string) => {
      let p = hashes.get(path);
      if (!p) {
        p = Promise.resolve(hashFile(path));
        hashes.set(path, p);
        p.catch(() => hashes.delete(path));
      }
      return p;
    };
  }
  return host;
}
