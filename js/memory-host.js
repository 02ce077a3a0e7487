// memoryHost(files): an ImageHost over files held in memory, for browsers (dropped files, an
// editor's buffers), Cloudflare Workers (a request body) and tests. No Node imports: it runs in
// every runtime the package supports. nodeHost (node-host.js) is the file-system host for Node.
//
// The files form a virtual tree. Keys are POSIX paths relative to its root: "./a//b" is "a/b",
// and an absolute key or request "/a/b" means the same root-relative "a/b" (there is nothing
// above the root). ".." is resolved inside the tree and may never go above the root. Folders are
// implied by the keys ("src/app/x.py" makes "src" and "src/app"); a key ending in "/" (value "")
// declares an empty folder.
import { argumentError, checkOptions, checkPythonPath, hostError, moduleNotFound, moduleParts, passThrough, quote } from "./host-helpers.js";

/** @typedef {import("./apothic_image.js").ImageHost} ImageHost */
/** @typedef {import("./apothic_image.js").DirEntry} DirEntry */
/** @typedef {import("./index.js").FileContents} FileContents */
/** @typedef {import("./index.js").MemoryHostOptions} MemoryHostOptions */

/**
 * A node of the virtual tree: a folder (its children by name), a file, or a symlink (its target,
 * the target's segments in reverse, and whether the target is absolute).
 * @typedef {{ kind: "dir", children: Map<string, TreeNode> }} DirNode
 * @typedef {{ kind: "file", bytes: Uint8Array<ArrayBuffer>, mode: number }} FileNode
 * @typedef {{ kind: "symlink", target: string, reversed: string[], absolute: boolean }} SymlinkNode
 * @typedef {DirNode | FileNode | SymlinkNode} TreeNode
 */

const textEncoder = new TextEncoder();

/** Symlinks followed while looking one path up before it is a loop (Linux's limit). */
const MAX_SYMLINK_HOPS = 40;

/**
 * The longest symlink target, in UTF-8 bytes (Linux's PATH_MAX). With the hop limit it bounds
 * one lookup's work: at most 40 × 2,048 target segments on top of the path's own.
 */
const MAX_SYMLINK_TARGET_BYTES = 4096;

const DEFAULT_FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const SYMLINK_MODE = 0o777;

/**
 * The segments of a POSIX path, without empty and "." ones ("/a//./b/" → ["a", "b"]).
 * @param {string} path
 */
