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
import { constants } from "node:fs";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkOptions, checkPythonPath, hostError, moduleNotFound, moduleParts, passThrough, quote } from "./hosts.js";

const NAME = "nodeHost";

/** Bytes read per chunk while hashing: memory stays bounded whatever the file size. */
const HASH_CHUNK = 1 << 20;

/** `lstat` calls in flight while listing one folder. */
const LIST_CONCURRENCY = 64;

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

  // realpath(root), checked to be a folder; computed on first use and retried after a failure
  // (the folder may not exist yet when the host is made).
  let realRoot;
  const rootReal = () =>
    (realRoot ??= (async () => {
      let real;
      try {
        real = await realpath(rootPath);
      } catch (error) {
        const made = hostError(error.code ?? "EIO", `${NAME}: the root ${quote(rootPath)} cannot be used: ${error.code === "ENOENT" ? "it does not exist" : error.message}`, rootPath);
        made.cause = error;
        throw made;
      }
      if (!(await lstat(real)).isDirectory()) throw hostError("ENOTDIR", `${NAME}: the root ${quote(rootPath)} is not a folder`, rootPath);
      return real;
    })().catch((error) => {
      realRoot = undefined;
      throw error;
    }));

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
  const locate = async (callback, given) => {
    const absolute = lexical(callback, given);
    const top = await rootReal();
    let real;
    try {
      real = await realpath(absolute);
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

  /** Opens a regular file for reading (never through a symlink, never a FIFO or device). */
  const openFile = async (callback, given) => {
    const real = await locate(callback, given);
    let handle;
    try {
      handle = await open(real, OPEN_FLAGS);
    } catch (error) {
      throw fsError(error, callback, given);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        throw hostError(stats.isDirectory() ? "EISDIR" : "EINVAL", `${NAME}: ${callback}(${quote(given)}): ${stats.isDirectory() ? "is a folder" : "is not a regular file"}`, given);
      }
      return { handle, size: stats.size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  /** "file" | "dir" | null (missing) for a host path, following symlinks inside the root. */
  const kindOf = async (callback, given) => {
    let real;
    try {
      real = await locate(callback, given);
    } catch (error) {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    }
    const stats = await lstat(real);
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
      const { handle } = await openFile("readFile", given);
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
      const real = await locate("readDir", given);
      let names;
      try {
        names = await readdir(real);
      } catch (error) {
        throw fsError(error, "readDir", given);
      }
      const entries = [];
      for (let i = 0; i < names.length; i += LIST_CONCURRENCY) {
        const batch = names.slice(i, i + LIST_CONCURRENCY);
        const stats = await Promise.all(
          batch.map((name) =>
            lstat(path.join(real, name)).catch((error) => {
              if (error.code !== "ENOENT") throw fsError(error, "readDir", `${given}/${name}`);
              if (name.includes("\uFFFD")) {
                throw hostError("EILSEQ", `${NAME}: readDir(${quote(given)}): a file name in it is not valid UTF-8 (${quote(name)}); rename it`, given);
              }
              return null; // removed since the listing
            }),
          ),
        );
        batch.forEach((name, k) => {
          const s = stats[k];
          if (s === null) return;
          const mode = s.mode & 0o7777;
          if (s.isFile()) entries.push({ name, kind: "file", size: s.size, mode });
          else if (s.isDirectory()) entries.push({ name, kind: "dir", size: 0, mode });
          else if (s.isSymbolicLink()) entries.push({ name, kind: "symlink", size: s.size, mode });
          // Sockets, FIFOs and devices are not files an image can hold: left out.
        });
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    /** `sha256:<hex>` of the file, read in 1 MiB chunks through node:crypto. */
    async hashFile(given) {
      const { handle, size } = await openFile("hashFile", given);
      try {
        const hash = createHash("sha256");
        // One read for a small file (the buffer has room for one byte more than fstat's size, so
        // a short read at the size is the end); 1 MiB chunks for a big one. Reading goes on past
        // the size when the file grew, and to the end after any other short read.
        const buffer = Buffer.allocUnsafe(Math.min(size + 1, HASH_CHUNK));
        let total = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          hash.update(buffer.subarray(0, bytesRead));
          total += bytesRead;
          if (bytesRead < buffer.length && total === size) break;
        }
        return `sha256:${hash.digest("hex")}`;
      } catch (error) {
        throw error?.code && !String(error.message).startsWith(NAME) ? fsError(error, "hashFile", given) : error;
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
