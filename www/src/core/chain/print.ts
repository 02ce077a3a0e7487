// The printer of the TypeScript view: a model as the builder chain, formatted to fit the code pane
// (one call a line; long arguments broken one item a line; multi-line Dockerfile fragments as
// template literals).

import { callArgs, type CallModel, type Model } from "../model.ts";

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Lines the generator keeps to (the code pane is narrow on a laptop). */
const MAX_LINE = 72;

/** A JavaScript string literal for `s` (double quotes; also escapes U+2028/2029). */
function jsString(s: string): string {
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
export function pretty(v: unknown, indent: string, col: number): string {
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
export function callCode(call: CallModel, indent: string, col: number): string {
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

const CODE_HEADER = `import { Image } from "@apothic/image";\n\n`;

/** The builder chain for a model, as the TypeScript view shows it. */
export function modelToCode(model: Model): string {
  const lines = [`export const image = Image.${callCode(model.base, "", "export const image = Image.".length)}`];
  for (const step of model.steps) lines.push(`  .${callCode(step, "  ", 3)}`);
  return `${CODE_HEADER}${lines.join("\n")};\n`;
}
