// The output of an evaluation on screen: the code banner, the hashes, the partial-image banner,
// the Dockerfile and spec views, the layers, and the error counts and status.

import type { Evaluation } from "../core/engine.ts";
import type { FromEvaluator } from "../protocol.ts";
import { clear, h, icon, shortHash } from "../ui/dom.ts";
import { dockerfileLine, jsonPieces, renderLines } from "../ui/highlight.ts";
import { plainMessage } from "../ui/words.ts";
import { marksFor, type Marks } from "./marks.ts";
import { nextError } from "./navigate.ts";
import { renderResolution, stepLabel } from "./resolution.ts";
import { showReview } from "./review-view.ts";
import { specText, state } from "./state.ts";
import { setStatus } from "./status.ts";
import { selectTab } from "./tabs.ts";
import type { Views } from "./views.ts";

/** Shows the evaluator's result: the code's errors, and the evaluation when the code parsed. */
export function showResult(v: Views, m: Extract<FromEvaluator, { type: "result" }>) {
  const { ui, codeView } = v;
  lastShown = m;
  // Under review, the reviewer's resolution errors (the author's files missing here) stay unshown.
  const re = state.review ? m.evaluation?.resolveError : undefined;
  codeView.setErrors(re ? m.codeErrors.filter((e) => e.code !== re.code) : m.codeErrors);
  // The code banner: the code does not parse, so the forms show the last version that did.
  if (!m.model) {
    const e = m.codeErrors[0];
    const pos = e ? codeView.position(e.from) : null;
    clear(
      ui.codeBanner,
      h(
        "div",
        { class: "banner error", role: "alert" },
        icon("alert"),
        h(
          "div",
          null,
          h("strong", null, "The TypeScript view has an error"),
          pos ? ` at line ${pos.line}, column ${pos.column}` : "",
          ": ",
          h("span", { class: "code error" }, e?.code ?? "TS_SYNTAX"),
          " ",
          e?.message ?? "",
          ". The steps and previews show the last version that parsed. ",
          h("button", { type: "button", class: "link", onclick: () => (selectTab(ui.composeTabs, "code"), e && void codeView.select(e.from, e.to)) }, "Show"),
        ),
      ),
    );
    setStatus("error", "Code error");
    ui.composeTabs.count("code", m.codeErrors.length, true);
    setStale(v, true);
    return;
  }
  ui.codeBanner.replaceChildren();
  ui.composeTabs.count("code", m.codeErrors.filter((e) => e.severity === "error").length, true);
  setStale(v, false);
  const ev = m.evaluation!;
  showEvaluation(v, ev);
}

let lastShown: Extract<FromEvaluator, { type: "result" }> | null = null;

/** Shows the last result again (the review view was left). */
export function reshow(v: Views) {
  if (lastShown) showResult(v, lastShown);
}

function setStale({ ui }: Views, stale: boolean) {
  ui.dockerfileView.classList.toggle("dim", stale);
  ui.specView.classList.toggle("dim", stale);
}

