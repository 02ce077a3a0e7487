// The form view: the base card and one card per builder call, with an editor per field, and
// every error and diagnostic placed on the card, field and row it concerns.
//
// Cards are rebuilt only when the list changes (add, delete, move, a new model from the code
// view); typing into a field updates the model in place, so focus and caret never jump.
//
// This module keeps the list: the cards' ids, adding, moving, duplicating and deleting steps. The
// parts are in forms/: `base-card` and `step-card` (with `reorder`: Alt+↑/↓ and dragging), `card`
// (what every card has), `fields` (an editor per kind of field, with `list-editor` and
// `env-editor`), and `problems` (errors and diagnostics on their card, field and row).

import type { ImageSpec } from "@apothic/image";
import type { Evaluation } from "../core/engine.ts";
import { newCall, type CallModel, type Model } from "../core/model.ts";
import { STEPS, type BaseOp, type StepOp } from "../core/ops.ts";
import { clear, h, icon } from "./dom.ts";
import { baseCard, type BaseCardHost } from "./forms/base-card.ts";
import { cardShell, type CardId, type CardRefs } from "./forms/card.ts";
import { callFields, type FieldsHost } from "./forms/fields.ts";
import { placeProblems, problemsByCard } from "./forms/problems.ts";
import { stepCard, type StepCardHost } from "./forms/step-card.ts";

/** What the forms need from the page. */
export interface FormsHost {
  model(): Model;
  /** The model changed through a form (structural: steps added, removed or moved). */
  changed(structural: boolean): void;
  /** Paths for suggestions. */
  suggestions(kind: "file" | "dir" | "any" | "module"): string[];
  /** Open a file of the files panel (for errors that name one). */
  openFile(path: string, line?: number): void;
  /** Apply a lint finding's quick fix (the whole spec with the fix applied). */
  applyFix(spec: ImageSpec, title: string): void;
  /** Show the Dockerfile lines step `index` (model index) rendered. */
  showLines(index: number): void;
}

let nextId = 1;

/** The form view of the model: the base card, the step cards and the add bar. */
export class Forms {
  private ids: number[] = [];
  private refs = new Map<CardId, CardRefs>();
  private list: HTMLElement;
  private baseBox: HTMLElement;
  private addSelect!: HTMLSelectElement;
  /** What the cards call back, with the state they share (folded cards, the card being dragged). */
  private cards: BaseCardHost & StepCardHost;

  constructor(
    root: HTMLElement,
    private readonly host: FormsHost,
  ) {
    this.baseBox = h("section", { class: "base-box", "aria-label": "Base image" });
    this.list = h("ol", { class: "steps", "aria-label": "Steps", "data-testid": "steps" });
    const fields: FieldsHost = {
      changed: (structural) => this.host.changed(structural),
      suggestions: (kind) => this.host.suggestions(kind),
      openOptions: new Set(),
    };
    this.cards = {
      box: this.baseBox,
      list: this.list,
      collapsed: new Set(),
      drag: { from: null },
      setBase: (op) => this.setBase(op),
      indexOf: (id) => this.ids.indexOf(id),
      move: (from, to) => this.move(from, to),
      remove: (index) => this.remove(index),
      duplicate: (index) => this.duplicate(index),
      showLines: (index) => this.host.showLines(index),
      fields: (refs, call, id) => callFields(refs, call, id, fields),
    };
    root.append(this.baseBox, this.list, this.addBar());
  }

  /** After the model was replaced as a whole (code view, shared URL): keep ids by position. */
  adopt() {
    const n = this.host.model().steps.length;
    while (this.ids.length < n) this.ids.push(nextId++);
    this.ids.length = n;
    this.render();
  }

  /** Rebuilds every card from the model. */
  render() {
    const model = this.host.model();
    while (this.ids.length < model.steps.length) this.ids.push(nextId++);
    this.refs.clear();
    const base = cardShell("base", () => this.host.model().base);
    this.refs.set("base", base);
    clear(this.baseBox, baseCard(model.base, base, this.cards));
    clear(
      this.list,
      model.steps.map((call, index) => {
        const id = this.ids[index];
        const refs = cardShell(id, () => this.host.model().steps[this.ids.indexOf(id)]);
        this.refs.set(id, refs);
        return stepCard(call, { id, index, count: model.steps.length }, refs, this.cards);
      }),
    );
    if (model.steps.length === 0) {
      this.list.append(h("li", { class: "empty-steps" }, "No steps yet. Add one below, or press ", h("kbd", null, "a"), "."));
    }
  }

  /** Folds every step card (or unfolds them all when they all are folded); returns whether folded. */
  collapseAll(): boolean {
    const fold = this.ids.some((id) => !this.cards.collapsed.has(id));
    for (const [key, refs] of this.refs) {
      if (key === "base") continue;
      if (fold) this.cards.collapsed.add(key);
      else this.cards.collapsed.delete(key);
      refs.root.classList.toggle("collapsed", fold);
      refs.root.querySelector(".card-head")?.setAttribute("aria-expanded", String(!fold));
    }
    return fold;
  }

  /** Focuses the kind picker of the add bar. */
  focusAdd() {
    this.addSelect.focus();
  }

  /** Scrolls to and highlights the card of step `index` (model index; -1: the base). */
  reveal(index: number) {
    const refs = index < 0 ? this.refs.get("base") : this.refs.get(this.ids[index]);
    if (!refs) return;
    if (index >= 0 && this.cards.collapsed.has(this.ids[index])) {
      this.cards.collapsed.delete(this.ids[index]);
      refs.root.classList.remove("collapsed");
      refs.root.querySelector(".card-head")?.setAttribute("aria-expanded", "true");
    }
    refs.root.scrollIntoView({ block: "nearest", behavior: "smooth" });
    refs.root.classList.remove("flash");
    void refs.root.offsetWidth;
    refs.root.classList.add("flash");
    (refs.root.querySelector(".card-head") as HTMLElement | null)?.focus({ preventScroll: true });
  }

  /** Places the evaluation's errors and diagnostics on the cards (null: clear them). */
  showProblems(ev: Evaluation | null) {
    const byCard = problemsByCard(ev, this.ids);
    for (const [key, refs] of this.refs) placeProblems(refs, byCard.get(key) ?? [], this.host);
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

  private addStep(op: StepOp) {
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

  private setBase(op: BaseOp) {
    const model = this.host.model();
    if (model.base.op === op) return;
    model.base = newCall(op);
    this.render();
    this.host.changed(true);
  }
}
