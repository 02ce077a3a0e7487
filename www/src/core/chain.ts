// The TypeScript view: the builder chain as code, generated from the model and parsed back.
//
// The parser reads a small, fixed subset of TypeScript: optional `import` lines, then one
// `Image.<constructor>(…)` followed by `.<method>(…)` calls, optionally as
// `const image = …;` / `export const image = …;` / `export default …;`. Arguments are literals
// only: strings ('…', "…", `…` without `${}`), numbers, true/false/null/undefined, arrays and
// object literals, with comments and trailing commas allowed. Nothing is ever evaluated: code
// the parser does not understand is an error with its position, never run.

import { callArgs, def, newCall, type CallModel, type EnvPairs, type FieldValue, type Model } from "./model.ts";
import { isBaseOp, isStepOp, opDef, type FieldDef } from "./ops.ts";

// --- tokens -----------------------------------------------------------------------------------

type TokType = "ident" | "str" | "num" | "punct" | "eof";
interface Token {
  type: TokType;
  /** Identifier name, punctuation, or the decoded string. */
  value: string;
  num?: number;
  from: number;
  to: number;
}

/** A problem in the code, with the range it concerns (offsets into the text). */
export interface CodeError {
  from: number;
  to: number;
  message: string;
  code: string;
}

class ParseError extends Error {
  constructor(
    message: string,
    readonly from: number,
    readonly to: number,
    readonly code = "TS_SYNTAX",
  ) {
    super(message);
  }
}

const isIdStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdPart = (c: string) => /[A-Za-z0-9_$]/.test(c);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\uFEFF" || c === "\u00A0") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new ParseError("unterminated comment: close it with */", i, n);
      i = end + 2;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdPart(src[j])) j++;
      out.push({ type: "ident", value: src.slice(i, j), from: i, to: j });
      i = j;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      const { value, end } = readString(src, i);
      out.push({ type: "str", value, from: i, to: end });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
      const text = m ? m[0] : c;
      const num = Number(text.replace(/_/g, ""));
      if (Number.isNaN(num)) throw new ParseError(`not a number: ${text}`, i, i + text.length);
      out.push({ type: "num", value: text, num, from: i, to: i + text.length });
      i += text.length;
      continue;
    }
    if ("()[]{},.:;=-+".includes(c)) {
      out.push({ type: "punct", value: c, from: i, to: i + 1 });
      i++;
      continue;
    }
    // Operators and other punctuation are tokens too, so the parser can say which construct it
    // does not take (an arrow function, a call) at the right place.
    if ("<>!?*/%&|^~@#".includes(c)) {
      out.push({ type: "punct", value: c, from: i, to: i + 1 });
      i++;
      continue;
    }
    throw new ParseError(`unexpected character ${JSON.stringify(c)}: the view takes an Image.…() chain of literal arguments`, i, i + 1);
  }
  out.push({ type: "eof", value: "", from: n, to: n });
  return out;
}

/**
 * Reads the string literal starting at `start` (its quote). Returns the decoded value and the
 * offset after the closing quote; with `offsets`, also the source offset of each UTF-16 unit of
 * the value (used to point at a line and column inside a `withDockerfile` string).
 */
