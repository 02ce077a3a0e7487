// From an error's `argument` path back to the code: the exact range of the call, argument,
// item, property or (inside a string) line and column it names.

import { opDef } from "../ops.ts";
import type { CallNode, Lit } from "./syntax.ts";
import { readString } from "./tokens.ts";

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
