// The JSON of manifests, indexes and image configs, checked: a manifest's kind (OCI or Docker
// schema 2, index or image), content descriptors, an index's entry for a platform, and what a
// config says (architecture, Python from the environment, the runtime settings).
import { quoteEscaped as quote } from "../host-helpers.js";
import { registryError } from "./errors.js";
import { DIGEST } from "./reference.js";

/** @typedef {import("../apothic_image.js").ImageInspection} ImageInspection */
/** @typedef {import("./errors.js").Where} Where */

/**
 * A content descriptor of a manifest, checked.
 * @typedef {{ mediaType: string, digest: string, size: number, platform?: unknown, annotations?: unknown }} Descriptor
 */

/**
 * A manifest as read: its bytes' digest, whether it is an index, and its parsed JSON.
 * @typedef {{ digest: string, index: boolean, json: Record<string, unknown> }} Manifest
 */

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** The `Accept` of a manifest request: the indexes and manifests understood. */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");

/** Image architectures (with their variant) as the core's allow-list names them. */
const ARCHES = new Map([
  ["amd64", "x86_64"],
  ["arm64", "aarch64"],
  ["arm/v7", "armv7"],
  ["arm", "arm"],
  ["386", "i686"],
  ["ppc64le", "ppc64le"],
  ["s390x", "s390x"],
  ["riscv64", "riscv64"],
]);

const textDecoder = new TextDecoder();

/**
 * A manifest's bytes read as a manifest or an index of the media types understood (by its
 * `mediaType`, or the response's Content-Type when it has none).
 * @param {string} digest the bytes' digest, checked
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @param {string | null} contentType
 * @param {Where} where
 * @returns {Manifest}
 */
export function parseManifest(digest, bytes, contentType, where) {
  let json;
  try {
    json = JSON.parse(textDecoder.decode(bytes));
  } catch {
    json = undefined;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw registryError("REGISTRY_BAD_ANSWER", "the manifest is not a JSON object", where);
  const bare = (contentType ?? "").split(";")[0].trim();
  const mediaType = typeof json.mediaType === "string" && json.mediaType !== "" ? json.mediaType : bare;
  let index;
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) index = true;
  else if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) index = false;
  else if (json.schemaVersion === 2 && (mediaType === "" || mediaType === "application/json")) index = Array.isArray(json.manifests);
  else throw registryError("REGISTRY_UNSUPPORTED_MEDIA_TYPE", `the manifest's media type ${quote(mediaType || "(none)")} is not an OCI or Docker schema 2 manifest or index`, where);
  if (json.schemaVersion !== 2) throw registryError("REGISTRY_UNSUPPORTED_MEDIA_TYPE", `the manifest's schemaVersion is ${quote(json.schemaVersion)}, not 2`, where);
  return { digest, index, json };
}

/**
 * A checked content descriptor.
 * @param {unknown} value
 * @param {string} what for the message
 * @param {Where} where
 * @returns {Descriptor}
 */
export function descriptor(value, what, where) {
  const d = /** @type {Record<string, unknown>} */ (value);
  if (d === null || typeof d !== "object" || typeof d.mediaType !== "string" || typeof d.digest !== "string" || !Number.isSafeInteger(d.size) || /** @type {number} */ (d.size) < 0) {
    throw registryError("REGISTRY_BAD_ANSWER", `the ${what} is not a descriptor { mediaType, digest, size }`, where);
  }
  if (!DIGEST.test(d.digest)) throw registryError("REGISTRY_BAD_ANSWER", `the ${what}'s digest ${quote(d.digest)} is not "sha256:" and 64 lowercase hexadecimal digits`, where);
  return /** @type {Descriptor} */ (d);
}

/**
 * The architecture the core accepts for a config's `architecture` and `variant`, or undefined.
 * @param {unknown} architecture
 * @param {unknown} variant
 */
export function archOf(architecture, variant) {
  if (typeof architecture !== "string") return undefined;
  if (architecture === "arm" && variant === "v7") return ARCHES.get("arm/v7");
  return ARCHES.get(architecture);
}