export function readString(src: string, start: number, offsets?: number[]): { value: string; end: number } {
  const q = src[start];
  let i = start + 1;
  let value = "";
  const push = (s: string, at: number) => {
    value += s;
    if (offsets) for (let k = 0; k < s.length; k++) offsets.push(at);
  };
  while (true) {
    if (i >= src.length) throw new ParseError("unterminated string: close it with " + q, start, src.length);
    const c = src[i];
    if (c === q) return { value, end: i + 1 };
    if ((c === "\n" || c === "\r") && q !== "`") throw new ParseError(`unterminated string: a ${q}…${q} string cannot hold a line break (write \\n, or use a \`…\` string)`, start, i);
    if (c === "$" && q === "`" && src[i + 1] === "{") {
      throw new ParseError("template substitutions (${…}) are not evaluated here: write the value itself", i, i + 2);
    }
    if (c !== "\\") {
      push(c === "\r" && q === "`" ? (src[i + 1] === "\n" ? "" : "\n") : c, i);
      i++;
      continue;
    }
    const e = src[i + 1];
    const at = i;
    i += 2;
    switch (e) {
      case "n": push("\n", at); break;
      case "t": push("\t", at); break;
      case "r": push("\r", at); break;
      case "b": push("\b", at); break;
      case "f": push("\f", at); break;
      case "v": push("\v", at); break;
      case "0":
        if (/[0-9]/.test(src[i] ?? "")) throw new ParseError("octal escapes are not allowed", at, i + 1);
        push("\0", at);
        break;
      case "x": {
        const h = src.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new ParseError("bad \\x escape: \\xHH takes two hex digits", at, i + 2);
        push(String.fromCharCode(parseInt(h, 16)), at);
        i += 2;
        break;
      }
      case "u": {
        let cp: number;
        if (src[i] === "{") {
          const close = src.indexOf("}", i);
          const h = close < 0 ? "" : src.slice(i + 1, close);
          if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) throw new ParseError("bad \\u{…} escape", at, close < 0 ? i : close + 1);
          cp = parseInt(h, 16);
          i = close + 1;
        } else {
          const h = src.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new ParseError("bad \\u escape: \\uHHHH takes four hex digits", at, i + 4);
          cp = parseInt(h, 16);
          i += 4;
        }
        push(String.fromCodePoint(cp), at);
        break;
      }
      case "\r":
        if (src[i] === "\n") i++;
        break; // line continuation
      case "\n":
      case "\u2028":
      case "\u2029":
        break; // line continuation
      case undefined:
        throw new ParseError("unterminated string", start, src.length);
      default:
        if (/[1-9]/.test(e)) throw new ParseError("octal escapes are not allowed", at, i);
        push(e, at);
    }
  }
}

// --- literals and calls -----------------------------------------------------------------------

export type Lit =
  | { t: "str"; v: string; from: number; to: number }
  | { t: "num"; v: number; from: number; to: number }
  | { t: "bool"; v: boolean; from: number; to: number }
  | { t: "null"; from: number; to: number }
  | { t: "undefined"; from: number; to: number }
  | { t: "arr"; items: Lit[]; from: number; to: number }
  | { t: "obj"; props: Prop[]; from: number; to: number };
export interface Prop {
  key: string;
  keyFrom: number;
  keyTo: number;
  value: Lit;
}

export interface CallNode {
  method: string;
  nameFrom: number;
  nameTo: number;
  /** From the method name to the closing parenthesis. */
  from: number;
  to: number;
  args: Lit[];
}

export interface ChainAst {
  /** The constructor call, then the builder calls. */
  calls: CallNode[];
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isPunct(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === "punct" && t.value === v;
  }
  private isIdent(v?: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === "ident" && (v === undefined || t.value === v);
  }
  private expectPunct(v: string, what: string): Token {
    const t = this.peek();
    if (t.type !== "punct" || t.value !== v) throw new ParseError(`expected ${JSON.stringify(v)} ${what}, found ${describe(t)}`, t.from, Math.max(t.to, t.from + 1));
    return this.next();
  }

