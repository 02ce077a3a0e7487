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

/** A button a toast offers (Undo a delete, Restore what I had). */
export interface ToastAction {
  label: string;
  run(): void;
}

/** Shows a message for a few seconds (an error, or one with an action, for longer). */
export function toast(message: string, kind: "info" | "error" | "warn" = "info", action?: ToastAction) {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  if (action) {
    t.append(
      " ",
      h(
        "button",
        { type: "button", class: "link toast-action", "data-testid": "toast-action", onclick: () => (t.remove(), action.run()) },
        action.label,
      ),
    );
  }
  toasts.append(t);
  setTimeout(() => t.remove(), action ? 12000 : kind === "info" ? 3500 : 7000);
}
