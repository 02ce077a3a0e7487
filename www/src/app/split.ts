// The resizable split between the compose pane and the output: a separator to drag (or move with
// the arrow keys), its width kept in localStorage. Laptop layout only: narrower layouts stack.

import { h } from "../ui/dom.ts";
import { STORE } from "./storage.ts";

/** The narrowest and widest the compose pane gets, in pixels. */
const MIN = 300;
const MAX_SHARE = 0.6;

/** Adds the separator to `compose` (a pane of `layout`). */
export function bindSplit(layout: HTMLElement, compose: HTMLElement) {
  const sep = h("div", { class: "splitter", role: "separator", "aria-orientation": "vertical", "aria-label": "Resize the steps pane (arrow keys)", tabindex: 0, "data-testid": "splitter" });
  compose.append(sep);
  const set = (px: number) => {
    const w = Math.round(Math.max(MIN, Math.min(px, layout.clientWidth * MAX_SHARE)));
    layout.style.setProperty("--compose-w", `${w}px`);
    sep.setAttribute("aria-valuenow", String(w));
    try {
      localStorage.setItem(`${STORE}split`, String(w));
    } catch {
      /* no storage: the width lasts for this visit */
    }
  };
  try {
    const saved = Number(localStorage.getItem(`${STORE}split`));
    if (saved) layout.style.setProperty("--compose-w", `${saved}px`);
  } catch {
    /* no storage */
  }
  sep.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    sep.setPointerCapture(e.pointerId);
    const left = compose.getBoundingClientRect().left;
    const move = (m: PointerEvent) => set(m.clientX - left);
    const up = () => {
      sep.removeEventListener("pointermove", move);
      sep.removeEventListener("pointerup", up);
    };
    sep.addEventListener("pointermove", move);
    sep.addEventListener("pointerup", up);
  });
  sep.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 80 : 20;
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      set(compose.getBoundingClientRect().width + (e.key === "ArrowLeft" ? -step : step));
    }
  });
}
