// Tab lists (role="tablist"): the selected tab and its panel, arrow keys, and an error count on a
// tab.

import { h } from "../ui/dom.ts";

export interface Tabs {
  el: HTMLElement;
  current: string;
  panels: Map<string, HTMLElement>;
  buttons: Map<string, HTMLButtonElement>;
  count(id: string, n: number, error?: boolean): void;
  /** Called when a tab is selected, after its panel is shown. */
  onShow?: (id: string) => void;
}

/** A tab list of `items` ([id, label]); the first is selected. */
export function tabs(group: string, items: [string, string][]): Tabs {
  const el = h("div", { class: "tabs", role: "tablist", "aria-label": group });
  const t: Tabs = {
    el,
    current: items[0][0],
    panels: new Map(),
    buttons: new Map(),
    count(id, n, error) {
      const b = t.buttons.get(id);
      if (!b) return;
      b.querySelector(".count")?.remove();
      if (n > 0) b.append(h("span", { class: `count${error ? " err" : ""}` }, String(n)));
    },
  };
  for (const [id, label] of items) {
    const b = h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "tab",
        id: `tab-${group}-${id}`,
        "aria-controls": `${group}-${id}`,
        "aria-selected": String(id === t.current),
        tabindex: id === t.current ? 0 : -1,
        "data-testid": `tab-${id}`,
        onclick: () => selectTab(t, id),
        onkeydown: (e: KeyboardEvent) => {
          const ids = items.map((x) => x[0]);
          const i = ids.indexOf(t.current);
          if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
            e.preventDefault();
            const next = ids[(i + (e.key === "ArrowRight" ? 1 : -1) + ids.length) % ids.length];
            selectTab(t, next);
            t.buttons.get(next)!.focus();
          }
        },
      },
      label,
    );
    t.buttons.set(id, b);
    el.append(b);
  }
  return t;
}

/** Selects tab `id` of `t` and shows its panel. */
export function selectTab(t: Tabs, id: string) {
  t.current = id;
  for (const [k, b] of t.buttons) {
    b.setAttribute("aria-selected", String(k === id));
    b.tabIndex = k === id ? 0 : -1;
  }
  for (const [k, p] of t.panels) p.hidden = k !== id;
  t.onShow?.(id);
}
