// The console page: layout, state, and the wiring between the form view, the TypeScript view,
// the files panel and the rendering worker.
//
// State flows one way: an edit (form, code, files) → the code text → the worker parses and
// evaluates it → one result message → every view shows it. The model (what the forms show) is
// replaced from the code only when the edit came from the code (or a loaded spec), so typing in
// a form never re-renders the form under the caret.

import "./styles.css";
import type { Layer, Resolution } from "@apothic/image";
import { modelToCode } from "./core/chain.ts";
import type { Evaluation } from "./core/engine.ts";
import { cloneModel, defaultModel, newCall, type Model } from "./core/model.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import { decodeSpec, encodeSpec } from "./share.ts";
import { CodeView } from "./ui/code.ts";
import { clear, debounce, formatBytes, h, icon, shortHash, typingTarget } from "./ui/dom.ts";
import { EXAMPLE_CODE, exampleProject, FilesPanel } from "./ui/files.ts";
import { Forms } from "./ui/forms.ts";
import { changedLines, dockerfileLine, jsonPieces, renderLines } from "./ui/highlight.ts";

const STORE = "apothic-console:";
/** Context files listed at most (the tar has them all). */
const CONTEXT_ROWS = 500;
const STARTER = `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .aptInstall(["git"])
  .pipInstall(["numpy>=2", "pandas"])
  .env({ APP_ENV: "production" });
`;

// --- state --------------------------------------------------------------------------------------

let model: Model = defaultModel();
let seq = 0;
let latest = 0;
let last: Evaluation | null = null;
let lastCodeOk = true;
/** The result the "changed" marks compare against (the previous different image). */
let baseline: { key: string; lines: string[] | null; layers: Layer[]; steps: string[] } | null = null;
let marks: { lines: Set<number>; layers: Map<number, "changed" | "rebuilt" | "same">; hashes: Set<string> } = { lines: new Set(), layers: new Map(), hashes: new Set() };
let pendingSince = 0;
/** An edit waits in a debounce (the result on screen is older than the text). */
let dirty = false;
/** Requests (spec, context) count separately from evaluations. */
let reqSeq = 0;
let uvDefault = "";
const waiters = new Map<number, (m: FromWorker) => void>();

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);

// --- layout -------------------------------------------------------------------------------------

const app = document.getElementById("app")!;
const statusEl = h("span", { class: "status", role: "status", "aria-live": "polite", "data-testid": "status" }, "Loading…");
const toasts = h("div", { class: "toasts", "aria-live": "polite" });
const dropOverlay = h("div", { class: "drop-overlay", hidden: true }, h("div", null, "Drop to add to the files panel"));

const importInput = h("input", { type: "file", hidden: true, "data-testid": "import-dockerfile-input" });
const specInput = h("input", { type: "file", hidden: true, accept: ".json,application/json", "data-testid": "import-spec-input" });
const themeBtn = h("button", { type: "button", class: "icon-btn", "data-testid": "theme", onclick: () => cycleTheme() });

const topbar = h(
  "header",
  { class: "topbar" },
  h("div", { class: "brand" }, h("span", { class: "logo" }, icon("box", 20)), "Image console", h("span", { class: "pkg" }, "@apothic/image")),
  statusEl,
  h("span", { class: "spacer" }),
  h(
    "div",
    { class: "actions" },
    h("button", { type: "button", class: "btn", onclick: () => importInput.click(), "data-testid": "import-dockerfile", title: "Start from a Dockerfile (Image.fromDockerfile)" }, icon("import"), "Import Dockerfile"),
    h("button", { type: "button", class: "btn", onclick: () => void share(), "data-testid": "share", title: "Copy a link to this spec (s)" }, icon("link"), "Share"),
    h("button", { type: "button", class: "btn", onclick: () => downloadDockerfile(), "data-testid": "download-dockerfile", title: "Download the rendered Dockerfile" }, icon("download"), "Dockerfile"),
    h("button", { type: "button", class: "btn", onclick: () => void downloadContext(), "data-testid": "download-context", title: "Download the build context (docker build - < context.tar)" }, icon("download"), "Context tar"),
    themeBtn,
    h("button", { type: "button", class: "icon-btn", title: "Keyboard shortcuts (?)", "aria-label": "Keyboard shortcuts", onclick: () => shortcuts.showModal() }, icon("keyboard")),
    importInput,
    specInput,
  ),
);

