// The one flow of the page: an edit (form, code or files) becomes the code text, the evaluator
// evaluates it, and its result goes to every view. Code and file edits wait in short debounces;
// only the result of the newest evaluation is shown.

import { modelToCode, patchCode } from "../core/chain.ts";
import { debounce, formatBytes } from "../ui/dom.ts";
import { listen, send } from "./channel.ts";
import { showResult } from "./output.ts";
import { state } from "./state.ts";
import { setStatus, toast } from "./status.ts";
import { saver } from "./storage.ts";
import type { Views } from "./views.ts";

export interface Flow {
  /** Sends the code to the evaluator now (source: what was edited). */
  evalNow(source: "form" | "code" | "load"): void;
  /** The model changed through a form: the code follows (the rest of it kept), then the evaluation. */
  formChanged(): void;
  /** The model was replaced (a new image, a Dockerfile as the base): the code is printed anew. */
  replaced(): void;
  /** The code was edited: evaluates it after a pause in typing. */
  codeChanged(): void;
  /** The files changed: sends them, then evaluates, after a short pause. */
  filesChanged(): void;
  /** Called after every evaluation is sent (the history records the state). */
  onEval: () => void;
}

/** Starts listening to the evaluator; `ready` runs once it has loaded the package. */
export function createFlow(v: Views, ready: () => void): Flow {
  const { codeView, files } = v;
  const persist = saver(codeView, files);

  // The source of the newest evaluation not yet answered. A newer one (files dropped while the
  // example's code is still being evaluated) takes it over, so the forms still adopt the model
  // that code gives even though the older answer is never shown.
  let unanswered: "form" | "code" | "load" | null = null;

  // Files changed but not yet sent: an evaluation sent before the debounce ends sends them first,
  // so it never resolves against older files (an imported Dockerfile used as the base at once).
  let filesUnsent = false;
  /** The "code does not parse, form edits are not written" notice was shown (once per breakage). */
  let refusedNotice = false;

  function evalNow(edited: "form" | "code" | "load") {
    if (filesUnsent) {
      filesUnsent = false;
      send({ type: "files", payload: files.payload() });
    }
    const source = edited === "form" && unanswered !== null ? unanswered : edited;
    unanswered = source;
    state.dirty = false;
    const seq = (state.seq += 1);
    state.pendingSince = performance.now();
    setTimeout(() => {
      if (seq === state.seq && state.pendingSince) setStatus("busy", "Rendering…");
    }, 120);
    send({ type: "eval", seq: state.seq, code: codeView.text, source });
    persist();
    flow.onEval();
  }

  const codeChangedSoon = debounce(() => evalNow("code"), 140);
  const filesChangedSoon = debounce(() => evalNow(state.lastCodeOk ? "form" : "code"), 120);

  listen(
    (m) => {
      switch (m.type) {
        case "ready":
          state.uvDefault = m.uvDefault;
          ready();
          return;
        case "fatal":
          setStatus("error", "Failed");
          toast(m.message, "error");
          return;
        case "progress":
          if (m.seq === state.seq) setStatus("busy", `Reading files… ${m.files} · ${formatBytes(m.bytes)}`);
          return;
        case "result":
          if (m.seq !== state.seq) return;
          unanswered = null;
          state.pendingSince = 0;
          state.lastCodeOk = m.model !== null;
          if (m.model && (m.source === "code" || m.source === "load")) {
            state.model = m.model;
            v.forms.adopt();
          }
          showResult(v, m);
          return;
      }
    },
    (e) => {
      setStatus("error", "Worker failed");
      toast(`The rendering worker failed: ${e.message}`, "error");
    },
  );

  const flow: Flow = {
    onEval: () => {},
    evalNow,
    formChanged() {
      const patch = patchCode(codeView.text, state.model, modelToCode);
      if (!patch.ok) {
        // The user's code does not parse: it is never replaced behind their back.
        if (!refusedNotice) {
          refusedNotice = true;
          toast("The TypeScript view has an error, so form edits are not written into it (your code is kept as it is). Fix the code, or:", "warn", {
            label: "Replace the code with the forms",
            run: () => {
              codeView.setText(modelToCode(state.model));
              evalNow("form");
            },
          });
        }
        return;
      }
      refusedNotice = false;
      if (!patch.kept) toast("The form edit could not be written around your code's comments: the code was printed anew.", "warn");
      codeView.setText(patch.code);
      evalNow("form");
    },
    replaced() {
      refusedNotice = false;
      codeView.setText(modelToCode(state.model));
      evalNow("form");
    },
    codeChanged() {
      state.dirty = true;
      codeChangedSoon();
    },
    filesChanged() {
      state.dirty = true;
      filesUnsent = true;
      filesChangedSoon();
    },
  };
  return flow;
}
