// The HTML preview: a small page with the Dockerfile highlighted, and Open Graph tags so that
// chat apps and bots that unfurl a share link show the image's base and size.
//
// Safety: every value that comes from the spec (and the Dockerfile is made of nothing else) goes
// through `escapeHtml`, in text and in attributes alike, and the page has no script at all. The
// response's Content-Security-Policy allows only the page's own stylesheet (by its hash), so even
// a mistake here could not run a script, load a resource or submit a form.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A highlighting token: shell strings and JSON strings, `--flags`, variables, operators. */
const TOKEN = /'[^']*'?|"(?:[^"\\]|\\.)*"?|--[A-Za-z][\w-]*(?:=\S*)?|\$\{[^}]*\}?|\$[A-Za-z_]\w*|&&|\|\||[|;]|\s+|[^\s'"$&|;]+|[\s\S]/g;

function classOf(token: string): string | null {
  if (token.startsWith("'") || token.startsWith('"')) return "s";
  if (token.startsWith("--")) return "f";
  if (token.startsWith("$")) return "v";
  if (token === "&&" || token === "||" || token === "|" || token === ";") return "o";
  return null;
}

/** One Dockerfile line as highlighted, escaped HTML. */
function highlightLine(line: string): string {
  if (/^\s*#/.test(line)) return `<span class="c">${escapeHtml(line)}</span>`;
  const match = /^(\s*)([A-Za-z]+)(?=\s|$)/.exec(line);
  if (match === null) return escapeHtml(line);
  let html = `${escapeHtml(match[1]!)}<span class="k">${escapeHtml(match[2]!)}</span>`;
  for (const [token] of line.slice(match[0].length).matchAll(TOKEN)) {
    const cls = classOf(token);
    html += cls === null ? escapeHtml(token) : `<span class="${cls}">${escapeHtml(token)}</span>`;
  }
  return html;
}

/** The Dockerfile as highlighted, escaped HTML lines (for a `<pre><code>`). */
export function highlightDockerfile(dockerfile: string): string {
  const lines = dockerfile.endsWith("\n") ? dockerfile.slice(0, -1).split("\n") : dockerfile.split("\n");
  return lines.map((line) => `<span class="l">${highlightLine(line)}</span>`).join("\n");
}

export const CSS = `:root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1f2328;--mute:#656d76;--box:#f1f1ef;--line:#d0d7de;--k:#8250df;--s:#0a3069;--f:#953800;--v:#116329;--c:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#8d96a0;--box:#161b22;--line:#30363d;--k:#d2a8ff;--s:#a5d6ff;--f:#ffa657;--v:#7ee787;--c:#8b949e}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 16px}h1{font-size:20px;margin:0 0 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 16px}dt{color:var(--mute)}dd{margin:0;overflow-wrap:anywhere}
pre{background:var(--box);border:1px solid var(--line);border-radius:6px;padding:12px 0;overflow-x:auto;font:13px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre code{counter-reset:l;display:block}
pre code{white-space:pre;padding-right:16px}.l::before{counter-increment:l;content:counter(l);display:inline-block;width:3.5em;padding-right:1em;text-align:right;color:var(--mute);user-select:none}
.k{color:var(--k);font-weight:600}.s{color:var(--s)}.f{color:var(--f)}.v{color:var(--v)}.o{color:var(--mute)}.c{color:var(--c);font-style:italic}
footer{color:var(--mute);font-size:13px}a{color:inherit}`;

let cssHash: Promise<string> | undefined;

/** `'sha256-…'` of the stylesheet, for the Content-Security-Policy (computed once). */
function cssSource(): Promise<string> {
  cssHash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(CSS)).then((digest) => {
    let binary = "";
    for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
    return `'sha256-${btoa(binary)}'`;
  });
  return cssHash;
}

/** The Content-Security-Policy of the HTML preview: nothing but its own stylesheet. */
export async function contentSecurityPolicy(): Promise<string> {
  return `default-src 'none'; style-src ${await cssSource()}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export interface PageFacts {
  dockerfile: string;
  definitionHash: string;
  /** The op of each step, in order. */
  ops: string[];
  /** The package version that rendered it. */
  version: string;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The whole HTML page. */
export function previewPage({ dockerfile, definitionHash, ops, version }: PageFacts): string {
  const from = dockerfile.split("\n").find((line) => line.startsWith("FROM ")) ?? dockerfile.split("\n")[0] ?? "";
  const base = from.replace(/^FROM\s+/, "");
  const steps = ops.length === 1 ? "1 step" : `${ops.length} steps`;
  const title = clip(`Image preview: ${base}`, 120);
  const description = clip(`${steps}${ops.length > 0 ? ` (${[...new Set(ops)].join(", ")})` : ""} · ${definitionHash}`, 300);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<meta name="description" content="${escapeHtml(description)}">
<meta property="og:type" content="website">
<meta property="og:title" content="${escapeHtml(title)}">
<meta property="og:description" content="${escapeHtml(description)}">
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Dockerfile preview</h1>
<dl>
<dt>Base</dt><dd><code>${escapeHtml(base)}</code></dd>
<dt>Steps</dt><dd>${escapeHtml(steps)}</dd>
<dt>Definition hash</dt><dd><code>${escapeHtml(definitionHash)}</code></dd>
</dl>
<pre><code>${highlightDockerfile(dockerfile)}</code></pre>
<footer><a href="?format=text">Plain text</a> · rendered by @apothic/image ${escapeHtml(version)}</footer>
</main>
</body>
</html>
`;
}
