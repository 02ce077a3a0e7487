// The TypeScript view as the page sees it: the text (the source of truth the evaluator parses) and
// its errors. The CodeMirror editor (editor.ts, the largest part of the page's code) is loaded
// the first time the view is shown; until then the text lives here.

import type { CodeError } from "../core/chain.ts";
import type { Editor } from "./editor.ts";

type Diag = CodeError & { severity: "error" | "warning" };

export class CodeView {
  private value: string;
  private errors: Diag[] = [];
  private editor: Editor | null = null;
  private loading: Promise<Editor> | null = null;

  constructor(
    private readonly parent: HTMLElement,
    text: string,
    private readonly onChange: (text: string) => void,
  ) {
    this.value = text;
  }

  /** Creates the editor (once); resolves when it is there. */
  mount(): Promise<Editor> {
    this.loading ??= import("./editor.ts").then(({ Editor }) => {
      const editor = new Editor(this.parent, this.value, (text) => {
        this.value = text;
        this.onChange(text);
      });
      editor.setErrors(this.errors);
      this.editor = editor;
      return editor;
    });
    return this.loading;
  }

  get text(): string {
    return this.value;
  }

  /** Replaces the text (from the form view, a spec) without reporting it as an edit. */
  setText(text: string) {
    this.value = text;
    this.editor?.setText(text);
  }

  setErrors(errors: Diag[]) {
    this.errors = errors;
    this.editor?.setErrors(errors);
  }

  /** Line and column (1-based) of an offset. */
  position(offset: number): { line: number; column: number } {
    const before = this.value.slice(0, Math.max(0, offset));
    const line = before.split("\n").length;
    return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
  }

  async focus() {
    (await this.mount()).focus();
  }

  async select(from: number, to: number) {
    (await this.mount()).select(from, to);
  }

  remeasure() {
    this.editor?.view.requestMeasure();
  }
}