// Compose pane: form view and TypeScript view.
const composeTabs = tabs("compose", [
  ["steps", "Steps"],
  ["code", "TypeScript"],
]);
const codeBanner = h("div", { "data-testid": "code-banner" });
const formsRoot = h("div", { class: "forms" });
const stepsBody = h("div", { class: "pane-body compose-body", role: "tabpanel", id: "compose-steps" }, formsRoot);
const codeHost = h("div", { class: "code-host" });
const codeFoot = h("div", { class: "code-foot" }, "Literal arguments only: the code is parsed, never run. ", h("kbd", null, "Ctrl"), "+", h("kbd", null, "Space"), " completes methods; ", h("kbd", null, "Esc"), " then ", h("kbd", null, "Tab"), " leaves the editor.");
const codeBody = h("div", { class: "pane-body code-wrap", role: "tabpanel", id: "compose-code", hidden: true }, codeHost, codeFoot);
const composePane = h(
  "section",
  { class: "pane compose", "aria-label": "Image" },
  h("div", { class: "pane-head" }, composeTabs.el, h("span", { class: "spacer" }), h("button", { type: "button", class: "btn ghost small", onclick: () => newImage(), "data-testid": "new-image", title: "Start over from Image.debianSlim()" }, "New")),
  codeBanner,
  stepsBody,
  codeBody,
);

// Output pane: hashes, Dockerfile / spec, layers.
const hashEls = {
  definition: hashButton("Definition hash", "definitionHash()"),
  image: hashButton("Image hash", "resolve(host).imageHash"),
  spec: hashButton("Spec hash", "resolve(host).specHash"),
};
const outputTabs = tabs("output", [
  ["dockerfile", "Dockerfile"],
  ["spec", "Spec JSON"],
]);
const partialBanner = h("div", { "data-testid": "partial-banner" });
const dockerfileNote = h("span", { class: "source-note", "data-testid": "dockerfile-note" });
const dockerfileView = h("div", { class: "codeview", "data-testid": "dockerfile", "aria-label": "Dockerfile preview", tabindex: 0 });
const specView = h("div", { class: "codeview", "data-testid": "spec", "aria-label": "Spec JSON", tabindex: 0 });
const dockerfilePanel = h(
  "div",
  { class: "output-main", role: "tabpanel", id: "output-dockerfile" },
  h(
    "div",
    { class: "tool-row" },
    dockerfileNote,
    h("span", { class: "spacer" }),
    h("button", { type: "button", class: "btn ghost small", onclick: () => copy(last?.dockerfile ?? "", "Dockerfile copied") }, icon("copy", 14), "Copy"),
  ),
  h("div", { class: "pane-body" }, dockerfileView),
);
const specPanel = h(
  "div",
  { class: "output-main", role: "tabpanel", id: "output-spec", hidden: true },
  h(
    "div",
    { class: "tool-row" },
    h("span", { class: "source-note" }, "toSpec(): the canonical form; fromSpec() takes it back"),
    h("span", { class: "spacer" }),
    h("button", { type: "button", class: "btn ghost small", onclick: () => specInput.click(), "data-testid": "import-spec" }, icon("upload", 14), "Import"),
    h("button", { type: "button", class: "btn ghost small", onclick: () => copy(specText(), "Spec copied") }, icon("copy", 14), "Copy"),
    h("button", { type: "button", class: "btn ghost small", onclick: () => download("image.spec.json", specText()) }, icon("download", 14), "Download"),
  ),
  h("div", { class: "pane-body" }, specView),
);
const layersBody = h("div", { "data-testid": "layers" });
const layersEl = h(
  "section",
  { class: "layers", "aria-label": "Layers" },
  h(
    "div",
    { class: "layers-head" },
    h("h2", { class: "section-title" }, "Layers"),
    h("span", { class: "muted small" }, "hash chain, base first"),
    h("span", { class: "legend" }, h("span", { class: "l-changed" }, "changed"), h("span", { class: "l-rebuilt" }, "rebuilt"), h("span", { class: "l-same" }, "same")),
  ),
  layersBody,
);
const outputPane = h(
  "section",
  { class: "pane output", "aria-label": "Output" },
  h("div", { class: "hashes" }, hashEls.definition.el, hashEls.image.el, hashEls.spec.el),
  h("div", { class: "pane-head" }, outputTabs.el),
  partialBanner,
  h("div", { class: "output-split" }, h("div", { class: "output-main" }, dockerfilePanel, specPanel), layersEl),
);

