// For tests and the curious: a read-only peek at the state (window.apothicConsole).

import { cloneModel } from "../core/model.ts";
import type { CodeView } from "../ui/code.ts";
import { state } from "./state.ts";

/** Puts the peek on window. */
export function exposeState(codeView: CodeView) {
  (window as unknown as { apothicConsole: unknown }).apothicConsole = {
    get model() {
      return cloneModel(state.model);
    },
    get code() {
      return codeView.text;
    },
    get evaluation() {
      return state.last;
    },
    get settled() {
      return !state.dirty && state.pendingSince === 0;
    },
    uvDefault: () => state.uvDefault,
  };
}
