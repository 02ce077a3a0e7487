// Getting to the errors of a long image: the first error, the next one (wrapping), and the step
// a Dockerfile line comes from. The status pill, the banners, the "Next error" button and the `e`
// key all use it.

import type { Evaluation } from "../core/engine.ts";
import { selectTab } from "./tabs.ts";
import type { Views } from "./views.ts";

/** The cards with an error, base first, in the order of the steps. */
function errorCards({ ui }: Views): HTMLElement[] {
  return [...ui.formsRoot.querySelectorAll<HTMLElement>('[data-testid="base-card"].has-error, [data-testid="step-card"].has-error')];
}

/** The model index of a card (-1: the base). */
function cardIndex({ ui }: Views, card: HTMLElement): number {
  return [...ui.formsRoot.querySelectorAll('[data-testid="step-card"]')].indexOf(card);
}

/** The card the last call showed (focus moves to the button that is pressed next). */
let shown: HTMLElement | null = null;

/** Shows the error after the card that has focus, or was shown last (or the first); false when there is none. */
export function nextError(v: Views, first = false): boolean {
  const cards = errorCards(v);
  if (cards.length === 0) {
    // An error of the code itself lives in the TypeScript view.
    if (v.ui.codeBanner.childElementCount) {
      selectTab(v.ui.composeTabs, "code");
      return true;
    }
    return false;
  }
  const focused = cards.findIndex((c) => c.contains(document.activeElement));
  const at = first ? -1 : focused >= 0 ? focused : shown ? cards.indexOf(shown) : -1;
  const card = cards[(at + 1) % cards.length];
  shown = card;
  selectTab(v.ui.composeTabs, "steps");
  v.forms.reveal(cardIndex(v, card));
  return true;
}

/** The Dockerfile lines step `index` (model index; -1: the base) rendered, or null (none, or not resolved). */
export function linesOfStep(ev: Evaluation, index: number): { first: number; last: number } | null {
  const layers = ev.resolution?.layers.filter((l) => (l.step === null ? -1 : ev.specToModel[l.step]) === index && l.lines) ?? [];
  if (layers.length === 0) return null;
  return { first: Math.min(...layers.map((l) => l.lines!.first)), last: Math.max(...layers.map((l) => l.lines!.last)) };
}

/** Shows the Dockerfile tab with step `index`'s lines marked and scrolled to; false when it has none. */
export function showLines(v: Views, ev: Evaluation | null, index: number): boolean {
  const lines = ev ? linesOfStep(ev, index) : null;
  if (!lines) return false;
  selectTab(v.ui.outputTabs, "dockerfile");
  const all = [...v.ui.dockerfileView.querySelectorAll<HTMLElement>(".line")];
  for (const el of all) {
    const n = Number(el.dataset.line);
    el.classList.toggle("from-step", n >= lines.first && n <= lines.last);
  }
  all.find((el) => Number(el.dataset.line) === lines.first)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  return true;
}

/** The model index of the step that rendered Dockerfile line `line` (-1: the base), or null. */
export function stepOfLine(ev: Evaluation, line: number): number | null {
  const layer = ev.resolution?.layers.find((l) => l.lines && l.lines.first <= line && line <= l.lines.last);
  if (!layer) return null;
  return layer.step === null ? -1 : (ev.specToModel[layer.step] ?? null);
}
