// Errors and diagnostics on the form view: the card each belongs to (the base, a step), and the
// place on the card: the field and row its `argument` names (`packages[1]`, `values.PATH`), the
// field that names its file, or the card itself; with a badge per code.

import type { Diagnostic, Finding, ImageSpec } from "@apothic/image";
import type { Evaluation } from "../../core/engine.ts";
import { h } from "../dom.ts";
import { plainMessage } from "../words.ts";
import type { CardId, CardRefs } from "./card.ts";

/** An error or diagnostic as a card shows it. */
export interface Problem {
  severity: "error" | "warning" | "info";
  code: string;
  message: string;
  /** A lint finding's rule name (`secret-in-env`) and quick fix. */
  rule?: string;
  fix?: { title: string; spec: ImageSpec };
  /** Relative to the call: `packages[1]`, `values.PATH`, `options.indexUrl`, `contents`. */
  argument?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The evaluation's errors and diagnostics by card (`ids`: the steps' card ids; null: none). */
export function problemsByCard(ev: Evaluation | null, ids: number[]): Map<CardId, Problem[]> {
  const byCard = new Map<CardId, Problem[]>();
  const add = (key: CardId, p: Problem) => {
    const list = byCard.get(key) ?? [];
    list.push(p);
    byCard.set(key, list);
  };
  if (ev) {
    if (ev.baseError) add("base", { severity: "error", ...ev.baseError });
    ev.steps.forEach((s, i) => s.error && add(ids[i], { severity: "error", ...s.error }));
    const re = ev.resolveError;
    if (re && re.code !== "ABORTED") {
      const p: Problem = { severity: "error", ...stripTarget(re), message: plainMessage(re) };
      if (re.target.kind === "base") add("base", p);
      else if (re.target.kind === "step") add(ids[re.target.index], p);
    }
    for (const d of ev.resolution?.diagnostics ?? []) {
      const p = diagProblem(d);
      if (d.step === undefined) add("base", p);
      else {
        const i = ev.specToModel[d.step];
        if (i !== undefined) add(ids[i], p);
      }
    }
    for (const f of ev.lint ?? []) {
      const p = lintProblem(f);
      if (f.step === null) add("base", p);
      else {
        const i = ev.specToModel[f.step];
        if (i !== undefined) add(ids[i], p);
      }
    }
    // Steps that add nothing (an empty list) say so, quietly.
    ev.steps.forEach((s, i) => {
      if (!s.error && s.specIndex === null) add(ids[i], { severity: "warning", code: "EMPTY_STEP", message: "adds nothing yet: an empty list adds no step" });
    });
  }
  return byCard;
}

/** What a problem line can do: open the file it names, apply a lint quick fix. */
export interface ProblemHost {
  openFile(path: string, line?: number): void;
  applyFix(spec: ImageSpec, title: string): void;
}

/** Shows `problems` on the card `refs`, in place of what it showed. */
export function placeProblems(refs: CardRefs, problems: Problem[], host: ProblemHost) {
  for (const { box, error, rows } of refs.fields.values()) {
    box.classList.remove("invalid", "warn");
    error.replaceChildren();
    for (const el of rows?.() ?? []) el.classList.remove("invalid");
    box.querySelectorAll("[aria-invalid]").forEach((x) => x.removeAttribute("aria-invalid"));
  }
  refs.problems.replaceChildren();
  refs.badge.replaceChildren();
  refs.root.classList.remove("has-error", "has-warning", "has-lint");
  for (const p of problems) {
    const placed = placeOnField(refs, p);
    const line = problemLine(p, host);
    if (!placed) refs.problems.append(line);
    else placed.append(line);
    if (p.rule) refs.root.classList.add("has-lint");
    if (p.severity !== "info") refs.root.classList.add(p.severity === "error" ? "has-error" : "has-warning");
    // Informational lint stays quiet: folded in the card, no badge.
    if ((p.code !== "EMPTY_STEP" || problems.length === 1) && p.severity !== "info") {
      refs.badge.append(h("span", { class: `badge ${p.severity}`, title: p.rule ? `${p.rule}: ${p.message}` : p.message, "data-testid": "badge" }, p.code));
    }
  }
}

