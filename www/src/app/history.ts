// Undo and redo for the whole image: the code and the files panel (its files, modes and Python
// path) as they were after each pause in editing. A deleted step or file comes back with Undo.
// Inside a text field, Ctrl+Z stays the field's own (the browser's); elsewhere, and with the
// Undo/Redo buttons, it is the image's.

import { send } from "./channel.ts";
import type { Flow } from "./flow.ts";
import { toast } from "./status.ts";
import type { Views } from "./views.ts";

/** The image and its files at one point of the history (file bytes are shared, never changed). */
interface Entry {
  code: string;
  files: [string, Uint8Array][];
  modes: string;
  pythonPath: string;
}

/** The states kept at most. */
const DEPTH = 200;
/** A pause this long ends one undoable edit (typing a word, with its pauses, is one edit). */
const PAUSE_MS = 1000;

export interface History {
  /** Something changed: it becomes an undoable edit after a pause. */
  changed(): void;
  undo(): void;
  redo(): void;
}

/** The history of these views (evaluations go through `flow`). */
export function createHistory(v: Views, flow: Flow): History {
  const { codeView, files } = v;
  const past: Entry[] = [];
  let future: Entry[] = [];
  let current: Entry | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const now = (): Entry => ({
    code: codeView.text,
    files: [...files.files],
    modes: JSON.stringify(files.modes),
    pythonPath: files.pythonPath.join("\n"),
  });
  const same = (a: Entry, b: Entry) =>
    a.code === b.code && a.modes === b.modes && a.pythonPath === b.pythonPath && a.files.length === b.files.length && a.files.every(([p, bytes], i) => b.files[i][0] === p && b.files[i][1] === bytes);

  function commit() {
    clearTimeout(timer);
    timer = undefined;
    const e = now();
    if (current && same(current, e)) return;
    if (current) {
      past.push(current);
      if (past.length > DEPTH) past.shift();
      future = [];
    }
    current = e;
  }

  function apply(e: Entry) {
    current = e;
    codeView.setText(e.code);
    if (!same({ ...now(), code: e.code }, e)) {
      files.setPythonPath(e.pythonPath ? e.pythonPath.split("\n") : []);
      files.replaceAll(e.files, JSON.parse(e.modes) as Record<string, number>);
    }
    send({ type: "files", payload: files.payload() });
    flow.evalNow("load");
  }

  // A button pressed (delete, move, add, remove a file) or a key that acts on a step starts an
  // edit of its own: the typing before it is committed first.
  const boundary = () => timer !== undefined && commit();
  document.addEventListener("pointerdown", (e) => (e.target as Element).closest?.("button, [role=button], input[type=checkbox]") && boundary(), true);
  document.addEventListener("keydown", (e) => (e.key === "Delete" || (e.altKey && e.key.startsWith("Arrow"))) && boundary(), true);

  return {
    changed() {
      clearTimeout(timer);
      timer = setTimeout(commit, PAUSE_MS);
    },
    undo() {
      commit();
      const e = past.pop();
      if (!e) return toast("Nothing to undo");
      future.push(current!);
      apply(e);
    },
    redo() {
      commit();
      const e = future.pop();
      if (!e) return toast("Nothing to redo");
      past.push(current!);
      apply(e);
    },
  };
}
