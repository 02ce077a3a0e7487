// Messages between the page (app/channel.ts) and the evaluator (evaluator.worker.ts, a Web Worker).

import type { ImageDiff } from "@apothic/image";
import type { CodeError } from "./core/chain.ts";
import type { ErrInfo, Evaluation } from "./core/engine.ts";
import type { Model } from "./core/model.ts";

export interface FilesPayload {
  files: [string, Uint8Array][];
  modes: Record<string, number>;
  pythonPath: string[];
}

export type ToEvaluator =
  /** Parse the code and evaluate it (source: what the user edited). */
  | { type: "eval"; seq: number; code: string; source: "form" | "code" | "load" }
  /** Replace the files panel's files (an eval follows). */
  | { type: "files"; payload: FilesPayload }
  /** A spec from a shared URL or an imported JSON file: validate it and turn it into code. */
  | { type: "spec"; seq: number; text: string }
  /** The build context tar of the last code (resolved again). */
  | { type: "context"; seq: number; code: string }
  /** `Image.diff(before, after)` of the image `before` (code) builds and a spec (JSON text). */
  | { type: "diff"; seq: number; before: string; after: string };

export type FromEvaluator =
  | { type: "ready"; uvDefault: string }
  | { type: "fatal"; message: string }
  | {
      type: "result";
      seq: number;
      source: "form" | "code" | "load";
      /** The parsed model (null when the code does not parse). */
      model: Model | null;
      /** Problems in the code, parse errors or package errors mapped onto the code. */
      codeErrors: (CodeError & { severity: "error" | "warning" })[];
      evaluation: Evaluation | null;
    }
  | { type: "progress"; seq: number; files: number; bytes: number }
  | { type: "spec"; seq: number; ok: true; code: string; model: Model }
  | { type: "spec"; seq: number; ok: false; error: ErrInfo }
  | { type: "context"; seq: number; ok: true; bytes: Uint8Array }
  | { type: "context"; seq: number; ok: false; error: ErrInfo }
  /** The diff; `leftOut`: the calls of `before` that fail, left out of its image as the preview leaves them. */
  | { type: "diff"; seq: number; ok: true; diff: ImageDiff; leftOut: number }
  | { type: "diff"; seq: number; ok: false; error: ErrInfo };
