// Image references as Docker reads them: `[domain/]path[:tag][@sha256:…]`, Docker Hub's rules
// (`docker.io`, `library/`, its API host), and the tag a derived image is published under.
import { quoteEscaped as quote } from "../host-helpers.js";
import { argumentError } from "./errors.js";

/**
 * A parsed image reference: where it lives and what it names (`tag` is absent when the text
 * gives none; a reference with neither tag nor digest means `latest`).
 * @typedef {{ registry: string, repository: string, tag?: string, digest?: string }} ImageReference
 */

/** Docker Hub's API host: `docker.io/...` references are fetched from here (or `mirror`). */
export const DOCKER_HUB_API = "https://registry-1.docker.io";

/** A sha256 digest: `sha256:` and 64 lowercase hexadecimal digits. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Parses an image reference `[domain/]path[:tag][@sha256:…]` as Docker does: the first
 * component is the registry when it has a `.` or a `:`, is `localhost` or has an uppercase
 * letter; otherwise the registry is `docker.io` (`index.docker.io` is the same), where a
 * one-component path is under `library/`.
 * @param {unknown} reference
 * @returns {ImageReference}
 */
export function parseReference(reference) {
  const bad = (/** @type {string} */ why) => {
    const error = argumentError(`${quote(reference)} is not an image reference: ${why}`);
    error.code = "INVALID_IMAGE_REF";
    return error;
  };
  if (typeof reference !== "string" || reference === "") throw bad("expected a non-empty string");
  if (reference.length > 4096) throw bad("longer than 4,096 characters");
  if (/^[0-9a-f]{64}$/.test(reference)) throw bad("a 64-digit hexadecimal string is an image id, not a repository name");
  let rest = reference;
  /** @type {string | undefined} */
  let digest;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("the digest must be sha256: and 64 lowercase hexadecimal digits");
  }
  /** @type {string | undefined} */
  let tag;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw bad(`the tag ${quote(tag)} is not valid`);
  }
  let registry = "docker.io";
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      registry = first.toLowerCase();
      path = rest.slice(slash + 1);
      if (!/^(?:\[[0-9a-f:]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::\d{1,5})?$/.test(registry)) throw bad(`the registry ${quote(first)} is not a host name`);
    }
  }
  if (registry === "index.docker.io") registry = "docker.io";
  if (registry === "docker.io" && !path.includes("/")) path = `library/${path}`;
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  if (path.length > 255 || !path.split("/").every((part) => component.test(part))) {
    throw bad(`the repository ${quote(path)} is not valid (lowercase letters, digits and separators)`);
  }
  /** @type {ImageReference} */
  const parsed = { registry, repository: path };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/**
 * The tag the derived image of a build key (`resolution.buildKey`) is published under:
 * `sha256-` and the key's hex.
 * @param {string} buildKey `sha256:<64 hex>`
 */
export function derivedTag(buildKey) {
  if (typeof buildKey !== "string" || !DIGEST.test(buildKey)) throw argumentError(`lookupDerived takes a build key "sha256:<64 hex>", got ${quote(buildKey)}`);
  return `sha256-${buildKey.slice("sha256:".length)}`;
}
