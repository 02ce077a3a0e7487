// The managed CPython a Python-less base runs on before its optimized image exists: the plan's
// python-build-standalone `install_only` tarball, fetched once into a cache folder on the host
// (checked against its SHA-256 when the managed Python options list one), and the tar entries
// that put it where the derived image's Dockerfile puts it (`/opt/apothic/python`, with
// `/usr/local/bin/python3` and `python` linked to it), so a command runs the same either way.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { runtimeError } from "./errors.js";

/** Where the Dockerfile extracts the tarball (its `python/` folder lands under it). */
export const PYTHON_PREFIX = "/opt/apothic";

/** The links the Dockerfile makes, name → target. */
export const PYTHON_LINKS = {
  "/usr/local/bin/python3": `${PYTHON_PREFIX}/python/bin/python3`,
  "/usr/local/bin/python": `${PYTHON_PREFIX}/python/bin/python3`,
};

/** The most a tarball may hold (python-build-standalone's are 20–80 MiB). */
const MAX_TARBALL_BYTES = 512 << 20;

/** The host's cache folder: `$XDG_CACHE_HOME/apothic-image`, else `~/.cache/apothic-image`. */
export function defaultCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  return path.join(base, "apothic-image");
}

/**
 * The tarball of `url`, from the cache or fetched into it (written under a temporary name, then
 * renamed: a cut download is never taken for a whole one). `sha256` (64 hex digits), when
 * known, is checked on every use; without one, the cached file is trusted as fetched. A cached
 * file that fails the check is deleted and fetched again, once; when that fails too, the error
 * names the cache file.
 * @param {string} url
 * @param {{ sha256?: string, cacheDir?: string, signal?: AbortSignal, fetch?: typeof fetch }} [options]
 * @returns {Promise<{ bytes: Uint8Array, cached: boolean, file: string }>}
 */
export async function managedPythonTarball(url, options = {}) {
  const name = new URL(url).pathname.split("/").pop() || "python.tar.gz";
  const folder = path.join(options.cacheDir ?? defaultCacheDir(), "python");
  const key = createHash("sha256").update(url).digest("hex").slice(0, 16);
  const file = path.join(folder, `${key}-${name}`);
  /** Whether `bytes` match the digest (true when none is known). */
  const matches = (/** @type {Uint8Array} */ bytes) => options.sha256 === undefined || sha256Of(bytes) === options.sha256;
  let cachedBytes;
  try {
    cachedBytes = new Uint8Array(readFileSync(file));
  } catch {
    cachedBytes = undefined;
  }
  if (cachedBytes !== undefined && matches(cachedBytes)) return { bytes: cachedBytes, cached: true, file };
  // A cached copy that does not match (damaged, or left by another release): gone, fetched again.
  const replaced = cachedBytes === undefined ? "" : ` (the cached copy ${file} had SHA-256 ${sha256Of(cachedBytes)}, expected ${options.sha256}, and was deleted)`;
  if (cachedBytes !== undefined) rmSync(file, { force: true });
  const bytes = await download(url, name, options, replaced);
  if (!matches(bytes)) {
    throw runtimeError("PYTHON_DIGEST_MISMATCH", `the managed CPython ${name} has SHA-256 ${sha256Of(bytes)}, expected ${options.sha256} (from ${url})${replaced}`, { file });
  }
  mkdirSync(folder, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return { bytes, cached: false, file };
}

/**
 * The hex SHA-256 of `bytes`.
 * @param {Uint8Array} bytes
 */
const sha256Of = (bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * The bytes at `url`, at most MAX_TARBALL_BYTES; `PYTHON_FETCH_FAILED` (its message ending with
 * `note`) or `ABORTED` otherwise.
 * @param {string} url
 * @param {string} name
 * @param {{ signal?: AbortSignal, fetch?: typeof fetch }} options
 * @param {string} note
 */
async function download(url, name, options, note) {
  const fetchImpl = options.fetch ?? fetch;
  let response;
  try {
    response = await fetchImpl(url, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw runtimeError("ABORTED", `fetching the managed CPython ${name} was aborted`);
    throw runtimeError("PYTHON_FETCH_FAILED", `could not fetch the managed CPython from ${url}: ${error instanceof Error ? error.message : String(error)}${note}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw runtimeError("PYTHON_FETCH_FAILED", `could not fetch the managed CPython from ${url}: HTTP ${response.status}${note}`);
  }
  const length = Number(response.headers.get("content-length") ?? "0");
  if (length > MAX_TARBALL_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw runtimeError("PYTHON_FETCH_FAILED", `the managed CPython at ${url} is ${length} bytes, more than ${MAX_TARBALL_BYTES}${note}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_TARBALL_BYTES) throw runtimeError("PYTHON_FETCH_FAILED", `the managed CPython at ${url} is more than ${MAX_TARBALL_BYTES} bytes${note}`);
  return bytes;
}
