// Sharing an image by URL: `#spec=<base64url>` of the spec's JSON, deflated where the browser has
// CompressionStream (`#spec=z.<…>`), then `&ctx=<…>` (the same encoding) of what a reviewer needs
// to see the author's result: the Python path, the files when they are small (SHARE_FILES_CAP in
// all), and the author's resolved Dockerfile, hashes and build-context file list.

/** The most file bytes a link carries (before compression); bigger projects send their result only. */
export const SHARE_FILES_CAP = 16 * 1024;

/** The author's resolution, as a reviewer sees it without the author's files. */
export interface AuthorResult {
  dockerfile: string;
  definitionHash: string;
  imageHash: string;
  specHash: string;
  /** The layers, base first: [spec step or null, op, hash]. */
  layers: [number | null, string, string][];
  /** The build context's files (path, size, sha256). */
  context: { path: string; size: number; sha256: string }[];
}

/** What travels with the spec. */
export interface LinkContext {
  pythonPath: string[];
  /** The files (path, base64 bytes, mode) when they fit SHARE_FILES_CAP. */
  files?: [string, string, number | null][];
  /** How many files, and bytes, stayed with the author (over the cap). */
  held?: { files: number; bytes: number };
  /** The author's result, when the author's image resolved. */
  author?: AuthorResult;
}

/** A shared link: the spec's JSON and, in links made since they exist, its context. */
export interface Link {
  spec: string;
  ctx: LinkContext | null;
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

async function encodeText(text: string): Promise<string> {
  const raw = new TextEncoder().encode(text);
  if (typeof CompressionStream !== "undefined") {
    const z = await pipe(raw, new CompressionStream("deflate-raw"));
    if (z.length < raw.length) return `z.${toBase64Url(z)}`;
  }
  return toBase64Url(raw);
}

async function decodeText(value: string): Promise<string> {
  if (value.startsWith("z.")) {
    if (typeof DecompressionStream === "undefined") throw new Error("this browser cannot inflate the link");
    return new TextDecoder("utf-8", { fatal: true }).decode(await pipe(fromBase64Url(value.slice(2)), new DecompressionStream("deflate-raw")));
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(value));
}

/** The fragment (without `#`) that carries `specJson` (and `ctx`, when given). */
export async function encodeSpec(specJson: string, ctx?: LinkContext): Promise<string> {
  const spec = `spec=${await encodeText(specJson)}`;
  return ctx ? `${spec}&ctx=${await encodeText(JSON.stringify(ctx))}` : spec;
}

/** The link in a location hash, or null when it has none. Throws on a damaged link. */
export async function decodeSpec(hash: string): Promise<Link | null> {
  const m = /(?:^#?|&)spec=([A-Za-z0-9_.-]+)/.exec(hash);
  if (!m) return null;
  const c = /&ctx=([A-Za-z0-9_.-]+)/.exec(hash);
  try {
    return { spec: await decodeText(m[1]), ctx: c ? (JSON.parse(await decodeText(c[1])) as LinkContext) : null };
  } catch (e) {
    throw new Error(`the link is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Bytes as base64 (files in a link, files in localStorage). */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** base64 back to bytes. */
export function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
