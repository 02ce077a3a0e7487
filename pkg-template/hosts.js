// memoryHost(files): an ImageHost over files held in memory, for browsers (dropped files, an
// editor's buffers), Cloudflare Workers (a request body) and tests. No Node imports: it runs in
// every runtime the package supports. nodeHost (node-host.js) is the file-system host for Node.
//
// The files form a virtual tree. Keys are POSIX paths relative to its root: "./a//b" is "a/b",
// and an absolute key or request "/a/b" means the same root-relative "a/b" (there is nothing
// above the root). ".." is resolved inside the tree and may never go above the root. Folders are
// implied by the keys ("src/app/x.py" makes "src" and "src/app"); a key ending in "/" (value "")
// declares an empty folder.

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

/** A Node-style error (`code`, `path`) whose message names the callback and the path. */
export function hostError(code, message, path) {
  const error = new Error(message);
  error.code = code;
  if (path !== undefined) error.path = path;
  return error;
}

/** `"a"` → `'"a"'`, safe for any string (control characters escaped). */
export const quote = (value) => JSON.stringify(String(value));

/** The segments of a POSIX path, without empty and "." ones ("/a//./b/" → ["a", "b"]). */
function segments(path) {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

/**
 * Normalises a key of `files` (or `modes` / `symlinks`): root-relative, "." and empty segments
 * dropped, ".." resolved; throws a TypeError when it goes above the root or names the root.
 */
function normalizeKey(key, what) {
  if (typeof key !== "string") throw new TypeError(`memoryHost: ${what} keys must be strings, got ${typeof key}`);
  if (key.includes("\0")) throw new TypeError(`memoryHost: the ${what} key ${quote(key)} contains a NUL character`);
  const out = [];
  for (const segment of segments(key)) {
    if (segment !== "..") out.push(segment);
    else if (out.length === 0) {
      throw new TypeError(`memoryHost: the ${what} key ${quote(key)} goes above the root; keys are paths inside the virtual root`);
    } else out.pop();
  }
  if (out.length === 0) throw new TypeError(`memoryHost: the ${what} key ${quote(key)} names the root itself, not a file`);
  return out;
}

/** A Python module name's parts ("a.b" → ["a", "b"]); each must be an identifier. */
export function moduleParts(name, host) {
  const identifier = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
  const parts = typeof name === "string" ? name.split(".") : [];
  if (parts.length === 0 || !parts.every((p) => identifier.test(p))) {
    throw hostError("EINVAL", `${host}: resolvePythonModule(${quote(name)}): not a dotted Python module name`, name);
  }
  return parts;
}

/** The error for a module found nowhere. */
export function moduleNotFound(host, name, parts, roots) {
  const rel = parts.join("/");
  const where = roots.map((r) => (r === "" ? "the root" : quote(r))).join(", ");
  return hostError(
    "ENOENT",
    `${host}: resolvePythonModule(${quote(name)}): no module named ${quote(name)}: neither ${rel}/__init__.py nor ${rel}.py exists under ${where}`,
    name,
  );
}

function checkFunction(value, name, host) {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${host}: options.${name} must be a function (or left out), got ${value === null ? "null" : typeof value}`);
  }
  return value;
}

/** `options.pythonPath` as a list of strings. */
export function checkPythonPath(value, host) {
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string" && p !== "" && !p.includes("\0"))) {
    throw new TypeError(`${host}: options.pythonPath must be an array of folder paths`);
  }
  return list;
}

export function checkOptions(options, allowed, host) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") throw new TypeError(`${host}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${host}: unknown option ${quote(key)} (known: ${allowed.join(", ")})`);
  }
  return options;
}

/** `sha256:` + hex of a digest. */
function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = "sha256:";
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

/** Adds the passed-through image callbacks to `host`. */
export function passThrough(host, options, name) {
  const inspectImage = checkFunction(options.inspectImage, "inspectImage", name);
  const lookupDerived = checkFunction(options.lookupDerived, "lookupDerived", name);
  if (inspectImage) host.inspectImage = (ref) => inspectImage(ref);
  if (lookupDerived) host.lookupDerived = (imageHash) => lookupDerived(imageHash);
  return host;
}

/**
 * An `ImageHost` over files in memory.
 *
 * @param {Record<string, string | Uint8Array> | Map<string, string | Uint8Array>} files
 *   POSIX path → contents (strings are encoded as UTF-8; bytes are copied, so later changes to
 *   the caller's arrays do not change the host).
 * @param {{ modes?: Record<string, number>, symlinks?: Record<string, string>, pythonPath?: string[],
 *   inspectImage?: Function, lookupDerived?: Function }} [options]
 *   `modes`: permission bits per file (default 0o644; e.g. `{ "bin/run.sh": 0o755 }`);
 *   `symlinks`: link path → target (listed as `kind: "symlink"`; followed inside the tree when a
 *   path goes through one, refused when the target leaves the root);
 *   `pythonPath`: more folders `resolvePythonModule` searches after the root;
 *   `inspectImage`, `lookupDerived`: passed through as the host's callbacks.
 */
export function memoryHost(files, options) {
  const NAME = "memoryHost";
  options = checkOptions(options, ["modes", "symlinks", "pythonPath", "inspectImage", "lookupDerived"], NAME);
  let pairs;
  if (files instanceof Map) pairs = [...files];
  else if (files !== null && typeof files === "object" && !Array.isArray(files) && !ArrayBuffer.isView(files)) pairs = Object.entries(files);
  else throw new TypeError(`${NAME}: files must be an object or a Map of path → string | Uint8Array`);

  // The tree: each folder node holds its children (Map name → node). Walked node by node (no
  // path strings per level), so making and looking up deep paths costs linear time.
  const root = { kind: "dir", children: new Map() };
  const where = new Map(); // normalised path → the key that made it (for duplicate errors)

  const folderOf = (parts, key) => {
    let folder = root;
    for (const [i, part] of parts.entries()) {
      let node = folder.children.get(part);
      if (node === undefined) {
        node = { kind: "dir", children: new Map() };
        folder.children.set(part, node);
      } else if (node.kind !== "dir") {
        const next = parts.slice(0, i + 1).join("/");
        throw new TypeError(`${NAME}: ${quote(key)} needs ${quote(next)} to be a folder, but ${quote(where.get(next))} makes it a ${node.kind}`);
      }
      folder = node;
    }
    return folder.children;
  };
  /** The folder node at `parts` (no symlinks followed), or undefined. */
  const folderNode = (parts) => {
    let folder = root;
    for (const part of parts) {
      folder = folder.children.get(part);
      if (folder?.kind !== "dir") return undefined;
    }
    return folder;
  };
  const add = (key, node, what) => {
    const parts = normalizeKey(key, what);
    const path = parts.join("/");
    const name = parts.pop();
    const children = folderOf(parts, key);
    const existing = children.get(name);
    if (existing !== undefined) {
      const other = where.get(path);
      throw new TypeError(
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
      throw new TypeError(`${NAME}: the contents of ${quote(key)} must be a string or a Uint8Array, got ${value === null ? "null" : typeof value}`);
    }
    add(key, { kind: "file", bytes, mode: DEFAULT_FILE_MODE }, "files");
  }

  if (options.symlinks !== undefined) {
    if (options.symlinks === null || typeof options.symlinks !== "object") throw new TypeError(`${NAME}: options.symlinks must be an object of link path → target`);
    for (const [key, target] of Object.entries(options.symlinks)) {
      if (typeof target !== "string" || target === "" || target.includes("\0")) {
        throw new TypeError(`${NAME}: the target of the symlink ${quote(key)} must be a non-empty path`);
      }
      const bytes = textEncoder.encode(target).length;
      if (bytes > MAX_SYMLINK_TARGET_BYTES) {
        const error = new TypeError(
          `${NAME}: the target of the symlink ${quote(key.slice(0, 200))} is ${bytes.toLocaleString("en")} bytes; ` +
            `a symlink target may hold at most ${MAX_SYMLINK_TARGET_BYTES.toLocaleString("en")} bytes`,
        );
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
  const lookup = (callback, path, followLast = true) => {
    if (typeof path !== "string") throw new TypeError(`${NAME}: ${callback} takes a path string, got ${typeof path}`);
    if (path.includes("\0")) throw hostError("EINVAL", `${NAME}: ${callback}(${quote(path)}): the path contains a NUL character`, path);
    const toGo = segments(path).reverse();
    const names = []; // the path resolved so far
    const dirs = [root]; // dirs[i]: the folder names[0..i)
    let node = root;
    let hops = 0;
    while (toGo.length > 0) {
      const part = toGo.pop();
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

  const fileNode = (callback, path) => {
    const { node } = lookup(callback, path);
    if (node.kind !== "file") throw hostError("EISDIR", `${NAME}: ${callback}(${quote(path)}): is a folder, not a file`, path);
    return node;
  };

  /** "file" | "dir" | null for a path (following symlinks); null when it does not exist. */
  const kindOf = (callback, path) => {
    try {
      return lookup(callback, path).node.kind;
    } catch (error) {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    }
  };

  if (options.modes !== undefined) {
    if (options.modes === null || typeof options.modes !== "object") throw new TypeError(`${NAME}: options.modes must be an object of path → permission bits`);
    for (const [key, mode] of Object.entries(options.modes)) {
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
        throw new TypeError(`${NAME}: options.modes[${quote(key)}] must be permission bits from 0 to 0o7777 (such as 0o755)`);
      }
      const parts = normalizeKey(key, "modes");
      const node = folderNode(parts.slice(0, -1))?.children.get(parts.at(-1));
      if (node?.kind !== "file") throw new TypeError(`${NAME}: options.modes names ${quote(key)}, which is not one of the files`);
      node.mode = mode;
    }
  }

  const pythonPath = checkPythonPath(options.pythonPath, NAME).map((p) => {
    const parts = segments(p);
    const out = [];
    for (const part of parts) {
      if (part !== "..") out.push(part);
      else if (out.pop() === undefined) throw new TypeError(`${NAME}: options.pythonPath entry ${quote(p)} goes above the root`);
    }
    return out.join("/");
  });
  const roots = ["", ...pythonPath.filter((p) => p !== "")];

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
        const node = children.get(name);
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
  return passThrough(host, options, NAME);
}

/**
 * The browser and workerd entries' `nodeHost`: it needs Node's file system, so there it only
 * says so. It is exported by every entry so that code shared between runtimes imports the same
 * names everywhere (a missing export would break the bundle); node.js exports the real one
 * (node-host.js) instead.
 * @returns {never}
 */
export function nodeHost() {
  throw new Error(
    "nodeHost needs Node.js (node:fs), and this is the browser/workerd entry of @apothic/image; " +
      "use memoryHost(files) or your own ImageHost (readFile, readDir, …) here",
  );
}
