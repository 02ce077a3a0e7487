// The console's model of an image: the constructor call and the builder calls, each as the
// values of its fields (ops.ts). It is what the user wrote (package order, blank rows while
// typing), not the canonical spec: the package turns it into the spec, and `specToModel` turns a
// spec (a shared URL, an imported JSON) back into calls that give exactly that spec again.

import { opDef, type FieldDef, type Op, type OpDef } from "./ops.ts";

export type EnvPairs = [string, string][];
export type FieldValue = string | string[] | boolean | EnvPairs | null;

export interface CallModel {
  op: Op;
  /** Field key → value; a missing key is the field's empty value. */
  f: Record<string, FieldValue>;
}

export interface Model {
  base: CallModel;
  steps: CallModel[];
}

export function def(op: Op): OpDef {
  const d = opDef(op);
  if (!d) throw new Error(`unknown op ${op}`);
  return d;
}

export function emptyValue(field: FieldDef): FieldValue {
  switch (field.kind) {
    case "text":
    case "dockerfile":
      return "";
    case "list":
    case "commands":
      return [];
    case "bool":
      return false;
    case "env":
      return [];
    case "shell":
      return "";
  }
}

export function fieldValue(call: CallModel, field: FieldDef): FieldValue {
  const v = call.f[field.key];
  return v === undefined ? emptyValue(field) : v;
}

/** A fresh call of `op` with useful starting values. */
export function newCall(op: Op): CallModel {
  const f: Record<string, FieldValue> = {};
  for (const field of def(op).fields) f[field.key] = emptyValue(field);
  if (op === "debianSlim") f.pythonVersion = "3.12";
  if (op === "commandShell") f.shell = "/bin/bash";
  if (op === "fromDockerfile") f.path = "Dockerfile";
  if (op === "env") f.values = [["", ""]];
  return { op, f };
}

export function defaultModel(): Model {
  return { base: newCall("debianSlim"), steps: [] };
}

export function cloneCall(call: CallModel): CallModel {
  return { op: call.op, f: structuredCloneValue(call.f) };
}
export function cloneModel(model: Model): Model {
  return { base: cloneCall(model.base), steps: model.steps.map(cloneCall) };
}
function structuredCloneValue<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A list field's non-empty items (for summaries). */
export function listItems(value: FieldValue): string[] {
  return Array.isArray(value) ? (value as unknown[]).filter((x): x is string => typeof x === "string" && x !== "") : [];
}

/** Env rows that are not entirely blank. */
export function envRows(value: FieldValue): EnvPairs {
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).filter(
    (r): r is [string, string] => Array.isArray(r) && r.length === 2 && !(r[0] === "" && r[1] === ""),
  );
}

/** The JavaScript value a field contributes, or `undefined` when it is left out. */
export function fieldArg(field: FieldDef, value: FieldValue): unknown {
  const positional = field.slot.length === 1;
  switch (field.kind) {
    case "text":
    case "dockerfile": {
      const s = typeof value === "string" ? value : "";
      if (s === "" && !field.required) return undefined;
      return s;
    }
    case "list":
    case "commands": {
      const items = Array.isArray(value) ? (value as unknown[]).filter((x): x is string => typeof x === "string") : [];
      if (items.length === 0 && !positional) return undefined;
      return items;
    }
    case "bool":
      return value === true ? true : undefined;
    case "env": {
      const out: Record<string, string> = {};
      for (const [k, v] of Array.isArray(value) ? (value as EnvPairs) : []) out[k] = v;
      return out;
    }
    case "shell":
      return value === null ? null : typeof value === "string" ? value : "";
  }
}

/** The arguments of the method call (holes before a later argument are `undefined`). */
export function callArgs(call: CallModel): unknown[] {
  const args: unknown[] = [];
  for (const field of def(call.op).fields) {
    const v = fieldArg(field, fieldValue(call, field));
    if (v === undefined) continue;
    const [i, key] = field.slot;
    if (key === undefined) args[i] = v;
    else {
      const o = (args[i] ?? {}) as Record<string, unknown>;
      o[key] = v;
      args[i] = o;
    }
  }
  for (let i = 0; i < args.length; i++) if (!(i in args)) args[i] = undefined;
  return args;
}

