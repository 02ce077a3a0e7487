// The editor of an env field: NAME = value rows. `=` or Enter in a name jumps to its value, Enter
// in a value adds a row, Backspace on an empty row removes it. Empty rows are left out.

import type { EnvPairs } from "../../core/model.ts";
import { clear, h, icon } from "../dom.ts";

/** Rows of NAME = value inputs; `set` gets the non-empty pairs on every edit. */
export function envEditor(pairs: EnvPairs, set: (v: EnvPairs) => void, inputId: string): { el: HTMLElement; rows: () => HTMLElement[] } {
  if (pairs.length === 0) pairs.push(["", ""]);
  const box = h("div", { class: "env", role: "group", "aria-label": "Variables", "data-field": "values" });
  const rowsBox = h("div", { class: "rows" });
  const commit = () => set(pairs.filter((p) => p[0] !== "" || p[1] !== "").map((p) => [p[0], p[1]] as [string, string]));
  const rowEls = () => [...rowsBox.querySelectorAll<HTMLElement>(".row")];
  const focus = (i: number, which: 0 | 1) => rowEls()[i]?.querySelectorAll<HTMLInputElement>("input")[which]?.focus();
  const draw = () => {
    clear(
      rowsBox,
      pairs.map((pair, i) => {
        const key = h("input", { type: "text", class: "mono key", value: pair[0], placeholder: "NAME", spellcheck: false, "aria-label": `Variable ${i + 1} name`, id: i === 0 ? inputId : undefined, autocomplete: "off" });
        const val = h("input", { type: "text", class: "mono", value: pair[1], placeholder: "value", spellcheck: false, "aria-label": `Variable ${i + 1} value`, autocomplete: "off" });
        key.addEventListener("input", () => {
          pair[0] = key.value;
          commit();
        });
        val.addEventListener("input", () => {
          pair[1] = val.value;
          commit();
        });
        key.addEventListener("keydown", (e) => {
          if (e.key === "=" && !key.value.includes("=")) {
            e.preventDefault();
            val.focus();
          } else if (e.key === "Enter") {
            e.preventDefault();
            val.focus();
          }
        });
        val.addEventListener("keydown", (e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            pairs.splice(i + 1, 0, ["", ""]);
            draw();
            focus(i + 1, 0);
          } else if (e.key === "Backspace" && val.value === "" && key.value === "" && pairs.length > 1) {
            e.preventDefault();
            pairs.splice(i, 1);
            draw();
            commit();
            focus(Math.max(0, i - 1), 1);
          }
        });
        const remove = h(
          "button",
          {
            type: "button",
            class: "icon-btn small",
            tabindex: -1,
            title: "Remove",
            "aria-label": `Remove variable ${i + 1}`,
            onclick: () => {
              pairs.splice(i, 1);
              if (pairs.length === 0) pairs.push(["", ""]);
              draw();
              commit();
            },
          },
          icon("x", 14),
        );
        return h("div", { class: "row" }, key, h("span", { class: "eq", "aria-hidden": "true" }, "="), val, remove);
      }),
    );
  };
  draw();
  const addBtn = h(
    "button",
    {
      type: "button",
      class: "btn ghost small",
      "data-testid": "add-values",
      onclick: () => {
        pairs.push(["", ""]);
        draw();
        focus(pairs.length - 1, 0);
      },
    },
    icon("plus", 14),
    "Add variable",
  );
  box.append(rowsBox, addBtn);
  return { el: box, rows: rowEls };
}