/**
 * The Python the config's environment names (`PYTHON_VERSION`, as the official python images
 * set it, with `python3` in /usr/local/bin), or undefined.
 * @param {unknown} env
 */
export function pythonFromEnv(env) {
  if (!Array.isArray(env)) return undefined;
  for (const entry of env) {
    if (typeof entry !== "string" || !entry.startsWith("PYTHON_VERSION=")) continue;
    const match = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?/.exec(entry.slice("PYTHON_VERSION=".length));
    if (match && match[1] === "3") return { path: "/usr/local/bin/python3", version: match[0] };
  }
  return undefined;
}

/**
 * The runtime settings of an image config (its `config` object): `Env`, `WorkingDir`, `User`,
 * `Entrypoint` and `Cmd`, each when set (null, absent and "" are unset). Any other type than the
 * image spec's is REGISTRY_BAD_ANSWER; the core checks the values themselves.
 * @param {unknown} value
 * @param {Where} where
 * @returns {Pick<ImageInspection, "env" | "workdir" | "user" | "entrypoint" | "cmd">}
 */
export function runtimeConfig(value, where) {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw registryError("REGISTRY_BAD_ANSWER", "the image config's config is not an object", where);
  const config = /** @type {Record<string, unknown>} */ (value);
  const list = (/** @type {string} */ key) => {
    const v = config[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((item) => typeof item === "string")) throw registryError("REGISTRY_BAD_ANSWER", `the image config's ${key} is not a list of strings`, where);
    return /** @type {string[]} */ (v);
  };
  const text = (/** @type {string} */ key) => {
    const v = config[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw registryError("REGISTRY_BAD_ANSWER", `the image config's ${key} is not a string`, where);
    return v;
  };
  /** @type {Pick<ImageInspection, "env" | "workdir" | "user" | "entrypoint" | "cmd">} */
  const out = {};
  const env = list("Env");
  const workdir = text("WorkingDir");
  const user = text("User");
  const entrypoint = list("Entrypoint");
  const cmd = list("Cmd");
  if (env !== undefined) out.env = env;
  if (workdir !== undefined) out.workdir = workdir;
  if (user !== undefined) out.user = user;
  if (entrypoint !== undefined) out.entrypoint = entrypoint;
  if (cmd !== undefined) out.cmd = cmd;
  return out;
}

/**
 * The entry of an index for `platform` ("os/arch" or "os/arch/variant"): the variant asked for
 * (an entry without one stands for arm64's v8 and arm's v7), or without one asked, the default
 * variant's entry first.
 * @param {Manifest} index
 * @param {string} platform
 * @param {Where} where
 */
export function choose(index, platform, where) {
  const entries = index.json.manifests;
  if (!Array.isArray(entries)) throw registryError("REGISTRY_BAD_ANSWER", "the index has no manifests list", where);
  const [os, architecture, variant] = platform.split("/");
  const defaultVariant = architecture === "arm64" ? "v8" : architecture === "arm" ? "v7" : undefined;
  /** @type {Descriptor[]} */
  const matching = [];
  /** @type {Descriptor[]} */
  const preferred = [];
  for (const [i, entry] of entries.entries()) {
    const d = descriptor(entry, `index entry ${i}`, where);
    const p = /** @type {Record<string, unknown> | undefined} */ (d.platform);
    if (p === null || typeof p !== "object" || p.os !== os || p.architecture !== architecture) continue;
    const entryVariant = p.variant ?? undefined;
    if (variant !== undefined) {
      if (entryVariant === variant || (entryVariant === undefined && variant === defaultVariant)) matching.push(d);
    } else {
      matching.push(d);
      if (entryVariant === undefined || entryVariant === defaultVariant) preferred.push(d);
    }
  }
  const chosen = preferred[0] ?? matching[0];
  if (chosen === undefined) throw registryError("REGISTRY_NOT_FOUND", `the index has no manifest for the platform ${platform}`, where);
  return chosen;
}
