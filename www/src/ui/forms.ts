// The form view: the base card and one card per builder call, with an editor per field, and
// every error and diagnostic placed on the card, field and row it concerns.
//
// Cards are rebuilt only when the list changes (add, delete, move, a new model from the code
// view); typing into a field updates the model in place, so focus and caret never jump.

import type { Diagnostic } from "@apothic/image";
import type { Evaluation } from "../core/engine.ts";
import { def, fieldValue, newCall, summary, type CallModel, type EnvPairs, type Model } from "../core/model.ts";
import { BASES, STEPS, type BaseOp, type FieldDef, type StepOp } from "../core/ops.ts";
import { h, icon, clear } from "./dom.ts";

export interface FormsHost {
  model(): Model;
  /** The model changed through a form (structural: steps added, removed or moved). */
  changed(structural: boolean): void;
  /** Paths for suggestions. */
  suggestions(kind: "file" | "dir" | "any" | "module"): string[];
  /** Open a file of the files panel (for errors that name one). */
  openFile(path: string, line?: number): void;
}

interface Problem {
  severity: "error" | "warning";
  code: string;
  message: string;
  /** Relative to the call: `packages[1]`, `values.PATH`, `options.indexUrl`, `contents`. */
  argument?: string;
  file?: string;
  line?: number;
  column?: number;
}

interface CardRefs {
  root: HTMLElement;
  badge: HTMLElement;
  summary: HTMLElement;
  problems: HTMLElement;
  fields: Map<string, { box: HTMLElement; error: HTMLElement; rows?: () => HTMLElement[] }>;
  call: () => CallModel;
}

let nextId = 1;

export class Forms {
  private ids: number[] = [];
  private collapsed = new Set<number>();
  private openOptions = new Set<string>();
  private refs = new Map<number | "base", CardRefs>();
  private list: HTMLElement;
  private baseBox: HTMLElement;
  private addSelect!: HTMLSelectElement;
  private dragFrom: number | null = null;

  constructor(
    root: HTMLElement,
    private readonly host: FormsHost,
  ) {
    this.baseBox = h("section", { class: "base-box", "aria-label": "Base image" });
    this.list = h("ol", { class: "steps", "aria-label": "Steps", "data-testid": "steps" });
    root.append(this.baseBox, this.list, this.addBar());
  }

  /** After the model was replaced as a whole (code view, shared URL): keep ids by position. */
  adopt() {
    const n = this.host.model().steps.length;
    while (this.ids.length < n) this.ids.push(nextId++);
    this.ids.length = n;
    this.render();
  }

  render() {
    const model = this.host.model();
    while (this.ids.length < model.steps.length) this.ids.push(nextId++);
    this.refs.clear();
    clear(this.baseBox, this.baseCard(model));
    clear(
      this.list,
      model.steps.map((_, i) => this.stepCard(i)),
    );
    if (model.steps.length === 0) {
      this.list.append(h("li", { class: "empty-steps" }, "No steps yet. Add one below, or press ", h("kbd", null, "a"), "."));
    }
  }

  focusAdd() {
    this.addSelect.focus();
  }

  /** Scrolls to and highlights the card of step `index` (model index; -1: the base). */
  reveal(index: number) {
    const refs = index < 0 ? this.refs.get("base") : this.refs.get(this.ids[index]);
    if (!refs) return;
    if (index >= 0 && this.collapsed.has(this.ids[index])) {
      this.collapsed.delete(this.ids[index]);
      refs.root.classList.remove("collapsed");
      refs.root.querySelector(".card-head")?.setAttribute("aria-expanded", "true");
    }
    refs.root.scrollIntoView({ block: "nearest", behavior: "smooth" });
    refs.root.classList.remove("flash");
    void refs.root.offsetWidth;
    refs.root.classList.add("flash");
    (refs.root.querySelector(".card-head") as HTMLElement | null)?.focus({ preventScroll: true });
  }

  // --- add bar -----------------------------------------------------------------------------------

