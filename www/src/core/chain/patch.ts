// A form edit written into the TypeScript the user wrote, not over it: only the calls, and within a
// call only the arguments, that changed are printed again; every other character (comments,
// blank lines, formatting) stays. Calls are matched by their content, so a moved step keeps its
// comments; a deleted step takes the comments before it along.

import { callArgs, type CallModel, type Model } from "../model.ts";
import { callCode, pretty } from "./print.ts";
import { parseModel } from "./to-model.ts";

/** What a form edit does to the code. */
export type Patch =
  /** The new code; `kept` is false when it had to be printed whole (comments lost). */
  | { ok: true; code: string; kept: boolean }
  /** The code does not parse: it is left as it is. */
  | { ok: false };

const key = (c: CallModel) => `${c.op}${JSON.stringify(callArgs(c))}`;

/** `code` with the model `next` written into it, keeping what did not change. */
export function patchCode(code: string, next: Model, print: (m: Model) => string): Patch {
  const parsed = parseModel(code);
  if (!parsed.ok) return { ok: false };
  const { model: prev, ast } = parsed.chain;
  const nodes = ast.calls;
  const before = [prev.base, ...prev.steps];
  const after = [next.base, ...next.steps];
  // A call's text runs from the line end after the previous call (its own comments above it, the
  // dot, the call); what follows it on its line (a trailing comment) is its `trail`.
  const boundary = (i: number): number => {
    const nl = code.indexOf("\n", nodes[i - 1].to);
    const dot = code.lastIndexOf(".", nodes[i].nameFrom);
    return nl !== -1 && nl < dot ? nl : nodes[i - 1].to;
  };
  const start = (i: number) => (i === 0 ? 0 : boundary(i));
  const segment = (i: number) => code.slice(start(i), nodes[i].to);
  const trail = (i: number) => (i < nodes.length - 1 ? code.slice(nodes[i].to, boundary(i + 1)) : "");

  // The call `i` rewritten as `call`: its changed arguments only, when it keeps its method and arity.
  const rewrite = (i: number, call: CallModel): string => {
    const node = nodes[i];
    const was = callArgs(before[i]);
    const now = callArgs(call);
    if (before[i].op !== call.op || was.length !== now.length || node.args.length !== was.length) {
      return code.slice(start(i), node.from) + callCode(call, i === 0 ? "" : "  ", column(code, node.from));
    }
    let out = "";
    let pos = start(i);
    now.forEach((a, k) => {
      if (JSON.stringify(a) === JSON.stringify(was[k])) return;
      const arg = node.args[k];
      out += code.slice(pos, arg.from) + pretty(a, indentOf(code, arg.from), column(code, arg.from));
      pos = arg.to;
    });
    return out + code.slice(pos, node.to);
  };

  const used = new Set<number>([0]);
  const pieces: [string, string][] = [[key(before[0]) === key(after[0]) ? segment(0) : rewrite(0, after[0]), trail(0)]];
  const matched: (number | null)[] = after.map(() => null);
  // Same content: the same index first, then the first unused one (a moved step).
  for (let j = 1; j < after.length; j++) {
    const k = key(after[j]);
    if (j < before.length && !used.has(j) && key(before[j]) === k) matched[j] = j;
    else {
      const i = before.findIndex((c, n) => n > 0 && !used.has(n) && key(c) === k);
      if (i > 0) matched[j] = i;
    }
    if (matched[j] !== null) used.add(matched[j]!);
  }
  for (let j = 1; j < after.length; j++) {
    const i = matched[j];
    if (i !== null) pieces.push([segment(i), trail(i)]);
    else if (j < before.length && !used.has(j) && before[j].op === after[j].op) {
      used.add(j);
      pieces.push([rewrite(j, after[j]), trail(j)]);
    } else pieces.push([`\n  .${callCode(after[j], "  ", 3)}`, ""]);
  }
  let tail = code.slice(nodes[nodes.length - 1].to);
  // The last call's trailing comment goes after the semicolon that ends the chain.
  const lastTrail = pieces[pieces.length - 1][1];
  if (lastTrail.trim()) tail = tail.replace(/^(\s*;)/, `$1${lastTrail}`);
  const out = pieces.map(([text, t], j) => (j < pieces.length - 1 ? text + t : text)).join("") + tail;
  // The patched code must say exactly what the forms say; if not, print it whole (and say so).
  const check = parseModel(out);
  if (check.ok && [check.chain.model.base, ...check.chain.model.steps].map(key).join("\n") === after.map(key).join("\n")) {
    return { ok: true, code: out, kept: true };
  }
  return { ok: true, code: print(next), kept: false };
}

function column(code: string, at: number): number {
  return at - (code.lastIndexOf("\n", at - 1) + 1);
}

function indentOf(code: string, at: number): string {
  const line = code.slice(code.lastIndexOf("\n", at - 1) + 1, at);
  return /^\s*/.exec(line)![0];
}
