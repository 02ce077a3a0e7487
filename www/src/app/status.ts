// How the page says what it is doing: the status in the top bar, the progress bar of the side
// pane, and toasts.

import { h } from "../ui/dom.ts";

/** The status pill: a button (on an error it goes to the first one, see navigate.ts). */
export const statusEl = h("button", { type: "button", class: "status", "aria-live": "polite", "data-testid": "status" }, "Loading…");
export const progressEl = h("div", { class: "progress", hidden: true });
export const toasts = h("div", { class: "toasts", "aria-live": "polite" });

/** Sets the status text; "busy" also shows the progress bar. */
export function setStatus(kind: "ok" | "busy" | "error", text: string) {
  statusEl.className = `status ${kind}`;
  statusEl.textContent = text;
  statusEl.title = kind === "error" ? "Go to the first error" : "";
  progressEl.hidden = kind !== "busy";
}

/** A button a toast offers (Undo a delete, Restore what I had, Compare). */
export interface ToastAction {
  label: string;
  run(): void;
  /** Its data-testid ("toast-action" when not given). */
  testid?: string;
}

/** Shows a message for a few seconds (an error, or one with actions, for longer). */
export function toast(message: string, kind: "info" | "error" | "warn" = "info", action?: ToastAction | ToastAction[]) {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  const actions = action === undefined ? [] : Array.isArray(action) ? action : [action];
  for (const a of actions) {
    t.append(
      " ",
      h(
        "button",
        { type: "button", class: "link toast-action", "data-testid": a.testid ?? "toast-action", onclick: () => (t.remove(), a.run()) },
        a.label,
      ),
    );
  }
  toasts.append(t);
  setTimeout(() => t.remove(), actions.length ? 12000 : kind === "info" ? 3500 : 7000);
}