function segments(path) {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

/**
 * Normalises a key of `files` (or `modes` / `symlinks`): root-relative, "." and empty segments
 * dropped, ".." resolved; throws a TypeError when it goes above the root or names the root.
 * @param {unknown} key
 * @param {string} what which option the key is of
 * @returns {string[]}
 */
function normalizeKey(key, what) {
  if (typeof key !== "string") throw argumentError(`memoryHost: ${what} keys must be strings, got ${typeof key}`);
  if (key.includes("\0")) throw argumentError(`memoryHost: the ${what} key ${quote(key)} contains a NUL character`);
  const out = [];
  for (const segment of segments(key)) {
    if (segment !== "..") out.push(segment);
    else if (out.length === 0) {
      throw argumentError(`memoryHost: the ${what} key ${quote(key)} goes above the root; keys are paths inside the virtual root`);
    } else out.pop();
  }
  if (out.length === 0) throw argumentError(`memoryHost: the ${what} key ${quote(key)} names the root itself, not a file`);
  return out;
}

/**
 * `sha256:` + hex of a digest.
 * @param {ArrayBuffer} buffer
 */
function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = "sha256:";
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

/**
 * An `ImageHost` over files in memory.
 *
 * @param {Readonly<Record<string, FileContents>> | ReadonlyMap<string, FileContents>} files
 *   POSIX path → contents (strings are encoded as UTF-8; bytes are copied, so later changes to
 *   the caller's arrays do not change the host).
 * @param {MemoryHostOptions} [options]
 *   `modes`: permission bits per file (default 0o644; e.g. `{ "bin/run.sh": 0o755 }`);
 *   `symlinks`: link path → target (listed as `kind: "symlink"`; followed inside the tree when a
 *   path goes through one, refused when the target leaves the root);
 *   `pythonPath`: more folders `resolvePythonModule` searches after the root;
 *   `inspectImage`, `lookupDerived`: passed through as the host's callbacks.
 * @returns {ImageHost}
 */
export function memoryHost(files, options) {
  const NAME = "memoryHost";
  const checked = checkOptions(options, ["modes", "symlinks", "pythonPath", "inspectImage", "lookupDerived"], NAME);
  /** @type {[unknown, unknown][]} what the caller gave: checked one by one below */
  let pairs;
  if (files instanceof Map) pairs = [...files];
  else if (files !== null && typeof files === "object" && !Array.isArray(files) && !ArrayBuffer.isView(files)) pairs = Object.entries(files);
  else throw argumentError(`${NAME}: files must be an object or a Map of path → string | Uint8Array`, "files");

  // The tree: each folder node holds its children (Map name → node). Walked node by node (no
  // path strings per level), so making and looking up deep paths costs linear time.
  /** @type {DirNode} */
  const root = { kind: "dir", children: new Map() };
  /** @type {Map<string, unknown>} normalised path → the key that made it (for duplicate errors) */
  const where = new Map();

  /**
   * The children of the folder at `parts`, made (with its parents) where missing.
   * @param {string[]} parts
   * @param {unknown} key the key being added, for the message
   */
  const folderOf = (parts, key) => {
    let folder = root;
    for (const [i, part] of parts.entries()) {
      let node = folder.children.get(part);
      if (node === undefined) {
        node = { kind: "dir", children: new Map() };
        folder.children.set(part, node);
      } else if (node.kind !== "dir") {
        const next = parts.slice(0, i + 1).join("/");
        throw argumentError(`${NAME}: ${quote(key)} needs ${quote(next)} to be a folder, but ${quote(where.get(next))} makes it a ${node.kind}`);
      }
      folder = node;
    }
    return folder.children;
  };
  /**
   * The folder node at `parts` (no symlinks followed), or undefined.
   * @param {string[]} parts
   * @returns {DirNode | undefined}
   */
  const folderNode = (parts) => {
    /** @type {TreeNode | undefined} */
    let folder = root;
    for (const part of parts) {
      folder = folder.children.get(part);
      if (folder?.kind !== "dir") return undefined;
    }
    return folder;
  };
  /**
   * Adds a file or a symlink at `key`; throws when the path is taken.
   * @param {unknown} key
   * @param {FileNode | SymlinkNode} node
   * @param {string} what which option the key is of
   */
  const add = (key, node, what) => {
    const parts = normalizeKey(key, what);
    const path = parts.join("/");
    const name = /** @type {string} */ (parts.pop()); // normalizeKey returns at least one part
    const children = folderOf(parts, key);
    const existing = children.get(name);
    if (existing !== undefined) {
      const other = where.get(path);
      throw argumentError(
        existing.kind === "dir" && other === undefined
          ? `${NAME}: ${quote(key)} is a ${node.kind}, but other keys make ${quote(path)} a folder`
          : `${NAME}: ${quote(key)} and ${quote(other)} are the same path (${quote(path)})`,
      );
    }
    children.set(name, node);
    where.set(path, key);
  };

  for (const [key, value] of pairs) {
    if (typeof key === "string" && key.endsWith("/") && (value === "" || (value instanceof Uint8Array && value.length === 0))) {
      const parts = normalizeKey(key, "files");
      folderOf(parts, key);
      continue;
    }
    let bytes;
    if (typeof value === "string") bytes = textEncoder.encode(value);
    else if (value instanceof Uint8Array) bytes = new Uint8Array(value);
    else {
      throw argumentError(`${NAME}: the contents of ${quote(key)} must be a string or a Uint8Array, got ${value === null ? "null" : typeof value}`);
    }
    add(key, { kind: "file", bytes, mode: DEFAULT_FILE_MODE }, "files");
  }

  if (checked.symlinks !== undefined) {
    if (checked.symlinks === null || typeof checked.symlinks !== "object") throw argumentError(`${NAME}: options.symlinks must be an object of link path → target`);
    for (const [key, target] of Object.entries(checked.symlinks)) {
      if (typeof target !== "string" || target === "" || target.includes("\0")) {
        throw argumentError(`${NAME}: the target of the symlink ${quote(key)} must be a non-empty path`);
      }
      const bytes = textEncoder.encode(target).length;
      if (bytes > MAX_SYMLINK_TARGET_BYTES) {
        const error = /** @type {TypeError & { code?: string }} */ (new TypeError(
          `${NAME}: the target of the symlink ${quote(key.slice(0, 200))} is ${bytes.toLocaleString("en")} bytes; ` +
            `a symlink target may hold at most ${MAX_SYMLINK_TARGET_BYTES.toLocaleString("en")} bytes`,
        ));
        error.code = "ENAMETOOLONG";
        throw error;
      }
      // The target's segments in reverse: a lookup pushes them onto its stack of segments to go.
      const reversed = segments(target).reverse();
      add(key, { kind: "symlink", target, reversed, absolute: target.startsWith("/") }, "symlinks");
    }
  }

  // Looks a path up, following symlinks on the way (and at the end when `followLast`), with
  // ".." resolved physically, as the kernel does. Returns { node, names } (names: the segments
  // of the path with every symlink followed) or throws. Linear: the
  // segments still to go are a stack (next one last), and the folders walked keep their
  // children, so each segment costs O(1) (bounded by the hop and target limits above).
  /**
   * @param {string} callback the host method, for messages
   * @param {unknown} path
   * @returns {{ node: TreeNode, names: string[] }}
   */
  const lookup = (callback, path, followLast = true) => {
    if (typeof path !== "string") throw argumentError(`${NAME}: ${callback} takes a path string, got ${typeof path}`);
    if (path.includes("\0")) throw hostError("EINVAL", `${NAME}: ${callback}(${quote(path)}): the path contains a NUL character`, path);
    const toGo = segments(path).reverse();
    /** @type {string[]} the path resolved so far */
    const names = [];
    /** @type {DirNode[]} dirs[i]: the folder names[0..i) */
    const dirs = [root];
    /** @type {TreeNode | undefined} */
    let node = root;
    let hops = 0;
    while (toGo.length > 0) {
      const part = /** @type {string} */ (toGo.pop());
      if (part === "..") {
        if (names.length === 0) {
          throw hostError("EACCES", `${NAME}: ${callback}(${quote(path)}): the path leaves the root; paths may not go above it`, path);
        }
        names.pop();
        dirs.pop();
        node = dirs[dirs.length - 1];
        continue;
      }
      node = dirs[dirs.length - 1].children.get(part);
      if (node === undefined) {
        const missing = [...names, part].join("/");
        const detail = missing === segments(path).join("/") ? "" : ` (${quote(missing)} does not exist)`;
        throw hostError("ENOENT", `${NAME}: ${callback}(${quote(path)}): no such file or folder${detail}`, path);
      }
      if (node.kind === "symlink" && (toGo.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) throw hostError("ELOOP", `${NAME}: ${callback}(${quote(path)}): too many levels of symlinks`, path);
        if (node.absolute) {
          names.length = 0;
          dirs.length = 1;
        }
        for (const segment of node.reversed) toGo.push(segment);
        node = dirs[dirs.length - 1];
        continue;
      }
      if (toGo.length > 0 && node.kind !== "dir") {
        throw hostError("ENOTDIR", `${NAME}: ${callback}(${quote(path)}): ${quote([...names, part].join("/"))} is a file, not a folder`, path);
      }
      names.push(part);
      if (node.kind === "dir") dirs.push(node);
    }
    return { node, names };
  };

  /**
   * The file at `path` (following symlinks); throws when it is not a file.
   * @param {string} callback
   * @param {string} path
   * @returns {FileNode}
   */
  const fileNode = (callback, path) => {
    const { node } = lookup(callback, path);
    if (node.kind !== "file") throw hostError("EISDIR", `${NAME}: ${callback}(${quote(path)}): is a folder, not a file`, path);
    return node;
  };

  /**
   * "file" | "dir" | null for a path (following symlinks); null when it does not exist.
   * @param {string} callback
   * @param {string} path
   */
  const kindOf = (callback, path) => {
    try {
      return lookup(callback, path).node.kind;
    } catch (error) {
      const { code } = /** @type {{ code?: unknown }} */ (error);
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw error;
    }
  };

  if (checked.modes !== undefined) {
    if (checked.modes === null || typeof checked.modes !== "object") throw argumentError(`${NAME}: options.modes must be an object of path → permission bits`);
    for (const [key, mode] of Object.entries(checked.modes)) {
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
        throw argumentError(`${NAME}: options.modes[${quote(key)}] must be permission bits from 0 to 0o7777 (such as 0o755)`);
      }
      const parts = normalizeKey(key, "modes");
      const node = folderNode(parts.slice(0, -1))?.children.get(/** @type {string} */ (parts.at(-1)));
      if (node?.kind !== "file") throw argumentError(`${NAME}: options.modes names ${quote(key)}, which is not one of the files`);
      node.mode = mode;
    }
  }

  const pythonPath = checkPythonPath(checked.pythonPath, NAME).map((p) => {
    const parts = segments(p);
    /** @type {string[]} */
    const out = [];
    for (const part of parts) {
      if (part !== "..") out.push(part);
      else if (out.pop() === undefined) throw argumentError(`${NAME}: options.pythonPath entry ${quote(p)} goes above the root`);
    }
    return out.join("/");
  });
  const roots = ["", ...pythonPath.filter((p) => p !== "")];

  /** @type {ImageHost} */
  const host = {
    /** The bytes of a file (a copy). */
    async readFile(path) {
      return new Uint8Array(fileNode("readFile", path).bytes);
    },
    /** The folder's entries, sorted by name. */
    async readDir(path) {
      const found = lookup("readDir", path);
      if (found.node.kind !== "dir") {
        throw hostError("ENOTDIR", `${NAME}: readDir(${quote(path)}): is a file, not a folder`, path);
      }
      const children = found.node.children;
      return [...children.keys()].sort().map((name) => {
        const node = /** @type {TreeNode} */ (children.get(name));
        if (node.kind === "file") return { name, kind: "file", size: node.bytes.length, mode: node.mode };
        if (node.kind === "dir") return { name, kind: "dir", size: 0, mode: DIR_MODE };
        return { name, kind: "symlink", size: textEncoder.encode(node.target).length, mode: SYMLINK_MODE };
      });
    },
    /** The path with every symlink followed: one file reached through two paths gives one answer. */
    async realPath(path) {
      return lookup("realPath", path).names.join("/") || ".";
    },
    /** Where a module's source is: `a/b` (a package, with `a/b/__init__.py`) or `a/b.py`. */
    async resolvePythonModule(name) {
      const rel = moduleParts(name, NAME).join("/");
      /** @type {string | undefined} */
      let namespace;
      for (const root of roots) {
        const base = root === "" ? rel : `${root}/${rel}`;
        const dir = kindOf("resolvePythonModule", base);
        if (dir === "dir" && kindOf("resolvePythonModule", `${base}/__init__.py`) === "file") return { path: base, isPackage: true };
        if (kindOf("resolvePythonModule", `${base}.py`) === "file") return { path: `${base}.py`, isPackage: false };
        if (dir === "dir") namespace ??= base;
      }
      if (namespace !== undefined) return { path: namespace, isPackage: true };
      throw moduleNotFound(NAME, name, rel.split("/"), roots);
    },
  };
  // Native SHA-256 where WebCrypto is there (browsers in secure contexts, Workers, Node ≥ 19);
  // elsewhere resolution hashes the bytes from readFile in chunks itself.
  const subtle = globalThis.crypto?.subtle;
  if (subtle && typeof subtle.digest === "function") {
    host.hashFile = async (path) => hex(await subtle.digest("SHA-256", fileNode("hashFile", path).bytes));
  }
  return passThrough(host, checked, NAME);
}
