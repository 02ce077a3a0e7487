// A minimal Cloudflare Worker that previews an image: POST a spec (JSON), get back its
// Dockerfile and definition hash, or the ApothicError's code. POST /resolve with
// `{ spec, files }` (files: path → text) resolves the spec over memoryHost(files) and answers
// `{ resolution, tarSha256, tarLength }` (the hex SHA-256 of buildContext's bytes, computed with
// WebCrypto); POST /lint with `{ spec, files, inspections }` answers `{ lint, resolved }` (the
// spec's lint and its resolution's); POST /diff with `{ before, after }` (specs or their JSON
// texts) answers `{ diff }`, `Image.diff(before, after)`. It imports the package by name; workerd.test.mjs loads it with the package's
// "workerd" entry and the .wasm as a wasm module, without a bundler.
import { ApothicError, Image, memoryHost } from "@apothic/image";

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const errorBody = (e) => ({ code: e.code, argument: e.argument ?? null, message: e.message });

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** POST /resolve: `{ spec, files }` → the resolution over memoryHost(files) and the tar's digest. */
async function resolveRoute(request) {
  let body;
  try {
    body = await request.json();
  } catch {
    return json({ error: { code: "INVALID_JSON", message: "the body is not JSON" } }, 400);
  }
  const { spec, files } = body ?? {};
  let host;
  try {
    host = memoryHost(files);
  } catch (e) {
    if (e instanceof TypeError) return json({ error: { code: "INVALID_FILES", message: e.message } }, 400);
    throw e;
  }
  let image;
  try {
    image = Image.fromSpec(spec);
    const resolution = await image.resolve(host);
    const tar = await image.buildContext(host);
    const tarSha256 = hex(await crypto.subtle.digest("SHA-256", tar));
    return json({ resolution, tarSha256, tarLength: tar.length });
  } catch (e) {
    if (e instanceof ApothicError) return json({ error: errorBody(e) }, 422);
    throw e;
  } finally {
    image?.free();
  }
}

/** POST /lint: `{ spec, files, inspections }` → `{ lint, resolved }`: image.lint(), and the lint of its resolution. */
async function lintRoute(request) {
  const { spec, files, inspections } = await request.json();
  const image = Image.fromSpec(spec);
  try {
    const host = memoryHost(files, { inspectImage: async (ref) => inspections[ref] ?? null });
    return json({ lint: image.lint(), resolved: (await image.resolve(host)).lint });
  } catch (e) {
    if (e instanceof ApothicError) return json({ error: errorBody(e) }, 422);
    throw e;
  } finally {
    image.free();
  }
}

/** POST /diff: `{ before, after }` → `{ diff }`: Image.diff(before, after), or the ApothicError. */
async function diffRoute(request) {
  const { before, after } = await request.json();
  try {
    return json({ diff: Image.diff(before, after) });
  } catch (e) {
    if (e instanceof ApothicError) return json({ error: errorBody(e) }, 422);
    throw e;
  }
}

export default {
  async fetch(request) {
    if (request.method !== "POST") return json({ error: { code: "METHOD_NOT_ALLOWED", message: "POST a spec" } }, 405);
    if (new URL(request.url).pathname === "/resolve") return resolveRoute(request);
    if (new URL(request.url).pathname === "/lint") return lintRoute(request);
    if (new URL(request.url).pathname === "/diff") return diffRoute(request);
    let spec;
    try {
      spec = await request.json();
    } catch {
      return json({ error: { code: "INVALID_JSON", message: "the body is not JSON" } }, 400);
    }
    let image;
    try {
      image = Image.fromSpec(spec);
    } catch (e) {
      if (e instanceof ApothicError) return json({ error: errorBody(e) }, 422);
      throw e;
    }
    try {
      const definitionHash = image.definitionHash();
      try {
        return json({ dockerfile: image.dockerfile(), definitionHash, steps: image.length });
      } catch (e) {
        if (e instanceof ApothicError) return json({ renderError: errorBody(e), definitionHash, steps: image.length });
        throw e;
      }
    } finally {
      image.free();
    }
  },
};