// Side pane: files and resolution.
const filesRoot = h("section", { class: "files", "aria-label": "Files" });
const resolutionRoot = h("section", { class: "resolution", "aria-label": "Resolution", "data-testid": "resolution" });
const progressEl = h("div", { class: "progress", hidden: true });
const sidePane = h(
  "section",
  { class: "pane side", "aria-label": "Files and resolution" },
  h("div", { class: "pane-head" }, h("h2", { class: "section-title", style: { padding: "0 6px" } }, "Files"), h("span", { class: "muted small" }, "in memory · memoryHost"), h("span", { class: "spacer" }), h("button", { type: "button", class: "btn ghost small", onclick: () => loadExample(), "data-testid": "example" }, "Example project")),
  progressEl,
  h("div", { class: "side-split" }, filesRoot, resolutionRoot),
);

const shortcuts = h(
  "dialog",
  { "aria-label": "Keyboard shortcuts" },
  h("h2", null, "Keyboard"),
  h(
    "table",
    null,
    ...(
      [
        ["a", "add a step (pick the kind, Enter)"],
        ["1 / 2", "steps view / TypeScript view"],
        ["d / j", "Dockerfile / spec JSON"],
        ["f", "focus the files panel"],
        ["s", "share a link to the spec"],
        ["Alt + ↑ / ↓", "move the step that has focus"],
        ["Enter (on a step header)", "collapse or expand it"],
        ["Delete (on a step header)", "delete the step"],
        ["Enter (in a list)", "next item; Backspace on an empty one removes it"],
        ["Esc, Tab", "leave the code editor"],
        ["?", "this help"],
      ] as const
    ).map(([k, v]) => h("tr", null, h("td", null, h("kbd", null, k)), h("td", null, v))),
  ),
  h("form", { method: "dialog", style: { marginTop: "12px", textAlign: "right" } }, h("button", { class: "btn" }, "Close")),
);

app.replaceChildren(topbar, h("main", { class: "layout" }, composePane, outputPane, sidePane), toasts, dropOverlay, shortcuts);
app.removeAttribute("aria-busy");

// --- views --------------------------------------------------------------------------------------

const files = new FilesPanel(filesRoot, {
  changed: () => filesChanged(),
  toast,
  useAsBase: (path) => useDockerfile(path),
});

const forms = new Forms(formsRoot, {
  model: () => model,
  changed: () => formChanged(),
  suggestions: (kind) => files.paths(kind),
  openFile: (path, line) => files.openFile(path, line),
});

const codeView = new CodeView(codeHost, modelToCode(model), (text) => codeChanged(text));

// --- flow ---------------------------------------------------------------------------------------

function evalNow(source: "form" | "code" | "load") {
  dirty = false;
  seq += 1;
  latest = seq;
  pendingSince = performance.now();
  setTimeout(() => {
    if (latest === seq && pendingSince) setStatus("busy", "Rendering…");
  }, 120);
  send({ type: "eval", seq, code: codeView.text, source });
  persist();
}

function formChanged() {
  codeView.setText(modelToCode(model));
  evalNow("form");
}

const codeChangedSoon = debounce(() => evalNow("code"), 140);
function codeChanged(_text: string) {
  dirty = true;
  codeChangedSoon();
}

