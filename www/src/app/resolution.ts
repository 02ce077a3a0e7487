// The resolution panel: the resolution error, the plan, the build context, the files attached at
// start, and the diagnostics.

import type { Resolution } from "@apothic/image";
import type { Evaluation } from "../core/engine.ts";
import { clear, formatBytes, h, icon, shortHash } from "../ui/dom.ts";
import { plainMessage } from "../ui/words.ts";
import { progressEl } from "./status.ts";
import type { Views } from "./views.ts";

/** Context files listed at most (the tar has them all). */
const CONTEXT_ROWS = 500;

/** How the forms number a spec step: "base", or the step's place in the forms. */
export function stepLabel(ev: Evaluation, specStep: number | null | undefined): string {
  if (specStep === null || specStep === undefined) return "base";
  const i = ev.specToModel[specStep];
  return i === undefined ? `step ${specStep}` : `${i + 1}`;
}

/** Shows the resolution of `ev` (and hides the progress bar). */
export function renderResolution({ ui, forms }: Views, ev: Evaluation) {
  const r: Resolution | null = ev.resolution;
  const blocks: HTMLElement[] = [];
  if (ev.resolveError && ev.resolveError.code !== "ABORTED") {
    const e = ev.resolveError;
    const where = e.target.kind === "step" ? `step ${e.target.index + 1}` : e.target.kind === "base" ? "the base" : "the image";
    blocks.push(
      h(
        "div",
        { class: "banner error", role: "alert", "data-testid": "resolve-error" },
        icon("alert"),
        h(
          "div",
          null,
          h("strong", null, "Resolution failed"),
          ` (${where}${e.file ? `, ${e.file}${e.line ? `:${e.line}` : ""}` : ""}): `,
          h("span", { class: "code error" }, e.code),
          " ",
          plainMessage(e),
          e.target.kind === "image" ? null : [" ", h("button", { type: "button", class: "link", onclick: () => forms.reveal(e.target.kind === "step" ? e.target.index : -1) }, "Go to the step")],
        ),
      ),
    );
  }
  if (r) {
    const py = r.plan.python;
    blocks.push(
      h(
        "div",
        { class: "res-block", "data-testid": "plan" },
        h("div", { class: "head" }, h("h2", { class: "section-title" }, "Plan")),
        h(
          "dl",
          { class: "plan" },
          h("dt", null, "runs"),
          h("dd", null, h("span", { class: `pill ${r.plan.mode}`, "data-testid": "plan-mode" }, r.plan.mode), " ", r.plan.mode === "direct" ? "the base image as is" : "a derived image keyed by the image hash"),
          r.plan.image ? [h("dt", null, "image"), h("dd", { class: "mono" }, r.plan.image)] : null,
          h("dt", null, "python"),
          h("dd", null, py.kind === "image" ? `the image's${py.version ? ` (${py.version})` : ""}` : `managed CPython ${py.version} (${py.arch}, ${py.libc})`),
          h("dt", null, "image hash"),
          h("dd", { class: "mono", title: r.imageHash }, shortHash(r.imageHash, 24) + "…"),
        ),
      ),
    );
    const total = r.context.reduce((n, f) => n + f.size, 0);
    blocks.push(
      h(
        "div",
        { class: "res-block", "data-testid": "context" },
        h("div", { class: "head" }, h("h2", { class: "section-title" }, "Build context"), h("span", { class: "muted small" }, `${r.context.length} file${r.context.length === 1 ? "" : "s"} · ${formatBytes(total)} + Dockerfile`)),
        r.context.length
          ? h(
              "table",
              null,
              h("thead", null, h("tr", null, h("th", null, "path"), h("th", null, "size"), h("th", null, "mode"), h("th", null, "sha256"))),
              h(
                "tbody",
                null,
                r.context.slice(0, CONTEXT_ROWS).map((f) =>
                  h(
                    "tr",
                    { "data-path": f.path },
                    h("td", { class: "mono path", title: `from ${f.source}` }, f.path),
                    h("td", { class: "num" }, formatBytes(f.size)),
                    h("td", { class: "mono num" }, f.mode.toString(8)),
                    h("td", { class: "mono", title: f.sha256 }, shortHash(f.sha256, 8)),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted small", style: { margin: 0 } }, "Only the Dockerfile: no step copies files."),
        r.context.length > CONTEXT_ROWS ? h("p", { class: "muted small", style: { margin: 0 } }, `… and ${r.context.length - CONTEXT_ROWS} more (all in the tar)`) : null,
      ),
    );
    if (r.mounts.length) {
      blocks.push(
        h(
          "div",
          { class: "res-block", "data-testid": "mounts" },
          h("div", { class: "head" }, h("h2", { class: "section-title" }, "Attached at start"), h("span", { class: "muted small" }, "addLocal* files: in the spec hash, not the image")),
          h(
            "table",
            null,
            h("tbody", null, r.mounts.flatMap((m) => m.files.map((f) => h("tr", null, h("td", { class: "mono num" }, stepLabel(ev, m.step)), h("td", { class: "mono path" }, f.remote), h("td", { class: "mono path muted" }, f.source), h("td", { class: "num" }, formatBytes(f.size)))))),
          ),
        ),
      );
    }
    if (r.diagnostics.length) {
      blocks.push(
        h(
          "div",
          { class: "res-block", "data-testid": "diagnostics" },
          h("div", { class: "head" }, h("h2", { class: "section-title" }, "Diagnostics")),
          h(
            "div",
            { class: "diag" },
            r.diagnostics.map((d) =>
              h(
                "div",
                { class: "problem warning" },
                h("span", { class: "code warning" }, d.code),
                " ",
                d.step !== undefined ? h("button", { type: "button", class: "link", onclick: () => forms.reveal(ev.specToModel[d.step!] ?? -1) }, `step ${stepLabel(ev, d.step)}`) : null,
                " ",
                h("span", { class: "msg" }, d.message),
              ),
            ),
          ),
        ),
      );
    }
  }
  clear(ui.resolutionRoot, blocks);
  progressEl.hidden = true;
}
