// A step's card: the header (number, title, summary, badges, and the move, duplicate and delete
// buttons) that folds the card on click or Enter, the step's doc and its fields.

import { def, summary, type CallModel } from "../../core/model.ts";
import { h, icon } from "../dom.ts";
import { iconButton, type CardRefs } from "./card.ts";
import { bindReorder, type ReorderHost } from "./reorder.ts";

/** What a step card calls back. */
export interface StepCardHost extends ReorderHost {
  /** The ids of the folded cards (kept across renders). */
  collapsed: Set<number>;
  remove(index: number): void;
  duplicate(index: number): void;
  /** Shows the Dockerfile lines the step rendered. */
  showLines(index: number): void;
  /** The editors of the call's fields. */
  fields(refs: CardRefs, call: CallModel, id: number): HTMLElement;
}

/** Where a step card is: its id, and its place among `count` steps when it is built. */
export interface StepPlace {
  id: number;
  index: number;
  count: number;
}

/** Fills the card `refs` for the step `call`; returns its root (an <li>). */
export function stepCard(call: CallModel, { id, index, count }: StepPlace, refs: CardRefs, host: StepCardHost): HTMLElement {
  const d = def(call.op);
  const collapsed = host.collapsed.has(id);
  const toggle = () => {
    const now = !host.collapsed.has(id);
    if (now) host.collapsed.add(id);
    else host.collapsed.delete(id);
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
          host.remove(host.indexOf(id));
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
      iconButton("up", `Move step ${index + 1} up (Alt+↑)`, () => host.move(host.indexOf(id), host.indexOf(id) - 1), index === 0, "move-up"),
      iconButton("down", `Move step ${index + 1} down (Alt+↓)`, () => host.move(host.indexOf(id), host.indexOf(id) + 1), index === count - 1, "move-down"),
      iconButton("file", `Show step ${index + 1}'s Dockerfile lines`, () => host.showLines(host.indexOf(id)), false, "show-lines"),
      iconButton("dup", `Duplicate step ${index + 1}`, () => host.duplicate(host.indexOf(id)), false, "duplicate"),
      iconButton("trash", `Delete step ${index + 1}`, () => host.remove(host.indexOf(id)), false, "delete"),
    ),
  );
  const li = refs.root;
  li.classList.toggle("collapsed", collapsed);
  li.dataset.op = call.op;
  li.dataset.index = String(index);
  li.append(head, h("div", { class: "card-body" }, h("p", { class: "doc" }, d.doc), host.fields(refs, call, id)), refs.problems);
  refs.summary.textContent = summary(call);
  bindReorder(li, head, id, host);
  return li;
}
