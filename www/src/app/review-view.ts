// A shared link under review: the author's result (Dockerfile, hashes, build-context files) in
// place of what this browser resolves, read-only, with the reviewer's own resolution errors kept
// out of sight (the author's files are missing here, not wrong) until "resolve with my files".

import type { Evaluation } from "../core/engine.ts";
import { SHARE_FILES_CAP } from "../share.ts";
import { clear, formatBytes, h, icon, shortHash } from "../ui/dom.ts";
import { dockerfileLine, renderLines } from "../ui/highlight.ts";
import { state, type Review } from "./state.ts";
import { setStatus } from "./status.ts";
import type { Views } from "./views.ts";

/** What the review banner's buttons do. */
export interface ReviewActions {
  resolveWithMine(): void;
  restore: (() => void) | null;
  /** Compares what the reviewer had with the link's image (null: nothing to compare with). */
  compare: (() => void) | null;
}

let actions: ReviewActions = { resolveWithMine: () => {}, restore: null, compare: null };

/** Sets what the banner's buttons do (links.ts). */
export function setReviewActions(a: ReviewActions) {
  actions = a;
}

/** Whether this browser's resolution gives the author's image. */
function matches(review: Review, ev: Evaluation): boolean {
  return !!review.ctx.author && ev.resolution?.imageHash === review.ctx.author.imageHash;
}

/** Shows `ev` as the review of a shared link: the author's result where the author's files matter. */
export function showReview(v: Views, ev: Evaluation, review: Review) {
  const { ui, forms, files } = v;
  const a = review.ctx.author;
  const same = matches(review, ev);
  const readOnly = ui.formsRoot.closest<HTMLElement>(".pane");
  if (readOnly) readOnly.inert = true;
  ui.filesRoot.inert = true;

  const travelled = review.ctx.files ? `${review.ctx.files.length} file${review.ctx.files.length === 1 ? "" : "s"} came with the link` : null;
  const held = review.ctx.held ? `The author's ${review.ctx.held.files} files (${formatBytes(review.ctx.held.bytes)}) stayed with the author: a link carries up to ${formatBytes(SHARE_FILES_CAP)}` : null;
  clear(
    ui.reviewBanner,
    h(
      "div",
      { class: "banner info review", role: "status" },
      icon("link"),
      h(
        "div",
        null,
        h("strong", null, "Reviewing a shared image"),
        " (read-only): ",
        a ? (same ? "your browser resolves it to the author's image hash. " : "the Dockerfile, hashes and files are the author's result. ") : "the author's image did not resolve when shared. ",
        travelled ? `${travelled[0].toUpperCase()}${travelled.slice(1)}. ` : "",
        held ? `${held}.` : "",
      ),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "btn small", "data-testid": "resolve-with-mine", onclick: () => actions.resolveWithMine() }, "Resolve with my files"),
      actions.compare ? h("button", { type: "button", class: "btn small", "data-testid": "compare-mine", title: "Image.diff(what you had, the link): the layers a build reuses or rebuilds, and the Dockerfile diff", onclick: () => actions.compare?.() }, "Compare with what I had") : null,
      actions.restore ? h("button", { type: "button", class: "btn small", "data-testid": "restore-mine", onclick: () => actions.restore?.() }, "Restore what I had") : null,
    ),
  );

  if (a) {
    renderLines(ui.dockerfileView, a.dockerfile, dockerfileLine, new Set());
    ui.dockerfileView.classList.remove("stale");
    ui.dockerfileNote.textContent = same ? "the author's result · resolved here too" : "the author's result (shared link)";
    clear(
      ui.layersBody,
      h("p", { class: "stale-note" }, "The author's layers."),
      h(
        "table",
        null,
        h("thead", null, h("tr", null, h("th", null, "step"), h("th", null, "op"), h("th", null, "hash"))),
        h("tbody", null, a.layers.map(([step, op, hash]) => h("tr", { class: "layer-row", "data-hash": hash }, h("td", { class: "mono num" }, step === null ? "base" : String(step + 1)), h("td", { class: "mono" }, op), h("td", { class: "mono h", title: hash }, shortHash(hash, 14))))),
      ),
    );
    ui.hashEls.image.set(a.imageHash, false, false);
    ui.hashEls.spec.set(a.specHash, false, false);
    clear(
      ui.resolutionRoot,
      h(
        "div",
        { class: "res-block", "data-testid": "review-files" },
        h("div", { class: "head" }, h("h2", { class: "section-title" }, "The author's build context"), h("span", { class: "muted small" }, `${a.context.length} file${a.context.length === 1 ? "" : "s"}`)),
        h(
          "table",
          null,
          h("thead", null, h("tr", null, h("th", null, "path"), h("th", null, "size"), h("th", null, "sha256"))),
          h(
            "tbody",
            null,
            a.context.map((f) => h("tr", { "data-path": f.path }, h("td", { class: "mono path" }, f.path), h("td", { class: "num" }, formatBytes(f.size)), h("td", { class: "mono", title: f.sha256 }, shortHash(f.sha256, 8)))),
          ),
        ),
      ),
    );
  }
  // Missing files are the author's, not the reviewer's: no resolution error on the steps or files.
  if (!same) {
    forms.showProblems({ ...ev, resolveError: undefined });
    files.showProblems([]);
    const failing = (ev.baseError ? 1 : 0) + ev.steps.filter((s) => s.error).length;
    ui.composeTabs.count("steps", failing, true);
    ui.composeTabs.count("code", failing, true);
  }
  setStatus("ok", "Reviewing a link");
}

/** Leaves the review view: the page is the user's again. */
export function clearReview({ ui }: Views) {
  state.review = null;
  const pane = ui.formsRoot.closest<HTMLElement>(".pane");
  if (pane) pane.inert = false;
  ui.filesRoot.inert = false;
  ui.reviewBanner.replaceChildren();
}