const filesChangedSoon = debounce(() => {
  send({ type: "files", payload: files.payload() });
  evalNow(lastCodeOk ? "form" : "code");
}, 120);
function filesChanged() {
  dirty = true;
  filesChangedSoon();
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case "ready":
      uvDefault = m.uvDefault;
      void boot();
      return;
    case "fatal":
      setStatus("error", "Failed");
      toast(m.message, "error");
      return;
    case "progress":
      if (m.seq === latest) setStatus("busy", `Reading files… ${m.files} · ${formatBytes(m.bytes)}`);
      return;
    case "result":
      if (m.seq !== latest) return;
      pendingSince = 0;
      onResult(m);
      return;
    case "spec":
    case "context":
      waiters.get(m.seq)?.(m);
      waiters.delete(m.seq);
      return;
  }
};
worker.onerror = (e) => {
  setStatus("error", "Worker failed");
  toast(`The rendering worker failed: ${e.message}`, "error");
};

function request<T extends FromWorker>(m: ToWorker & { seq: number }): Promise<T> {
  return new Promise((resolve) => {
    waiters.set(m.seq, resolve as (m: FromWorker) => void);
    send(m);
  });
}

function onResult(m: Extract<FromWorker, { type: "result" }>) {
  lastCodeOk = m.model !== null;
  if (m.model && (m.source === "code" || m.source === "load")) {
    model = m.model;
    forms.adopt();
  }
  codeView.setErrors(m.codeErrors);
  // The code banner: the code does not parse, so the forms show the last version that did.
  if (!m.model) {
    const e = m.codeErrors[0];
    const pos = e ? codeView.position(e.from) : null;
    clear(
      codeBanner,
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
          h("button", { type: "button", class: "link", onclick: () => (selectTab(composeTabs, "code"), e && void codeView.select(e.from, e.to)) }, "Show"),
        ),
      ),
    );
    setStatus("error", "Code error");
    composeTabs.count("code", m.codeErrors.length, true);
    setStale(true);
    return;
  }
  codeBanner.replaceChildren();
  composeTabs.count("code", m.codeErrors.filter((e) => e.severity === "error").length, true);
  setStale(false);
  const ev = m.evaluation!;
  showEvaluation(ev);
}

function setStale(stale: boolean) {
  dockerfileView.classList.toggle("dim", stale);
  specView.classList.toggle("dim", stale);
}

