// The tokenizer of the TypeScript view: identifiers, string literals (decoded), numbers and
// punctuation, with their offsets. Comments and whitespace are skipped; a character the view
// never takes is an error at its position.

import { ParseError } from "./errors.ts";

/** What kind of token: a name, a string, a number, punctuation, or the end of the code. */
type TokType = "ident" | "str" | "num" | "punct" | "eof";
/** One token and where it is in the code. */
export interface Token {
  type: TokType;
  /** Identifier name, punctuation, or the decoded string. */
  value: string;
  num?: number;
  from: number;
  to: number;
}

const isIdStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdPart = (c: string) => /[A-Za-z0-9_$]/.test(c);

/** The tokens of `src`, ending with an "eof" token. */
export function tokenize(src: string): Token[] {
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
