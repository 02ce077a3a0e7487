// Reading untrusted input: the POST body (size, media type, UTF-8, JSON, nesting), the shape of
// a render request, and the base64url spec of a preview URL.

import type { ImageInspection, PythonModule } from "@apothic/image";
import { HttpError } from "./http.js";
import { LIMITS } from "./limits.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Checks `Content-Type: application/json` (any `charset` but UTF-8 is refused) and no content coding. */
export function checkJsonContentType(request: Request): void {
  const header = request.headers.get("content-type");
  if (header === null) {
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with Content-Type: application/json");
  }
  const [type = "", ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") {
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `the body must be application/json, not ${JSON.stringify(type.slice(0, 100))}`);
  }
  for (const param of params) {
    const [name, value = ""] = param.split("=", 2).map((s) => s.trim());
    if (name === "charset" && value.replace(/^"|"$/g, "") !== "utf-8") {
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be UTF-8 (charset=utf-8 or no charset)");
    }
  }
  const encoding = request.headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") {
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body without a Content-Encoding (it is at most 1 MiB)");
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, "BODY_TOO_LARGE", `the body is larger than ${LIMITS.maxBodyBytes} bytes`);
}

/** The body's bytes, refused past `LIMITS.maxBodyBytes` without reading further. */
export async function readBody(request: Request): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > LIMITS.maxBodyBytes) {
    throw tooLarge();
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > LIMITS.maxBodyBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** UTF-8 bytes → a JSON value, with the nesting limit checked. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, "INVALID_JSON", `${what} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? `: ${e.message.slice(0, 200)}` : "";
    throw new HttpError(400, "INVALID_JSON", `${what} is not JSON${detail}`);
  }
  checkDepth(value, what);
  return value;
}

/** Refuses JSON nested deeper than `LIMITS.maxDepth` (walked with an explicit stack). */
function checkDepth(root: unknown, what: string): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > LIMITS.maxDepth) {
      throw new HttpError(413, "JSON_TOO_DEEP", `${what} is nested deeper than ${LIMITS.maxDepth} levels`);
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Refuses a spec with more than `LIMITS.maxSteps` steps before the package reads it. */
export function checkSpecSize(spec: unknown): void {
  if (isPlainObject(spec) && Array.isArray(spec.steps) && spec.steps.length > LIMITS.maxSteps) {
    throw new HttpError(413, "TOO_MANY_STEPS", `the spec has ${spec.steps.length} steps; at most ${LIMITS.maxSteps} are rendered here`);
  }
}

/** What `POST /render` takes: the spec and, optionally, the files and facts its resolution needs. */
export interface RenderRequest {
  spec: unknown;
  files: Record<string, string | Uint8Array>;
  modes: Record<string, number>;
  symlinks: Record<string, string>;
  pythonPath: string[];
  modules: Record<string, PythonModule>;
  images: Record<string, ImageInspection | null>;
  derived: Record<string, string | null>;
  /** Whether the Worker inspects the spec's base images in their registries (src/inspect.ts). */
  inspect: boolean;
}

const REQUEST_KEYS = ["spec", "files", "modes", "symlinks", "pythonPath", "modules", "images", "derived", "inspect"];

/** An empty record without a prototype: keys such as "__proto__" or "constructor" are plain keys. */
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const invalid = (message: string) => new HttpError(400, "INVALID_REQUEST", message);
const invalidFiles = (message: string) => new HttpError(400, "INVALID_FILES", message);
const quote = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** A map of the request (`files`, `modes`, …): an object of at most `LIMITS.maxFiles` entries. */
function entriesOf(value: unknown, name: string): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (!isPlainObject(value)) throw invalidFiles(`\`${name}\` must be an object`);
  const entries = Object.entries(value);
  if (entries.length > LIMITS.maxFiles) {
    throw new HttpError(413, "TOO_MANY_FILES", `\`${name}\` has ${entries.length} entries; at most ${LIMITS.maxFiles} are accepted`);
  }
  return entries;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 (with padding) → bytes. */