function showEvaluation(ev: Evaluation) {
  // Marks: what changed since the previous, different, image.
  const key = `${ev.definitionHash}|${ev.resolution?.imageHash ?? ""}|${ev.resolution?.specHash ?? ""}|${ev.dockerfile ?? ""}`;
  const lines = ev.dockerfile === null ? null : splitLines(ev.dockerfile);
  const layers = ev.resolution?.layers ?? [];
  const stepKeys = layers.map((l) => layerKey(ev, l));
  if (!baseline || baseline.key !== key) {
    if (baseline) {
      marks = {
        lines: lines ? changedLines(baseline.lines, lines) : new Set(),
        layers: new Map(
          layers.map((l, i) => {
            const prev = baseline!.layers[i];
            if (prev && prev.hash === l.hash) return [i, "same"];
            if (prev && baseline!.steps[i] === stepKeys[i]) return [i, "rebuilt"];
            return [i, "changed"];
          }),
        ),
        hashes: new Set(
          [
            ["definition", ev.definitionHash, baseline.key.split("|")[0]],
            ["image", ev.resolution?.imageHash ?? "", baseline.key.split("|")[1]],
            ["spec", ev.resolution?.specHash ?? "", baseline.key.split("|")[2]],
          ]
            .filter(([, a, b]) => a !== b)
            .map(([k]) => k),
        ),
      };
    } else marks = { lines: new Set(), layers: new Map(), hashes: new Set() };
    baseline = { key, lines, layers, steps: stepKeys };
  }
  last = ev;

  // Hashes.
  hashEls.definition.set(ev.definitionHash, marks.hashes.has("definition"), !ev.complete);
  hashEls.image.set(ev.resolution?.imageHash ?? null, marks.hashes.has("image"), !ev.complete, ev.resolveError ? `${ev.resolveError.code}` : "needs resolution");
  hashEls.spec.set(ev.resolution?.specHash ?? null, marks.hashes.has("spec"), !ev.complete, ev.resolveError ? `${ev.resolveError.code}` : "needs resolution");

  // Partial image banner.
  const failing = (ev.baseError ? 1 : 0) + ev.steps.filter((s) => s.error).length;
  if (failing) {
    clear(
      partialBanner,
      h(
        "div",
        { class: "banner warn", role: "status" },
        icon("alert"),
        h("div", null, h("strong", null, `${failing} call${failing === 1 ? " fails" : "s fail"}`), ev.baseError ? " (the base: the preview uses Image.debianSlim() instead)" : "", ": the preview and hashes leave ", failing === 1 ? "it" : "them", " out until fixed. Errors are shown on the steps."),
      ),
    );
  } else partialBanner.replaceChildren();

  // Dockerfile.
  if (ev.dockerfile !== null) {
    renderLines(dockerfileView, ev.dockerfile, dockerfileLine, marks.lines);
    const n = ev.resolution?.context.length ?? 0;
    dockerfileNote.textContent =
      ev.dockerfileFrom === "resolve" ? `resolved · ${n} context file${n === 1 ? "" : "s"}` : `rendered with dockerfile() · resolution failed: ${ev.resolveError?.code ?? ""}`;
    dockerfileNote.title = `built in ${ev.ms.build.toFixed(1)} ms, resolved in ${ev.ms.resolve.toFixed(1)} ms (in the worker)`;
  } else {
    const err = ev.resolveError ?? ev.renderError;
    clear(
      dockerfileView,
      h(
        "div",
        { class: "empty-note" },
        h("p", null, h("strong", null, "No Dockerfile yet. "), "The image reads files that resolution could not find or use:"),
        err ? h("p", null, h("span", { class: "code error" }, err.code), " ", err.message) : null,
        h("p", { class: "muted" }, "Add the files in the files panel (drop them, or New file), or fix the step."),
      ),
    );
    dockerfileNote.textContent = "needs files";
  }

  // Spec.
  renderLines(specView, specText(), (l) => jsonPieces(l), new Set());

  renderLayers(ev);
  renderResolution(ev);
  forms.showProblems(ev);
  files.showProblems([ev.resolveError, ...(ev.steps.map((s) => s.error) ?? [])].filter((e): e is NonNullable<typeof e> => !!e && !!e.file));

  const nErr = failing + (ev.resolveError && ev.resolveError.code !== "ABORTED" ? 1 : 0);
  composeTabs.count("steps", nErr, true);
  if (nErr) setStatus("error", `${nErr} error${nErr === 1 ? "" : "s"}`);
  else setStatus("ok", ev.resolution ? "Resolved" : "Rendered");
}

function layerKey(ev: Evaluation, l: Layer): string {
  const step = l.step === null ? ev.spec.base : ev.spec.steps[l.step];
  return JSON.stringify([step, l.inputs]);
}

