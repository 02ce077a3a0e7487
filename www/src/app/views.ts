// The page's three editors in their places: the forms, the TypeScript view and the files panel,
// each reporting its edits to the host (the flow and the actions).

import type { ImageSpec } from "@apothic/image";
import { modelToCode } from "../core/chain.ts";
import { CodeView } from "../ui/code.ts";
import { FilesPanel } from "../ui/files.ts";
import { Forms } from "../ui/forms.ts";
import type { Layout } from "./layout.ts";
import { state } from "./state.ts";
import { toast } from "./status.ts";

export interface Views {
  ui: Layout;
  files: FilesPanel;
  forms: Forms;
  codeView: CodeView;
}

/** What the views report. */
export interface ViewsHost {
  formChanged(): void;
  codeChanged(): void;
  filesChanged(): void;
  /** The files panel's "use as base" on a Dockerfile. */
  useDockerfile(path: string): void;
  /** A lint quick fix: the whole spec with the fix applied. */
  applyFix(spec: ImageSpec, title: string): void;
  /** A step's "Dockerfile lines" button (model index). */
  showLines(index: number): void;
}

/** Creates the views in the layout; the code editor loads when the TypeScript tab is first shown. */
export function createViews(ui: Layout, host: ViewsHost): Views {
  const files = new FilesPanel(ui.filesRoot, {
    changed: () => host.filesChanged(),
    toast,
    useAsBase: (path) => host.useDockerfile(path),
  });
  const forms = new Forms(ui.formsRoot, {
    model: () => state.model,
    changed: () => host.formChanged(),
    suggestions: (kind) => files.paths(kind),
    openFile: (path, line) => files.openFile(path, line),
    applyFix: (spec, title) => host.applyFix(spec, title),
    showLines: (index) => host.showLines(index),
  });
  const codeView = new CodeView(ui.codeHost, modelToCode(state.model), () => host.codeChanged());
  ui.composeTabs.onShow = (id) => {
    if (id === "code") void codeView.mount().then(() => requestAnimationFrame(() => codeView.remeasure()));
  };
  return { ui, files, forms, codeView };
}
