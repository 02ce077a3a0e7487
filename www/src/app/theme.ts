// Light, dark or the system's: the theme button, and the choice kept in localStorage (index.html
// applies it before the first paint).

import { clear, h, icon } from "../ui/dom.ts";
import { STORE } from "./storage.ts";

type Theme = "auto" | "light" | "dark";

export const themeBtn = h("button", { type: "button", class: "icon-btn", "data-testid": "theme", onclick: () => cycleTheme() });

function applyTheme(theme: Theme) {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  clear(themeBtn, icon(theme === "auto" ? "auto" : theme === "light" ? "sun" : "moon"));
  themeBtn.title = `Theme: ${theme} (click to change)`;
  themeBtn.setAttribute("aria-label", `Theme: ${theme}`);
  try {
    if (theme === "auto") localStorage.removeItem(`${STORE}theme`);
    else localStorage.setItem(`${STORE}theme`, theme);
  } catch {
    /* private mode */
  }
}

function currentTheme(): Theme {
  return (document.documentElement.dataset.theme as Theme | undefined) ?? "auto";
}

function cycleTheme() {
  const now = currentTheme();
  applyTheme(now === "auto" ? "light" : now === "light" ? "dark" : "auto");
}

/** Shows the page's theme on the button (and keeps it). */
export function showTheme() {
  applyTheme(currentTheme());
}
