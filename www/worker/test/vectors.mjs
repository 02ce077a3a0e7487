// The repository's golden vectors (read by tests/harness/vectors.mjs) in the forms the Worker
// takes, and the same inputs answered by the package in this Node process (its "node" entry, from
// the tarball installed in www/worker/node_modules), so the Worker's answers can be compared with
// both.
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { resolveVectors } from "../../../tests/harness/vectors.mjs";

/**
 * tests/vectors-resolve/* as requests: { name, spec, resolution, body } where `body` is the POST /render
 * request that carries the vector's host: its files (base64), empty folders, modes, symlinks,
 * Python modules, image inspections and derived images.
 */
export function resolveVectorRequests() {
  return resolveVectors().map(({ name, spec, files: bytes, extras, resolution }) => {
    const files = {};
    for (const [path, data] of Object.entries(bytes)) files[path] = { base64: Buffer.from(data).toString("base64") };
    for (const d of extras.dirs ?? []) files[`${d}/`] = "";
    const body = { spec, files };
    if (extras.modes) body.modes = extras.modes; // octal strings, as host.json has them
    if (extras.symlinks) body.symlinks = extras.symlinks;
    if (extras.modules) body.modules = extras.modules;
    if (extras.images) body.images = extras.images;
    if (extras.derived) body.derived = extras.derived;
    return { name, spec, resolution, body };
  });
}

/** Bytes of a request file value: a string (UTF-8) or { base64 }. */
const bytesOf = (value) => (typeof value === "string" ? value : new Uint8Array(Buffer.from(value.base64, "base64")));

/**
 * What the Worker should answer to a POST /render body, computed here with the package's Node
 * entry: { status: 200, body } or { status: 422, body: { code, message, … } }.
 */
export async function renderInNode(request) {
  const input = "spec" in request ? request : { spec: request };
  const files = {};
  for (const [path, value] of Object.entries(input.files ?? {})) files[path] = bytesOf(value);
  const modes = Object.fromEntries(Object.entries(input.modes ?? {}).map(([p, m]) => [p, typeof m === "number" ? m : parseInt(m, 8)]));
  let image;
  try {
    image = Image.fromSpec(input.spec);
    const host = memoryHost(files, {
      modes,
      symlinks: input.symlinks ?? {},
      pythonPath: input.pythonPath ?? [],
      ...(input.images && { inspectImage: (ref) => input.images[ref] ?? null }),
      ...(input.derived && { lookupDerived: (buildKey) => input.derived[buildKey] ?? null }),
    });
    if (input.modules) {
      const fallback = host.resolvePythonModule.bind(host);
      host.resolvePythonModule = (name) => input.modules[name] ?? fallback(name);
    }
    const definitionHash = image.definitionHash();
    const r = await image.resolve(host);
    const body = {
      dockerfile: r.dockerfile,
      definitionHash,
      imageHash: r.imageHash,
      buildKey: r.buildKey,
      specHash: r.specHash,
      layers: r.layers,
      context: r.context,
      mounts: r.mounts,
      plan: r.plan,
      diagnostics: r.diagnostics,
      lint: r.lint,
    };
    return { status: 200, body: JSON.parse(JSON.stringify(body)) };
  } catch (e) {
    if (!(e instanceof ApothicError)) throw e;
    const body = { code: e.code, message: e.message };
    for (const key of ["argument", "file", "line", "column"]) if (e[key] !== undefined) body[key] = e[key];
    return { status: 422, body };
  } finally {
    image?.free();
  }
}

/** The spec in a preview URL: base64url of its JSON (no padding). */
export const previewPath = (spec) => `/preview/${Buffer.from(JSON.stringify(spec), "utf8").toString("base64url")}`;

/** The text of the HTML preview's <pre><code> block: tags dropped, entities decoded. */
export function codeText(html) {
  const match = /<pre><code>([\s\S]*)<\/code><\/pre>/.exec(html);
  if (!match) throw new Error("no <pre><code> in the page");
  return match[1]
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
