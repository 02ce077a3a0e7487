// What the layers' tar headers say of Python and libc, read as the layers stream: Python newest
// layer first (under the whiteouts of the layers above), then libc oldest first, within the
// byte budget, stopping at the first layer that cannot be read and saying why (`layersUnread`).
import { registryError } from "./errors.js";
import { TarFormatError, TarHeaderReader } from "../tar-headers.js";

/** @typedef {import("../apothic_image.js").LayersUnread} LayersUnread */
/** @typedef {import("../tar-headers.js").TarEntry} TarEntry */
/** @typedef {import("./errors.js").Where} Where */
/** @typedef {import("./image-config.js").Descriptor} Descriptor */
/** @typedef {import("./operation.js").Operation} Operation */
/** @typedef {import("./operation.js").Stats} Stats */
/** @typedef {import("./auth.js").Get} Get */

/**
 * What the layers said: Python and libc when found, and the layer left unread when one is.
 * @typedef {{ python?: { path: string, version: string }, libc?: "glibc" | "musl", unread?: LayersUnread }} LayersFound
 */

/** Layer media types whose tar headers can be read, and how they are compressed. */
const LAYER_KINDS = new Map([
  ["application/vnd.oci.image.layer.v1.tar+gzip", "gzip"],
  ["application/vnd.docker.image.rootfs.diff.tar.gzip", "gzip"],
  ["application/vnd.oci.image.layer.v1.tar", "tar"],
  ["application/vnd.docker.image.rootfs.diff.tar", "tar"],
]);

/** `python3.X` in the folders images put it in; group 1 is the version. */
const PYTHON_FILE = /^(?:usr\/local\/bin|usr\/bin)\/python(3\.\d{1,4})$/;
/** musl's dynamic loader. */
const MUSL_LOADER = /^(?:usr\/)?lib\/ld-musl-[^/]+\.so\.1$/;
/** glibc's dynamic loader or its libc.so.6, in lib, lib64, lib32 or a multiarch folder. */
const GLIBC_FILE = /^(?:usr\/)?lib(?:32|64|x32)?\/(?:[^/]+\/)?(?:ld-linux[^/]*\.so\.\d+|libc\.so\.6)$/;

/** How many times the compressed budget a layer may inflate to before reading stops. */
const INFLATE_RATIO = 16;

/**
 * Paths hidden from lower layers by the whiteouts of the layers above them.
 */
class Whiteouts {
  constructor() {
    /** @type {Set<string>} paths removed (with everything under them) */
    this.removed = new Set();
    /** @type {Set<string>} folders made opaque (everything under them from lower layers) */
    this.opaque = new Set();
  }

  /**
   * Whether `path` of a lower layer is hidden.
   * @param {string} path
   */
  hides(path) {
    if (this.opaque.has("")) return true;
    const parts = path.split("/");
    let prefix = "";
    for (let i = 0; i < parts.length; i++) {
      prefix = i === 0 ? parts[0] : `${prefix}/${parts[i]}`;
      if (this.removed.has(prefix)) return true;
      if (i < parts.length - 1 && this.opaque.has(prefix)) return true;
    }
    return false;
  }
}

/**
 * The layer scanner of a host: reads layers with its requests (`get`) as operations of their
 * own, counting their bytes in `stats`, within `maxLayerBytes` compressed bytes per inspection.
 * @param {Operation} operation
 * @param {Get} get
 * @param {Stats} stats
 * @param {number} maxLayerBytes
 * @returns {(where: Where, layers: Descriptor[], needPython: boolean) => Promise<LayersFound>}
 */
