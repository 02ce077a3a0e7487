// @apothic/image preview Worker: turns a posted or linked image spec into its Dockerfile.
//
//   POST /render                 { spec, files?, … } → { dockerfile, definitionHash, imageHash, buildKey,
//                                specHash, layers, context, mounts, plan, diagnostics, lint } (resolved over
//                                the inline files; lint: the findings of docs/lint.md)
//   GET  /preview/<base64url>    the Dockerfile as text/plain; ?format=html → a highlighted page
//                                (also /preview/z.<base64url of deflate-raw>, the console's share links)
//   GET  /                       what the Worker serves, and its limits
//
// The package is imported through its "workerd" entry: the .wasm is a module import, compiled
// by the runtime when the Worker loads and instantiated once at start (never in a request).
// Every refusal is JSON `{ code, message }` with 400, 404, 405, 413, 414, 415 or 422; a 500 means
// a bug (see www/worker/README.md for the table).

import { ApothicError, Image, memoryHost } from "@apothic/image";
import type { ImageHost, ImageSpec } from "@apothic/image";
import { version } from "@apothic/image/package.json";
import { checkJsonContentType, decodePreviewSpec, parseJson, parseRenderRequest, readBody } from "./body.js";
import type { RenderRequest } from "./body.js";
import { etagOf, ifNoneMatchMatches } from "./etag.js";
import { contentSecurityPolicy, previewPage } from "./html.js";
import { HttpError, jsonResponse, jsonText, responseForError, textResponse } from "./http.js";
import { inspector, registryPolicy } from "./inspect.js";
import type { InspectEnv, Inspector } from "./inspect.js";
import { LIMITS } from "./limits.js";

/** A preview URL holds the whole spec, so its answer never changes for this package version. */
const IMMUTABLE = "public, max-age=31536000, immutable";

const ROUTES = {
  render: ["POST", "OPTIONS"],
  preview: ["GET", "HEAD", "OPTIONS"],
  index: ["GET", "HEAD", "OPTIONS"],
} as const;

/** `inspectImage` and `lookupDerived` of a render request: its own `images` and `derived` first,
 * then the registries (with `inspect`), else absent (the package's default). */
function imageCallbacks(input: RenderRequest, registry: Inspector | undefined): Pick<ImageHost, "inspectImage" | "lookupDerived"> {
  const images = Object.keys(input.images).length > 0 ? input.images : undefined;
  const derived = Object.keys(input.derived).length > 0 ? input.derived : undefined;
  if (registry === undefined) {
    return {
      ...(images && { inspectImage: (ref: string) => images[ref] ?? null }),
      ...(derived && { lookupDerived: (buildKey: string) => derived[buildKey] ?? null }),
    };
  }
  const { inspectImage, lookupDerived } = registry.callbacks;
  return {
    inspectImage: (ref: string) => (images?.[ref] !== undefined ? images[ref] : inspectImage!(ref)),
    lookupDerived: (buildKey: string) => (derived?.[buildKey] !== undefined ? derived[buildKey] : lookupDerived!(buildKey)),
  };
}

/** The memoryHost for a render request, with its facts (or the registries) as the optional callbacks. */
function hostFor(input: RenderRequest, registry: Inspector | undefined): ImageHost {
  let host: ImageHost;
  try {
    host = memoryHost(input.files, {
      modes: input.modes,
      symlinks: input.symlinks,
      pythonPath: input.pythonPath,
      ...imageCallbacks(input, registry),
    });
  } catch (e) {
    // memoryHost throws a TypeError for keys it cannot place: "../x", a path that is both a
    // file and a folder, a mode or symlink for a path that is not there.
    if (e instanceof TypeError) throw new HttpError(400, "INVALID_FILES", e.message);
    throw e;
  }
  if (Object.keys(input.modules).length > 0) {
    const fallback = host.resolvePythonModule?.bind(host);
    host.resolvePythonModule = (name: string) => {
      const found = input.modules[name];
      if (found !== undefined) return found;
      if (fallback === undefined) throw new Error(`no module named ${JSON.stringify(name)} in \`modules\``);
      return fallback(name);
    };
  }
  return host;
}

/** Ops whose resolution lists files of the request in the answer. */
const FILE_OPS = /^(fromDockerfile|envFile|(uv)?[pP]ipInstallFrom(Requirements|Pyproject)|(add|copy)Local(File|Dir|PythonSource))$/;

/**
 * Refuses, before the work, a request whose answer would repeat its files for many steps: the
 * steps that read files times the entries of `files` is at most `LIMITS.maxListedEntries`.
 */
function checkListedEntries(input: RenderRequest): void {
  // The spec is not checked yet (the package does that): read it as any JSON value.
  const spec = (typeof input.spec === "object" && input.spec !== null ? input.spec : {}) as { base?: unknown; steps?: unknown };
  const ops: unknown[] = [spec.base, ...(Array.isArray(spec.steps) ? spec.steps : [])];
  const readers = ops.filter((step) => {
    const op = typeof step === "object" && step !== null ? (step as { op?: unknown }).op : undefined;
    return typeof op === "string" && FILE_OPS.test(op);
  }).length;
  const files = Object.keys(input.files).length;
  if (readers * files > LIMITS.maxListedEntries) {
    throw new HttpError(
      413,
      "ANSWER_TOO_LARGE",
      `${readers} steps that read files times ${files} files is ${readers * files} context entries; at most ${LIMITS.maxListedEntries} are answered here`,
    );
  }
}