function splitLines(text: string): string[] {
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

function specText(): string {
  return last ? JSON.stringify(last.spec, null, 2) + "\n" : "";
}

function stepLabel(ev: Evaluation, specStep: number | null | undefined): string {
  if (specStep === null || specStep === undefined) return "base";
  const i = ev.specToModel[specStep];
  return i === undefined ? `step ${specStep}` : `${i + 1}`;
}

function renderLayers(ev: Evaluation) {
  const r = ev.resolution;
  if (!r) {
    clear(layersBody, h("p", { class: "empty-note", style: { padding: "4px 10px 10px" } }, "Layer hashes come from resolution, which failed", ev.resolveError ? [": ", h("span", { class: "code error" }, ev.resolveError.code)] : "", "."));
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
  clear(layersBody, h("table", null, cols, h("thead", null, h("tr", null, h("th", null, "step"), h("th", null, "op"), h("th", null, "hash"), h("th", null, "inputs"), h("th", null, ""))), h("tbody", null, rows)));
}

function renderResolution(ev: Evaluation) {
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
          e.message,
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
  clear(resolutionRoot, blocks);
  progressEl.hidden = true;
}

// --- actions ------------------------------------------------------------------------------------

function newImage() {
  if (model.steps.length && !confirm("Start a new image? The current steps are replaced (the files stay).")) return;
  model = defaultModel();
  forms.adopt();
  formChanged();
}

function useDockerfile(path: string) {
  model.base = newCall("fromDockerfile");
  model.base.f.path = path;
  forms.render();
  formChanged();
  toast(`The image now starts from ${path} (Image.fromDockerfile)`);
}

importInput.addEventListener("change", async () => {
  const file = importInput.files?.[0];
  importInput.value = "";
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const path = file.name || "Dockerfile";
  files.add([[path, bytes]]);
  useDockerfile(path);
  selectTab(composeTabs, "steps");
});

specInput.addEventListener("change", async () => {
  const file = specInput.files?.[0];
  specInput.value = "";
  if (!file) return;
  await loadSpec(await file.text(), `Loaded ${file.name}`);
});

async function loadSpec(text: string, done: string): Promise<boolean> {
  const s = ++reqSeq;
  const m = await request<Extract<FromWorker, { type: "spec" }>>({ type: "spec", seq: s, text });
  if (!m.ok) {
    toast(`That spec is not valid: ${m.error.code}: ${m.error.message}`, "error");
    return false;
  }
  model = m.model;
  forms.adopt();
  codeView.setText(m.code);
  evalNow("load");
  toast(done);
  return true;
}

async function share() {
  if (!last || !lastCodeOk) return toast("Fix the TypeScript view first: there is no spec to share", "error");
  if (!last.complete) return toast("Fix the failing steps first: a link shares the whole image", "error");
  const frag = await encodeSpec(JSON.stringify(last.spec));
  const url = `${location.origin}${location.pathname}#${frag}`;
  history.replaceState(null, "", `#${frag}`);
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    /* no clipboard permission: the field below is selectable */
  }
  const input = h("input", { type: "text", class: "mono", readOnly: true, value: url, "aria-label": "Link to this spec", "data-testid": "share-url" });
  const pop = h(
    "div",
    { class: "popover", role: "dialog", "aria-label": "Share", "data-testid": "share-popover" },
    h("h3", null, copied ? "Link copied" : "Link to this spec"),
    h("div", { class: "row" }, input, h("button", { type: "button", class: "btn", onclick: () => void copy(url, "Link copied") }, icon("copy", 14), "Copy")),
    h("p", null, "The link holds the spec (", formatBytes(url.length), "), not the files: whoever opens it adds their own files to resolve."),
  );
  const close = () => {
    pop.remove();
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("pointerdown", onDown, true);
  };
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
  const onDown = (e: PointerEvent) => !pop.contains(e.target as Node) && close();
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("pointerdown", onDown, true);
  const btn = topbar.querySelector('[data-testid="share"]')!.getBoundingClientRect();
  pop.style.top = `${btn.bottom + 6}px`;
  pop.style.right = `${Math.max(10, window.innerWidth - btn.right)}px`;
  document.body.append(pop);
  input.focus();
  input.select();
}

function downloadDockerfile() {
  if (!last || !lastCodeOk || last.dockerfile === null) return toast("There is no Dockerfile yet: see the errors on the steps", "error");
  if (!last.complete) return toast("Fix the failing steps first: the preview leaves them out", "error");
  if (last.dockerfileFrom !== "resolve") return toast(`Resolution failed (${last.resolveError?.code}): add the files the image reads first`, "error");
  download("Dockerfile", last.dockerfile);
}

async function downloadContext() {
  const s = ++reqSeq;
  setStatus("busy", "Building the context…");
  const m = await request<Extract<FromWorker, { type: "context" }>>({ type: "context", seq: s, code: codeView.text });
  if (!m.ok) {
    setStatus("error", "Context failed");
    toast(`No build context: ${m.error.code}: ${m.error.message}`, "error");
    return;
  }
  download("context.tar", m.bytes, "application/x-tar");
  setStatus("ok", `context.tar · ${formatBytes(m.bytes.length)}`);
}

function download(name: string, data: string | Uint8Array, type = "text/plain") {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function copy(text: string, done: string) {
  try {
    await navigator.clipboard.writeText(text);
    toast(done);
  } catch {
    toast("The browser did not allow copying: select the text instead", "error");
  }
}

function loadExample() {
  if ((model.steps.length || files.files.size) && !confirm("Load the example project? It replaces the files and the steps.")) return;
  const ex = exampleProject();
  files.setPythonPath(ex.pythonPath);
  files.replaceAll(ex.files, ex.modes);
  codeView.setText(EXAMPLE_CODE);
  send({ type: "files", payload: files.payload() });
  evalNow("load");
}

// --- chrome: tabs, hashes, status, toasts, theme ----------------------------------------------

interface Tabs {
  el: HTMLElement;
  current: string;
  panels: Map<string, HTMLElement>;
  buttons: Map<string, HTMLButtonElement>;
  count(id: string, n: number, error?: boolean): void;
}

function tabs(group: string, items: [string, string][]): Tabs {
  const el = h("div", { class: "tabs", role: "tablist", "aria-label": group });
  const t: Tabs = {
    el,
    current: items[0][0],
    panels: new Map(),
    buttons: new Map(),
    count(id, n, error) {
      const b = t.buttons.get(id);
      if (!b) return;
      b.querySelector(".count")?.remove();
      if (n > 0) b.append(h("span", { class: `count${error ? " err" : ""}` }, String(n)));
    },
  };
  for (const [id, label] of items) {
    const b = h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "tab",
        id: `tab-${group}-${id}`,
        "aria-controls": `${group}-${id}`,
        "aria-selected": String(id === t.current),
        tabindex: id === t.current ? 0 : -1,
        "data-testid": `tab-${id}`,
        onclick: () => selectTab(t, id),
        onkeydown: (e: KeyboardEvent) => {
          const ids = items.map((x) => x[0]);
          const i = ids.indexOf(t.current);
          if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
            e.preventDefault();
            const next = ids[(i + (e.key === "ArrowRight" ? 1 : -1) + ids.length) % ids.length];
            selectTab(t, next);
            t.buttons.get(next)!.focus();
          }
        },
      },
      label,
    );
    t.buttons.set(id, b);
    el.append(b);
  }
  return t;
}

