// Responses: JSON bodies, the error shape, and the headers every response carries.

import { ApothicError } from "@apothic/image";

/**
 * A request the Worker refuses: answered as `status` with the JSON `{ code, message }` (plus
 * `argument`, `file`, `line`, `column` when the package said where the problem is).
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Headers on every response: no MIME sniffing, and open CORS (the API is public and stateless,
 * and never reads cookies or credentials). */
function baseHeaders(): Headers {
  return new Headers({
    "x-content-type-options": "nosniff",
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "etag",
  });
}

export function jsonResponse(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return jsonText(JSON.stringify(body), status, extra);
}

/** A response of JSON text already serialised. */
export function jsonText(text: string, status = 200, extra: Record<string, string> = {}): Response {
  const headers = baseHeaders();
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("cache-control", "no-store");
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(text, { status, headers });
}

export function textResponse(
  body: string | null,
  contentType: string,
  status: number,
  extra: Record<string, string> = {},
): Response {
  const headers = baseHeaders();
  if (body !== null || status === 200) headers.set("content-type", contentType);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(body, { status, headers });
}

/** The JSON error body: `{ code, message }`, plus where the package located the problem. */
export interface ErrorBody {
  code: string;
  message: string;
  argument?: string;
  file?: string;
  line?: number;
  column?: number;
}

export function errorResponse(status: number, body: ErrorBody, extra: Record<string, string> = {}): Response {
  return jsonResponse(body, status, extra);
}

/**
 * Any thrown value as a response: an `HttpError` with its own status, an `ApothicError` (the
 * package refused the spec or its files) as 422 with the package's code, anything else as 500
 * (a bug in the Worker or the package, never the caller's input).
 */
export function responseForError(error: unknown): Response {
  if (error instanceof HttpError) {
    return errorResponse(error.status, { code: error.code, message: error.message }, error.headers);
  }
  if (error instanceof ApothicError) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.argument !== undefined) body.argument = error.argument;
    if (error.file !== undefined) body.file = error.file;
    if (error.line !== undefined) body.line = error.line;
    if (error.column !== undefined) body.column = error.column;
    return errorResponse(422, body);
  }
  console.error("apothic-image-preview: internal error", error);
  return errorResponse(500, { code: "INTERNAL_ERROR", message: "the Worker failed on this request; it is a bug, not your input" });
}