/** POST /render. */
async function render(request: Request, env: InspectEnv): Promise<Response> {
  checkJsonContentType(request);
  const input = parseRenderRequest(parseJson(await readBody(request), "the body"));
  checkListedEntries(input);
  const image = Image.fromSpec(input.spec as ImageSpec);
  const registry = input.inspect ? inspector(registryPolicy(env)) : undefined;
  try {
    const definitionHash = image.definitionHash();
    let resolution;
    try {
      resolution = await image.resolve(hostFor(input, registry), { maxBytes: LIMITS.maxResolveBytes });
    } catch (e) {
      // The package wraps a callback's error as HOST_CALLBACK_FAILED: answer the registry's code.
      throw registry?.failure() ?? e;
    }
    const { dockerfile, imageHash, buildKey, specHash, layers, context, mounts, plan, diagnostics, lint } = resolution;
    const answer = JSON.stringify({ dockerfile, definitionHash, imageHash, buildKey, specHash, layers, context, mounts, plan, diagnostics, lint });
    if (answer.length > LIMITS.maxAnswerChars) {
      throw new HttpError(413, "ANSWER_TOO_LARGE", `the answer holds more than ${LIMITS.maxAnswerChars} characters; render fewer steps or files at once`);
    }
    return jsonText(answer);
  } finally {
    image.free();
  }
}

/** GET /preview/<base64url spec>[?format=text|html]. */
async function preview(request: Request, url: URL, segment: string): Promise<Response> {
  const format = url.searchParams.get("format") ?? "text";
  if (format !== "text" && format !== "html") {
    throw new HttpError(400, "INVALID_FORMAT", "format must be text (the default) or html");
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, "INVALID_BASE64URL", "the path after /preview/ is not a valid URL segment");
  }
  const spec = await decodePreviewSpec(decoded);
  const image = Image.fromSpec(spec as ImageSpec);
  try {
    const definitionHash = image.definitionHash();
    let dockerfile: string;
    try {
      dockerfile = image.dockerfile();
    } catch (e) {
      if (e instanceof ApothicError && e.code === "NEEDS_RESOLVE") {
        e.message += " (a preview carries no files: POST the spec and its files to /render)";
      }
      throw e;
    }
    const etag = etagOf(definitionHash);
    const headers: Record<string, string> = { etag, "cache-control": IMMUTABLE };
    if (format === "html") headers["content-security-policy"] = await contentSecurityPolicy();
    const type = format === "html" ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
    if (ifNoneMatchMatches(request.headers.get("if-none-match"), etag)) return textResponse(null, type, 304, headers);
    if (request.method === "HEAD") return textResponse(null, type, 200, headers);
    if (format === "text") return textResponse(dockerfile, type, 200, headers);
    const ops = image.toSpec().steps.map((step) => step.op);
    return textResponse(previewPage({ dockerfile, definitionHash, ops, version }), type, 200, { ...headers, "referrer-policy": "no-referrer" });
  } finally {
    image.free();
  }
}

/** GET /: what this Worker serves. */
function index(): Response {
  return jsonResponse({
    name: "@apothic/image preview Worker",
    package: `@apothic/image@${version}`,
    routes: {
      "POST /render": "{ spec, files?, modes?, symlinks?, pythonPath?, modules?, images?, derived?, inspect? } (or a bare spec) → { dockerfile, definitionHash, imageHash, buildKey, specHash, layers, context, mounts, plan, diagnostics, lint }",
      "GET /preview/<base64url spec>": "the Dockerfile as text/plain; ?format=html for a highlighted page; ETag is the definition hash",
    },
    limits: LIMITS,
  });
}

function preflight(methods: readonly string[]): Response {
  return new Response(null, {
    status: 204,
    headers: {
      allow: methods.join(", "),
      "access-control-allow-origin": "*",
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": "content-type, if-none-match",
      "access-control-max-age": "86400",
    },
  });
}

function methodNotAllowed(methods: readonly string[], method: string): HttpError {
  return new HttpError(405, "METHOD_NOT_ALLOWED", `${method.slice(0, 20)} is not served here; use ${methods.filter((m) => m !== "OPTIONS").join(" or ")}`, {
    allow: methods.join(", "),
  });
}

async function route(request: Request, env: InspectEnv): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const method = request.method;
  let name: keyof typeof ROUTES;
  if (path === "/render") name = "render";
  else if (path.startsWith("/preview/")) name = "preview";
  else if (path === "/") name = "index";
  else throw new HttpError(404, "NOT_FOUND", "nothing here: POST /render, or GET /preview/<base64url spec>");
  const methods = ROUTES[name];
  if (method === "OPTIONS") return preflight(methods);
  if (!(methods as readonly string[]).includes(method)) throw methodNotAllowed(methods, method);
  switch (name) {
    case "render":
      return render(request, env);
    case "preview":
      return preview(request, url, path.slice("/preview/".length));
    case "index":
      return index();
  }
}

export default {
  async fetch(request: Request, env: InspectEnv): Promise<Response> {
    try {
      return await route(request, env);
    } catch (error) {
      return responseForError(error);
    }
  },
} satisfies ExportedHandler<InspectEnv>;
