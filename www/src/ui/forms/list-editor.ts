// The editor of a list field (packages, paths, commands): one input a row. Enter adds a row,
// Backspace on an empty one removes it, ↑/↓ move between rows, pasted lines split into rows;
// commands are multi-line (Shift+Enter). Blank rows are still being typed and are left out.

import type { FieldDef } from "../../core/ops.ts";
import { clear, h, icon } from "../dom.ts";

/** Rows of inputs; Enter adds a row, Backspace on an empty row removes it, paste splits lines. */
export function listEditor(field: FieldDef, items: string[], set: (v: string[]) => void, inputId: string): { el: HTMLElement; rows: () => HTMLElement[] } {
  const multiline = field.kind === "commands";
  if (items.length === 0) items.push("");
  const box = h("div", { class: "list", role: "group", "aria-label": field.label, "data-field": field.key });
  const rowsBox = h("div", { class: "rows" });
  // Blank rows are still being typed: the model (and the code) get the others.
  const commit = () => set(items.filter((s) => s !== ""));
  const rowEls = (): HTMLElement[] => [...rowsBox.querySelectorAll<HTMLElement>(".row")];
  const focusRow = (i: number, atEnd = true) => {
    const el = rowEls()[i]?.querySelector<HTMLInputElement | HTMLTextAreaElement>("input, textarea");
    if (el) {
      el.focus();
      if (atEnd) el.setSelectionRange(el.value.length, el.value.length);
    }
  };
  const draw = () => {
    clear(
      rowsBox,
      items.map((item, i) => {
        const attrs = {
          value: item,
          placeholder: i === 0 ? (field.placeholder ?? "") : "",
          spellcheck: false,
          "aria-label": `${field.label} ${i + 1}`,
          "data-row": i,
          id: i === 0 ? inputId : undefined,
        };
        const input = multiline ? h("textarea", { ...attrs, rows: Math.max(1, item.split("\n").length), class: "mono grow" }) : h("input", { ...attrs, type: "text", class: "mono", autocomplete: "off" });
        input.addEventListener("input", () => {
          items[i] = input.value;
          if (multiline) (input as HTMLTextAreaElement).rows = Math.max(1, input.value.split("\n").length);
          commit();
        });
        (input as HTMLElement).addEventListener("keydown", (e: KeyboardEvent) => {
          if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
            e.preventDefault();
            items.splice(i + 1, 0, "");
            draw();
            commit();
            focusRow(i + 1);
          } else if (e.key === "Backspace" && input.value === "" && items.length > 1) {
            e.preventDefault();
            items.splice(i, 1);
            draw();
            commit();
            focusRow(Math.max(0, i - 1));
          } else if (e.key === "ArrowDown" && !multiline && i < items.length - 1) {
            e.preventDefault();
            focusRow(i + 1);
          } else if (e.key === "ArrowUp" && !multiline && i > 0) {
            e.preventDefault();
            focusRow(i - 1);
          }
        });
        (input as HTMLElement).addEventListener("paste", (e: ClipboardEvent) => {
          const text = e.clipboardData?.getData("text/plain") ?? "";
          if (multiline || !/[\r\n]/.test(text)) return;
          e.preventDefault();
          const parts = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== "");
          const el = input as HTMLInputElement;
          const before = el.value.slice(0, el.selectionStart ?? el.value.length);
          const after = el.value.slice(el.selectionEnd ?? el.value.length);
          parts[0] = before + (parts[0] ?? "");
          parts[parts.length - 1] = (parts[parts.length - 1] ?? "") + after;
          items.splice(i, 1, ...parts);
          draw();
          commit();
          focusRow(i + parts.length - 1);
        });
        const remove = h(
          "button",
          {
            type: "button",
            class: "icon-btn small",
            "aria-label": `Remove ${field.label.toLowerCase()} ${i + 1}`,
            title: "Remove",
            tabindex: -1,
            onclick: () => {
              items.splice(i, 1);
              if (items.length === 0) items.push("");
              draw();
              commit();
              focusRow(Math.min(i, items.length - 1));
            },
          },
          icon("x", 14),
        );
        return h("div", { class: "row" }, input, remove);
      }),
    );
  };
  draw();
  const addBtn = h(
    "button",
    {
      type: "button",
      class: "btn ghost small",
      "data-testid": `add-${field.key}`,
      onclick: () => {
        items.push("");
        draw();
        focusRow(items.length - 1);
      },
    },
    icon("plus", 14),
    `Add ${field.kind === "commands" ? "command" : "item"}`,
  );
  box.append(rowsBox, addBtn);
  return { el: box, rows: rowEls };
}
