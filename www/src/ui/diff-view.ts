// The diff of two images (`Image.diff(before, after)`) as the console shows it: a summary, the
// layers of `after` with a mark each (reused, rebuild, unknown) and why, and the Dockerfiles'
// unified diff, each line with its number on both sides.

import type { ImageDiff, LayerChange, LayerReason } from "@apothic/image";
import { h } from "./dom.ts";
import { dockerfileLine, piecesToNodes } from "./highlight.ts";

/** How the two sides are called on screen ("what you had", "the link"). */
export interface DiffSides {
  before: string;
  after: string;
}

/** A layer's step as the layers table numbers it: "base", or the step's number from 1. */
function stepLabel(step: number | null): string {
  return step === null ? "base" : `step ${step + 1}`;
}

/** Why a layer has its status, in words. */
const REASONS: Record<LayerReason, string> = {
  unchanged: "unchanged",
  changed: "its definition changed",
  added: "a new layer",
  afterRebuild: "an earlier layer rebuilds",
  readsFiles: "reads files: unknown until both are resolved with the same files",
  afterUnknown: "after a layer that is unknown",
  filesChanged: "the same step, but the files it reads changed",
};

/** The summary line: "3 reused, 2 rebuild from step 3, 1 unknown (reads files)". */
export function diffSummary(d: ImageDiff): string {
  if (d.identical) return `Identical: the same image (${d.reused} layer${d.reused === 1 ? "" : "s"} reused)`;
  const parts = [`${d.reused} reused`];
  if (d.rebuild) parts.push(`${d.rebuild} rebuild from ${d.firstRebuild === null ? "?" : stepLabel(d.layers[d.firstRebuild].step)}`);
  if (d.unknown) parts.push(`${d.unknown} unknown (${d.unknown === 1 ? "it reads" : "they read"} files)`);
  return parts.join(", ");
}

/** The steps added, removed and changed, in a sentence. */
function stepsLine(d: ImageDiff, sides: DiffSides): string {
  const s = d.steps;
  const n = (k: number) => `${k} step${k === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (d.baseChanged) parts.push("the base changed");
  if (s.changed.length) parts.push(`${n(s.changed.length)} changed`);
  if (s.added.length) parts.push(`${n(s.added.length)} added`);
  if (s.removed.length) parts.push(`${n(s.removed.length)} removed`);
  parts.push(`${n(s.unchanged)} unchanged`);
  return `From ${sides.before} to ${sides.after}: ${parts.join(", ")}.`;
}

function layerRow(l: LayerChange) {
  return h(
    "tr",
    { class: `diff-layer ${l.status}`, "data-status": l.status, "data-step": l.step === null ? "base" : String(l.step) },
    h("td", { class: "mono num" }, l.step === null ? "base" : String(l.step + 1)),
    h("td", { class: "mono" }, l.op),
    h("td", null, h("span", { class: `mark ${l.status}` }, l.status)),
    h("td", { class: "muted small" }, REASONS[l.reason] ?? l.reason),
  );
}

/** The view of `d`: summary, layers and hunks (a fresh element). */
export function diffView(d: ImageDiff, sides: DiffSides) {
  const unknownNote = d.unknown
    ? h(
        "p",
        { class: "diff-note", "data-testid": "diff-unknown" },
        `${d.unknown} layer${d.unknown === 1 ? " reads" : "s read"} files (a requirements file, an env file, a Dockerfile, copied folders) or come${d.unknown === 1 ? "s" : ""} after one: whether a build reuses ${d.unknown === 1 ? "it" : "them"} depends on those files, which only resolving both images with the same files tells.`,
      )
    : null;
  const unrendered = d.before.unrendered.length + d.after.unrendered.length;
  const hunks = d.hunks.length
    ? d.hunks.map((hunk) =>
        h(
          "div",
          { class: "diff-hunk", "data-testid": "diff-hunk" },
          h("div", { class: "diff-hunk-head mono" }, `@@ -${hunk.beforeStart},${hunk.beforeLines} +${hunk.afterStart},${hunk.afterLines} @@`),
          ...hunk.lines.map((line) =>
            h(
              "div",
              { class: `diff-line ${line.kind}`, "data-kind": line.kind },
              h("span", { class: "ln", "aria-hidden": "true" }, line.before === null ? "" : String(line.before)),
              h("span", { class: "ln", "aria-hidden": "true" }, line.after === null ? "" : String(line.after)),
              h("span", { class: "sign", "aria-label": line.kind === "add" ? "added" : line.kind === "remove" ? "removed" : "" }, line.kind === "add" ? "+" : line.kind === "remove" ? "-" : " "),
              h("span", { class: "lc" }, ...piecesToNodes(dockerfileLine(line.text))),
            ),
          ),
        ),
      )
    : [h("p", { class: "muted small" }, "The two Dockerfiles are the same.")];
  return h(
    "div",
    { class: "diff-view" },
    h("p", { class: "diff-summary", "data-testid": "diff-summary" }, diffSummary(d)),
    h("p", { class: "muted small", "data-testid": "diff-steps" }, stepsLine(d, sides)),
    unknownNote,
    h("h3", { class: "section-title" }, `Layers of ${sides.after}`),
    h(
      "div",
      { class: "diff-layers" },
      h(
        "table",
        { "data-testid": "diff-layers" },
        h("thead", null, h("tr", null, h("th", null, "step"), h("th", null, "op"), h("th", null, "build"), h("th", null, "why"))),
        h("tbody", null, d.layers.map(layerRow)),
      ),
    ),
    h("h3", { class: "section-title" }, "Dockerfile"),
    h(
      "p",
      { class: "muted small" },
      `Line numbers: ${sides.before}, then ${sides.after}.`,
      unrendered ? ` A "# rendered by resolve" line stands for a step only resolution renders (it reads files).` : "",
    ),
    h("div", { class: "diff-hunks codeview", "data-testid": "diff-hunks" }, ...hunks),
  );
}