  program(): ChainAst {
    // import … from "…";  (any number, skipped: the view needs no imports)
    while (this.isIdent("import")) {
      const start = this.next();
      while (this.peek().type !== "str") {
        if (this.peek().type === "eof") throw new ParseError("unfinished import line", start.from, start.to);
        this.next();
      }
      this.next();
      if (this.isPunct(";")) this.next();
    }
    if (this.peek().type === "eof") throw new ParseError("no image: write Image.debianSlim() (or fromRegistry / fromDockerfile) and chain steps on it", 0, 0, "TS_EMPTY");
    if (this.isIdent("export")) {
      this.next();
      if (this.isIdent("default")) this.next();
    }
    if (this.isIdent("const") || this.isIdent("let") || this.isIdent("var")) {
      this.next();
      const name = this.next();
      if (name.type !== "ident") throw new ParseError(`expected a variable name, found ${describe(name)}`, name.from, name.to);
      if (this.isPunct(":")) {
        this.next();
        const type = this.next();
        if (type.type !== "ident") throw new ParseError(`expected a type name, found ${describe(type)}`, type.from, type.to);
      }
      this.expectPunct("=", "after the variable name");
    }
    const image = this.peek();
    if (!this.isIdent("Image")) throw new ParseError(`expected Image.…(), found ${describe(image)}`, image.from, Math.max(image.to, image.from + 1));
    this.next();
    const calls: CallNode[] = [];
    while (this.isPunct(".")) {
      this.next();
      calls.push(this.call());
    }
    if (calls.length === 0) throw new ParseError("expected a constructor after Image: Image.debianSlim(), Image.fromRegistry(ref) or Image.fromDockerfile(path)", image.from, image.to);
    if (this.isPunct(";")) this.next();
    const rest = this.peek();
    if (rest.type !== "eof") {
      throw new ParseError(`unexpected ${describe(rest)}: the view holds one Image.…() chain; chain steps with .method(…)`, rest.from, Math.max(rest.to, rest.from + 1));
    }
    return { calls };
  }

  private call(): CallNode {
    const name = this.next();
    if (name.type !== "ident") throw new ParseError(`expected a method name after ".", found ${describe(name)}`, name.from, Math.max(name.to, name.from + 1));
    const open = this.peek();
    if (!this.isPunct("(")) throw new ParseError(`expected ( after ${name.value}`, open.from, Math.max(open.to, open.from + 1));
    this.next();
    const args: Lit[] = [];
    while (!this.isPunct(")")) {
      args.push(this.value());
      if (this.isPunct(",")) this.next();
      else if (!this.isPunct(")")) {
        const t = this.peek();
        throw new ParseError(`expected , or ) in the arguments of ${name.value}, found ${describe(t)}`, t.from, Math.max(t.to, t.from + 1));
      }
    }
    const close = this.next();
    return { method: name.value, nameFrom: name.from, nameTo: name.to, from: name.from, to: close.to, args };
  }

  private value(): Lit {
    const t = this.peek();
    if (t.type === "str") {
      this.next();
      return { t: "str", v: t.value, from: t.from, to: t.to };
    }
    if (t.type === "num") {
      this.next();
      return { t: "num", v: t.num ?? 0, from: t.from, to: t.to };
    }
    if (t.type === "punct" && (t.value === "-" || t.value === "+") && this.peek(1).type === "num") {
      this.next();
      const n = this.next();
      return { t: "num", v: t.value === "-" ? -(n.num ?? 0) : (n.num ?? 0), from: t.from, to: n.to };
    }
    if (t.type === "ident") {
      if (t.value === "true" || t.value === "false") {
        this.next();
        return { t: "bool", v: t.value === "true", from: t.from, to: t.to };
      }
      if (t.value === "null") {
        this.next();
        return { t: "null", from: t.from, to: t.to };
      }
      if (t.value === "undefined") {
        this.next();
        return { t: "undefined", from: t.from, to: t.to };
      }
      throw new ParseError(`${t.value} is not a literal: the view takes literal values only (strings, numbers, booleans, arrays, objects); nothing is evaluated`, t.from, t.to, "TS_NOT_LITERAL");
    }
    if (t.type === "punct" && t.value === "[") {
      this.next();
      const items: Lit[] = [];
      while (!this.isPunct("]")) {
        items.push(this.value());
        if (this.isPunct(",")) this.next();
        else if (!this.isPunct("]")) {
          const u = this.peek();
          throw new ParseError(`expected , or ] in the array, found ${describe(u)}`, u.from, Math.max(u.to, u.from + 1));
        }
      }
      const end = this.next();
      return { t: "arr", items, from: t.from, to: end.to };
    }
    if (t.type === "punct" && t.value === "{") {
      this.next();
      const props: Prop[] = [];
      while (!this.isPunct("}")) {
        const k = this.next();
        let key: string;
        if (k.type === "ident" || k.type === "str") key = k.value;
        else if (k.type === "num") key = String(k.num);
        else throw new ParseError(`expected a property name, found ${describe(k)}`, k.from, Math.max(k.to, k.from + 1));
        if (!this.isPunct(":")) {
          const u = this.peek();
          throw new ParseError(`expected : after the property ${JSON.stringify(key)}`, u.from, Math.max(u.to, u.from + 1));
        }
        this.next();
        props.push({ key, keyFrom: k.from, keyTo: k.to, value: this.value() });
        if (this.isPunct(",")) this.next();
        else if (!this.isPunct("}")) {
          const u = this.peek();
          throw new ParseError(`expected , or } in the object, found ${describe(u)}`, u.from, Math.max(u.to, u.from + 1));
        }
      }
      const end = this.next();
      return { t: "obj", props, from: t.from, to: end.to };
    }
    throw new ParseError(`expected a value, found ${describe(t)}`, t.from, Math.max(t.to, t.from + 1));
  }
}

