// nodeHost({ root }): the ImageHost over Node's file system (node:fs, node:crypto).
// Imported by node.js only; the browser and workerd entries export a stub (node-host-stub.js).
//
// Confinement: every path resolves against `root` and must stay inside it, lexically (after `..`
// is resolved) and physically (after `realpath`). Listings use `lstat`: symlinks are reported as
// `kind: "symlink"` and never followed by the listing. Files are opened with O_NOFOLLOW (and
// O_NONBLOCK, so a FIFO cannot hang the host) and must be regular files. An error about a path
// that leaves the root says so and never where it leads, nor whether that place exists.
//
// Swaps: a process may replace a folder of the path with a symlink out of the root between the
// check and the open. So the descriptor that is opened is the one that is checked and read: after
// the open, the place it refers to must lie inside the root, and the bytes, the hash and the
// listing all come through that descriptor, never through a second lookup of the path.
//   - Linux (and any system with /proc/self/fd): readlink("/proc/self/fd/N") names where the
//     descriptor really is; a folder is listed, and its entries lstat'ed, through
//     "/proc/self/fd/N/", which the kernel resolves to the opened folder itself. No window.
//   - Elsewhere (macOS, the BSDs, Windows: Node has no openat and no F_GETPATH): after the open
//     (after the listing, for a folder), the real path is looked up again and must lie inside the
//     root and be the same file (device and inode) as the descriptor. A swap is then caught unless
//     it is undone again between two system calls of ours; a best effort, not a sandbox.
//
// Speed: small files (up to 1 MiB) and listings are handled with synchronous calls, which cost
// a fraction of the thread-pool round trips of their async forms; big files are read from the
// same descriptor asynchronously in 1 MiB chunks, so the event loop is never held for long.
// `readFile`, `hashFile` and `readDir` answer small work with the value itself, not a promise
// (the host contract allows both): a promise per file, awaited with its timeout, cost more than
// reading and hashing a small file. Their failures are always rejected promises.
import { closeSync, constants, fstatSync, lstatSync, openSync, read, readdirSync, readlinkSync, readSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { argumentError, checkOptions, checkPythonPath, escapeControls, hostError, moduleNotFound, moduleParts, passThrough, quoteEscaped as quote } from "./host-helpers.js";

/** @typedef {import("./apothic_image.js").ImageHost} ImageHost */
/** @typedef {import("./apothic_image.js").DirEntry} DirEntry */
/** @typedef {import("./index.js").NodeHostOptions} NodeHostOptions */
/** @typedef {import("node:fs").Stats} Stats */
/** An error as node:fs throws it (`code` where it has one). @typedef {Error & { code?: string }} FsError */
/** An opened host path: its descriptor, fstat and real path. @typedef {{ fd: number, stats: Stats, real: string }} Opened */

const NAME = "nodeHost";

/** Bytes read per chunk of a big file: memory per read stays bounded whatever the file size. */
const CHUNK = 1 << 20;

/** Files up to this size are read with synchronous calls. */
const SYNC_LIMIT = 1 << 20;

/** Symlinks followed while explaining a failed lookup (the kernel's own limit is 40). */
const MAX_HOPS = 40;

/**
 * The buffer small files are read into (one per process: reads are synchronous).
 * @type {Buffer | undefined}
 */
let syncBuffer;

const readAsync = promisify(read);

/**
 * node:crypto's `createHash`, imported on the first hash: importing it at start cost about 4 ms
 * of every import of the package.
 * @type {typeof import("node:crypto").createHash | undefined}
 */
let createHash;

const NOFOLLOW = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const FILE_FLAGS = constants.O_RDONLY | NOFOLLOW;
const DIR_FLAGS = constants.O_RDONLY | NOFOLLOW | (constants.O_DIRECTORY ?? 0);

/**
 * Where the kernel says descriptor `fd` is (Linux procfs).
 * @param {number} fd
 */
const procPath = (fd) => `/proc/self/fd/${fd}`;

/**
 * True when `child` is `parent` or below it.
 * @param {string} parent
 * @param {string} child
 */
function inside(parent, child) {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * True when two stats name the same file.
 * @param {Stats} a
 * @param {Stats} b
 */
const sameFile = (a, b) => a.dev === b.dev && a.ino === b.ino;

/**
 * A Node fs error, re-made with a message that names the callback and the path as given.
 * @param {unknown} thrown what node:fs threw
 * @param {string} callback
 * @param {string} given
 */
function fsError(thrown, callback, given) {
  const error = /** @type {FsError | null | undefined} */ (thrown);
  /** @type {Record<string, string>} */
  const reasons = {
    ENOENT: "no such file or folder",
    ENOTDIR: "a part of the path is a file, not a folder",
    EISDIR: "is a folder, not a file",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ELOOP: "too many levels of symlinks (or the file was replaced by a symlink)",
  };
  const reason = reasons[/** @type {string} */ (error?.code)] ?? escapeControls(error?.message ?? String(error));
  const made = hostError(error?.code ?? "EIO", `${NAME}: ${callback}(${quote(given)}): ${reason}`, given);
  made.cause = error;
  return made;
}

/**
 * The error for a path whose symlinks lead out of the root (where to is not said).
 * @param {string} callback
 * @param {string} given
 */
const leavesRoot = (callback, given) =>
  hostError("EACCES", `${NAME}: ${callback}(${quote(given)}): it goes through a symlink that leads outside the root; symlinks may not leave the root`, given);

/**
 * An `ImageHost` over a folder of the file system.
 *
 * @param {NodeHostOptions} options
 *   `root`: the folder paths resolve against (relative to the working directory, or a file URL);
 *   `pythonPath`: more folders (inside `root`) `resolvePythonModule` searches after `root`;
 *   `inspectImage`, `lookupDerived`: passed through as the host's callbacks.
 * @returns {ImageHost}
 */
export function nodeHost(options) {
  if (options === null || typeof options !== "object") throw argumentError(`${NAME}: takes an options object, nodeHost({ root })`, "options");
  checkOptions(options, ["root", "pythonPath", "inspectImage", "lookupDerived"], NAME);
  let { root } = options;
  if (root instanceof URL) root = fileURLToPath(root);
  if (typeof root !== "string" || root === "" || root.includes("\0")) {
    throw argumentError(`${NAME}: options.root must be the path (or file URL) of a folder`, "options.root");
  }
  const rootPath = path.resolve(root);

  // realpath(root), checked to be a folder, and whether /proc/self/fd tells where a descriptor
  // is (tried on the root itself); computed on first use and again after a failure (the folder
  // may not exist yet when the host is made).
  /** @type {string | undefined} */
  let realRoot;
  /** @type {boolean | undefined} */
  let procfs;
  const rootReal = () => {
    if (realRoot !== undefined) return realRoot;
    let real;
    let fd;
    try {
      real = realpathSync.native(rootPath);
      fd = openSync(real, DIR_FLAGS);
    } catch (thrown) {
      const error = /** @type {FsError} */ (thrown);
      const reason = error.code === "ENOENT" ? "it does not exist" : error.code === "ENOTDIR" ? "it is not a folder" : escapeControls(error.message);
      const made = hostError(error.code ?? "EIO", `${NAME}: the root ${quote(rootPath)} cannot be used: ${reason}`, rootPath);
      made.cause = error;
      throw made;
    }
    try {
      if (!fstatSync(fd).isDirectory()) throw hostError("ENOTDIR", `${NAME}: the root ${quote(rootPath)} is not a folder`, rootPath);
      try {
        procfs = readlinkSync(procPath(fd)) === real;
      } catch {
        procfs = false;
      }
    } finally {
      closeSync(fd);
    }
    return (realRoot = real);
  };

  /**
   * Absolute path for a host path, lexically inside the root (else throws).
   * @param {string} callback
   * @param {unknown} given
   */
  const lexical = (callback, given) => {
    if (typeof given !== "string") throw argumentError(`${NAME}: ${callback} takes a path string, got ${typeof given}`);
    if (given.includes("\0")) throw hostError("EINVAL", `${NAME}: ${callback}(${quote(given)}): the path contains a NUL character`, given);
    const absolute = path.resolve(rootPath, given);
    if (!inside(rootPath, absolute)) {
      throw hostError("EACCES", `${NAME}: ${callback}(${quote(given)}): ${quote(absolute)} is outside the root ${quote(rootPath)}; paths may not leave it`, given);
    }
    return absolute;
  };

  /**
   * Whether looking up `absolute` (lexically inside the root) meets a symlink that leads out of
   * the root before it fails. Only explains a failed lookup: it reads symlinks inside the root
   * and stops at the first one that leads out, so it never touches what lies outside.
   * @param {string} absolute
   */
  const leads = (absolute) => {
    const top = rootReal();
    const rest = path.relative(rootPath, absolute).split(path.sep).filter((s) => s !== "" && s !== ".");
    let current = top;
    for (let hops = 0; rest.length > 0; ) {
      const next = path.join(current, /** @type {string} */ (rest.shift()));
      let target;
      try {
        target = readlinkSync(next);
      } catch {
        current = next; // not a symlink (or missing: the lookup fails here, inside)
        continue;
      }
      const resolved = path.resolve(current, target);
      if (!inside(top, resolved)) return true;
      if (++hops > MAX_HOPS) return false;
      rest.unshift(...path.relative(top, resolved).split(path.sep).filter((s) => s !== ""));
      current = top;
    }
    return false;
  };

  /**
   * The real path of a host path, inside the real root (else throws naming the path only).
   * @param {string} callback
   * @param {string} given
   */
  const locate = (callback, given) => {
    const absolute = lexical(callback, given);
    const top = rootReal();
    let real;
    try {
      real = realpathSync.native(absolute);
    } catch (error) {
      throw leads(absolute) ? leavesRoot(callback, given) : fsError(error, callback, given);
    }
    if (!inside(top, real)) throw leavesRoot(callback, given);
    return real;
  };

  /**
   * Checks that descriptor `fd`, opened from `real`, is inside the root (see "Swaps" above);
   * `stats` are its fstat.
   * @param {string} callback
   * @param {string} given
   * @param {number} fd
   * @param {string} real
   * @param {Stats} stats
   */
  const verify = (callback, given, fd, real, stats) => {
    const top = /** @type {string} */ (realRoot); // set by locate, which comes first
    let ok;
    if (procfs) {
      let where;
      try {
        where = readlinkSync(procPath(fd));
      } catch (error) {
        throw fsError(error, callback, given);
      }
      ok = inside(top, where.endsWith(" (deleted)") ? where.slice(0, -10) : where);
    } else {
      try {
        const again = realpathSync.native(real);
        ok = inside(top, again) && sameFile(lstatSync(again), stats);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      throw hostError("EACCES", `${NAME}: ${callback}(${quote(given)}): the path led outside the root when it was opened (was a folder replaced by a symlink?); paths may not leave the root`, given);
    }
  };

  /**
   * Opens a host path (never through a symlink in its last part, never a FIFO or a device),
   * checks that the descriptor is inside the root and of `kind` ("file", "dir" or "any"), and
   * returns { fd, stats, real }. The caller closes `fd`. For "any", something that is neither a
   * file nor a folder (a device, say) is not opened at all: the result is null.
   * @param {string} callback
   * @param {string} given
   * @param {"file" | "dir" | "any"} kind
   * @returns {Opened | null}
   */
  const openChecked = (callback, given, kind) => {
    const real = locate(callback, given);
    let fd;
    try {
      if (kind === "any") {
        const found = lstatSync(real);
        if (!found.isFile() && !found.isDirectory()) return null;
      }
      fd = openSync(real, kind === "dir" ? DIR_FLAGS : FILE_FLAGS);
    } catch (error) {
      throw fsError(error, callback, given);
    }
    try {
      const stats = fstatSync(fd);
      if (kind !== "dir") verify(callback, given, fd, real, stats); // a listing is verified after it is read (see readDir)
      if (kind === "file" && !stats.isFile()) {
        throw hostError(stats.isDirectory() ? "EISDIR" : "EINVAL", `${NAME}: ${callback}(${quote(given)}): ${stats.isDirectory() ? "is a folder" : "is not a regular file"}`, given);
      }
      return { fd, stats, real };
    } catch (thrown) {
      const error = /** @type {FsError | null | undefined} */ (thrown);
      closeSync(fd);
      throw error?.code && !String(error.message).startsWith(NAME) ? fsError(error, callback, given) : error;
    }
  };

  /**
   * Reads a small file whole into the shared buffer and returns its bytes (a view: use them
   * before the next read), or `null` when the file is bigger than SYNC_LIMIT.
   * @param {number} fd
   * @param {number} size
   * @returns {Buffer | null}
   */
  const readSmall = (fd, size) => {
    if (size > SYNC_LIMIT) return null;
    // Room for one byte more than fstat's size, so a read that fills it shows the file grew.
    syncBuffer ??= Buffer.allocUnsafe(SYNC_LIMIT + 1);
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, syncBuffer, total, syncBuffer.length - total, total);
      if (bytesRead === 0) return syncBuffer.subarray(0, total);
      total += bytesRead;
      if (total === syncBuffer.length) return null; // grew past the limit: read it the big way
    }
  };

  /**
   * Hands each chunk of the file behind `fd` to `use`, read asynchronously in CHUNK bytes.
   * @param {string} callback
   * @param {string} given
   * @param {number} fd
   * @param {(chunk: Buffer) => void} use
   * @returns {Promise<void>}
   */
  const readChunks = async (callback, given, fd, use) => {
    try {
      for (let position = 0; ; ) {
        const buffer = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await readAsync(fd, buffer, 0, CHUNK, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        use(buffer.subarray(0, bytesRead));
      }
    } catch (error) {
      throw fsError(error, callback, given);
    }
  };

  /**
   * Reads a verified file: a small one synchronously, answering `small(bytes)` itself; a big one
   * through `big`, answering its promise. A failure is a rejected promise either way, so a caller
   * sees the same errors as from an async function.
   * @template T
   * @param {string} callback
   * @param {string} given
   * @param {(bytes: Buffer) => T} small
   * @param {(fd: number) => Promise<T>} big
   * @returns {T | Promise<T>}
   */
  const withFile = (callback, given, small, big) => {
    let fd;
    try {
      let stats;
      ({ fd, stats } = /** @type {Opened} */ (openChecked(callback, given, "file"))); // "file": never null
      const bytes = readSmall(fd, stats.size);
      if (bytes === null) {
        const opened = fd;
        fd = undefined; // closed when `big` settles
        return big(opened).finally(() => closeSync(opened));
      }
      return small(bytes);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };

  /**
   * `answer()`'s value, or a rejected promise when it throws: the callbacks answer small work
   * synchronously (a promise per file costs more than reading it) and fail as async ones do.
   * @template T
   * @param {() => T} answer
   * @returns {T | Promise<never>}
   */
  const settled = (answer) => {
    try {
      return answer();
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /**
   * "file" | "dir" | null (missing) for a host path, following symlinks inside the root.
   * @param {string} callback
   * @param {string} given
   */
  const kindOf = async (callback, given) => {
    let opened;
    try {
      opened = openChecked(callback, given, "any");
    } catch (thrown) {
      const error = /** @type {FsError} */ (thrown);
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    }
    if (opened === null) return null;
    closeSync(opened.fd);
    return opened.stats.isFile() ? "file" : opened.stats.isDirectory() ? "dir" : null;
  };

  /**
   * The entries of the folder behind `fd` (opened from `real`), with lstat, and where to find them.
   * @param {string} callback
   * @param {string} given
   * @param {number} fd
   * @param {string} real
   * @param {Stats} stats
   */
  const list = (callback, given, fd, real, stats) => {
    const dir = procfs ? procPath(fd) : real;
    let names;
    try {
      names = readdirSync(dir);
    } catch (error) {
      throw fsError(error, callback, given);
    }
    /** @type {DirEntry[]} */
    const entries = [];
    for (const name of names) {
      let entry;
      try {
        entry = lstatSync(`${dir}${path.sep}${name}`);
      } catch (thrown) {
        const error = /** @type {FsError} */ (thrown);
        if (error.code !== "ENOENT") throw fsError(error, callback, `${given}/${name}`);
        if (name.includes("\uFFFD")) {
          throw hostError("EILSEQ", `${NAME}: ${callback}(${quote(given)}): a file name in it is not valid UTF-8 (${quote(name)}); rename it`, given);
        }
        continue; // removed since the listing
      }
      const mode = entry.mode & 0o7777;
      if (entry.isFile()) entries.push({ name, kind: "file", size: entry.size, mode });
      else if (entry.isDirectory()) entries.push({ name, kind: "dir", size: 0, mode });
      else if (entry.isSymbolicLink()) entries.push({ name, kind: "symlink", size: entry.size, mode });
      // Sockets, FIFOs and devices are not files an image can hold: left out.
    }
    verify(callback, given, fd, real, stats); // after the listing: without procfs it was read by path
    return entries;
  };
  // pythonPath folders as root-relative POSIX paths ("" for the root itself).
  const roots = [""];
  for (const entry of checkPythonPath(options.pythonPath, NAME)) {
    const absolute = path.resolve(rootPath, entry);
    if (!inside(rootPath, absolute)) throw argumentError(`${NAME}: options.pythonPath entry ${quote(entry)} is outside the root ${quote(rootPath)}`);
    const rel = path.relative(rootPath, absolute).split(path.sep).join("/");
    if (!roots.includes(rel)) roots.push(rel);
  }

  /**
   * `sha256:<hex>` of the file through node:crypto (big files in 1 MiB chunks); a promise for
   * the first call (node:crypto is imported then) and for a file over 1 MiB.
   * @param {string} given
   * @returns {string | Promise<string>}
   */
  const hashFile = (given) => {
    if (createHash === undefined) {
      return import("node:crypto").then((crypto) => {
        createHash = crypto.createHash;
        return hashFile(given);
      });
    }
    const hashOf = createHash;
    return withFile(
      "hashFile",
      given,
      (bytes) => `sha256:${hashOf("sha256").update(bytes).digest("hex")}`,
      async (fd) => {
        const hash = hashOf("sha256");
        await readChunks("hashFile", given, fd, (chunk) => hash.update(chunk));
        return `sha256:${hash.digest("hex")}`;
      },
    );
  };

  /** @type {ImageHost} */
  const host = {
    /** The file's bytes (a Buffer, which is a Uint8Array); a promise for a file over 1 MiB. */
    readFile(given) {
      return withFile(
        "readFile",
        given,
        (bytes) => Buffer.from(bytes),
        async (fd) => {
          /** @type {Buffer[]} */
          const chunks = [];
          await readChunks("readFile", given, fd, (chunk) => chunks.push(chunk));
          return Buffer.concat(chunks);
        },
      );
    },

    /** The folder's entries from `lstat` (symlinks reported, not followed), sorted by name. */
    readDir(given) {
      return settled(() => {
        const { fd, stats, real } = /** @type {Opened} */ (openChecked("readDir", given, "dir")); // "dir": never null
        let entries;
        try {
          entries = list("readDir", given, fd, real, stats);
        } finally {
          closeSync(fd);
        }
        return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      });
    },

    hashFile,

    /**
     * The path relative to the root with every symlink followed (`.` for the root), so one file
     * reached through two paths gives one answer; a path that leaves the root is refused.
     */
    async realPath(given) {
      const real = locate("realPath", given);
      return path.relative(rootReal(), real).split(path.sep).join("/") || ".";
    },

    /** `a/b` (a package: `a/b/__init__.py`) or `a/b.py`, under the root, then each pythonPath folder. */
    async resolvePythonModule(name) {
      const rel = moduleParts(name, NAME).join("/");
      /** @type {string | undefined} */
      let namespace;
      for (const root of roots) {
        const base = root === "" ? rel : `${root}/${rel}`;
        const dir = await kindOf("resolvePythonModule", base);
        if (dir === "dir" && (await kindOf("resolvePythonModule", `${base}/__init__.py`)) === "file") return { path: base, isPackage: true };
        if ((await kindOf("resolvePythonModule", `${base}.py`)) === "file") return { path: `${base}.py`, isPackage: false };
        if (dir === "dir") namespace ??= base;
      }
      if (namespace !== undefined) return { path: namespace, isPackage: true };
      throw moduleNotFound(NAME, name, rel.split("/"), roots);
    },
  };
  return passThrough(host, options, NAME);
}
