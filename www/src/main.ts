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
});
const views = createViews(ui, {
  formChanged: () => flow.formChanged(),
  codeChanged: () => flow.codeChanged(),
  filesChanged: () => flow.filesChanged(),
  useDockerfile: (path) => actions.useDockerfile(path),
});
const flow = createFlow(views, () => void start(views, flow, actions));
const actions = createActions(views, flow);

showTheme();
bindDrop(ui.dropOverlay, views.files);
bindKeyboard(views, () => void actions.share());
exposeState(views.codeView);