function decodeBase64(text: string, where: string): Uint8Array {
  if (!BASE64.test(text)) throw invalidFiles(`${where}: \`base64\` is not valid base64 (standard alphabet, padded)`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A permission mode: a number, or an octal string ("755", "0o644", "0600"); 0 to 0o7777. */
function parseMode(value: unknown, where: string): number {
  let mode = Number.NaN;
  if (typeof value === "number") mode = value;
  else if (typeof value === "string" && /^(?:0o?)?[0-7]{1,4}$/i.test(value)) mode = parseInt(value.replace(/^0o/i, ""), 8);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw invalidFiles(`${where} must be permission bits: a number (493) or an octal string ("755")`);
  }
  return mode;
}

/** Checks the shape of a `POST /render` body (the spec itself is the package's to validate). */
export function parseRenderRequest(body: unknown): RenderRequest {
  if (!isPlainObject(body)) {
    throw invalid("the body must be a JSON object: { spec, files?, modes?, symlinks?, pythonPath?, modules?, images?, derived?, inspect? }");
  }
  if (!("spec" in body) && "version" in body) {
    // A bare spec (`curl --data @spec.json`): no files.
    checkSpecSize(body);
    return { spec: body, files: dict(), modes: dict(), symlinks: dict(), pythonPath: [], modules: dict(), images: dict(), derived: dict(), inspect: false };
  }
  for (const key of Object.keys(body)) {
    if (!REQUEST_KEYS.includes(key)) throw invalid(`unknown field ${quote(key)} (known: ${REQUEST_KEYS.join(", ")})`);
  }
  if (!("spec" in body)) throw invalid("the body has no `spec` (the value of image.toSpec()); send { spec, files? } or the spec alone");
  checkSpecSize(body.spec);

  const files = dict<string | Uint8Array>();
  for (const [path, value] of entriesOf(body.files, "files")) {
    if (typeof value === "string") files[path] = value;
    else if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.base64 === "string") {
      files[path] = decodeBase64(value.base64, `files[${quote(path)}]`);
    } else {
      throw invalidFiles(`files[${quote(path)}] must be a string (UTF-8 text) or { "base64": "…" } (bytes)`);
    }
  }
  const modes = dict<number>();
  for (const [path, value] of entriesOf(body.modes, "modes")) modes[path] = parseMode(value, `modes[${quote(path)}]`);
  const symlinks = dict<string>();
  for (const [path, target] of entriesOf(body.symlinks, "symlinks")) {
    if (typeof target !== "string") throw invalidFiles(`symlinks[${quote(path)}] must be the link's target path`);
    symlinks[path] = target;
  }
  let pythonPath: string[] = [];
  if (body.pythonPath !== undefined) {
    if (!Array.isArray(body.pythonPath) || !body.pythonPath.every((p) => typeof p === "string")) {
      throw invalidFiles("`pythonPath` must be an array of folder paths");
    }
    if (body.pythonPath.length > LIMITS.maxFiles) throw new HttpError(413, "TOO_MANY_FILES", "`pythonPath` is too long");
    pythonPath = body.pythonPath as string[];
  }
  const modules = dict<PythonModule>();
  for (const [name, value] of entriesOf(body.modules, "modules")) {
    if (!isPlainObject(value) || typeof value.path !== "string" || typeof value.isPackage !== "boolean" || Object.keys(value).length !== 2) {
      throw invalidFiles(`modules[${quote(name)}] must be { "path": "…", "isPackage": true | false }`);
    }
    modules[name] = { path: value.path, isPackage: value.isPackage };
  }
  const images = dict<ImageInspection | null>();
  for (const [ref, value] of entriesOf(body.images, "images")) {
    // The package checks the inspection's fields (and names the callback when one is wrong).
    if (value !== null && !isPlainObject(value)) throw invalidFiles(`images[${quote(ref)}] must be an object (what inspectImage returns) or null`);
    images[ref] = value as ImageInspection | null;
  }
  const derived = dict<string | null>();
  for (const [buildKey, value] of entriesOf(body.derived, "derived")) {
    if (value !== null && typeof value !== "string") throw invalidFiles(`derived[${quote(buildKey)}] must be an image reference or null`);
    derived[buildKey] = value;
  }
  if (body.inspect !== undefined && typeof body.inspect !== "boolean") throw invalid("`inspect` must be true or false");
  const inspect = body.inspect === true;
  return { spec: body.spec, files, modes, symlinks, pythonPath, modules, images, derived, inspect };
}

/** base64url (RFC 4648 §5, padding optional) → bytes, or a 400 INVALID_BASE64URL. */
function decodeBase64Url(text: string): Uint8Array {
  const unpadded = text.replace(/={1,2}$/, "");
  if (unpadded === "" || !/^[A-Za-z0-9_-]+$/.test(unpadded) || unpadded.length % 4 === 1) {
    throw new HttpError(
      400,
      "INVALID_BASE64URL",
      "the path after /preview/ must be the spec's JSON in base64url (RFC 4648 §5, padding optional), or z. and its deflate-raw in base64url",
    );
  }
  const standard = unpadded.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Inflates deflate-raw bytes, refusing more than `LIMITS.maxPreviewSpecBytes` of output. */
async function inflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > LIMITS.maxPreviewSpecBytes) {
        await reader.cancel().catch(() => {});
        throw new HttpError(413, "SPEC_TOO_LARGE", `the spec in the URL inflates to more than ${LIMITS.maxPreviewSpecBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, "INVALID_COMPRESSION", "the spec after z. is not valid deflate-raw data");
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * The spec of a preview URL: base64url (padding optional) of its UTF-8 JSON, or `z.` and the
 * base64url of its deflate-raw compression (the console's share links, `#spec=z.…`).
 */
export async function decodePreviewSpec(segment: string): Promise<unknown> {
  if (segment.length > LIMITS.maxPreviewChars) {
    throw new HttpError(414, "URI_TOO_LONG", `the spec in the URL has ${segment.length} characters; at most ${LIMITS.maxPreviewChars} are accepted (POST it to /render instead)`);
  }
  const compressed = segment.startsWith("z.");
  let bytes = decodeBase64Url(compressed ? segment.slice(2) : segment);
  if (compressed) bytes = await inflateRaw(bytes);
  const spec = parseJson(bytes, "the spec in the URL");
  checkSpecSize(spec);
  return spec;
}
