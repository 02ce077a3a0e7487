// How the page says what it is doing: the status in the top bar, the progress bar of the side
// pane, and toasts.

import { h } from "../ui/dom.ts";

export const statusEl = h("span", { class: "status", role: "status", "aria-live": "polite", "data-testid": "status" }, "Loading…");
export const progressEl = h("div", { class: "progress", hidden: true });
export const toasts = h("div", { class: "toasts", "aria-live": "polite" });

/** Sets the status text; "busy" also shows the progress bar. */
export function setStatus(kind: "ok" | "busy" | "error", text: string) {
  statusEl.className = `status ${kind}`;
  statusEl.textContent = text;
  progressEl.hidden = kind !== "busy";
}

/** Shows a message for a few seconds (an error for longer). */
export function toast(message: string, kind: "info" | "error" = "info") {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  toasts.append(t);
  setTimeout(() => t.remove(), kind === "error" ? 7000 : 3500);
}
