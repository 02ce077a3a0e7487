// The page's single-key shortcuts (the list is in the layout's shortcuts dialog); they are off
// while focus is in something that takes text, or a dialog is open.

import { typingTarget } from "../ui/dom.ts";
import { selectTab } from "./tabs.ts";
import type { Views } from "./views.ts";

/** Listens for the shortcuts; `s` calls `share`. */
export function bindKeyboard({ ui, forms, codeView }: Views, share: () => void) {
  document.addEventListener("keydown", (e) => {
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
      "?": () => ui.shortcuts.showModal(),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });
}
