// The parser of the TypeScript view: tokens → the chain's syntax tree (the constructor call and the
// builder calls, each with its literal arguments and their offsets).
//
// It reads a small, fixed subset of TypeScript: optional `import` lines, then one
// `Image.<constructor>(…)` followed by `.<method>(…)` calls, optionally as
// `const image = …;` / `export const image = …;` / `export default …;`. Arguments are literals
// only: strings ('…', "…", `…` without `${}`), numbers, true/false/null/undefined, arrays and
// object literals, with comments and trailing commas allowed. Nothing is ever evaluated.

import { ParseError } from "./errors.ts";
import { tokenize, type Token } from "./tokens.ts";

/** A literal argument, with its range in the code. */
export type Lit =
  | { t: "str"; v: string; from: number; to: number }
  | { t: "num"; v: number; from: number; to: number }
  | { t: "bool"; v: boolean; from: number; to: number }
  | { t: "null"; from: number; to: number }
  | { t: "undefined"; from: number; to: number }
  | { t: "arr"; items: Lit[]; from: number; to: number }
  | { t: "obj"; props: Prop[]; from: number; to: number };
/** A property of an object literal, with the ranges of its key. */
export interface Prop {
  key: string;
  keyFrom: number;
  keyTo: number;
  value: Lit;
}

/** One call of the chain: its method name and its literal arguments. */
export interface CallNode {
  method: string;
  nameFrom: number;
  nameTo: number;
  /** From the method name to the closing parenthesis. */
  from: number;
  to: number;
  args: Lit[];
}

/** The chain's syntax tree. */
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

/** Parses `src` into the chain's syntax tree; throws a ParseError where it cannot. */
export function parseChain(src: string): ChainAst {
  return new Parser(tokenize(src)).program();
}
