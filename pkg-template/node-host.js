// nodeHost({ root }): the ImageHost over Node's file system (node:fs/promises, node:crypto).
// Imported by node.js only; the browser and workerd entries export a stub that says so.
//
// Confinement: every path resolves against `root` and must stay inside it twice, lexically
// (after `..` is resolved) and physically (after `realpath`, so a symlink that points outside is
// refused with an error naming the path). Listings use `lstat`: symlinks are reported as
// `kind: "symlink"` and never followed by the listing. Files are opened with O_NOFOLLOW (and
// O_NONBLOCK, so a FIFO cannot hang the host) and must be regular files. These checks protect
// against a project folder whose contents point elsewhere; they are not a sandbox against a
// process that swaps folders for symlinks while resolution runs.
//
// Speed: small files (up to 1 MiB) and listings are handled with synchronous calls, which cost
// a fraction of the thread-pool round trips of their async forms (five per file); big files are
// read asynchronously in 1 MiB chunks, so the event loop is never held for long.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from "node:fs";
import { open } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkOptions, checkPythonPath, hostError, moduleNotFound, moduleParts, passThrough, quote } from "./hosts.js";

const NAME = "nodeHost";

/** Bytes read per chunk while hashing: memory stays bounded whatever the file size. */
const HASH_CHUNK = 1 << 20;

/** Files up to this size are read with synchronous calls. */
const SYNC_LIMIT = 1 << 20;

