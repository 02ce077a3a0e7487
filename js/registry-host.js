// registryHost(options): the network side of an ImageHost — `inspectImage` and `lookupDerived`
// answered by any registry that speaks the OCI Distribution API. Only web APIs (fetch, WebCrypto,
// DecompressionStream, TextDecoder): the same code runs in Node, browsers and workerd. Spread it
// into a file host: `{ ...nodeHost({ root }), ...registryHost() }`.
//
// An inspection reads the manifest (by tag or digest; an index gives the entry for `platform`),
// the config blob, and, for what the config does not say (Python, libc), the tar headers of the
// layers as they stream, stopping as soon as the answer is known or the byte budget is spent.
// Every digest is checked against the bytes it names; every answer is still validated by the
// core before it reaches a plan.
//
// The pieces, one job each, in js/registry/: reference.js (references, Docker Hub's rules),
// options.js (the options checked), errors.js (coded errors), operation.js (deadlines, bounded
// bodies, digests), auth.js (redirects and authentication), image-config.js (manifests and
// configs checked) and layers.js (Python and libc from the layers' tar headers).
import { quoteEscaped as quote } from "./host-helpers.js";
import { requester } from "./registry/auth.js";
import { isRegistryError, registryError } from "./registry/errors.js";
import { archOf, choose, descriptor, MANIFEST_ACCEPT, parseManifest, pythonFromEnv, runtimeConfig } from "./registry/image-config.js";
import { layerScanner } from "./registry/layers.js";
import { operations, readBody, sha256 } from "./registry/operation.js";
import { baseOf, checkRegistryOptions } from "./registry/options.js";
import { derivedTag, DIGEST, parseReference } from "./registry/reference.js";

export { parseChallenge } from "./registry/auth.js";
export { derivedTag, parseReference } from "./registry/reference.js";

/** @typedef {import("./apothic_image.js").ImageInspection} ImageInspection */
/** @typedef {import("./index.js").RegistryHostOptions} RegistryHostOptions */
/** @typedef {import("./index.js").RegistryHost} RegistryHost */
/** @typedef {import("./registry/errors.js").Where} Where */
/** @typedef {import("./registry/image-config.js").Descriptor} Descriptor */
/** @typedef {import("./registry/image-config.js").Manifest} Manifest */

const textDecoder = new TextDecoder();

/**
 * A host that answers `inspectImage` and `lookupDerived` from OCI registries.
 *
 * @param {RegistryHostOptions} [options]
 * @returns {RegistryHost}
 */
