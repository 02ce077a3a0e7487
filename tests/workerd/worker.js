// A minimal Cloudflare Worker that previews an image: POST a spec (JSON), get back its
// Dockerfile and definition hash, or the ApothicError's code. It imports the package by name;
// workerd.test.mjs loads it with the package's "workerd" entry and the .wasm as a wasm module,
// without a bundler.
import { ApothicError, Image } from "@apothic/image";

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const errorBody = (e) => ({ code: e.code, argument: e.argument ?? null, message: e.message });

export default {
  async fetch(request) {
    if (request.method !== "POST") return json({ error: { code: "METHOD_NOT_ALLOWED", message: "POST a spec" } }, 405);
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
