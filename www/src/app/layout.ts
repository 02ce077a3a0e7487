// The page's DOM: the top bar, the three panes (compose, output, files and resolution) and the
// shortcuts dialog, put in #app. It returns the elements the other modules fill.

import { h, icon } from "../ui/dom.ts";
import { copy, download } from "./export.ts";
import { hashButton } from "./hashes.ts";
import { exportableDockerfile } from "./exportable.ts";
import { specText } from "./state.ts";
import { progressEl, statusEl, toast, toasts } from "./status.ts";
import { tabs } from "./tabs.ts";
import { themeBtn } from "./theme.ts";

/** What the layout's buttons call (import, copy, theme and help act on their own). */
export interface LayoutActions {
  share(): void;
  downloadDockerfile(): void;
  downloadContext(): void;
  newImage(): void;
  loadExample(): void;
  /** Goes to the next error (wrapping). */
  nextError(): void;
  /** Folds (or unfolds) every step card. */
  collapseAll(): void;
  /** Undoes the last edit of the image (steps, code, files). */
  undo(): void;
  /** Redoes it. */
  redo(): void;
}

export type Layout = ReturnType<typeof buildLayout>;

/** Copies what "Download Dockerfile" would give, or says why not (the same reason). */
function copyDockerfile() {
  const out = exportableDockerfile();
  if (out.ok) void copy(out.text, "Dockerfile copied");
  else toast(out.reason, "error");
}

/** Builds the page into #app. */
export function buildLayout(on: LayoutActions) {
  const app = document.getElementById("app")!;
  const dropOverlay = h("div", { class: "drop-overlay", hidden: true }, h("div", null, "Drop to add to the files panel"));

  const importInput = h("input", { type: "file", hidden: true, "data-testid": "import-dockerfile-input" });
  const specInput = h("input", { type: "file", hidden: true, accept: ".json,application/json", "data-testid": "import-spec-input" });

  const topbar = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "logo" }, icon("box", 20)), "Image console", h("span", { class: "pkg" }, "@apothic/image")),
    statusEl,
    h("span", { class: "spacer" }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => importInput.click(), "data-testid": "import-dockerfile", title: "Start from a Dockerfile (Image.fromDockerfile)", "aria-label": "Import Dockerfile" }, icon("import"), h("span", { class: "btn-label" }, "Import Dockerfile")),
      h("button", { type: "button", class: "btn", onclick: () => on.share(), "data-testid": "share", title: "Copy a link to this spec (s)", "aria-label": "Share" }, icon("link"), h("span", { class: "btn-label" }, "Share")),
      h("button", { type: "button", class: "btn", onclick: () => on.downloadDockerfile(), "data-testid": "download-dockerfile", title: "Download the rendered Dockerfile", "aria-label": "Download the Dockerfile" }, icon("download"), h("span", { class: "btn-label" }, "Dockerfile")),
      h("button", { type: "button", class: "btn", onclick: () => on.downloadContext(), "data-testid": "download-context", title: "Download the build context (docker build - < context.tar)", "aria-label": "Download the context tar" }, icon("download"), h("span", { class: "btn-label" }, "Context tar")),
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
    h(
      "div",
      { class: "pane-head" },
      composeTabs.el,
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "icon-btn", onclick: () => on.undo(), "data-testid": "undo", title: "Undo (Ctrl+Z outside a text field)", "aria-label": "Undo" }, icon("undo")),
      h("button", { type: "button", class: "icon-btn", onclick: () => on.redo(), "data-testid": "redo", title: "Redo (Ctrl+Shift+Z)", "aria-label": "Redo" }, icon("redo")),
      h("button", { type: "button", class: "btn ghost small", onclick: () => on.nextError(), "data-testid": "next-error", title: "Go to the next error (e)" }, icon("alert", 14), "Next error"),
      h("button", { type: "button", class: "btn ghost small", onclick: () => on.collapseAll(), "data-testid": "collapse-all", title: "Fold or unfold every step" }, "Fold all"),
      h("button", { type: "button", class: "btn ghost small", onclick: () => on.newImage(), "data-testid": "new-image", title: "Start over from Image.debianSlim()" }, "New"),
    ),
    codeBanner,
    stepsBody,
    codeBody,
  );
  composeTabs.panels.set("steps", stepsBody);
  composeTabs.panels.set("code", codeBody);

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
      h("button", { type: "button", class: "btn ghost small", onclick: () => copyDockerfile(), "data-testid": "copy-dockerfile" }, icon("copy", 14), "Copy"),
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
  outputTabs.panels.set("dockerfile", dockerfilePanel);
  outputTabs.panels.set("spec", specPanel);
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
      h(
        "button",
        {
          type: "button",
          class: "btn ghost small",
          "aria-expanded": "true",
          "data-testid": "layers-toggle",
          onclick: (e: MouseEvent) => {
            const btn = e.currentTarget as HTMLButtonElement;
            const open = btn.getAttribute("aria-expanded") !== "true";
            btn.setAttribute("aria-expanded", String(open));
            btn.textContent = open ? "Hide" : "Show";
            layersBody.hidden = !open;
          },
        },
        "Hide",
      ),
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
  const sidePane = h(
    "section",
    { class: "pane side", "aria-label": "Files and resolution" },
    h("div", { class: "pane-head" }, h("h2", { class: "section-title", style: { padding: "0 6px" } }, "Files"), h("span", { class: "muted small" }, "in memory · memoryHost"), h("span", { class: "spacer" }), h("button", { type: "button", class: "btn ghost small", onclick: () => on.loadExample(), "data-testid": "example" }, "Example project")),
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
          ["e", "go to the next error"],
          ["Ctrl + Z / Ctrl + Shift + Z", "undo / redo the image (steps, code, files) outside a text field"],
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

  const reviewBanner = h("div", { class: "review-slot", "data-testid": "review-banner" });
  app.replaceChildren(topbar, reviewBanner, h("main", { class: "layout" }, composePane, outputPane, sidePane), toasts, dropOverlay, shortcuts);
  app.removeAttribute("aria-busy");

  return {
    topbar,
    reviewBanner,
    importInput,
    specInput,
    dropOverlay,
    shortcuts,
    composeTabs,
    codeBanner,
    formsRoot,
    codeHost,
    hashEls,
    outputTabs,
    partialBanner,
    dockerfileNote,
    dockerfileView,
    specView,
    layersBody,
    filesRoot,
    resolutionRoot,
  };
}
