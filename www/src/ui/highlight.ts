// Syntax highlighting for the read-only previews (Dockerfile, spec JSON) and the line diff that
// marks what the last edit changed. Output is DOM (text nodes), never HTML strings, so no value
// from a spec can inject markup.

import { h } from "./dom.ts";

type Piece = [cls: string | null, text: string];

const INSTRUCTIONS = /^(FROM|RUN|CMD|LABEL|MAINTAINER|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\b/i;

/** Splits one Dockerfile line into highlighted pieces. */
export function dockerfileLine(line: string): Piece[] {
  const out: Piece[] = [];
  const lead = /^\s*/.exec(line)![0];
  if (lead) out.push([null, lead]);
  let rest = line.slice(lead.length);
  if (rest.startsWith("#")) return [...out, ["cm", rest]];
  const m = INSTRUCTIONS.exec(rest);
  let instruction = "";
  if (m) {
    instruction = m[1].toUpperCase();
    out.push(["kw", m[1]]);
    rest = rest.slice(m[1].length);
  }
  // Flags (--from=…) right after the instruction.
  for (;;) {
    const f = /^(\s+)(--[A-Za-z-]+(?:=\S*)?)/.exec(rest);
    if (!f) break;
    out.push([null, f[1]], ["flag", f[2]]);
    rest = rest.slice(f[0].length);
  }
  const trimmed = rest.trimStart();
  if (trimmed.startsWith("[")) {
    // JSON (exec) form.
    out.push([null, rest.slice(0, rest.length - trimmed.length)]);
    out.push(...jsonPieces(trimmed));
    return out;
  }
  out.push(...shellPieces(rest, instruction === "ENV" || instruction === "LABEL" || instruction === "ARG"));
  return out;
}

function shellPieces(s: string, keyValues: boolean): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let plain = "";
  const flush = () => {
    if (plain) out.push([null, plain]);
    plain = "";
  };
  let wordStart = true;
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      const j = end < 0 ? s.length : end + 1;
      flush();
      out.push(["str", s.slice(i, j)]);
      i = j;
      wordStart = false;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      j = Math.min(j + 1, s.length);
      flush();
      out.push(["str", s.slice(i, j)]);
      i = j;
      wordStart = false;
      continue;
    }
    if (c === "$" && /[A-Za-z_{]/.test(s[i + 1] ?? "")) {
      const m = /^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i))!;
      flush();
      out.push(["var", m[0]]);
      i += m[0].length;
      wordStart = false;
      continue;
    }
    if (s.startsWith("&&", i) || s.startsWith("||", i)) {
      flush();
      out.push(["op", s.slice(i, i + 2)]);
      i += 2;
      continue;
    }
    if (c === "|" || c === ";") {
      flush();
      out.push(["op", c]);
      i++;
      continue;
    }
    if (keyValues && wordStart && /[A-Za-z_.-]/.test(c)) {
      const m = /^[A-Za-z0-9_.-]+(?==)/.exec(s.slice(i));
      if (m) {
        flush();
        out.push(["key", m[0]]);
        i += m[0].length;
        wordStart = false;
        continue;
      }
    }
    wordStart = c === " " || c === "\t";
    plain += c;
    i++;
  }
  flush();
  return out;
}

/** Highlighted pieces of JSON text (any fragment: strings, keys, numbers, literals). */
export function jsonPieces(s: string): Piece[] {
  const out: Piece[] = [];
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([^"\d\-tfn]+|.)/gs;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    if (m[1] !== undefined) {
      if (m[2] !== undefined) out.push(["key", m[1]], [null, m[2]]);
      else out.push(["str", m[1]]);
    } else if (m[3] !== undefined) out.push(["num", m[3]]);
    else if (m[4] !== undefined) out.push(["lit", m[4]]);
    else out.push([null, m[0]]);
  }
  return out;
}

export function piecesToNodes(pieces: Piece[]): Node[] {
  return pieces.map(([cls, text]) => (cls ? h("span", { class: `tok-${cls}` }, text) : document.createTextNode(text)));
}

/**
 * Indices of the lines of `next` that are not in `prev` (a longest-common-subsequence diff);
 * everything when `prev` is null; nothing for very long texts (the diff would cost too much).
 */
export function changedLines(prev: string[] | null, next: string[]): Set<number> {
  const out = new Set<number>();
  if (prev === null) return out;
  const n = prev.length;
  const m = next.length;
  if (n * m > 4_000_000) return out;
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = prev[i] === next[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (j < m) {
    if (i < n && prev[i] === next[j]) {
      i++;
      j++;
    } else if (i < n && dp[i + 1][j] >= dp[i][j + 1]) i++;
    else {
      out.add(j);
      j++;
    }
  }
  return out;
}

/** Renders text as numbered, highlighted lines into `root`; `marked` lines get `.changed`. */
export function renderLines(root: HTMLElement, text: string, highlight: (line: string) => Piece[], marked: Set<number>) {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  const frag = document.createDocumentFragment();
  lines.forEach((line, i) => {
    frag.appendChild(
      h(
        "div",
        { class: marked.has(i) ? "line changed" : "line", "data-line": i + 1 },
        h("span", { class: "ln", "aria-hidden": "true" }, String(i + 1)),
        h("span", { class: "lc" }, ...piecesToNodes(highlight(line))),
      ),
    );
  });
  root.replaceChildren(frag);
}