export function layerScanner(operation, get, stats, maxLayerBytes) {
  /**
   * Reads one layer's tar headers as they stream, passing each entry to `onEntry` (true: stop),
   * reading at most `budget` compressed bytes. Answers the bytes read and whether the budget cut
   * the reading short.
   * @param {Where} where
   * @param {Descriptor} layer
   * @param {string} kind "gzip" or "tar"
   * @param {number} budget
   * @param {(entry: TarEntry) => boolean} onEntry
   */
  const readLayer = (where, layer, kind, budget, onEntry) =>
    operation(where, async (fetchOnce) => {
      const response = await get(fetchOnce, `blobs/${layer.digest}`, "GET", "*/*", "layer", where);
      if (!response.body) throw registryError("REGISTRY_BAD_ANSWER", `the layer ${layer.digest} has no body`, where);
      let bytes = 0;
      let cut = false;
      /** @type {TransformStream<Uint8Array, Uint8Array>} */
      const counter = new TransformStream({
        transform(chunk, controller) {
          const room = budget - bytes;
          if (chunk.byteLength > room) {
            chunk = chunk.subarray(0, room);
            cut = true;
          }
          bytes += chunk.byteLength;
          stats.bytes += chunk.byteLength;
          if (chunk.byteLength > 0) controller.enqueue(chunk);
          if (cut) controller.terminate();
        },
      });
      /** @type {ReadableStream<Uint8Array>} */
      let stream = response.body.pipeThrough(counter);
      if (kind === "gzip") stream = stream.pipeThrough(/** @type {TransformStream<Uint8Array, Uint8Array>} */ (new DecompressionStream("gzip")));
      const reader = stream.getReader();
      const tar = new TarHeaderReader(onEntry);
      let inflated = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          inflated += value.byteLength;
          if (tar.push(value)) break;
          if (inflated > budget * INFLATE_RATIO) {
            cut = true;
            break;
          }
        }
      } catch (error) {
        if (!cut) {
          const why = error instanceof TarFormatError ? error.message : `${kind === "gzip" ? "gzip" : "the stream"}: ${error instanceof Error ? error.message : String(error)}`;
          throw registryError("REGISTRY_BAD_ANSWER", `the layer ${layer.digest} could not be read: ${why}`, where);
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      return { bytes, cut };
    });

  /**
   * Python (when `needPython`) and libc from the layers' tar headers. Python first, newest layer
   * first (a file counts only when no layer above it removed it: whiteouts and opaque folders);
   * then, when libc is still unknown, the layers not read yet oldest first (it lives in the base
   * layer). Each pass stops at the first layer it cannot read (zstd, an unknown media type) or
   * when the byte budget is spent: nothing below it is guessed, and `unread` says why.
   * @param {Where} where
   * @param {Descriptor[]} layers
   * @param {boolean} needPython
   */
  const scanLayers = async (where, layers, needPython) => {
    /** @type {LayersFound} */
    const found = {};
    /** @type {Set<Descriptor>} */
    const read = new Set();
    let budget = maxLayerBytes;
    /**
     * Reads `order` until `done()` (or a layer that cannot be read, or the budget).
     * @param {Descriptor[]} order
     * @param {() => boolean} done
     * @param {Whiteouts | undefined} whiteouts tracked on the newest-first pass
     */
    const pass = async (order, done, whiteouts) => {
      for (const layer of order) {
        if (done()) return;
        if (read.has(layer)) continue;
        const kind = LAYER_KINDS.get(layer.mediaType);
        if (kind === undefined) {
          found.unread = { reason: /zstd/.test(layer.mediaType) ? "compression" : "mediaType", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        if (budget <= 0) {
          found.unread = { reason: "budget", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        /** @type {string[]} */
        const removed = [];
        /** @type {string[]} */
        const opaque = [];
        read.add(layer);
        const result = await readLayer(where, layer, kind, budget, (entry) => {
          const slash = entry.path.lastIndexOf("/");
          const base = entry.path.slice(slash + 1);
          const dir = slash === -1 ? "" : entry.path.slice(0, slash);
          if (base === ".wh..wh..opq") opaque.push(dir);
          else if (base.startsWith(".wh.")) removed.push(dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`);
          else if (entry.type !== "5" && !whiteouts?.hides(entry.path)) {
            const python = needPython && found.python === undefined ? PYTHON_FILE.exec(entry.path) : null;
            if (python) found.python = { path: `/${entry.path}`, version: python[1] };
            if (found.libc === undefined) {
              if (MUSL_LOADER.test(entry.path)) found.libc = "musl";
              else if (GLIBC_FILE.test(entry.path)) found.libc = "glibc";
            }
          }
          return done();
        });
        budget -= result.bytes;
        if (result.cut && !done()) {
          found.unread = { reason: "budget", digest: layer.digest, mediaType: layer.mediaType };
          return;
        }
        for (const path of removed) whiteouts?.removed.add(path);
        for (const path of opaque) whiteouts?.opaque.add(path);
      }
    };
    if (needPython) await pass([...layers].reverse(), () => found.python !== undefined, new Whiteouts());
    if (found.libc === undefined && found.unread === undefined) await pass(layers, () => found.libc !== undefined, undefined);
    // What was left unread matters only when it leaves an answer unknown.
    if (found.libc !== undefined && (!needPython || found.python !== undefined)) delete found.unread;
    return found;
  };
  return scanLayers;
}
