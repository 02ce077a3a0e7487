// From the chain's syntax tree to the model: each call must be a known constructor (first) or
// builder method, and each literal must fit its field (a string, a list, an object of NAME: value…)
// as the package would take it. Errors carry the package's codes where it has one.

import { newCall, type CallModel, type EnvPairs, type FieldValue, type Model } from "../model.ts";
import { isBaseOp, isStepOp, opDef, type FieldDef } from "../ops.ts";
import { ParseError, type CodeError } from "./errors.ts";
import { parseChain, type CallNode, type ChainAst, type Lit, type Prop } from "./syntax.ts";

/** Code that parsed: the model and the syntax tree it came from (for placing errors). */
export interface ParsedChain {
  model: Model;
  ast: ChainAst;
}

/** The model, or the errors that keep the code from being one. */
export type ParseResult = { ok: true; chain: ParsedChain } | { ok: false; errors: CodeError[] };

const litType = (l: Lit): string => (l.t === "arr" ? "an array" : l.t === "obj" ? "an object" : l.t === "str" ? "a string" : l.t === "num" ? "a number" : l.t === "bool" ? "a boolean" : l.t);

function fieldFromLit(field: FieldDef, lit: Lit, where: string): FieldValue {
  const bad = (what: string, at: Lit = lit) => new ParseError(`${where} must be ${what}, not ${litType(at)}`, at.from, at.to, "INVALID_ARGUMENT");
  switch (field.kind) {
    case "text":
    case "dockerfile":
      if ((lit.t === "undefined" || lit.t === "null") && !field.required) return "";
      if (lit.t !== "str") throw bad("a string");
      return lit.v;
    case "list":
    case "commands":
      if (lit.t === "str" && !field.arrayOnly) return [lit.v];
      if (lit.t === "undefined" && field.slot.length === 2) return [];
      if (lit.t !== "arr") throw bad("an array of strings");
      return lit.items.map((item) => {
        if (item.t !== "str") throw bad("an array of strings", item);
        return item.v;
      });
    case "bool":
      if (lit.t === "undefined") return false;
      if (lit.t !== "bool") throw bad("true or false");
      return lit.v;
    case "env": {
      if (lit.t !== "obj") throw bad("an object of NAME: value");
      const rows: EnvPairs = [];
      const seen = new Map<string, Prop>();
      for (const p of lit.props) {
        const v = p.value;
        if (v.t !== "str" && v.t !== "num" && v.t !== "bool") throw bad("a string, number or boolean", v);
        if (seen.has(p.key)) throw new ParseError(`${JSON.stringify(p.key)} is given twice; an object keeps only the last`, p.keyFrom, p.keyTo, "DUPLICATE_KEY");
        seen.set(p.key, p);
        rows.push([p.key, String(v.v)]);
      }
      return rows;
    }
    case "shell":
      if (lit.t === "null") return null;
      if (lit.t !== "str") throw bad("a string (or null for /bin/sh -c)");
      return lit.v;
  }
}

function callFromNode(node: CallNode, first: boolean): CallModel {
  const d = opDef(node.method);
  if (first) {
    if (!d || !isBaseOp(node.method)) {
      const hint = d ? ` (${node.method} is a builder method: start with a constructor)` : "";
      throw new ParseError(`Image.${node.method} is not a constructor: use Image.debianSlim(), Image.fromRegistry(ref) or Image.fromDockerfile(path)${hint}`, node.nameFrom, node.nameTo, "TS_UNKNOWN_METHOD");
    }
  } else if (!d || !isStepOp(node.method)) {
    const hint = d ? ` (${node.method} is a constructor: call it as Image.${node.method}(…) at the start)` : "";
    throw new ParseError(`.${node.method}() is not a builder method of Image${hint}`, node.nameFrom, node.nameTo, "TS_UNKNOWN_METHOD");
  }
  const call = newCall(d.op);
  for (const field of d.fields) call.f[field.key] = fieldFromLitEmpty(field);
  const maxArgs = Math.max(...d.fields.map((f) => f.slot[0])) + 1;
  if (node.args.length > maxArgs) {
    const extra = node.args[maxArgs];
    throw new ParseError(`${node.method} takes at most ${maxArgs} argument${maxArgs === 1 ? "" : "s"} (${d.params.join(", ")})`, extra.from, node.args[node.args.length - 1].to, "INVALID_ARGUMENT");
  }
  for (let i = 0; i < node.args.length; i++) {
    const lit = node.args[i];
    const positional = d.fields.find((f) => f.slot.length === 1 && f.slot[0] === i);
    if (positional) {
      call.f[positional.key] = fieldFromLit(positional, lit, positional.key);
      continue;
    }
    const optionFields = d.fields.filter((f) => f.slot.length === 2 && f.slot[0] === i);
    if (lit.t === "undefined" || lit.t === "null") continue;
    if (lit.t !== "obj") throw new ParseError(`the ${d.params[i] ?? "options"} argument of ${node.method} must be an object`, lit.from, lit.to, "INVALID_ARGUMENT");
    const seen = new Set<string>();
    for (const p of lit.props) {
      const field = optionFields.find((f) => f.slot[1] === p.key);
      if (!field) {
        const known = optionFields.map((f) => f.key).join(", ");
        throw new ParseError(`${node.method} has no option ${JSON.stringify(p.key)} (known: ${known})`, p.keyFrom, p.keyTo, "INVALID_ARGUMENT");
      }
      if (seen.has(p.key)) throw new ParseError(`the option ${p.key} is given twice`, p.keyFrom, p.keyTo, "DUPLICATE_KEY");
      seen.add(p.key);
      call.f[field.key] = fieldFromLit(field, p.value, `options.${p.key}`);
    }
  }
  const missing = d.fields.find((f) => f.required && f.slot.length === 1 && f.slot[0] >= node.args.length);
  if (missing) {
    throw new ParseError(`${node.method} needs ${missing.key} (${d.params.join(", ")})`, node.nameFrom, node.to, "INVALID_ARGUMENT");
  }
  return call;
}

function fieldFromLitEmpty(field: FieldDef): FieldValue {
  switch (field.kind) {
    case "list":
    case "commands":
    case "env":
      return [];
    case "bool":
      return false;
    case "shell":
      return "";
    default:
      return "";
  }
}

/** Parses the code into the model, or says where and why it cannot. */
export function parseModel(src: string): ParseResult {
  let ast: ChainAst;
  try {
    ast = parseChain(src);
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, errors: [{ from: e.from, to: e.to, message: e.message, code: e.code }] };
    throw e;
  }
  const errors: CodeError[] = [];
  const calls: CallModel[] = [];
  ast.calls.forEach((node, i) => {
    try {
      calls.push(callFromNode(node, i === 0));
    } catch (e) {
      if (e instanceof ParseError) errors.push({ from: e.from, to: e.to, message: e.message, code: e.code });
      else throw e;
    }
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, chain: { model: { base: calls[0], steps: calls.slice(1) }, ast } };
}