function describe(t: Token): string {
  if (t.type === "eof") return "the end of the code";
  if (t.type === "str") return "a string";
  if (t.type === "num") return `the number ${t.value}`;
  return JSON.stringify(t.value);
}

export function parseChain(src: string): ChainAst {
  return new Parser(tokenize(src)).program();
}

// --- AST → model ------------------------------------------------------------------------------

export interface ParsedChain {
  model: Model;
  ast: ChainAst;
}

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
      if (lit.t === "str") return [lit.v];
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

// --- error argument → code range --------------------------------------------------------------

/**
 * The range of the code that an error's `argument` path (`packages[1]`, `options.indexUrl`,
 * `values.PATH`, `contents` + line/column) points at, inside the call `node`.
 */
export function locateArgument(src: string, node: CallNode, argument: string | undefined, line?: number, column?: number): { from: number; to: number } {
  const whole = { from: node.nameFrom, to: node.to };
  if (!argument) return { from: node.nameFrom, to: node.nameTo };
  const d = opDef(node.method);
  if (!d) return whole;
  const m = /^([A-Za-z_$][\w$]*)(.*)$/s.exec(argument);
  if (!m) return whole;
  let head = m[1];
  let rest = m[2];
  let lit: Lit | undefined;
  if (head === "options" && rest.startsWith(".")) {
    const m2 = /^\.([A-Za-z_$][\w$]*)(.*)$/s.exec(rest);
    if (m2) {
      head = m2[1];
      rest = m2[2];
    }
  }
  const field = d.fields.find((f) => f.key === head);
  if (field) {
    const arg = node.args[field.slot[0]];
    if (field.slot.length === 1) lit = arg;
    else if (arg?.t === "obj") lit = arg.props.find((p) => p.key === field.slot[1])?.value;
  }
  if (!lit) return whole;
  // Follow [n] and .key through the literal.
  while (rest.length > 0) {
    const idx = /^\[(\d+)\](.*)$/s.exec(rest);
    if (idx && lit.t === "arr") {
      const item: Lit | undefined = lit.items[Number(idx[1])];
      if (!item) break;
      lit = item;
      rest = idx[2];
      continue;
    }
    if (lit.t === "str" && idx && Number(idx[1]) === 0) {
      // A single string given for a list: packages[0] is the string itself.
      rest = idx[2];
      continue;
    }
    if (rest.startsWith(".") && lit.t === "obj") {
      const key = rest.slice(1);
      const p = lit.props.find((q) => q.key === key);
      if (p) return { from: p.keyFrom, to: p.value.to };
      break;
    }
    break;
  }
  if (lit.t === "str" && line !== undefined) {
    // A position inside the string: map the decoded line/column to the source.
    const offsets: number[] = [];
    try {
      readString(src, lit.from, offsets);
    } catch {
      return { from: lit.from, to: lit.to };
    }
    const value = lit.v;
    let off = 0;
    for (let l = 1; l < line; l++) {
      const nl = value.indexOf("\n", off);
      if (nl < 0) {
        off = value.length;
        break;
      }
      off = nl + 1;
    }
    const lineEnd = value.indexOf("\n", off) < 0 ? value.length : value.indexOf("\n", off);
    off = Math.min(off + Math.max(0, (column ?? 1) - 1), lineEnd);
    let end = value.indexOf("\n", off);
    if (end < 0) end = value.length;
    const from = offsets[Math.min(off, offsets.length - 1)] ?? lit.from;
    const to = end < offsets.length ? offsets[end] : lit.to - 1;
    return { from, to: Math.max(to, from + 1) };
  }
  return { from: lit.from, to: lit.to };
}

