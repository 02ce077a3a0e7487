// The one flow of the page: an edit (form, code or files) becomes the code text, the evaluator
// evaluates it, and its result goes to every view. Code and file edits wait in short debounces;
// only the result of the newest evaluation is shown.

import { modelToCode } from "../core/chain.ts";
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
  /** The model changed through a form: the code follows, then the evaluation. */
  formChanged(): void;
  /** The code was edited: evaluates it after a pause in typing. */
  codeChanged(): void;
  /** The files changed: sends them, then evaluates, after a short pause. */
  filesChanged(): void;
}

/** Starts listening to the evaluator; `ready` runs once it has loaded the package. */
export function createFlow(v: Views, ready: () => void): Flow {
  const { codeView, files } = v;
  const persist = saver(codeView, files);

  // The source of the newest evaluation not yet answered. A newer one (files dropped while the
  // example's code is still being evaluated) takes it over, so the forms still adopt the model
  // that code gives even though the older answer is never shown.
  let unanswered: "form" | "code" | "load" | null = null;

  function evalNow(edited: "form" | "code" | "load") {
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
  }

  const codeChangedSoon = debounce(() => evalNow("code"), 140);
  const filesChangedSoon = debounce(() => {
    send({ type: "files", payload: files.payload() });
    evalNow(state.lastCodeOk ? "form" : "code");
  }, 120);

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

  return {
    evalNow,
    formChanged() {
      codeView.setText(modelToCode(state.model));
      evalNow("form");
    },
    codeChanged() {
      state.dirty = true;
      codeChangedSoon();
    },
    filesChanged() {
      state.dirty = true;
      filesChangedSoon();
    },
  };
}