/** The buffer small files are read into (one per process: reads are synchronous). */
let syncBuffer;

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** True when `child` is `parent` or below it. */
function inside(parent, child) {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** A Node fs error, re-made with a message that names the callback and the path as given. */
function fsError(error, callback, given) {
  const reason =
    {
      ENOENT: "no such file or folder",
      ENOTDIR: "a part of the path is a file, not a folder",
      EISDIR: "is a folder, not a file",
      EACCES: "permission denied",
      EPERM: "operation not permitted",
      ELOOP: "too many levels of symlinks (or the file was replaced by a symlink)",
    }[error?.code] ?? error?.message ?? String(error);
  const made = hostError(error?.code ?? "EIO", `${NAME}: ${callback}(${quote(given)}): ${reason}`, given);
  made.cause = error;
  return made;
}

/**
 * An `ImageHost` over a folder of the file system.
 *
 * @param {{ root: string | URL, pythonPath?: string[], inspectImage?: Function, lookupDerived?: Function }} options
 *   `root`: the folder paths resolve against (relative to the working directory, or a file URL);
 *   `pythonPath`: more folders (inside `root`) `resolvePythonModule` searches after `root`;
 *   `inspectImage`, `lookupDerived`: passed through as the host's callbacks.
 */
export function nodeHost(options) {
  if (options === null || typeof options !== "object") throw new TypeError(`${NAME}: takes an options object, nodeHost({ root })`);
  checkOptions(options, ["root", "pythonPath", "inspectImage", "lookupDerived"], NAME);
  let { root } = options;
  if (root instanceof URL) root = fileURLToPath(root);
  if (typeof root !== "string" || root === "" || root.includes("\0")) {
    throw new TypeError(`${NAME}: options.root must be the path (or file URL) of a folder`);
  }
  const rootPath = path.resolve(root);

  // realpath(root), checked to be a folder; computed on first use and again after a failure
  // (the folder may not exist yet when the host is made).
  let realRoot;
  const rootReal = () => {
    if (realRoot !== undefined) return realRoot;
    let real;
    try {
      real = realpathSync.native(rootPath);
    } catch (error) {
      const made = hostError(error.code ?? "EIO", `${NAME}: the root ${quote(rootPath)} cannot be used: ${error.code === "ENOENT" ? "it does not exist" : error.message}`, rootPath);
      made.cause = error;
      throw made;
    }
    if (!lstatSync(real).isDirectory()) throw hostError("ENOTDIR", `${NAME}: the root ${quote(rootPath)} is not a folder`, rootPath);
    return (realRoot = real);
  };

  /** Absolute path for a host path, lexically inside the root (else throws). */
  const lexical = (callback, given) => {
    if (typeof given !== "string") throw new TypeError(`${NAME}: ${callback} takes a path string, got ${typeof given}`);
    if (given.includes("\0")) throw hostError("EINVAL", `${NAME}: ${callback}(${quote(given)}): the path contains a NUL character`, given);
    const absolute = path.resolve(rootPath, given);
    if (!inside(rootPath, absolute)) {
      throw hostError("EACCES", `${NAME}: ${callback}(${quote(given)}): ${quote(absolute)} is outside the root ${quote(rootPath)}; paths may not leave it`, given);
    }
    return absolute;
  };

  /** The real path of a host path, inside the real root (else throws naming the path). */
  const locate = (callback, given) => {
    const absolute = lexical(callback, given);
    const top = rootReal();
    let real;
    try {
      real = realpathSync.native(absolute);
    } catch (error) {
      throw fsError(error, callback, given);
    }
    if (!inside(top, real)) {
      throw hostError(
        "EACCES",
        `${NAME}: ${callback}(${quote(given)}): it goes through a symlink to ${quote(real)}, outside the root ${quote(top)}; symlinks may not leave the root`,
        given,
      );
    }
    return real;
  };

  /**
   * Opens a regular file for reading (never through a symlink, never a FIFO or device) and
   * hands its descriptor and size to `use`, closing it afterwards. Sync: `use` must not await.
   */
  const withFile = (callback, given, use) => {
    const real = locate(callback, given);
    let fd;
    try {
      fd = openSync(real, OPEN_FLAGS);
    } catch (error) {
      throw fsError(error, callback, given);
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) {
        throw hostError(stats.isDirectory() ? "EISDIR" : "EINVAL", `${NAME}: ${callback}(${quote(given)}): ${stats.isDirectory() ? "is a folder" : "is not a regular file"}`, given);
      }
      return use(fd, stats.size, real);
    } catch (error) {
      throw error?.code && !String(error.message).startsWith(NAME) ? fsError(error, callback, given) : error;
    } finally {
      closeSync(fd);
    }
  };

  /**
   * Reads a small file whole into the shared buffer and returns its bytes (a view: use them
   * before the next read), or `null` when the file is bigger than SYNC_LIMIT.
   */
  const readSmall = (fd, size) => {
    if (size > SYNC_LIMIT) return null;
    // Room for one byte more than fstat's size, so a read that fills it shows the file grew.
    syncBuffer ??= Buffer.allocUnsafe(SYNC_LIMIT + 1);
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, syncBuffer, total, syncBuffer.length - total, null);
      if (bytesRead === 0) return syncBuffer.subarray(0, total);
      total += bytesRead;
      if (total === syncBuffer.length) return null; // grew past the limit: read it the big way
    }
  };

  /** Opens a big file asynchronously (its real path checked as for small ones). */
  const openBig = async (callback, real, given) => {
    try {
      return await open(real, OPEN_FLAGS);
    } catch (error) {
      throw fsError(error, callback, given);
    }
  };

  /** "file" | "dir" | null (missing) for a host path, following symlinks inside the root. */
  const kindOf = async (callback, given) => {
    let real;
    try {
      real = locate(callback, given);
    } catch (error) {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    }
    const stats = lstatSync(real);
    return stats.isFile() ? "file" : stats.isDirectory() ? "dir" : null;
  };

  // pythonPath folders as root-relative POSIX paths ("" for the root itself).
  const roots = [""];
  for (const entry of checkPythonPath(options.pythonPath, NAME)) {
    const absolute = path.resolve(rootPath, entry);
    if (!inside(rootPath, absolute)) throw new TypeError(`${NAME}: options.pythonPath entry ${quote(entry)} is outside the root ${quote(rootPath)}`);
    const rel = path.relative(rootPath, absolute).split(path.sep).join("/");
    if (!roots.includes(rel)) roots.push(rel);
  }

  const host = {
    /** The file's bytes (a Buffer, which is a Uint8Array). */
    async readFile(given) {
      const small = withFile("readFile", given, (fd, size, real) => {
        const bytes = readSmall(fd, size);
        return bytes === null ? { real } : { bytes: Buffer.from(bytes) };
      });
      if (small.bytes) return small.bytes;
      const handle = await openBig("readFile", small.real, given);
      try {
        return await handle.readFile();
      } catch (error) {
        throw fsError(error, "readFile", given);
      } finally {
        await handle.close();
      }
    },

    /** The folder's entries from `lstat` (symlinks reported, not followed), sorted by name. */
    async readDir(given) {
      const real = locate("readDir", given);
      let names;
      try {
        names = readdirSync(real);
      } catch (error) {
        throw fsError(error, "readDir", given);
      }
      const entries = [];
      for (const name of names) {
        let stats;
        try {
          stats = lstatSync(path.join(real, name));
        } catch (error) {
          if (error.code !== "ENOENT") throw fsError(error, "readDir", `${given}/${name}`);
          if (name.includes("\uFFFD")) {
            throw hostError("EILSEQ", `${NAME}: readDir(${quote(given)}): a file name in it is not valid UTF-8 (${quote(name)}); rename it`, given);
          }
          continue; // removed since the listing
        }
        const mode = stats.mode & 0o7777;
        if (stats.isFile()) entries.push({ name, kind: "file", size: stats.size, mode });
        else if (stats.isDirectory()) entries.push({ name, kind: "dir", size: 0, mode });
        else if (stats.isSymbolicLink()) entries.push({ name, kind: "symlink", size: stats.size, mode });
        // Sockets, FIFOs and devices are not files an image can hold: left out.
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    /** `sha256:<hex>` of the file through node:crypto (big files in 1 MiB chunks). */
    async hashFile(given) {
      const small = withFile("hashFile", given, (fd, size, real) => {
        const bytes = readSmall(fd, size);
        return bytes === null ? { real } : { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` };
      });
      if (small.digest) return small.digest;
      const handle = await openBig("hashFile", small.real, given);
      try {
        const hash = createHash("sha256");
        const buffer = Buffer.allocUnsafe(HASH_CHUNK);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          hash.update(buffer.subarray(0, bytesRead));
        }
        return `sha256:${hash.digest("hex")}`;
      } catch (error) {
        throw fsError(error, "hashFile", given);
      } finally {
        await handle.close();
      }
    },

    /** `a/b` (a package: `a/b/__init__.py`) or `a/b.py`, under the root, then each pythonPath folder. */
    async resolvePythonModule(name) {
      const rel = moduleParts(name, NAME).join("/");
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
