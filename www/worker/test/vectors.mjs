// The repository's golden vectors, and the same inputs answered by the package in this Node
// process (its "node" entry, from the tarball installed in www/worker/node_modules), so the
// Worker's answers can be compared with both.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { repo } from "./workerd.mjs";

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** tests/vectors/*: { name, spec, hash, dockerfile?, renderError? }. */
export function goldenVectors() {
  const dir = join(repo, "tests", "vectors");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "spec.json")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = (f) => join(dir, name, f);
      return {
        name,
        spec: readJson(file("spec.json")),
        hash: readFileSync(file("hash"), "utf8").trim(),
        dockerfile: existsSync(file("Dockerfile")) ? readFileSync(file("Dockerfile"), "utf8") : undefined,
        renderError: existsSync(file("render-error.json")) ? readJson(file("render-error.json")) : undefined,
      };
    });
}

/** tests/vectors/errors.json entries that are a single `fromSpec` call: { name, spec, code, argument }. */
export function specErrorVectors() {
  return readJson(join(repo, "tests", "vectors", "errors.json"))
    .filter((v) => v.calls.length === 1 && v.calls[0][0] === "fromSpec")
    .map((v) => ({ name: v.name, spec: v.calls[0][1], code: v.code, argument: v.argument }));
}

/** The files under `dir`, by path relative to `root`; none when `dir` does not exist (git keeps
 * no empty folders, so a vector without host files has no host/ in a clone). */
function filesUnder(dir, root = dir, out = {}) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, root, out);
    else out[relative(root, path)] = readFileSync(path);
  }
  return out;
}

/**
 * tests/vectors-resolve/*: { name, spec, resolution, body } where `body` is the POST /render
 * request that carries the vector's host: its files (base64), empty folders, modes, symlinks,
 * Python modules, image inspections and derived images.
 */
export function resolveVectors() {
  const dir = join(repo, "tests", "vectors-resolve");
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => {
      const folder = join(dir, name);
      const extra = existsSync(join(folder, "host.json")) ? readJson(join(folder, "host.json")) : {};
      const files = {};
      for (const [path, bytes] of Object.entries(filesUnder(join(folder, "host")))) files[path] = { base64: bytes.toString("base64") };
      for (const d of extra.dirs ?? []) files[`${d}/`] = "";
      const body = { spec: readJson(join(folder, "spec.json")), files };
      if (extra.modes) body.modes = extra.modes; // octal strings, as host.json has them
      if (extra.symlinks) body.symlinks = extra.symlinks;
      if (extra.modules) body.modules = extra.modules;
      if (extra.images) body.images = extra.images;
      if (extra.derived) body.derived = extra.derived;
      const resolution = readJson(join(folder, "resolution.json"));
      delete resolution.contextDirs; // the native test's, not part of the JS object
      return { name, spec: body.spec, resolution, body };
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
      ...(input.derived && { lookupDerived: (hash) => input.derived[hash] ?? null }),
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
      specHash: r.specHash,
      layers: r.layers,
      context: r.context,
      mounts: r.mounts,
      plan: r.plan,
      diagnostics: r.diagnostics,
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
