// What the page's buttons do: a new image, import a Dockerfile or a spec, share a link, download
// the Dockerfile and the build context, and load the example project.

import type { ImageSpec } from "@apothic/image";
import { defaultModel, newCall } from "../core/model.ts";
import { encodeSpec, SHARE_FILES_CAP, type LinkContext } from "../share.ts";
import { formatBytes, h, icon } from "../ui/dom.ts";
import { request, send } from "./channel.ts";
import { EXAMPLE_CODE, exampleProject } from "./example.ts";
import { copy, download } from "./export.ts";
import { exportableDockerfile } from "./exportable.ts";
import { linkContext } from "./link-context.ts";
import type { Flow } from "./flow.ts";
import { state } from "./state.ts";
import { setStatus, toast } from "./status.ts";
import { selectTab } from "./tabs.ts";
import type { Views } from "./views.ts";

export interface Actions {
  /** Starts over from Image.debianSlim() (the files stay). */
  newImage(): void;
  /** Makes the image start from the Dockerfile at `path` of the files. */
  useDockerfile(path: string): void;
  /** Adds a Dockerfile's text to the files (a free name) and makes it the base. */
  importDockerfile(text: string): void;
  /** Replaces the image with a spec's; false (and a toast) when the spec is not valid. */
  loadSpec(text: string, done: string): Promise<boolean>;
  /** Applies a lint quick fix: the fixed spec becomes the forms' model, written into the code around its comments. */
  applyFix(spec: ImageSpec, title: string): Promise<void>;
  /** Puts a link to the spec in the address bar and the clipboard, and shows it. */
  share(): Promise<void>;
  /** Downloads the resolved Dockerfile (only of the whole image). */
  downloadDockerfile(): void;
  /** Downloads the build context tar, built by the evaluator. */
  downloadContext(): Promise<void>;
  /** Replaces the files and the code with the example project's. */
  loadExample(): void;
}

/** What a link carries, in a sentence for the share popover. */
function shareNote(ctx: LinkContext, size: number): string {
  const parts = [`The link (${formatBytes(size)}) holds the spec, the Python path`];
  if (ctx.files) parts.push(ctx.files.length ? `the ${ctx.files.length} file${ctx.files.length === 1 ? "" : "s"} of the panel` : "no files (the panel is empty)");
  else parts.push(`not the files (${ctx.held!.files}, ${formatBytes(ctx.held!.bytes)}: over the ${formatBytes(SHARE_FILES_CAP)} a link carries)`);
  if (ctx.author) parts.push("your resolved Dockerfile, hashes and file list, which a reviewer sees as your result");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}.`;
}

/** The actions on these views; also handles the layout's file inputs (import). */
export function createActions(v: Views, flow: Flow): Actions {
  const { ui, files, forms, codeView } = v;

  function newImage() {
    if (state.model.steps.length && !confirm("Start a new image? The current steps are replaced (the files stay).")) return;
    state.model = defaultModel();
    forms.adopt();
    flow.replaced();
  }

  function useDockerfile(path: string) {
    // The Dockerfile is the whole starting point: no starter (or earlier) steps are added to it
    // silently; earlier steps are one click away in the toast.
    const earlier = state.model.steps;
    state.model.base = newCall("fromDockerfile");
    state.model.base.f.path = path;
    state.model.steps = [];
    forms.adopt();
    flow.replaced();
    const done = `The image now starts from ${path} (Image.fromDockerfile), with no steps`;
    if (!earlier.length) return toast(done);
    toast(`${done}: the ${earlier.length} earlier step${earlier.length === 1 ? " was" : "s were"} removed.`, "info", {
      label: `Keep the ${earlier.length} step${earlier.length === 1 ? "" : "s"}`,
      run: () => {
        state.model.steps = [...earlier, ...state.model.steps];
        forms.adopt();
        flow.formChanged();
      },
    });
  }

  function importDockerfile(text: string) {
    let path = "Dockerfile";
    for (let n = 2; files.files.has(path); n++) path = `Dockerfile.${n}`;
    files.add([[path, new TextEncoder().encode(text)]]);
    useDockerfile(path);
    selectTab(ui.composeTabs, "steps");
  }

  ui.importInput.addEventListener("change", async () => {
    const file = ui.importInput.files?.[0];
    ui.importInput.value = "";
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const path = file.name || "Dockerfile";
    files.add([[path, bytes]]);
    useDockerfile(path);
    selectTab(ui.composeTabs, "steps");
  });

  ui.specInput.addEventListener("change", async () => {
    const file = ui.specInput.files?.[0];
    ui.specInput.value = "";
    if (!file) return;
    await loadSpec(await file.text(), `Loaded ${file.name}`);
  });

  async function loadSpec(text: string, done: string): Promise<boolean> {
    const m = await request({ type: "spec", text });
    if (!m.ok) {
      toast(`That spec is not valid: ${m.error.code}: ${m.error.message}`, "error");
      return false;
    }
    state.model = m.model;
    forms.adopt();
    codeView.setText(m.code);
    flow.evalNow("load");
    toast(done);
    return true;
  }

  async function applyFix(spec: ImageSpec, title: string) {
    const m = await request({ type: "spec", text: JSON.stringify(spec) });
    if (!m.ok) return toast(`The fix does not apply: ${m.error.code}: ${m.error.message}`, "error");
    state.model = m.model;
    forms.adopt();
    flow.formChanged();
    toast(`Fixed: ${title.replace(/`/g, "")}`);
  }

  async function share() {
    const last = state.last;
    if (!last || !state.lastCodeOk) return toast("Fix the TypeScript view first: there is no spec to share", "error");
    if (!last.complete) return toast("Fix the failing steps first: a link shares the whole image", "error");
    const ctx = linkContext(files);
    const frag = await encodeSpec(JSON.stringify(last.spec), ctx);
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
      h("p", { "data-testid": "share-note" }, shareNote(ctx, url.length)),
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
    const btn = ui.topbar.querySelector('[data-testid="share"]')!.getBoundingClientRect();
    pop.style.top = `${btn.bottom + 6}px`;
    pop.style.right = `${Math.max(10, window.innerWidth - btn.right)}px`;
    document.body.append(pop);
    input.focus();
    input.select();
  }

  function downloadDockerfile() {
    const out = exportableDockerfile();
    if (out.ok) download("Dockerfile", out.text);
    else toast(out.reason, "error");
  }

  async function downloadContext() {
    setStatus("busy", "Building the context…");
    const m = await request({ type: "context", code: codeView.text });
    if (!m.ok) {
      setStatus("error", "Context failed");
      toast(`No build context: ${m.error.code}: ${m.error.message}`, "error");
      return;
    }
    download("context.tar", m.bytes, "application/x-tar");
    setStatus("ok", `context.tar · ${formatBytes(m.bytes.length)}`);
  }

  function loadExample() {
    if ((state.model.steps.length || files.files.size) && !confirm("Load the example project? It replaces the files and the steps.")) return;
    const ex = exampleProject();
    files.setPythonPath(ex.pythonPath);
    files.replaceAll(ex.files, ex.modes);
    codeView.setText(EXAMPLE_CODE);
    send({ type: "files", payload: files.payload() });
    flow.evalNow("load");
  }

  return { newImage, useDockerfile, importDockerfile, loadSpec, applyFix, share, downloadDockerfile, downloadContext, loadExample };
}
