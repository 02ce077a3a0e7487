// The evaluator, the page's module Web Worker (not the Cloudflare Worker of www/worker/): owns the
// WebAssembly module, parses the TypeScript view, builds and resolves the image, and answers the
// page. Everything heavy happens here, so typing in the page never waits for the package (and a
// slow resolution of a big folder never freezes it).

import { init, Image, memoryHost, type ImageHost, type ImageSpec } from "@apothic/image";
import wasmUrl from "@apothic/image/apothic_image_bg.wasm?url";
import { locateArgument, modelToCode, parseModel, type CodeError } from "./core/chain.ts";
import { build, cachedHost, errInfo, evaluate, retarget, type Api } from "./core/engine.ts";
import { specToModel } from "./core/model.ts";
import type { FromEvaluator, ToEvaluator } from "./protocol.ts";

const api: Api = { Image, memoryHost };
const post = (m: FromEvaluator, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let host: ImageHost = memoryHost({});
let uvDefault = "";
/** Set on the running evaluation when a newer one starts (resolution stops at its next call). */
let current: { aborted: boolean } = { aborted: false };
let queue: ToEvaluator[] = [];
let ready = false;

async function start() {
  try {
    await init(wasmUrl);
    const probe = Image.debianSlim().uvPipInstall("x");
    const step = probe.toSpec().steps?.[0] as { uvVersion?: string } | undefined;
    uvDefault = step?.uvVersion ?? "";
    probe.free();
    ready = true;
    post({ type: "ready", uvDefault });
    const pending = queue;
    queue = [];
    for (const m of pending) void handle(m);
  } catch (e) {
    post({ type: "fatal", message: `the WebAssembly module did not load: ${e instanceof Error ? e.message : String(e)}` });
  }
}

self.onmessage = (event: MessageEvent<ToEvaluator>) => {
  if (!ready) {
    queue.push(event.data);
    return;
  }
  void handle(event.data);
};

async function handle(m: ToEvaluator) {
  switch (m.type) {
    case "files": {
      host = cachedHost(api, new Map(m.payload.files), m.payload.modes, m.payload.pythonPath);
      return;
    }
    case "eval":
      return evalCode(m.seq, m.code, m.source);
    case "spec":
      return fromSpec(m.seq, m.text);
    case "context":
      return context(m.seq, m.code);
    case "diff":
      return diff(m.seq, m.before, m.after);
  }
}

async function evalCode(seq: number, code: string, source: "form" | "code" | "load") {
  current.aborted = true;
  const signal = { aborted: false };
  current = signal;
  const parsed = parseModel(code);
  if (!parsed.ok) {
    post({ type: "result", seq, source, model: null, codeErrors: parsed.errors.map((e) => ({ ...e, severity: "error" as const })), evaluation: null });
    return;
  }
  const { model, ast } = parsed.chain;
  let lastProgress = 0;
  let evaluation;
  try {
    evaluation = await evaluate(api, model, host, {
      signal,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress > 100) {
          lastProgress = now;
          post({ type: "progress", seq, files: p.files, bytes: p.bytes });
        }
      },
    });
  } catch (e) {
    post({ type: "fatal", message: `evaluation failed: ${errInfo(e).message}` });
    return;
  }
  if (signal.aborted) return; // a newer edit is on its way
  // Package errors, mapped onto the code.
  const codeErrors: (CodeError & { severity: "error" | "warning" })[] = [];
  const mark = (callIndex: number, info: { code: string; message: string; argument?: string; line?: number; column?: number; file?: string }, severity: "error" | "warning" = "error") => {
    const node = ast.calls[callIndex];
    if (!node) return;
    const inFile = info.file !== undefined;
    const { from, to } = locateArgument(code, node, info.argument, inFile ? undefined : info.line, inFile ? undefined : info.column);
    const where = inFile ? ` (${info.file}${info.line ? `:${info.line}` : ""}${info.column ? `:${info.column}` : ""})` : "";
    codeErrors.push({ from, to, message: info.message + where, code: info.code, severity });
  };
  if (evaluation.baseError) mark(0, evaluation.baseError);
  evaluation.steps.forEach((s, i) => s.error && mark(i + 1, s.error));
  const re = evaluation.resolveError;
  if (re && !["ABORTED"].includes(re.code)) {
    if (re.target.kind === "base") mark(0, re);
    else if (re.target.kind === "step") mark(re.target.index + 1, re);
  }
  for (const d of evaluation.resolution?.diagnostics ?? []) {
    const index = d.step === undefined ? 0 : (evaluation.specToModel[d.step] ?? -1) + 1;
    mark(index, { code: d.code, message: d.message }, "warning");
  }
  // Lint findings that matter (not the informational ones) underline their call too.
  for (const f of evaluation.lint) {
    if (f.severity === "info") continue;
    const index = f.step === null ? 0 : (evaluation.specToModel[f.step] ?? -1) + 1;
    mark(index, { code: f.rule, message: `${f.name}: ${f.message}` }, "warning");
  }
  post({ type: "result", seq, source, model, codeErrors, evaluation });
}

async function fromSpec(seq: number, text: string) {
  try {
    const value = JSON.parse(text) as ImageSpec;
    const image = Image.fromSpec(value);
    const spec = image.toSpec();
    image.free();
    const model = specToModel(spec as unknown as Record<string, unknown>, uvDefault);
    post({ type: "spec", seq, ok: true, code: modelToCode(model), model });
  } catch (e) {
    const info = e instanceof SyntaxError ? { code: "INVALID_SPEC", message: `not JSON: ${e.message}` } : errInfo(e);
    post({ type: "spec", seq, ok: false, error: info });
  }
}

/** `Image.diff` of the image the code `before` builds (its failing calls left out) and the spec `after`. */
function diff(seq: number, before: string, after: string) {
  const parsed = parseModel(before);
  if (!parsed.ok) {
    const e = parsed.errors[0];
    post({ type: "diff", seq, ok: false, error: { code: e.code, message: `the code you had does not parse: ${e.message}` } });
    return;
  }
  const built = build(api, parsed.chain.model);
  try {
    const leftOut = (built.baseError ? 1 : 0) + built.steps.filter((s) => s.error).length;
    post({ type: "diff", seq, ok: true, diff: Image.diff(built.image, after), leftOut });
  } catch (e) {
    post({ type: "diff", seq, ok: false, error: errInfo(e) });
  } finally {
    built.image.free();
  }
}

async function context(seq: number, code: string) {
  const parsed = parseModel(code);
  if (!parsed.ok) {
    post({ type: "context", seq, ok: false, error: { code: parsed.errors[0].code, message: parsed.errors[0].message } });
    return;
  }
  const { model } = parsed.chain;
  // The whole image, or nothing: a tar must mean the image the user wrote.
  const evaluation = await evaluate(api, model, host, {});
  const failed = evaluation.baseError ?? evaluation.steps.find((s) => s.error)?.error ?? evaluation.resolveError;
  if (failed) {
    post({ type: "context", seq, ok: false, error: failed });
    return;
  }
  let image = Image.fromSpec(evaluation.spec);
  try {
    const bytes = await image.buildContext(host);
    post({ type: "context", seq, ok: true, bytes }, [bytes.buffer]);
  } catch (e) {
    const info = errInfo(e);
    post({ type: "context", seq, ok: false, error: { ...info, ...retarget(info, evaluation.specToModel) } });
  } finally {
    image.free();
    image = undefined as unknown as typeof image;
  }
}

void start();
