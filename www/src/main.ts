// The console page: builds the layout and the views, and wires them to the flow (edit →
// evaluator → result), the actions, the keyboard and file drops. Each part is a module of src/app/.
//
// State flows one way: an edit (form, code, files) → the code text → the evaluator parses and
// evaluates it → one result message → every view shows it. The model (what the forms show) is
// replaced from the code only when the edit came from the code (or a loaded spec), so typing in
// a form never re-renders the form under the caret.

import "./styles.css";
import { createActions } from "./app/actions.ts";
import { bindDrop } from "./app/drop.ts";
import { createFlow } from "./app/flow.ts";
import { bindKeyboard } from "./app/keyboard.ts";
import { buildLayout } from "./app/layout.ts";
import { createHistory } from "./app/history.ts";
import { createLinks } from "./app/links.ts";
import { nextError, showLines, stepOfLine } from "./app/navigate.ts";
import { bindSplit } from "./app/split.ts";
import { state } from "./app/state.ts";
import { statusEl, toast } from "./app/status.ts";
import { exposeState } from "./app/peek.ts";
import { start } from "./app/start.ts";
import { showTheme } from "./app/theme.ts";
import { createViews } from "./app/views.ts";

const ui = buildLayout({
  share: () => void actions.share(),
  downloadDockerfile: () => actions.downloadDockerfile(),
  downloadContext: () => void actions.downloadContext(),
  newImage: () => actions.newImage(),
  loadExample: () => actions.loadExample(),
  nextError: () => nextError(views),
  collapseAll: () => views.forms.collapseAll(),
  undo: () => history.undo(),
  redo: () => history.redo(),
});
const views = createViews(ui, {
  formChanged: () => (links.edited(), flow.formChanged()),
  codeChanged: () => (links.edited(), flow.codeChanged()),
  filesChanged: () => (links.edited(), flow.filesChanged()),
  useDockerfile: (path) => actions.useDockerfile(path),
  applyFix: (spec, title) => void actions.applyFix(spec, title),
  showLines: (index) => {
    if (!showLines(views, state.last, index)) toast("This step renders no Dockerfile line yet (or the image does not resolve)");
  },
});
const flow = createFlow(views, () => void start(views, flow, links));
const actions = createActions(views, flow);
const links = createLinks(views, flow, actions);
const history = createHistory(views, flow);
flow.onEval = () => history.changed();

statusEl.addEventListener("click", () => nextError(views, true));
views.ui.dockerfileView.addEventListener("click", (e) => {
  // A Dockerfile line leads to the step that rendered it.
  const line = (e.target as HTMLElement).closest<HTMLElement>(".line");
  const ev = state.last;
  if (!line || !ev || window.getSelection()?.toString()) return;
  const index = stepOfLine(ev, Number(line.dataset.line));
  if (index !== null) views.forms.reveal(index);
});
bindSplit(ui.formsRoot.closest<HTMLElement>("main")!, ui.formsRoot.closest<HTMLElement>(".pane")!);
showTheme();
bindDrop(ui.dropOverlay, views.files, {
  importSpec: (text, from) => void actions.loadSpec(text, `Imported ${from}`),
  importDockerfile: (text) => actions.importDockerfile(text),
});
bindKeyboard(views, { share: () => void actions.share(), nextError: () => nextError(views), undo: () => history.undo(), redo: () => history.redo() });
exposeState(views.codeView);