function showEvaluation(v: Views, ev: Evaluation) {
  const { ui } = v;
  const marks = marksFor(ev);
  state.last = ev;
  if (ev.resolution && ev.resolveError === undefined) state.lastGood = ev;
  // One failed lookup (a path half typed, a file not dropped yet) keeps the last resolved
  // Dockerfile, hashes and layers on screen, marked stale, instead of blanking them.
  const stale = !ev.resolution && ev.resolveError?.code !== "ABORTED" ? state.lastGood : null;

  // Hashes.
  const missing = ev.resolveError ? `${ev.resolveError.code}` : "needs resolution";
  ui.hashEls.definition.set(ev.definitionHash, marks.hashes.has("definition"), !ev.complete);
  ui.hashEls.image.set((ev.resolution ?? stale?.resolution)?.imageHash ?? null, marks.hashes.has("image"), !ev.complete, missing, !!stale);
  ui.hashEls.spec.set((ev.resolution ?? stale?.resolution)?.specHash ?? null, marks.hashes.has("spec"), !ev.complete, missing, !!stale);

  // Partial image banner.
  const failing = (ev.baseError ? 1 : 0) + ev.steps.filter((s) => s.error).length;
  if (failing) {
    clear(
      ui.partialBanner,
      h(
        "div",
        { class: "banner warn", role: "status" },
        icon("alert"),
        h("div", null, h("strong", null, `${failing} call${failing === 1 ? " fails" : "s fail"}`), ev.baseError ? " (the base: the preview uses Image.debianSlim() instead)" : "", ": the preview and hashes leave ", failing === 1 ? "it" : "them", " out until fixed. ", h("button", { type: "button", class: "link", "data-testid": "goto-error", onclick: () => nextError(v, true) }, failing === 1 ? "Go to the error" : "Go to the first error")),
      ),
    );
  } else ui.partialBanner.replaceChildren();

  // Dockerfile.
  ui.dockerfileView.classList.toggle("stale", false);
  if (ev.dockerfile === null && stale?.dockerfile) {
    renderLines(ui.dockerfileView, stale.dockerfile, dockerfileLine, new Set());
    ui.dockerfileView.classList.add("stale");
    ui.dockerfileNote.textContent = `stale: the last version that resolved · now ${ev.resolveError?.code ?? ev.renderError?.code ?? "failing"}`;
    ui.dockerfileNote.title = ev.resolveError ? plainMessage(ev.resolveError) : "";
  } else if (ev.dockerfile !== null) {
    renderLines(ui.dockerfileView, ev.dockerfile, dockerfileLine, marks.lines);
    const n = ev.resolution?.context.length ?? 0;
    ui.dockerfileNote.textContent =
      ev.dockerfileFrom === "resolve" ? `resolved · ${n} context file${n === 1 ? "" : "s"}` : `rendered with dockerfile() · resolution failed: ${ev.resolveError?.code ?? ""}`;
    ui.dockerfileNote.title = `built in ${ev.ms.build.toFixed(1)} ms, resolved in ${ev.ms.resolve.toFixed(1)} ms (in the worker)`;
  } else {
    const err = ev.resolveError ?? ev.renderError;
    clear(
      ui.dockerfileView,
      h(
        "div",
        { class: "empty-note" },
        h("p", null, h("strong", null, "No Dockerfile yet. "), "The image reads files that resolution could not find or use:"),
        err ? h("p", null, h("span", { class: "code error" }, err.code), " ", plainMessage(err)) : null,
        h("p", { class: "muted" }, "Add the files in the files panel (drop them, or New file), or fix the step."),
      ),
    );
    ui.dockerfileNote.textContent = "needs files";
  }

  // Spec.
  renderLines(ui.specView, specText(), (l) => jsonPieces(l), new Set());

  renderLayers(v, stale ?? ev, stale ? { lines: new Set(), layers: new Map(), hashes: new Set() } : marks, !!stale);
  renderResolution(v, ev);
  v.forms.showProblems(ev);
  v.files.showProblems([ev.resolveError, ...(ev.steps.map((s) => s.error) ?? [])].filter((e): e is NonNullable<typeof e> => !!e && !!e.file));

  const nErr = failing + (ev.resolveError && ev.resolveError.code !== "ABORTED" ? 1 : 0);
  ui.composeTabs.count("steps", nErr, true);
  if (nErr) setStatus("error", `${nErr} error${nErr === 1 ? "" : "s"}`);
  else setStatus("ok", ev.resolution ? "Resolved" : "Rendered");
  if (state.review) showReview(v, ev, state.review);
}

function renderLayers({ ui, forms }: Views, ev: Evaluation, marks: Marks, stale: boolean) {
  const r = ev.resolution;
  ui.layersBody.classList.toggle("stale", stale);
  if (!r) {
    clear(ui.layersBody, h("p", { class: "empty-note", style: { padding: "4px 10px 10px" } }, "Layer hashes come from resolution, which failed", ev.resolveError ? [": ", h("span", { class: "code error" }, ev.resolveError.code)] : "", "."));
    return;
  }
  const rows = r.layers.map((l, i) => {
    // No mark before the first edit: there is nothing to compare with.
    const mark = marks.layers.get(i) ?? "";
    const modelIndex = l.step === null ? -1 : ev.specToModel[l.step];
    return h(
      "tr",
      {
        class: `layer-row ${mark}`.trim(),
        "data-mark": mark,
        "data-hash": l.hash,
        tabindex: 0,
        title: `${l.hash}${l.inputs.length ? "\n" + l.inputs.map((x) => `${x.path}  ${x.sha256}`).join("\n") : ""}`,
        onclick: () => forms.reveal(modelIndex ?? -1),
        onkeydown: (e: KeyboardEvent) => e.key === "Enter" && forms.reveal(modelIndex ?? -1),
      },
      h("td", { class: "mono num" }, stepLabel(ev, l.step)),
      h("td", { class: "mono" }, l.op),
      h("td", { class: "mono h" }, shortHash(l.hash, 14)),
      h("td", { class: "num" }, l.inputs.length ? `${l.inputs.length} file${l.inputs.length === 1 ? "" : "s"}` : ""),
      h("td", null, h("span", { class: `mark ${mark}` }, mark)),
    );
  });
  const cols = h("colgroup", null, ["step", "op", "hash", "inputs", "mark"].map((c) => h("col", { class: `c-${c}` })));
  const note = stale ? h("p", { class: "stale-note", "data-testid": "layers-stale" }, "Stale: the layers of the last image that resolved (see the error on the step).") : null;
  clear(ui.layersBody, note, h("table", null, cols, h("thead", null, h("tr", null, h("th", null, "step"), h("th", null, "op"), h("th", null, "hash"), h("th", null, "inputs"), h("th", null, ""))), h("tbody", null, rows)));
}