function selectTab(t: Tabs, id: string) {
  t.current = id;
  for (const [k, b] of t.buttons) {
    b.setAttribute("aria-selected", String(k === id));
    b.tabIndex = k === id ? 0 : -1;
  }
  for (const [k, p] of t.panels) p.hidden = k !== id;
  if (t === composeTabs && id === "code") void codeView.mount().then(() => requestAnimationFrame(() => codeView.remeasure()));
}
composeTabs.panels.set("steps", stepsBody);
composeTabs.panels.set("code", codeBody);
outputTabs.panels.set("dockerfile", dockerfilePanel);
outputTabs.panels.set("spec", specPanel);

function hashButton(label: string, what: string) {
  const v = h("span", { class: "v" }, "—");
  const el = h(
    "button",
    { type: "button", class: "hash na", title: what, "data-testid": `hash-${label.split(" ")[0].toLowerCase()}` },
    h("span", { class: "k" }, label),
    h("span", { class: "partial-tag", title: "The failing calls are left out" }, "partial"),
    v,
  );
  let full = "";
  el.addEventListener("click", () => full && void copy(full, `${label} copied`));
  return {
    el,
    set(hash: string | null, changed: boolean, partial: boolean, missing = "—") {
      full = hash ?? "";
      el.dataset.hash = full;
      el.classList.toggle("na", !hash);
      el.classList.toggle("changed", changed && !!hash);
      el.classList.toggle("partial", partial && !!hash);
      v.textContent = hash ? `${shortHash(hash, 20)}…` : missing;
      el.title = hash ? `${what}\n${hash}${partial ? "\n(leaves out the failing calls)" : ""}\nClick to copy` : `${what}: ${missing}`;
    },
  };
}

function setStatus(kind: "ok" | "busy" | "error", text: string) {
  statusEl.className = `status ${kind}`;
  statusEl.textContent = text;
  progressEl.hidden = kind !== "busy";
}

function toast(message: string, kind: "info" | "error" = "info") {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  toasts.append(t);
  setTimeout(() => t.remove(), kind === "error" ? 7000 : 3500);
}