// --- model → code -----------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Lines the generator keeps to (the code pane is narrow on a laptop). */
const MAX_LINE = 72;

/** A JavaScript string literal for `s` (double quotes; also escapes U+2028/2029). */
export function jsString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** `v` on one line. */
function flat(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "string") return jsString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(flat).join(", ")}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${key(k)}: ${flat(x)}`);
  return entries.length ? `{ ${entries.join(", ")} }` : "{}";
}

function key(k: string): string {
  return IDENT.test(k) ? k : jsString(k);
}

/** `v` starting at column `col` with `indent`: on one line when it fits, else one item a line. */
function pretty(v: unknown, indent: string, col: number): string {
  const f = flat(v);
  if (col + f.length <= MAX_LINE || v === null || typeof v !== "object") return f;
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => `${inner}${pretty(x, inner, inner.length)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${key(k)}: ${pretty(x, inner, inner.length + key(k).length + 2)},`).join("\n")}\n${indent}}`;
}

function argCode(call: CallModel, a: unknown, indent: string, col: number): string {
  // A multi-line Dockerfile fragment reads best as a template literal (when it can be one).
  if (call.op === "withDockerfile" && typeof a === "string" && a.includes("\n") && canTemplate(a)) return "`" + a + "`";
  return pretty(a, indent, col);
}

/** `method(args)`, where the call starts at column `col` (after `indent` and the dot). */
function callCode(call: CallModel, indent: string, col: number): string {
  const args = callArgs(call);
  const one = `${call.op}(${args.map(flat).join(", ")})`;
  if (col + one.length <= MAX_LINE && !(call.op === "withDockerfile" && args.some((a) => typeof a === "string" && a.includes("\n")))) return one;
  // Hug the last argument when it is an object or array: `f("x", {` … `})`.
  const last = args[args.length - 1];
  const head = args.slice(0, -1).map(flat);
  const prefix = `${call.op}(${head.map((x) => x + ", ").join("")}`;
  if (last !== null && typeof last === "object" && col + prefix.length + 1 <= MAX_LINE) {
    return `${prefix}${pretty(last, indent, MAX_LINE)})`;
  }
  if (args.length === 1) return `${call.op}(${argCode(call, args[0], indent, col + call.op.length + 1)})`;
  const inner = indent + "  ";
  return `${call.op}(\n${args.map((a) => `${inner}${argCode(call, a, inner, inner.length)},`).join("\n")}\n${indent})`;
}

function canTemplate(s: string): boolean {
  return !/[`\\\r\u2028\u2029]|\$\{/.test(s) && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s);
}

export const CODE_HEADER = `import { Image } from "@apothic/image";\n\n`;

/** The builder chain for a model, as the TypeScript view shows it. */
export function modelToCode(model: Model): string {
  const lines = [`export const image = Image.${callCode(model.base, "", "export const image = Image.".length)}`];
  for (const step of model.steps) lines.push(`  .${callCode(step, "  ", 3)}`);
  return `${CODE_HEADER}${lines.join("\n")};\n`;
}

/** Re-exported for callers that only need the op table. */
export { def };
