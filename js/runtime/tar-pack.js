// A tar (ustar, with PAX `path`/`linkpath` records for long names) of files given by absolute
// path, bytes and mode (and symlinks and folders asked for by name): what docker-engine.js
// copies into a container before it starts. No implicit folder entries: the engine creates a
// missing parent folder with mode 0755 (owned by root) and leaves an existing one as it is (an
// entry for /tmp would reset its mode 1777).

import { argumentError } from "./engine-errors.js";

const BLOCK = 512;
const encoder = new TextEncoder();

/**
 * A file to copy in.
 * @typedef {import("./engine.js").ContainerFile} ContainerFile
 */

/**
 * Checks a file's path: absolute, normalized (no `.`, `..` or empty segments), no NUL, not `/`.
 * @param {unknown} path
 * @returns {string} the path without its leading `/`
 */
function relativePath(path) {
  if (typeof path !== "string" || !path.startsWith("/") || path === "/") throw argumentError(`a file's path must be absolute, got ${JSON.stringify(path)}`);
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\0"))) throw argumentError(`a file's path must be normalized (no ".", ".." or empty segments), got ${JSON.stringify(path)}`);
  return segments.join("/");
}

/**
 * Writes `value` as an octal field of `width` bytes (digits, then NUL).
 * @param {Uint8Array} header @param {number} offset @param {number} width @param {number} value
 */
function octal(header, offset, width, value) {
  header.set(encoder.encode(value.toString(8).padStart(width - 1, "0")), offset);
}

/**
 * One 512-byte header.
 * @param {Uint8Array} name at most 100 bytes
 * @param {number} mode
 * @param {number} size
 * @param {string} type "0" a file, "2" a symlink, "5" a folder, "x" a PAX extended header
 * @param {Uint8Array} [link] a symlink's target, at most 100 bytes
 */
function header(name, mode, size, type, link) {
  const h = new Uint8Array(BLOCK);
  h.set(name, 0);
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime
  h.fill(0x20, 148, 156); // checksum: spaces while summing
  h[156] = type.charCodeAt(0);
  if (link !== undefined) h.set(link, 157);
  h.set(encoder.encode("ustar\x0000"), 257);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.set(encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return h;
}

/** Zero bytes that pad `size` to a whole block. @param {number} size */
const padding = (size) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/**
 * A PAX record `"<length> path=<value>\n"` (its length counts itself).
 * @param {Uint8Array} value
 */
function paxPath(value, key = "path") {
  const rest = 1 + `${key}=`.length + value.length + 1;
  let length = rest + 1;
  while (String(length).length + rest !== length) length = String(length).length + rest;
  return Buffer.concat([encoder.encode(`${length} ${key}=`), value, encoder.encode("\n")]);
}

/**
 * The tar of `files` (each: an absolute normalized path and its bytes, or `link` for a symlink
 * to that target, or `dir: true` for a folder; its mode 0–0o7777; owned by root; a path may
 * appear once). Bad input is INVALID_ARGUMENT.
 * @param {readonly ContainerFile[]} files
 * @returns {Uint8Array}
 */
export function packFiles(files) {
  if (!Array.isArray(files)) throw argumentError("files must be an array of { path, bytes, mode }");
  /** @type {Uint8Array[]} */
  const out = [];
  const seen = new Set();
  for (const file of files) {
    if (file === null || typeof file !== "object") throw argumentError("files must be an array of { path, bytes, mode }");
    const path = relativePath(file.path);
    if (seen.has(path)) throw argumentError(`the file /${path} is given twice`);
    seen.add(path);
    const kinds = [file.bytes !== undefined, file.link !== undefined, file.dir === true].filter(Boolean).length;
    if (kinds !== 1) throw argumentError(`/${path} must have exactly one of bytes, link or dir: true`);
    if (file.link !== undefined && (typeof file.link !== "string" || file.link === "" || file.link.includes("\0"))) throw argumentError(`the link of /${path} must be a non-empty string without NUL`);
    const bytes = file.bytes ?? new Uint8Array(0);
    if (!(bytes instanceof Uint8Array)) throw argumentError(`the bytes of /${path} must be a Uint8Array`);
    const mode = file.mode ?? (file.dir ? 0o755 : file.link !== undefined ? 0o777 : 0o644);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw argumentError(`the mode of /${path} must be an integer from 0 to 0o7777, got ${JSON.stringify(file.mode)}`);
    if (bytes.length > 0o77777777777) throw argumentError(`/${path} is larger than 8 GiB`);
    let name = encoder.encode(file.dir ? `${path}/` : path);
    let link = file.link === undefined ? undefined : encoder.encode(file.link);
    /** @type {Uint8Array[]} */
    const records = [];
    if (name.length > 100) {
      records.push(paxPath(name));
      name = name.subarray(0, 100);
    }
    if (link !== undefined && link.length > 100) {
      records.push(paxPath(link, "linkpath"));
      link = link.subarray(0, 100);
    }
    if (records.length > 0) {
      const record = Buffer.concat(records);
      out.push(header(encoder.encode("PaxHeader"), 0o644, record.length, "x"), record, padding(record.length));
    }
    const type = file.dir ? "5" : link !== undefined ? "2" : "0";
    out.push(header(name, mode, bytes.length, type, link), bytes, padding(bytes.length));
  }
  out.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(out);
}
