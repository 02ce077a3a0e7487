// What every card of the form view has: the root element, the badges, the summary, the problems
// line and the fields that errors are placed on, and its small icon buttons.

import type { CallModel } from "../../core/model.ts";
import { h, icon } from "../dom.ts";

/** Which card: a step's id (it stays while the step moves), or the base. */
export type CardId = number | "base";

/** A field of a card: its box, its error slot, and its rows (list and env fields). */
export interface FieldSlot {
  box: HTMLElement;
  error: HTMLElement;
  rows?: () => HTMLElement[];
}

/** The parts of a card that are filled after it is built (summary, problems, badges). */
export interface CardRefs {
  root: HTMLElement;
  badge: HTMLElement;
  summary: HTMLElement;
  problems: HTMLElement;
  fields: Map<string, FieldSlot>;
  /** The call the card edits, looked up when used (the step may have moved). */
  call: () => CallModel;
}

/** An empty card: an <li> for a step, a <div> for the base. */
export function cardShell(id: CardId, call: () => CallModel): CardRefs {
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

/** A card's icon button (move, duplicate, delete). */
export function iconButton(name: string, label: string, onclick: () => void, disabled: boolean, testid: string) {
  return h("button", { type: "button", class: "icon-btn", title: label, "aria-label": label, onclick, disabled, "data-testid": testid }, icon(name));
}
