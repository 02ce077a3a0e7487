// The base card: what the image starts from (Debian slim, a registry image, a Dockerfile) as a
// radio group of kinds (arrow keys switch), and the base call's fields.

import { def, type CallModel } from "../../core/model.ts";
import { BASES, type BaseOp } from "../../core/ops.ts";
import { h } from "../dom.ts";
import type { CardRefs } from "./card.ts";

/** What the base card calls back. */
export interface BaseCardHost {
  /** Makes the base a new call of kind `op` (the card is rebuilt). */
  setBase(op: BaseOp): void;
  /** The element the base card is in (its new kind button gets the focus after a switch). */
  box: HTMLElement;
  /** The editors of the call's fields. */
  fields(refs: CardRefs, call: CallModel, id: "base"): HTMLElement;
}

/** Fills the card `refs` for the base call `call`; returns its root. */
export function baseCard(call: CallModel, refs: CardRefs, host: BaseCardHost): HTMLElement {
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
          onclick: () => host.setBase(d.op as BaseOp),
          onkeydown: (e: KeyboardEvent) => {
            const i = BASES.findIndex((b) => b.op === call.op);
            const dir = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
            if (dir) {
              e.preventDefault();
              const next = BASES[(i + dir + BASES.length) % BASES.length];
              host.setBase(next.op as BaseOp);
              (host.box.querySelector(`[data-testid="base-${next.op}"]`) as HTMLElement | null)?.focus();
            }
          },
          tabindex: call.op === d.op ? 0 : -1,
        },
        d.title,
      ),
    ),
  );
  const head = h(
    "div",
    { class: "card-head base-head", tabindex: -1 },
    h("span", { class: "step-no base-no", "aria-hidden": "true" }, "FROM"),
    h("span", { class: "card-title" }, "Base image"),
    refs.badge,
  );
  refs.root.classList.add("base-card");
  refs.root.append(head, h("div", { class: "card-body" }, kinds, h("p", { class: "doc" }, def(call.op).doc), host.fields(refs, call, "base")), refs.problems);
  return refs.root;
}