  private addBar(): HTMLElement {
    const select = h("select", { "aria-label": "Step to add", "data-testid": "add-step-kind", id: "add-step-kind" });
    const groups = new Map<string, HTMLOptGroupElement>();
    for (const d of STEPS) {
      let g = groups.get(d.group);
      if (!g) {
        g = h("optgroup", { label: d.group });
        groups.set(d.group, g);
        select.append(g);
      }
      g.append(h("option", { value: d.op, title: d.doc }, `${d.title} — ${d.op}`));
    }
    this.addSelect = select;
    const add = () => this.addStep(select.value as StepOp);
    select.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        add();
      }
    });
    return h(
      "div",
      { class: "add-bar" },
      h("label", { for: "add-step-kind", class: "sr-only" }, "Step to add"),
      select,
      h("button", { class: "btn primary", type: "button", onclick: add, "data-testid": "add-step" }, icon("plus"), "Add step"),
    );
  }

  addStep(op: StepOp) {
    const model = this.host.model();
    model.steps.push(newCall(op));
    const id = nextId++;
    this.ids.push(id);
    this.render();
    this.host.changed(true);
    const refs = this.refs.get(id);
    refs?.root.scrollIntoView({ block: "nearest" });
    const first = refs?.root.querySelector<HTMLElement>(".card-body input, .card-body textarea, .card-body select");
    first?.focus();
  }

  private move(index: number, to: number) {
    const model = this.host.model();
    if (to < 0 || to >= model.steps.length || to === index) return;
    const [call] = model.steps.splice(index, 1);
    model.steps.splice(to, 0, call);
    const [id] = this.ids.splice(index, 1);
    this.ids.splice(to, 0, id);
    this.render();
    this.host.changed(true);
    const head = this.refs.get(id)?.root.querySelector<HTMLElement>(".card-head");
    head?.focus();
  }

  private remove(index: number) {
    const model = this.host.model();
    model.steps.splice(index, 1);
    this.ids.splice(index, 1);
    this.render();
    this.host.changed(true);
    const heads = this.list.querySelectorAll<HTMLElement>(".card-head");
    (heads[Math.min(index, heads.length - 1)] ?? this.addSelect).focus();
  }

  private duplicate(index: number) {
    const model = this.host.model();
    model.steps.splice(index + 1, 0, JSON.parse(JSON.stringify(model.steps[index])) as CallModel);
    this.ids.splice(index + 1, 0, nextId++);
    this.render();
    this.host.changed(true);
    this.refs.get(this.ids[index + 1])?.root.querySelector<HTMLElement>(".card-head")?.focus();
  }

  // --- cards -------------------------------------------------------------------------------------

  private baseCard(model: Model): HTMLElement {
    const call = model.base;
    const kinds = h(
      "div",
      { class: "segmented", role: "radiogroup", "aria-label": "Base image kind" },
      BASES.map((d) =>
        h(
          "button",
          {
            type: "button",
            role: "radio",
            "aria-checked": String(call.op === d.op),
            class: call.op === d.op ? "seg on" : "seg",
            "data-testid": `base-${d.op}`,
            title: d.doc,
            onclick: () => this.setBase(d.op as BaseOp),
            onkeydown: (e: KeyboardEvent) => {
              const i = BASES.findIndex((b) => b.op === call.op);
              const dir = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
              if (dir) {
                e.preventDefault();
                const next = BASES[(i + dir + BASES.length) % BASES.length];
                this.setBase(next.op as BaseOp);
                (this.baseBox.querySelector(`[data-testid="base-${next.op}"]`) as HTMLElement | null)?.focus();
              }
            },
            tabindex: call.op === d.op ? 0 : -1,
          },
          d.title,
        ),
      ),
    );
    const refs = this.cardShell("base", () => this.host.model().base);
    const head = h(
      "div",
      { class: "card-head base-head", tabindex: -1 },
      h("span", { class: "step-no base-no", "aria-hidden": "true" }, "FROM"),
      h("span", { class: "card-title" }, "Base image"),
      refs.badge,
    );
    refs.root.classList.add("base-card");
    refs.root.append(head, h("div", { class: "card-body" }, kinds, h("p", { class: "doc" }, def(call.op).doc), this.fields(refs, call, "base")), refs.problems);
    this.refs.set("base", refs);
    return refs.root;
  }

  private setBase(op: BaseOp) {
    const model = this.host.model();
    if (model.base.op === op) return;
    model.base = newCall(op);
    this.render();
    this.host.changed(true);
  }

  private stepCard(index: number): HTMLElement {
    const model = this.host.model();
    const id = this.ids[index];
    const call = model.steps[index];
    const d = def(call.op);
    const refs = this.cardShell(id, () => this.host.model().steps[this.ids.indexOf(id)]);
    const collapsed = this.collapsed.has(id);
    const toggle = () => {
      const now = !this.collapsed.has(id);
      if (now) this.collapsed.add(id);
      else this.collapsed.delete(id);
      refs.root.classList.toggle("collapsed", now);
      head.setAttribute("aria-expanded", String(!now));
    };
    const head = h(
      "div",
      {
        class: "card-head",
        role: "button",
        tabindex: 0,
        "aria-expanded": String(!collapsed),
        "aria-label": `Step ${index + 1}: ${d.title}. Enter: expand or collapse; Alt+Up/Down: move; Delete: remove`,
        onclick: (e: MouseEvent) => {
          if ((e.target as HTMLElement).closest("button")) return;
          toggle();
        },
        onkeydown: (e: KeyboardEvent) => {
          if (e.target !== head) return;
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            toggle();
          } else if (e.key === "Delete") {
            e.preventDefault();
            this.remove(this.ids.indexOf(id));
          }
        },
      },
      h("span", { class: "grip", title: "Drag to reorder", "aria-hidden": "true" }, icon("grip")),
      h("span", { class: "step-no", "aria-hidden": "true" }, String(index + 1)),
      h("span", { class: "card-title" }, d.title, d.runtime ? h("span", { class: "tag runtime", title: "Attached when a container starts; not in the image" }, "runtime") : null),
      refs.summary,
      refs.badge,
      h(
        "span",
        { class: "card-actions" },
        this.iconButton("up", `Move step ${index + 1} up (Alt+↑)`, () => this.move(this.ids.indexOf(id), this.ids.indexOf(id) - 1), index === 0, "move-up"),
        this.iconButton("down", `Move step ${index + 1} down (Alt+↓)`, () => this.move(this.ids.indexOf(id), this.ids.indexOf(id) + 1), index === model.steps.length - 1, "move-down"),
        this.iconButton("dup", `Duplicate step ${index + 1}`, () => this.duplicate(this.ids.indexOf(id)), false, "duplicate"),
        this.iconButton("trash", `Delete step ${index + 1}`, () => this.remove(this.ids.indexOf(id)), false, "delete"),
      ),
    );
    const li = refs.root;
    li.classList.toggle("collapsed", collapsed);
    li.dataset.op = call.op;
    li.dataset.index = String(index);
    li.append(head, h("div", { class: "card-body" }, h("p", { class: "doc" }, d.doc), this.fields(refs, call, id)), refs.problems);
    refs.summary.textContent = summary(call);
    // Keyboard reordering from anywhere inside the card.
    li.addEventListener("keydown", (e) => {
      if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        e.preventDefault();
        const i = this.ids.indexOf(id);
        this.move(i, i + (e.key === "ArrowUp" ? -1 : 1));
      }
    });
    // Drag to reorder (by the header).
    head.draggable = true;
    head.addEventListener("dragstart", (e) => {
      this.dragFrom = this.ids.indexOf(id);
      e.dataTransfer?.setData("application/x-apothic-step", String(id));
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
      li.classList.add("dragging");
    });
    head.addEventListener("dragend", () => {
      this.dragFrom = null;
      li.classList.remove("dragging");
      this.list.querySelectorAll(".drop-above, .drop-below").forEach((x) => x.classList.remove("drop-above", "drop-below"));
    });
    li.addEventListener("dragover", (e) => {
      if (this.dragFrom === null) return;
      e.preventDefault();
      e.stopPropagation();
      const r = li.getBoundingClientRect();
      const above = e.clientY < r.top + r.height / 2;
      li.classList.toggle("drop-above", above);
      li.classList.toggle("drop-below", !above);
    });
    li.addEventListener("dragleave", () => li.classList.remove("drop-above", "drop-below"));
    li.addEventListener("drop", (e) => {
      if (this.dragFrom === null) return;
      e.preventDefault();
      e.stopPropagation();
      const r = li.getBoundingClientRect();
      const above = e.clientY < r.top + r.height / 2;
      const from = this.dragFrom;
      let to = this.ids.indexOf(id) + (above ? 0 : 1);
      if (from < to) to--;
      this.move(from, to);
    });
    this.refs.set(id, refs);
    return li;
  }

  private cardShell(id: number | "base", call: () => CallModel): CardRefs {
    const root = h(id === "base" ? "div" : "li", { class: "card", "data-testid": id === "base" ? "base-card" : "step-card" }) as HTMLElement;
    return {
      root,
      badge: h("span", { class: "badges" }),
      summary: h("span", { class: "card-summary" }),
      problems: h("div", { class: "card-problems", "aria-live": "polite" }),
      fields: new Map(),
      call,
    };
  }

  private iconButton(name: string, label: string, onclick: () => void, disabled: boolean, testid: string) {
    return h("button", { type: "button", class: "icon-btn", title: label, "aria-label": label, onclick, disabled, "data-testid": testid }, icon(name));
  }

  // --- fields ------------------------------------------------------------------------------------

  private fields(refs: CardRefs, call: CallModel, id: number | "base"): HTMLElement {
    const d = def(call.op);
    const box = h("div", { class: "fields" });
    const advanced = d.fields.filter((f) => f.advanced);
    for (const field of d.fields.filter((f) => !f.advanced)) box.append(this.field(refs, field, id));
    if (advanced.length) {
      const key = `${id}`;
      const anySet = advanced.some((f) => {
        const v = fieldValue(call, f);
        return v !== "" && v !== false && !(Array.isArray(v) && v.length === 0);
      });
      const details = h("details", { class: "options", open: this.openOptions.has(key) || anySet }, h("summary", null, "Options"), h("div", { class: "fields" }, advanced.map((f) => this.field(refs, f, id))));
      details.addEventListener("toggle", () => (details.open ? this.openOptions.add(key) : this.openOptions.delete(key)));
      box.append(details);
    }
    return box;
  }

  private field(refs: CardRefs, field: FieldDef, id: number | "base"): HTMLElement {
    const call = () => refs.call();
    const inputId = `f-${id}-${field.key}`;
    const error = h("div", { class: "field-error", id: `${inputId}-err`, "aria-live": "polite" });
    const set = (v: CallModel["f"][string]) => {
      call().f[field.key] = v;
      refs.summary.textContent = id === "base" ? "" : summary(call());
      this.host.changed(false);
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
          input.addEventListener("focus", () => clear(dl, this.host.suggestions(field.suggest!).map((p) => h("option", { value: p }))));
          parts.push(dl);
        }
        if (field.key === "pythonVersion") {
          const dl = h("datalist", { id: `${inputId}-versions` }, ["3.11", "3.12", "3.13", "3.14", "3.15"].map((v) => h("option", { value: v })));
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
        const r = this.listEditor(field, (value as string[]).slice(), set, inputId);
        control = r.el;
        rows = r.rows;
        break;
      }
      case "env": {
        const r = this.envEditor((value as EnvPairs).map((p) => [p[0], p[1]] as [string, string]), set, inputId);
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

  /** Rows of inputs; Enter adds a row, Backspace on an empty row removes it, paste splits lines. */
  private listEditor(field: FieldDef, items: string[], set: (v: string[]) => void, inputId: string) {
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

  private envEditor(pairs: EnvPairs, set: (v: EnvPairs) => void, inputId: string) {
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

  // --- errors ------------------------------------------------------------------------------------

  /** Places the evaluation's errors and diagnostics on the cards (null: clear them). */
  showProblems(ev: Evaluation | null) {
    const byCard = new Map<number | "base", Problem[]>();
    const add = (key: number | "base", p: Problem) => {
      const list = byCard.get(key) ?? [];
      list.push(p);
      byCard.set(key, list);
    };
    if (ev) {
      if (ev.baseError) add("base", { severity: "error", ...ev.baseError });
      ev.steps.forEach((s, i) => s.error && add(this.ids[i], { severity: "error", ...s.error }));
      const re = ev.resolveError;
      if (re && re.code !== "ABORTED") {
        const p: Problem = { severity: "error", ...stripTarget(re) };
        if (re.target.kind === "base") add("base", p);
        else if (re.target.kind === "step") add(this.ids[re.target.index], p);
      }
      for (const d of ev.resolution?.diagnostics ?? []) {
        const p = diagProblem(d);
        if (d.step === undefined) add("base", p);
        else {
          const i = ev.specToModel[d.step];
          if (i !== undefined) add(this.ids[i], p);
        }
      }
      // Steps that add nothing (an empty list) say so, quietly.
      ev.steps.forEach((s, i) => {
        if (!s.error && s.specIndex === null) add(this.ids[i], { severity: "warning", code: "EMPTY_STEP", message: "adds nothing yet: an empty list adds no step" });
      });
    }
    for (const [key, refs] of this.refs) this.placeProblems(refs, byCard.get(key) ?? []);
  }

  private placeProblems(refs: CardRefs, problems: Problem[]) {
    for (const { box, error, rows } of refs.fields.values()) {
      box.classList.remove("invalid", "warn");
      error.replaceChildren();
      for (const el of rows?.() ?? []) el.classList.remove("invalid");
      box.querySelectorAll("[aria-invalid]").forEach((x) => x.removeAttribute("aria-invalid"));
    }
    refs.problems.replaceChildren();
    refs.badge.replaceChildren();
    refs.root.classList.remove("has-error", "has-warning");
    for (const p of problems) {
      const placed = this.placeOnField(refs, p);
      const line = problemLine(p, (path, line) => this.host.openFile(path, line));
      if (!placed) refs.problems.append(line);
      else placed.append(line);
      refs.root.classList.add(p.severity === "error" ? "has-error" : "has-warning");
      if (p.code !== "EMPTY_STEP" || problems.length === 1) {
        refs.badge.append(h("span", { class: `badge ${p.severity}`, title: p.message, "data-testid": "badge" }, p.code));
      }
    }
  }

  /** The field (and row) an error's `argument` names: its error slot, or null for the card. */
  private placeOnField(refs: CardRefs, p: Problem): HTMLElement | null {
    if (!p.argument) {
      // File errors belong to the field that names the file.
      if (p.file) {
        const pathField = refs.fields.get("path") ?? refs.fields.get("local");
        if (pathField) {
          pathField.box.classList.add(p.severity === "error" ? "invalid" : "warn");
          return pathField.error;
        }
      }
      return null;
    }
    let arg = p.argument;
    if (arg.startsWith("options.")) arg = arg.slice("options.".length);
    const m = /^([A-Za-z_$][\w$]*)(.*)$/s.exec(arg);
    if (!m) return null;
    const slot = refs.fields.get(m[1]);
    if (!slot) return null;
    const cls = p.severity === "error" ? "invalid" : "warn";
    slot.box.classList.add(cls);
    const rows = slot.rows?.() ?? [];
    const rest = m[2];
    const index = /^\[(\d+)\]/.exec(rest);
    if (index && rows.length) {
      // Indices count the items the package got: blank rows are left out.
      let k = -1;
      for (const row of rows) {
        const input = row.querySelector<HTMLInputElement | HTMLTextAreaElement>("input, textarea");
        if (!input || input.value === "") continue;
        if (++k === Number(index[1])) {
          row.classList.add(cls);
          input.setAttribute("aria-invalid", "true");
          break;
        }
      }
    } else if (rest.startsWith(".") && rows.length) {
      const key = rest.slice(1);
      const row = rows.find((r) => {
        const [k, v] = [...r.querySelectorAll("input")].map((x) => x.value);
        return k === key && (k !== "" || v !== "");
      });
      row?.classList.add(cls);
      const which = p.code === "INVALID_ENV_VALUE" ? 1 : 0;
      row?.querySelectorAll("input")[which]?.setAttribute("aria-invalid", "true");
    } else {
      slot.box.querySelector("input, textarea")?.setAttribute("aria-invalid", "true");
    }
    return slot.error;
  }

}

function stripTarget<T extends { target: unknown }>(x: T): Omit<T, "target"> {
  const { target: _t, ...rest } = x;
  void _t;
  return rest;
}

function diagProblem(d: Diagnostic): Problem {
  return { severity: "warning", code: d.code, message: d.message };
}

function problemLine(p: Problem, openFile: (path: string, line?: number) => void): HTMLElement {
  const where: (HTMLElement | string)[] = [];
  if (p.file) {
    const label = `${p.file}${p.line ? `:${p.line}` : ""}${p.column ? `:${p.column}` : ""}`;
    where.push(h("button", { type: "button", class: "link", onclick: () => openFile(p.file!, p.line), title: "Open in the files panel" }, label));
  } else if (p.line) {
    where.push(h("span", { class: "where" }, `line ${p.line}${p.column ? `, column ${p.column}` : ""}`));
  }
  return h(
    "div",
    { class: `problem ${p.severity}`, "data-code": p.code, role: p.severity === "error" ? "alert" : "status" },
    h("span", { class: `code ${p.severity}` }, p.code),
    " ",
    where.length ? [...where, " "] : null,
    h("span", { class: "msg" }, p.message),
  );
}

