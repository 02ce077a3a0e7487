// The editors of a call's fields, one per kind of field (text, Dockerfile fragment, checkbox,
// shell, list, env), with the rarely used ones folded under "Options". An edit goes into the call
// in place and is reported, so the card is never rebuilt under the caret.

import { def, fieldValue, summary, type CallModel, type EnvPairs } from "../../core/model.ts";
import type { FieldDef } from "../../core/ops.ts";
import { clear, h } from "../dom.ts";
import type { CardId, CardRefs } from "./card.ts";
import { envEditor } from "./env-editor.ts";
import { listEditor } from "./list-editor.ts";

/** What the field editors need from the forms. */
export interface FieldsHost {
  /** A field changed (a change inside a card, never structural). */
  changed(structural: false): void;
  /** Paths for a text field's suggestions. */
  suggestions(kind: NonNullable<FieldDef["suggest"]>): string[];
  /** The cards whose "Options" are open, kept across renders. */
  openOptions: Set<string>;
}

/** The editors of `call`'s fields on the card `refs` (the advanced ones under "Options"). */
export function callFields(refs: CardRefs, call: CallModel, id: CardId, host: FieldsHost): HTMLElement {
  const d = def(call.op);
  const box = h("div", { class: "fields" });
  const advanced = d.fields.filter((f) => f.advanced);
  for (const f of d.fields.filter((f) => !f.advanced)) box.append(fieldEditor(refs, f, id, host));
  if (advanced.length) {
    const key = `${id}`;
    const anySet = advanced.some((f) => {
      const v = fieldValue(call, f);
      return v !== "" && v !== false && !(Array.isArray(v) && v.length === 0);
    });
    const details = h("details", { class: "options", open: host.openOptions.has(key) || anySet }, h("summary", null, "Options"), h("div", { class: "fields" }, advanced.map((f) => fieldEditor(refs, f, id, host))));
    details.addEventListener("toggle", () => (details.open ? host.openOptions.add(key) : host.openOptions.delete(key)));
    box.append(details);
  }
  return box;
}

/** The editor of one field, by its kind; edits go into the call at once. */
function fieldEditor(refs: CardRefs, field: FieldDef, id: CardId, host: FieldsHost): HTMLElement {
  const call = () => refs.call();
  const inputId = `f-${id}-${field.key}`;
  const error = h("div", { class: "field-error", id: `${inputId}-err`, "aria-live": "polite" });
  const set = (v: CallModel["f"][string]) => {
    call().f[field.key] = v;
    refs.summary.textContent = id === "base" ? "" : summary(call());
    host.changed(false);
  };
  const value = fieldValue(call(), field);
  let control: HTMLElement;
  let rows: (() => HTMLElement[]) | undefined;
  const listAttrs = (extra: Record<string, unknown> = {}) => ({ id: inputId, "aria-describedby": `${inputId}-err`, "data-field": field.key, ...extra });
  switch (field.kind) {
    case "text": {
      const listId = field.suggest ? `${inputId}-list` : undefined;
      const input = h("input", listAttrs({ type: "text", value: String(value), placeholder: field.placeholder ?? "", spellcheck: false, list: listId, autocomplete: "off" }));
      input.addEventListener("input", () => set(input.value));
      const parts: HTMLElement[] = [input];
      if (listId && field.suggest) {
        const dl = h("datalist", { id: listId });
        input.addEventListener("focus", () => clear(dl, host.suggestions(field.suggest!).map((p) => h("option", { value: p }))));
        parts.push(dl);
      }
      const versions = field.key === "pythonVersion" ? ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"] : field.key === "addPython" ? ["3.10", "3.11", "3.12", "3.13"] : null;
      if (versions) {
        const dl = h("datalist", { id: `${inputId}-versions` }, versions.map((v) => h("option", { value: v })));
        input.setAttribute("list", `${inputId}-versions`);
        parts.push(dl);
      }
      control = h("div", { class: "control" }, parts);
      break;
    }
    case "dockerfile": {
      const ta = h("textarea", listAttrs({ class: "mono", rows: Math.min(12, Math.max(3, String(value).split("\n").length + 1)), placeholder: field.placeholder ?? "", spellcheck: false, value: String(value) }));
      ta.addEventListener("input", () => set(ta.value));
      control = ta;
      break;
    }
    case "bool": {
      const cb = h("input", listAttrs({ type: "checkbox", checked: value === true }));
      cb.addEventListener("change", () => set(cb.checked));
      return h("div", { class: "field check", "data-key": field.key }, h("label", null, cb, " ", field.label), field.help ? h("div", { class: "help" }, field.help) : null, error);
    }
    case "shell": {
      const input = h("input", listAttrs({ type: "text", value: value === null ? "" : String(value), placeholder: field.placeholder ?? "", disabled: value === null, spellcheck: false }));
      const reset = h("input", { type: "checkbox", checked: value === null, "data-testid": "shell-default" });
      input.addEventListener("input", () => set(input.value));
      reset.addEventListener("change", () => {
        input.disabled = reset.checked;
        set(reset.checked ? null : input.value || "/bin/bash");
        if (!reset.checked && !input.value) input.value = "/bin/bash";
      });
      control = h("div", { class: "control" }, input, h("label", { class: "inline-check" }, reset, " back to the default /bin/sh -c (null)"));
      break;
    }
    case "list":
    case "commands": {
      const r = listEditor(field, (value as string[]).slice(), set, inputId);
      control = r.el;
      rows = r.rows;
      break;
    }
    case "env": {
      const r = envEditor((value as EnvPairs).map((p) => [p[0], p[1]] as [string, string]), set, inputId);
      control = r.el;
      rows = r.rows;
      break;
    }
  }
  const box = h(
    "div",
    { class: `field kind-${field.kind}`, "data-key": field.key },
    h("label", { class: "label", for: field.kind === "list" || field.kind === "commands" || field.kind === "env" ? undefined : inputId }, field.label, field.required ? h("span", { class: "req", title: "required" }, " *") : null),
    control,
    field.help ? h("div", { class: "help" }, field.help) : null,
    error,
  );
  refs.fields.set(field.key, { box, error, rows });
  return box;
}
