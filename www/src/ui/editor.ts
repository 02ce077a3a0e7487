// The TypeScript view's editor: CodeMirror 6 with the builder chain, method completion, and the
// evaluator's errors as lint diagnostics at the exact argument they concern. Loaded on first use
// (code.ts), so the page shows before CodeMirror arrives.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState, Transaction } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import type { CodeError } from "../core/chain.ts";
import { BASES, STEPS } from "../core/ops.ts";

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.moduleKeyword, t.definitionKeyword, t.controlKeyword], color: "var(--syn-kw)" },
  { tag: [t.string, t.special(t.string)], color: "var(--syn-str)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--syn-num)" },
  { tag: [t.propertyName], color: "var(--syn-fn)" },
  { tag: [t.function(t.propertyName), t.function(t.variableName)], color: "var(--syn-fn)" },
  { tag: [t.variableName, t.definition(t.variableName)], color: "var(--fg)" },
  { tag: [t.typeName, t.className], color: "var(--syn-type)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--syn-cm)", fontStyle: "italic" },
  { tag: [t.punctuation, t.bracket, t.separator], color: "var(--muted)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "13px", backgroundColor: "var(--code-bg)", color: "var(--fg)" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.55" },
  ".cm-content": { caretColor: "var(--accent)", padding: "8px 0" },
  ".cm-gutters": { backgroundColor: "var(--code-bg)", color: "var(--faint)", border: "none" },
  ".cm-activeLine": { backgroundColor: "var(--line-active)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--line-active)", color: "var(--muted)" },
  "&.cm-focused": { outline: "none" },
  "&.cm-focused .cm-cursor": { borderLeftColor: "var(--accent)" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection": { backgroundColor: "var(--selection) !important" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--fg)", border: "1px solid var(--border)", borderRadius: "6px", boxShadow: "var(--shadow)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--accent-soft)", color: "var(--fg)" },
  ".cm-completionDetail": { color: "var(--muted)", fontStyle: "normal", marginLeft: "8px" },
  ".cm-diagnostic": { fontFamily: "var(--sans)", fontSize: "12.5px", maxWidth: "520px" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--err)" },
  ".cm-diagnostic-warning": { borderLeftColor: "var(--warn)" },
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy var(--err)", textUnderlineOffset: "3px" },
  ".cm-lintRange-warning": { backgroundImage: "none", textDecoration: "underline wavy var(--warn)", textUnderlineOffset: "3px" },
  ".cm-matchingBracket": { backgroundColor: "var(--accent-soft)", outline: "none" },
});

function complete(context: CompletionContext): CompletionResult | null {
  const word = context.matchBefore(/\.[A-Za-z]*/);
  if (!word) return null;
  const before = context.state.sliceDoc(Math.max(0, word.from - 5), word.from);
  const defs = before === "Image" ? BASES : STEPS;
  return {
    from: word.from + 1,
    options: defs.map((d) => ({
      label: d.op,
      type: "method",
      detail: `(${d.params.join(", ")})`,
      info: d.doc,
      apply: `${d.op}()`,
    })),
    validFor: /^[A-Za-z]*$/,
  };
}

export class Editor {
  readonly view: EditorView;
  private programmatic = false;

  constructor(parent: HTMLElement, doc: string, onChange: (text: string) => void) {
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          autocompletion({ override: [complete], icons: false }),
          highlightActiveLine(),
          highlightSelectionMatches(),
          lintGutter(),
          javascript({ typescript: true }),
          syntaxHighlighting(highlight),
          theme,
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-label": "Builder chain (TypeScript)", "data-testid": "code" }),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !this.programmatic) {
              onChange(u.state.doc.toString());
            }
          }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the text (from the form view) without reporting it as an edit. */
  setText(text: string) {
    if (text === this.text) return;
    this.programmatic = true;
    try {
      // Keep the caret near where it was.
      const head = Math.min(this.view.state.selection.main.head, text.length);
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, selection: { anchor: head }, annotations: Transaction.remote.of(true) });
    } finally {
      this.programmatic = false;
    }
  }

  setErrors(errors: (CodeError & { severity: "error" | "warning" })[]) {
    const len = this.view.state.doc.length;
    const diagnostics: Diagnostic[] = errors.map((e) => {
      const from = Math.max(0, Math.min(e.from, len));
      const to = Math.max(from, Math.min(e.to, len));
      return { from, to, severity: e.severity, message: e.message, source: e.code };
    });
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
  }

  /** Line and column (1-based) of an offset. */
  position(offset: number): { line: number; column: number } {
    const line = this.view.state.doc.lineAt(Math.min(offset, this.view.state.doc.length));
    return { line: line.number, column: offset - line.from + 1 };
  }

  focus() {
    this.view.focus();
  }

  select(from: number, to: number) {
    this.view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    this.view.focus();
  }
}