type Theme = "auto" | "light" | "dark";
function applyTheme(theme: Theme) {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  clear(themeBtn, icon(theme === "auto" ? "auto" : theme === "light" ? "sun" : "moon"));
  themeBtn.title = `Theme: ${theme} (click to change)`;
  themeBtn.setAttribute("aria-label", `Theme: ${theme}`);
  try {
    if (theme === "auto") localStorage.removeItem(`${STORE}theme`);
    else localStorage.setItem(`${STORE}theme`, theme);
  } catch {
    /* private mode */
  }
}
function cycleTheme() {
  const now = (document.documentElement.dataset.theme as Theme | undefined) ?? "auto";
  applyTheme(now === "auto" ? "light" : now === "light" ? "dark" : "auto");
}
applyTheme((document.documentElement.dataset.theme as Theme | undefined) ?? "auto");

// --- page-level drag and drop, keyboard ---------------------------------------------------------

let dragDepth = 0;
const isFileDrag = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
window.addEventListener("dragenter", (e) => {
  if (!isFileDrag(e)) return;
  dragDepth++;
  dropOverlay.hidden = false;
});
window.addEventListener("dragleave", (e) => {
  if (!isFileDrag(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropOverlay.hidden = true;
});
window.addEventListener("dragover", (e) => {
  if (!isFileDrag(e)) return;
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
});
window.addEventListener("drop", (e) => {
  if (!isFileDrag(e) || !e.dataTransfer) return;
  e.preventDefault();
  dragDepth = 0;
  dropOverlay.hidden = true;
  void files.fromDrop(e.dataTransfer);
});

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const actions: Record<string, () => void> = {
    a: () => (selectTab(composeTabs, "steps"), forms.focusAdd()),
    "1": () => selectTab(composeTabs, "steps"),
    "2": () => (selectTab(composeTabs, "code"), void codeView.focus()),
    d: () => selectTab(outputTabs, "dockerfile"),
    j: () => selectTab(outputTabs, "spec"),
    f: () => (filesRoot.querySelector("button") as HTMLElement | null)?.focus(),
    s: () => void share(),
    "?": () => shortcuts.showModal(),
  };
  const action = actions[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

// --- persistence and start ------------------------------------------------------------------------

const persist = debounce(() => {
  try {
    localStorage.setItem(`${STORE}code`, codeView.text);
    let total = 0;
    for (const b of files.files.values()) total += b.length;
    if (total <= 512 * 1024) {
      const saved = [...files.files].map(([p, b]) => [p, toBase64(b)]);
      localStorage.setItem(`${STORE}files`, JSON.stringify({ files: saved, modes: files.modes, pythonPath: files.pythonPath }));
    } else localStorage.removeItem(`${STORE}files`);
  } catch {
    /* storage full or unavailable: nothing to keep */
  }
}, 400);

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function restoreFiles() {
  try {
    const raw = localStorage.getItem(`${STORE}files`);
    if (!raw) return;
    const saved = JSON.parse(raw) as { files: [string, string][]; modes: Record<string, number>; pythonPath: string[] };
    files.setPythonPath(saved.pythonPath ?? []);
    files.replaceAll(
      saved.files.map(([p, b64]) => [p, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]),
      saved.modes ?? {},
    );
  } catch {
    /* a damaged entry: start without files */
  }
}

async function boot() {
  restoreFiles();
  send({ type: "files", payload: files.payload() });
  let fromLink: string | null = null;
  try {
    fromLink = await decodeSpec(location.hash);
  } catch (e) {
    toast(`Could not open the link: ${(e as Error).message}`, "error");
  }
  if (fromLink !== null) {
    const ok = await loadSpec(fromLink, "Opened the shared spec (add your files to resolve it)");
    history.replaceState(null, "", location.pathname + location.search);
    if (ok) return;
  }
  let code: string | null = null;
  try {
    code = localStorage.getItem(`${STORE}code`);
  } catch {
    /* no storage */
  }
  codeView.setText(code ?? STARTER);
  evalNow("load");
}

// For tests and the curious: a read-only peek at the state.
(window as unknown as { apothicConsole: unknown }).apothicConsole = {
  get model() {
    return cloneModel(model);
  },
  get code() {
    return codeView.text;
  },
  get evaluation() {
    return last;
  },
  get settled() {
    return !dirty && pendingSince === 0 && latest === seq;
  },
  uvDefault: () => uvDefault,
};
