// The page's single-key shortcuts (the list is in the layout's shortcuts dialog); they are off
// while focus is in something that takes text, or a dialog is open.

import { typingTarget } from "../ui/dom.ts";
import { selectTab } from "./tabs.ts";
import type { Views } from "./views.ts";

/** What the shortcuts call beyond the views. */
export interface KeyActions {
  share(): void;
  nextError(): void;
  undo(): void;
  redo(): void;
}

/** Listens for the shortcuts; `s` shares, `e` goes to the next error, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo the image. */
export function bindKeyboard({ ui, forms, codeView }: Views, { share, nextError, undo, redo }: KeyActions) {
  document.addEventListener("keydown", (e) => {
    // Outside text fields (whose own undo is the browser's), Ctrl+Z is the image's.
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && !typingTarget(e.target) && !document.querySelector("dialog[open]")) {
      const k = e.key.toLowerCase();
      if (k === "z" || k === "y") {
        e.preventDefault();
        if (k === "y" || e.shiftKey) redo();
        else undo();
        return;
      }
    }
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const actions: Record<string, () => void> = {
      a: () => (selectTab(ui.composeTabs, "steps"), forms.focusAdd()),
      "1": () => selectTab(ui.composeTabs, "steps"),
      "2": () => (selectTab(ui.composeTabs, "code"), void codeView.focus()),
      d: () => selectTab(ui.outputTabs, "dockerfile"),
      j: () => selectTab(ui.outputTabs, "spec"),
      f: () => (ui.filesRoot.querySelector("button") as HTMLElement | null)?.focus(),
      s: () => share(),
      e: () => nextError(),
      "?": () => ui.shortcuts.showModal(),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });
}
