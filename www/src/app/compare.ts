// "Compare": what this browser had before a link was opened, against the link's image, as
// `Image.diff(before, after)` gives it (computed by the evaluator), in a dialog: the summary, the
// layers that a build reuses or rebuilds, and the Dockerfiles' diff.

import { diffView } from "../ui/diff-view.ts";
import { h, icon } from "../ui/dom.ts";
import { request } from "./channel.ts";
import { toast } from "./status.ts";

/** What a comparison needs: the code the user had, the link's spec, and how to restore. */
export interface Comparison {
  /** The TypeScript the user had (its failing calls are left out, as the preview leaves them). */
  before: string;
  /** The link's spec, as JSON text. */
  after: string;
  /** Restores what the user had (null: nothing to restore). */
  restore: (() => void) | null;
}

/** Shows the diff of `c` in a dialog (or a toast saying why it cannot). */
export async function compare(c: Comparison): Promise<void> {
  const answer = await request({ type: "diff", before: c.before, after: c.after });
  if (!answer.ok) {
    toast(`Cannot compare: ${answer.error.message} (${answer.error.code})`, "error");
    return;
  }
  const sides = { before: "what you had", after: "the link" };
  const leftOut = answer.leftOut
    ? h("p", { class: "banner warn", "data-testid": "diff-left-out" }, `${answer.leftOut} call${answer.leftOut === 1 ? "" : "s"} of what you had fail${answer.leftOut === 1 ? "s" : ""} and ${answer.leftOut === 1 ? "is" : "are"} left out, as the preview leaves ${answer.leftOut === 1 ? "it" : "them"} out.`)
    : null;
  document.querySelector('dialog[data-testid="compare"]')?.remove();
  const dialog = h(
    "dialog",
    { class: "compare", "aria-label": "Compare with what you had", "data-testid": "compare" },
    h("div", { class: "compare-head" }, h("h2", null, "What you had → the link"), h("span", { class: "spacer" }), h("button", { type: "button", class: "icon-btn", "aria-label": "Close", onclick: () => dialog.close() }, icon("x"))),
    leftOut,
    diffView(answer.diff, sides),
    h(
      "div",
      { class: "compare-foot" },
      c.restore
        ? h(
            "button",
            {
              type: "button",
              class: "btn",
              "data-testid": "compare-restore",
              onclick: () => {
                dialog.close();
                c.restore?.();
              },
            },
            "Restore what I had",
          )
        : null,
      h("button", { type: "button", class: "btn primary", onclick: () => dialog.close() }, "Close"),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.getElementById("app")!.append(dialog);
  dialog.showModal();
}