/** Env keys given more than once (an object cannot hold both). */
export function duplicateEnvKeys(call: CallModel): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const field of def(call.op).fields) {
    if (field.kind !== "env") continue;
    for (const [k] of (fieldValue(call, field) as EnvPairs) ?? []) {
      if (seen.has(k)) dup.add(k);
      seen.add(k);
    }
  }
  return [...dup];
}

// --- spec → model -----------------------------------------------------------------------------

/** The pieces of a spec the conversion reads (kept loose: the package validated it). */
type Json = Record<string, unknown>;

/** Quotes a word for a shell line so that the package splits it back into the same word. */
export function shellWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return "'" + word.replace(/'/g, `'"'"'`) + "'";
}

/**
 * A spec (as `toSpec()` returns, already validated by `Image.fromSpec`) as calls that give it
 * back exactly. `uvDefault` is the package's pinned uv version: a step with it leaves the option
 * out, as a person would.
 */
export function specToModel(spec: Json, uvDefault?: string): Model {
  const base = spec.base as Json;
  const steps = (spec.steps as Json[]) ?? [];
  return { base: fromSpecCall(base, uvDefault), steps: steps.map((s) => fromSpecCall(s, uvDefault)) };
}

function fromSpecCall(item: Json, uvDefault?: string): CallModel {
  const op = item.op as Op;
  const call = newCall(op);
  const options = (item.options ?? {}) as Json;
  for (const field of def(op).fields) {
    let raw: unknown = field.key in item ? item[field.key] : options[field.key];
    if (field.key === "uvVersion" && raw === uvDefault) raw = undefined;
    switch (field.kind) {
      case "text":
      case "dockerfile":
        call.f[field.key] = typeof raw === "string" ? raw : "";
        break;
      case "list":
      case "commands":
        call.f[field.key] = Array.isArray(raw) ? raw.map(String) : [];
        break;
      case "bool":
        call.f[field.key] = raw === true;
        break;
      case "env":
        call.f[field.key] = raw && typeof raw === "object" ? Object.entries(raw as Json).map(([k, v]) => [k, String(v)] as [string, string]) : [];
        break;
      case "shell":
        call.f[field.key] = Array.isArray(raw) ? shellLine(raw.map(String)) : null;
        break;
    }
  }
  return call;
}

/** A spec's shell argv as the line `commandShell` takes (the trailing `-c` is implied). */
function shellLine(argv: string[]): string {
  // The package appends `-c` unless the last word is a short-flag cluster ending in `c`; drop a
  // trailing `-c` only where it would come back.
  const implied = argv.length > 1 && argv[argv.length - 1] === "-c" && !/^-[A-Za-z]*c$/.test(argv[argv.length - 2]);
  return (implied ? argv.slice(0, -1) : argv).map(shellWord).join(" ");
}

// --- summaries --------------------------------------------------------------------------------

/** One line that says what a call does, for a collapsed card and the layer list. */
export function summary(call: CallModel): string {
  const d = def(call.op);
  const parts: string[] = [];
  for (const field of d.fields) {
    if (field.advanced) continue;
    const v = fieldValue(call, field);
    switch (field.kind) {
      case "text":
        if (v) parts.push(String(v));
        break;
      case "dockerfile":
        if (typeof v === "string" && v.trim()) parts.push(v.trim().split("\n")[0] + (v.trim().includes("\n") ? " …" : ""));
        break;
      case "list":
      case "commands": {
        const items = listItems(v);
        if (items.length) parts.push(items.map((s) => s.split("\n")[0]).join(", "));
        break;
      }
      case "bool":
        if (v === true) parts.push(field.label.toLowerCase());
        break;
      case "env": {
        const rows = envRows(v);
        if (rows.length) parts.push(rows.map(([k]) => k).join(", "));
        break;
      }
      case "shell":
        parts.push(v === null ? "/bin/sh -c" : String(v));
        break;
    }
  }
  return parts.join(" → ");
}