/** The field (and row) an error's `argument` names: its error slot, or null for the card. */
function placeOnField(refs: CardRefs, p: Problem): HTMLElement | null {
  if (p.rule) return null; // lint findings concern the whole step
  if (!p.argument) {
    // File errors belong to the field that names the file.
    if (p.file) {
      const pathField = refs.fields.get("path") ?? refs.fields.get("local");
      if (pathField) {
        pathField.box.classList.add(p.severity === "error" ? "invalid" : "warn");
        return pathField.error;
      }
    }
    return null;
  }
  let arg = p.argument;
  if (arg.startsWith("options.")) arg = arg.slice("options.".length);
  const m = /^([A-Za-z_$][\w$]*)(.*)$/s.exec(arg);
  if (!m) return null;
  const slot = refs.fields.get(m[1]);
  if (!slot) return null;
  const cls = p.severity === "error" ? "invalid" : "warn";
  if (p.severity === "info") return slot.error;
  slot.box.classList.add(cls);
  const rows = slot.rows?.() ?? [];
  const rest = m[2];
  const index = /^\[(\d+)\]/.exec(rest);
  if (index && rows.length) {
    // Indices count the items the package got: blank rows are left out.
    let k = -1;
    for (const row of rows) {
      const input = row.querySelector<HTMLInputElement | HTMLTextAreaElement>("input, textarea");
      if (!input || input.value === "") continue;
      if (++k === Number(index[1])) {
        row.classList.add(cls);
        input.setAttribute("aria-invalid", "true");
        break;
      }
    }
  } else if (rest.startsWith(".") && rows.length) {
    const key = rest.slice(1);
    const row = rows.find((r) => {
      const [k, v] = [...r.querySelectorAll("input")].map((x) => x.value);
      return k === key && (k !== "" || v !== "");
    });
    row?.classList.add(cls);
    const which = p.code === "INVALID_ENV_VALUE" ? 1 : 0;
    row?.querySelectorAll("input")[which]?.setAttribute("aria-invalid", "true");
  } else {
    slot.box.querySelector("input, textarea")?.setAttribute("aria-invalid", "true");
  }
  return slot.error;
}

/** The error without its target (the card says where it is). */
function stripTarget<T extends { target: unknown }>(x: T): Omit<T, "target"> {
  const { target: _t, ...rest } = x;
  void _t;
  return rest;
}

/** A lint finding as a card shows it: the rule id as its code, and its quick fix. */
function lintProblem(f: Finding): Problem {
  return { severity: f.severity, code: f.rule, rule: f.name, message: f.message, fix: f.fix };
}

/** A resolution diagnostic as a warning. */
function diagProblem(d: Diagnostic): Problem {
  return { severity: "warning", code: d.code, message: d.message };
}

/** The problem's line: its code, where (a link to the file it names), its message and quick fix. */
function problemLine(p: Problem, host: ProblemHost): HTMLElement {
  const where: (HTMLElement | string)[] = [];
  if (p.file) {
    const label = `${p.file}${p.line ? `:${p.line}` : ""}${p.column ? `:${p.column}` : ""}`;
    where.push(h("button", { type: "button", class: "link", onclick: () => host.openFile(p.file!, p.line), title: "Open in the files panel" }, label));
  } else if (p.line) {
    where.push(h("span", { class: "where" }, `line ${p.line}${p.column ? `, column ${p.column}` : ""}`));
  }
  if (p.rule && p.severity === "info") {
    // Informational findings stay folded: the rule id and name, the message one click away.
    return h(
      "details",
      { class: "problem info lint", "data-code": p.code },
      h("summary", null, h("span", { class: "code info" }, p.code), " ", h("span", { class: "rule" }, p.rule)),
      h("span", { class: "msg" }, p.message),
      p.fix ? [" ", h("button", { type: "button", class: "btn small fix", "data-testid": "quick-fix", onclick: () => host.applyFix(p.fix!.spec, p.fix!.title) }, "Fix: ", p.fix.title.replace(/`/g, ""))] : null,
    );
  }
  return h(
    "div",
    { class: `problem ${p.severity}${p.rule ? " lint" : ""}`, "data-code": p.code, role: p.severity === "error" ? "alert" : "status" },
    h("span", { class: `code ${p.severity}` }, p.code),
    " ",
    p.rule ? [h("span", { class: "rule" }, p.rule), " "] : null,
    where.length ? [...where, " "] : null,
    h("span", { class: "msg" }, p.message),
    p.fix ? [" ", h("button", { type: "button", class: "btn small fix", "data-testid": "quick-fix", onclick: () => host.applyFix(p.fix!.spec, p.fix!.title) }, "Fix: ", p.fix.title.replace(/`/g, ""))] : null,
  );
}