export function registryHost(options) {
  const o = checkRegistryOptions(options);
  const stats = { requests: 0, bytes: 0 };
  const operation = operations(o, stats);
  const get = requester(o, stats);
  const scanLayers = layerScanner(operation, get, stats, o.maxLayerBytes);

  /**
   * A manifest by tag or digest, its digest checked against its bytes (and against the
   * registry's Docker-Content-Digest, and the digest asked for).
   * @param {Where} where
   * @param {string} reference a tag or a digest
   * @returns {Promise<Manifest>}
   */
  const manifest = (where, reference) =>
    operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `manifests/${reference}`, "GET", MANIFEST_ACCEPT, "manifest", where);
      const bytes = await readBody(response, o.maxManifestBytes, "manifest", where, stats);
      const digest = await sha256(bytes);
      const said = response.headers.get("docker-content-digest");
      if (said !== null && said.startsWith("sha256:") && said !== digest) {
        throw registryError("REGISTRY_DIGEST_MISMATCH", `the manifest's bytes have the digest ${digest}, not the ${quote(said)} the registry gives for them`, where);
      }
      if (reference.startsWith("sha256:") && digest !== reference) {
        throw registryError("REGISTRY_DIGEST_MISMATCH", `the manifest's bytes have the digest ${digest}, not the ${reference} asked for`, where);
      }
      return parseManifest(digest, bytes, response.headers.get("content-type"), where);
    });

  /**
   * A blob's bytes (a config), at most `maxManifestBytes`, its digest checked.
   * @param {Where} where
   * @param {Descriptor} d
   * @param {string} what
   */
  const blob = (where, d, what) => {
    if (d.size > o.maxManifestBytes) {
      throw registryError("REGISTRY_TOO_LARGE", `the ${what} is ${d.size.toLocaleString("en")} bytes, over the ${o.maxManifestBytes.toLocaleString("en")} it may hold`, where);
    }
    return operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `blobs/${d.digest}`, "GET", "*/*", what, where);
      const bytes = await readBody(response, o.maxManifestBytes, what, where, stats);
      const digest = await sha256(bytes);
      if (digest !== d.digest) throw registryError("REGISTRY_DIGEST_MISMATCH", `the ${what}'s bytes have the digest ${digest}, not the ${d.digest} the manifest gives`, where);
      return bytes;
    });
  };

  /**
   * Inspects a reference (see the module comment).
   * @param {string} ref
   * @returns {Promise<ImageInspection>}
   */
  const inspect = async (ref) => {
    const parsed = parseReference(ref);
    /** @type {Where} */
    const where = { registry: parsed.registry, repository: parsed.repository, reference: ref };
    // Checked before the cache: an aborted caller gets ABORTED, never a cached answer.
    if (o.signal?.aborted) throw registryError("ABORTED", "the signal was aborted", where);
    // Scoped to where the answer came from: layers are read in part and their digests cannot be
    // checked, so an answer one registry or repository gave is never reused for another.
    const cacheKey = (/** @type {string} */ digest) => `${baseOf(o, parsed.registry)}/${parsed.repository}@${digest} ${o.platform}`;
    /**
     * Calls the cache's `get` or `set`; what it throws (or rejects with) is REGISTRY_CACHE_FAILED.
     * @template T
     * @param {"get" | "set"} method
     * @param {() => T} call
     */
    const useCache = async (method, call) => {
      try {
        return await call();
      } catch (error) {
        throw registryError("REGISTRY_CACHE_FAILED", `the cache's ${method} failed: ${error instanceof Error ? error.message : String(error)}`, where);
      }
    };
    const cached = (/** @type {string} */ digest) => useCache("get", () => /** @type {ImageInspection | undefined | Promise<ImageInspection | undefined>} */ (o.cache.get(cacheKey(digest))));
    if (parsed.digest !== undefined) {
      const hit = await cached(parsed.digest);
      if (hit !== undefined) return { ...hit };
    }
    const top = await manifest(where, parsed.digest ?? parsed.tag ?? "latest");
    if (parsed.digest === undefined) {
      const hit = await cached(top.digest);
      if (hit !== undefined) return { ...hit };
    }
    let chosen = top;
    for (let depth = 0; chosen.index; depth++) {
      if (depth === 2) throw registryError("REGISTRY_BAD_ANSWER", "indexes nested more than two deep", where);
      chosen = await manifest(where, choose(chosen, o.platform, where).digest);
    }
    const configDescriptor = descriptor(chosen.json.config, "manifest's config", where);
    const layersList = chosen.json.layers;
    if (!Array.isArray(layersList)) throw registryError("REGISTRY_BAD_ANSWER", "the manifest has no layers list", where);
    const layers = layersList.map((layer, i) => descriptor(layer, `layer ${i}`, where));
    const configBytes = await blob(where, configDescriptor, "config");
    let config;
    try {
      config = JSON.parse(textDecoder.decode(configBytes));
    } catch {
      config = undefined;
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) throw registryError("REGISTRY_BAD_ANSWER", "the config is not a JSON object", where);

    /** @type {ImageInspection} */
    const result = { digest: top.digest };
    if (typeof config.os === "string" && /^[a-z0-9]{1,32}$/.test(config.os)) result.os = config.os;
    const arch = archOf(config.architecture, config.variant);
    if (arch !== undefined) result.arch = arch;
    const runtime = runtimeConfig(config.config, where);
    const fromEnv = pythonFromEnv(runtime.env);
    const found = await scanLayers(where, layers, fromEnv === undefined);
    if (found.libc !== undefined) result.libc = found.libc;
    const python = fromEnv ?? found.python;
    if (python !== undefined) {
      result.pythonPath = python.path;
      result.pythonVersion = python.version;
    }
    Object.assign(result, runtime);
    if (found.unread !== undefined) result.layersUnread = found.unread;
    await useCache("set", () => o.cache.set(cacheKey(top.digest), result));
    return { ...result };
  };

  return {
    inspectImage: inspect,
    async lookupDerived(buildKey) {
      const tag = derivedTag(buildKey);
      if (o.derived === undefined) return null;
      const { name, parsed } = o.derived;
      /** @type {Where} */
      const where = { registry: parsed.registry, repository: parsed.repository, reference: `${name}:${tag}` };
      let digest;
      try {
        digest = await operation(where, async (fetchOnce) => {
          const response = await get(fetchOnce, `manifests/${tag}`, "HEAD", MANIFEST_ACCEPT, "manifest", where);
          await response.body?.cancel().catch(() => {});
          return response.headers.get("docker-content-digest");
        });
      } catch (error) {
        if (isRegistryError(error) && error.code === "REGISTRY_NOT_FOUND") return null;
        throw error;
      }
      // Without the header (or with another algorithm's), the manifest itself gives the digest.
      if (digest === null || !digest.startsWith("sha256:")) digest = (await manifest(where, tag)).digest;
      if (!DIGEST.test(digest)) throw registryError("REGISTRY_BAD_ANSWER", `the Docker-Content-Digest ${quote(digest)} is not "sha256:" and 64 lowercase hexadecimal digits`, where);
      return `${name}@${digest}`;
    },
    stats: () => ({ ...stats }),
  };
}
