// A tar reader that sees only the headers: fed the bytes of a tar stream chunk by chunk, it
// reports each entry's path, type and link target, and skips file bodies without holding them.
// ustar (with the `prefix` field), PAX extended headers (`path`, `linkpath`) and GNU long names
// (`L`, `K`). No Node imports: registryHost reads image layers with it in every runtime.

/**
 * One entry of the archive: its path (no leading `./` or `/`, no trailing `/`), its type flag
 * (`"0"` a file, `"1"` a hard link, `"2"` a symlink, `"5"` a folder, …) and its link target.
 * @typedef {{ path: string, type: string, linkname: string }} TarEntry
 */

const BLOCK = 512;
const decoder = new TextDecoder();

/** The most a PAX record or a GNU long name may hold (bytes): they are buffered, bodies are not. */
export const MAX_TAR_RECORD_BYTES = 1 << 20;

/** An archive that is not tar (a bad header checksum, a size that does not parse). */
export class TarFormatError extends Error {}

/**
 * The text of a NUL-terminated field.
 * @param {Uint8Array} bytes
 */
function text(bytes) {
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/**
 * A numeric field: octal digits (spaces and NULs around them), or base-256 when the first byte
 * has its high bit set (GNU, for sizes of 8 GiB and more).
 * @param {Uint8Array} field
 * @param {string} what the field's name, for the error
 */
function number(field, what) {
  if (field[0] & 0x80) {
    let value = field[0] & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar: the ${what} field is too large`);
    return value;
  }
  const digits = decoder.decode(field).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`tar: the ${what} field ${JSON.stringify(digits)} is not octal`);
  return parseInt(digits, 8);
}

/**
 * A path as the archive holds it, without leading `./` and `/` and without a trailing `/`.
 * @param {string} path
 */
function clean(path) {
  return path.replace(/^(?:\.?\/)+/, "").replace(/\/+$/, "");
}

/**
 * The `path` and `linkpath` of a PAX extended header's records (`"<length> <key>=<value>\n"`).
 * @param {Uint8Array} bytes
 * @returns {{ path?: string, linkpath?: string }}
 */
function paxRecords(bytes) {
  /** @type {{ path?: string, linkpath?: string }} */
  const out = {};
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(decoder.decode(bytes.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at + 1 || at + length > bytes.length || bytes[at + length - 1] !== 0x0a) {
      if (bytes.subarray(at).every((b) => b === 0)) break; // padding
      throw new TarFormatError("tar: a PAX extended header record does not parse");
    }
    const record = decoder.decode(bytes.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals === -1) throw new TarFormatError("tar: a PAX extended header record has no '='");
    const key = record.slice(0, equals);
    if (key === "path" || key === "linkpath") out[key] = record.slice(equals + 1);
    at += length;
  }
  return out;
}

/**
 * Reads the headers of a tar stream. `push` each chunk of the archive in order; `onEntry` is
 * called for every entry (extended headers applied) and returns `true` to stop reading. File
 * bodies are skipped as they pass, so memory stays at one header and one extended record.
 */
export class TarHeaderReader {
  /** @param {(entry: TarEntry) => boolean} onEntry */
  constructor(onEntry) {
    /** @private */ this.onEntry = onEntry;
    /** @private the header being filled */ this.header = new Uint8Array(BLOCK);
    /** @private bytes of `header` filled so far */ this.filled = 0;
    /** @private body bytes (and padding) still to skip */ this.skip = 0;
    /** @private an extended record being read: its type flag, bytes and how many are in */
    this.record = /** @type {{ type: string, bytes: Uint8Array, filled: number, padding: number } | null} */ (null);
    /** @private what the extended headers say about the next entry */
    this.next = /** @type {{ path?: string, linkpath?: string }} */ ({});
    /** @private zero blocks in a row (two end the archive) */ this.zeros = 0;
    /** True once `onEntry` asked to stop or the archive's end marker was read. */
    this.done = false;
  }

  /**
   * Reads one more chunk of the archive; returns `done`.
   * @param {Uint8Array} chunk
   * @returns {boolean}
   */
  push(chunk) {
    let at = 0;
    while (at < chunk.length && !this.done) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
      } else if (this.record !== null) {
        const record = this.record;
        const n = Math.min(record.bytes.length - record.filled, chunk.length - at);
        record.bytes.set(chunk.subarray(at, at + n), record.filled);
        record.filled += n;
        at += n;
        if (record.filled === record.bytes.length) {
          this.record = null;
          this.skip = record.padding;
          this.extended(record.type, record.bytes);
        }
      } else {
        const n = Math.min(BLOCK - this.filled, chunk.length - at);
        this.header.set(chunk.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        if (this.filled === BLOCK) {
          this.filled = 0;
          this.block();
        }
      }
    }
    return this.done;
  }

  /**
   * Applies an extended record (PAX `x`, GNU `L` or `K`) to the next entry.
   * @private
   * @param {string} type
   * @param {Uint8Array} bytes
   */
  extended(type, bytes) {
    if (type === "x") Object.assign(this.next, paxRecords(bytes));
    else if (type === "L") this.next.path = text(bytes);
    else if (type === "K") this.next.linkpath = text(bytes);
  }

  /** Reads the header block just filled. @private */
  block() {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      if (++this.zeros === 2) this.done = true;
      return;
    }
    this.zeros = 0;
    const stored = number(h.subarray(148, 156), "checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) throw new TarFormatError("tar: a header's checksum does not match (not a tar archive, or a corrupt one)");
    const size = number(h.subarray(124, 136), "size");
    const type = h[156] === 0 ? "0" : String.fromCharCode(h[156]);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === "x" || type === "L" || type === "K") {
      if (size > MAX_TAR_RECORD_BYTES) {
        throw new TarFormatError(`tar: an extended header of ${size} bytes is over the ${MAX_TAR_RECORD_BYTES} bytes it may hold`);
      }
      this.record = { type, bytes: new Uint8Array(size), filled: 0, padding };
      if (size === 0) {
        this.record = null;
        this.skip = padding;
      }
      return;
    }
    this.skip = size + padding;
    if (type === "g") return; // a PAX global header: nothing the paths need
    // "ustar\0" (POSIX) has the prefix field; GNU's "ustar  " uses those bytes for other things.
    const posix = h[257] === 0x75 && decoder.decode(h.subarray(257, 263)) === "ustar\0";
    const name = text(h.subarray(0, 100));
    const prefix = posix ? text(h.subarray(345, 500)) : "";
    const path = this.next.path ?? (prefix === "" ? name : `${prefix}/${name}`);
    const linkname = this.next.linkpath ?? text(h.subarray(157, 257));
    this.next = {};
    if (this.onEntry({ path: clean(path), type, linkname })) this.done = true;
  }
}
