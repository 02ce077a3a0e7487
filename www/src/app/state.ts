// The page's state, shared by the flow, the views and the actions: the model the forms show, the
// evaluation on screen (and its spec as JSON text), and the counters that say whether the screen
// is up to date.

import type { Evaluation } from "../core/engine.ts";
import { defaultModel, type Model } from "../core/model.ts";
import type { LinkContext } from "../share.ts";

/** A shared link under review: the author's result shown, read-only, until "resolve with my files". */
export interface Review {
  /** What came with the link (the author's result, the Python path, the files or how many stayed). */
  ctx: LinkContext;
}

export interface State {
  /** The calls as the forms show them (replaced from the code only when the code changed). */
  model: Model;
  /** The last evaluation sent to the evaluator: the only one whose result is shown. */
  seq: number;
  /** The evaluation on screen. */
  last: Evaluation | null;
  /** The last evaluation that resolved: shown, marked stale, while a lookup fails. */
  lastGood: Evaluation | null;
  /** The shared link being reviewed (null: the user's own work). */
  review: Review | null;
  /** Whether the code parsed the last time. */
  lastCodeOk: boolean;
  /** When the awaited evaluation was sent (0 when none is pending). */
  pendingSince: number;
  /** An edit waits in a debounce (the result on screen is older than the text). */
  dirty: boolean;
  /** The evaluator's default uv version. */
  uvDefault: string;
}

export const state: State = {
  model: defaultModel(),
  seq: 0,
  last: null,
  lastGood: null,
  review: null,
  lastCodeOk: true,
  pendingSince: 0,
  dirty: false,
  uvDefault: "",
};

/** The spec on screen as JSON text ("" before the first evaluation). */
export function specText(): string {
  return state.last ? JSON.stringify(state.last.spec, null, 2) + "\n" : "";
}
