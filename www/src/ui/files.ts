// The files panel: the in-memory files that resolution reads through `memoryHost` — typed in,
// dropped (files or whole folders), picked with the File System Access API where the browser has
// it, or with a folder <input> elsewhere. Nothing leaves the page.

import type { ErrInfo } from "../core/engine.ts";
import type { FilesPayload } from "../protocol.ts";
import { clear, formatBytes, h, icon, reconcile } from "./dom.ts";

export interface FilesHost {
  changed(): void;
  toast(message: string, kind?: "info" | "error" | "warn", action?: { label: string; run(): void }): void;
  useAsBase(path: string): void;
}

/** Folders that are almost never meant to be part of an image context. */
const SKIP_DIRS = new Set([".git", "node_modules", "__pycache__", ".venv", ".mypy_cache", ".pytest_cache"]);
const MAX_TOTAL = 256 * 1024 * 1024;
const EDITABLE = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function asText(bytes: Uint8Array): string | null {
  if (bytes.length > EDITABLE) return null;
  try {
    const s = utf8.decode(bytes);
    return s.includes("\0") ? null : s;
  } catch {
    return null;
  }
}

/** A script that was probably executable where it came from (a shebang, or a .sh name). */
function looksExecutable(path: string, bytes: Uint8Array): boolean {
  return /\.(sh|bash)$/.test(path) || (bytes[0] === 0x23 && bytes[1] === 0x21);
}

export function normalizePath(p: string): string {
  return p
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

/** Reads a dropped entry tree (webkitGetAsEntry) into [path, file] pairs. */
async function readEntry(entry: FileSystemEntry, prefix: string, out: [string, File][], skipped: Set<string>): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push([path, file]);
  } else if (entry.isDirectory) {
    if (SKIP_DIRS.has(entry.name)) {
      skipped.add(entry.name);
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await readEntry(child, path, out, skipped);
    }
  }
}

interface DirHandle {
  kind: "directory";
  name: string;
  values(): AsyncIterable<DirHandle | FileHandle>;
}
interface FileHandle {
  kind: "file";
  name: string;
  getFile(): Promise<File>;
}

async function readHandle(handle: DirHandle, prefix: string, out: [string, File][], skipped: Set<string>) {
  for await (const child of handle.values()) {
    const path = prefix ? `${prefix}/${child.name}` : child.name;
    if (child.kind === "file") out.push([path, await child.getFile()]);
    else if (SKIP_DIRS.has(child.name)) skipped.add(child.name);
    else await readHandle(child, path, out, skipped);
  }
}

export class FilesPanel {
  files = new Map<string, Uint8Array>();
  modes: Record<string, number> = {};
  pythonPath: string[] = [];
  private open: string | null = null;
  /** Folders shown folded in the tree. */
  private folded = new Set<string>();
  private problems = new Map<string, ErrInfo>();
  private tree: HTMLElement;
  private editor: HTMLElement;
  private summaryEl: HTMLElement;
  private folderInput: HTMLInputElement;
  private filesInput: HTMLInputElement;

  constructor(
    readonly root: HTMLElement,
    private readonly host: FilesHost,
  ) {
    this.folderInput = h("input", { type: "file", hidden: true, "data-testid": "folder-input" });
    this.folderInput.setAttribute("webkitdirectory", "");
    this.folderInput.multiple = true;
    this.folderInput.addEventListener("change", () => void this.fromInput(this.folderInput, true));
    this.filesInput = h("input", { type: "file", hidden: true, multiple: true, "data-testid": "files-input" });
    this.filesInput.addEventListener("change", () => void this.fromInput(this.filesInput, false));
    this.tree = h("div", { class: "tree", role: "tree", "aria-label": "Files", "data-testid": "file-tree" });
    this.editor = h("div", { class: "file-editor", hidden: true, "data-testid": "file-editor" });
    this.summaryEl = h("span", { class: "muted small" });
    const pyPath = h("input", { type: "text", class: "mono", placeholder: "none (e.g. src)", spellcheck: false, "aria-label": "Python path", "data-testid": "python-path" });
    pyPath.addEventListener("input", () => {
      this.pythonPath = pyPath.value
        .split(/[,:\s]+/)
        .map(normalizePath)
        .filter(Boolean);
      this.host.changed();
    });
    this.pyPathInput = pyPath;
    root.append(
      h(
        "div",
        { class: "panel-toolbar" },
        h("button", { type: "button", class: "btn small", onclick: () => this.newFile(), "data-testid": "new-file" }, icon("plus", 14), "New file"),
        h("button", { type: "button", class: "btn small", onclick: () => this.filesInput.click(), title: "Add files" }, icon("file", 14), "Add files"),
        h("button", { type: "button", class: "btn small", onclick: () => void this.pickFolder(), "data-testid": "open-folder", title: "Open a folder (its contents become the root)" }, icon("folder", 14), "Open folder"),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "icon-btn", title: "Remove every file", "aria-label": "Remove every file", onclick: () => this.clearAll() }, icon("trash")),
        this.folderInput,
        this.filesInput,
      ),
      this.tree,
      this.editor,
      h("div", { class: "pypath" }, h("label", null, "Python path ", pyPath), h("span", { class: "help" }, "folders searched for *LocalPythonSource modules"), this.summaryEl),
    );
    this.render();
  }

  private pyPathInput: HTMLInputElement;

  setPythonPath(paths: string[]) {
    this.pythonPath = paths;
    this.pyPathInput.value = paths.join(", ");
  }

  payload(): FilesPayload {
    // postMessage copies the bytes (structured clone); the panel keeps its own.
    return { files: [...this.files], modes: { ...this.modes }, pythonPath: this.pythonPath.slice() };
  }

  paths(kind: "file" | "dir" | "any" | "module"): string[] {
    const files = [...this.files.keys()].sort();
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    if (kind === "file") return files;
    if (kind === "dir") return [".", ...[...dirs].sort()];
    if (kind === "module") {
      const mods = new Set<string>();
      for (const root of ["", ...this.pythonPath]) {
        for (const f of files) {
          if (root && !f.startsWith(root + "/")) continue;
          const rel = root ? f.slice(root.length + 1) : f;
          if (rel.endsWith("/__init__.py")) mods.add(rel.slice(0, -"/__init__.py".length).replace(/\//g, "."));
          else if (rel.endsWith(".py") && !rel.includes("/")) mods.add(rel.slice(0, -3));
        }
      }
      return [...mods].sort();
    }
    return [...files, ...dirs].sort();
  }

  /** Adds files (path → bytes); a later one with the same path replaces the earlier. */
  add(entries: [string, Uint8Array][], modes: Record<string, number> = {}) {
    const dirs = new Set<string>();
    const addDirs = (path: string) => {
      for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) dirs.add(path.slice(0, i));
    };
    for (const k of this.files.keys()) addDirs(k);
    const remove = (path: string) => {
      this.files.delete(path);
      delete this.modes[path];
    };
    for (const [p, bytes] of entries) {
      const path = normalizePath(p);
      if (!path) continue;
      // A file where a folder was (or the reverse) replaces it.
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const ancestor = parts.slice(0, i).join("/");
        if (this.files.has(ancestor)) remove(ancestor);
      }
      if (dirs.has(path)) {
        for (const k of [...this.files.keys()]) if (k.startsWith(path + "/")) remove(k);
        for (const d of [...dirs]) if (d === path || d.startsWith(path + "/")) dirs.delete(d);
      }
      this.files.set(path, bytes);
      addDirs(path);
      if (modes[p] !== undefined) this.modes[path] = modes[p];
    }
    // A big tree starts with its folders folded.
    if (entries.length > 300) for (const d of dirs) this.folded.add(d);
    this.render();
    this.host.changed();
  }

  replaceAll(entries: [string, Uint8Array][], modes: Record<string, number> = {}) {
    this.files.clear();
    this.modes = {};
    this.open = null;
    this.add(entries, modes);
  }

  private clearAll() {
    if (this.files.size === 0) return;
    if (!confirm(`Remove all ${this.files.size} files from the panel?`)) return;
    this.files.clear();
    this.modes = {};
    this.open = null;
    this.render();
    this.host.changed();
  }

  private newFile() {
    const suggestions = ["requirements.txt", "pyproject.toml", ".env", "Dockerfile", ".dockerignore"].filter((n) => !this.files.has(n));
    const name = prompt("File path (folders with /):", suggestions[0] ?? "file.txt");
    if (!name) return;
    const path = normalizePath(name);
    if (!path || path.split("/").includes("..")) {
      this.host.toast(`"${name}" is not a path inside the panel`, "error");
      return;
    }
    if (!this.files.has(path)) this.add([[path, new Uint8Array()]]);
    this.openFile(path);
  }

  /** Files from a drop on the page; returns how many were added. */
  async fromDrop(dt: DataTransfer): Promise<number> {
    const out: [string, File][] = [];
    const skipped = new Set<string>();
    const entries = [...dt.items].map((i) => (i.kind === "file" ? i.webkitGetAsEntry?.() : null));
    if (entries.length && entries.every((e) => e)) {
      const dirs = entries.filter((e) => e!.isDirectory);
      for (const e of entries) await readEntry(e!, "", out, skipped);
      // One folder dropped alone is the project: its contents become the root.
      if (dirs.length === 1 && entries.length === 1) {
        const prefix = dirs[0]!.name + "/";
        for (const pair of out) pair[0] = pair[0].startsWith(prefix) ? pair[0].slice(prefix.length) : pair[0];
      }
    } else {
      for (const f of dt.files) out.push([(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f]);
    }
    return this.load(out, skipped);
  }

  private async fromInput(input: HTMLInputElement, folder: boolean) {
    const out: [string, File][] = [];
    const skipped = new Set<string>();
    for (const f of input.files ?? []) {
      let p = folder ? f.webkitRelativePath || f.name : f.name;
      if (folder) p = p.split("/").slice(1).join("/") || f.name;
      const parts = p.split("/");
      const skip = parts.slice(0, -1).find((s) => SKIP_DIRS.has(s));
      if (skip) {
        skipped.add(skip);
        continue;
      }
      out.push([p, f]);
    }
    input.value = "";
    await this.load(out, skipped);
  }

  private async pickFolder() {
    const picker = (window as unknown as { showDirectoryPicker?: (o?: object) => Promise<DirHandle> }).showDirectoryPicker;
    if (!picker) {
      this.folderInput.click();
      return;
    }
    let handle: DirHandle;
    try {
      handle = await picker.call(window, { mode: "read" });
    } catch (e) {
      if ((e as Error).name !== "AbortError") this.host.toast(`Could not open the folder: ${(e as Error).message}`, "error");
      return;
    }
    const out: [string, File][] = [];
    const skipped = new Set<string>();
    await readHandle(handle, "", out, skipped);
    await this.load(out, skipped);
  }

  private async load(pairs: [string, File][], skipped: Set<string>): Promise<number> {
    let total = 0;
    const entries: [string, Uint8Array][] = [];
    for (const [p, f] of pairs) {
      total += f.size;
      if (total > MAX_TOTAL) {
        this.host.toast(`Stopped at ${formatBytes(MAX_TOTAL)}: the panel holds files in memory`, "error");
        break;
      }
      entries.push([p, new Uint8Array(await f.arrayBuffer())]);
    }
    if (entries.length) this.add(entries);
    const note = skipped.size ? ` (skipped ${[...skipped].sort().join(", ")})` : "";
    this.host.toast(`Added ${entries.length} file${entries.length === 1 ? "" : "s"}, ${formatBytes(total)}${note}`);
    // Browsers never give a file's mode: every file arrives as 644. Say so when it matters.
    const scripts = entries.filter(([p, b]) => looksExecutable(p, b)).map(([p]) => normalizePath(p));
    if (scripts.length) {
      const names = scripts.slice(0, 3).join(", ") + (scripts.length > 3 ? ` and ${scripts.length - 3} more` : "");
      this.host.toast(`The browser does not say which files are executable: ${names} arrived as 644. Tick "executable" on the ones that are.`, "warn");
    }
    return entries.length;
  }

  // --- errors ------------------------------------------------------------------------------------

  showProblems(errors: ErrInfo[]) {
    this.problems.clear();
    for (const e of errors) if (e.file) this.problems.set(normalizePath(e.file), e);
    this.render();
  }

  // --- rendering ---------------------------------------------------------------------------------

  /** A row of the tree by key, with the state it shows: kept (element, focus) while that is unchanged. */
  private rowCache = new Map<string, { sig: string; el: HTMLElement }>();

  private row(key: string, sig: string, make: () => HTMLElement): HTMLElement {
    const hit = this.rowCache.get(key);
    if (hit && hit.sig === sig) return hit.el;
    const el = make();
    this.rowCache.set(key, { sig, el });
    return el;
  }

  /** Removes a file; the toast offers to put it back (bytes and mode). */
  private remove(path: string) {
    const bytes = this.files.get(path);
    if (!bytes) return;
    const mode = this.modes[path];
    this.files.delete(path);
    delete this.modes[path];
    if (this.open === path) this.open = null;
    this.render();
    this.host.changed();
    this.host.toast(`Removed ${path}`, "info", {
      label: "Undo",
      run: () => this.add([[path, bytes]], mode === undefined ? {} : { [path]: mode }),
    });
  }

  private toggleExec(path: string) {
    const m = this.modes[path] ?? 0o644;
    this.modes[path] = m & 0o111 ? m & ~0o111 : m | 0o111;
    if (this.modes[path] === 0o644) delete this.modes[path];
    this.render();
    this.host.changed();
  }

  /**
   * Shows the files. Rows are keyed by path and rebuilt only when what they show changed, and the
   * open file's text box is kept: an evaluation (which re-renders for its errors) never takes the
   * focus, the selection or the field's own undo history away from someone typing.
   */
  render() {
    const paths = [...this.files.keys()].sort();
    let total = 0;
    for (const b of this.files.values()) total += b.length;
    this.summaryEl.textContent = paths.length ? `${paths.length} file${paths.length === 1 ? "" : "s"} · ${formatBytes(total)}` : "";
    if (paths.length === 0) {
      this.rowCache.clear();
      clear(
        this.tree,
        h(
          "div",
          { class: "dropzone", "data-testid": "dropzone" },
          icon("upload", 22),
          h("p", null, h("strong", null, "Drop files or a folder"), " here, or anywhere on the page."),
          h("p", { class: "muted small" }, "requirements.txt, pyproject.toml, .env, a Dockerfile, your source folders: resolution reads them from here. They stay in this tab."),
        ),
      );
      this.renderEditor();
      return;
    }
    const rows: HTMLElement[] = [];
    const keys = new Set<string>();
    const shownDirs = new Set<string>();
    for (const path of paths) {
      const parts = path.split("/");
      let hidden = false;
      for (let i = 1; i < parts.length && !hidden; i++) {
        const dir = parts.slice(0, i).join("/");
        if (!shownDirs.has(dir)) {
          shownDirs.add(dir);
          const folded = this.folded.has(dir);
          const count = folded ? paths.filter((p) => p.startsWith(dir + "/")).length : 0;
          keys.add(`d:${dir}`);
          rows.push(this.row(`d:${dir}`, `${folded}|${count}`, () => this.dirRow(dir, parts[i - 1], i, folded, count)));
        }
        if (this.folded.has(dir)) hidden = true;
      }
      if (hidden) continue;
      const size = this.files.get(path)!.length;
      const mode = this.modes[path] ?? 0o644;
      const problem = this.problems.get(path);
      keys.add(`f:${path}`);
      rows.push(this.row(`f:${path}`, `${this.open === path}|${mode}|${size}|${problem?.code}|${problem?.message}`, () => this.fileRow(path, size, mode, problem)));
    }
    for (const k of [...this.rowCache.keys()]) if (!keys.has(k)) this.rowCache.delete(k);
    if (this.tree.querySelector(".dropzone")) this.tree.replaceChildren();
    reconcile(this.tree, rows);
    this.renderEditor();
  }

  private dirRow(dir: string, name: string, depth: number, folded: boolean, count: number): HTMLElement {
    return h(
      "div",
      { class: "node dir", role: "treeitem", "aria-expanded": String(!folded), "data-dir": dir, style: { paddingLeft: `${(depth - 1) * 14 + 6}px` } },
      h(
        "button",
        {
          type: "button",
          class: "name-btn dir-btn",
          title: folded ? "Unfold" : "Fold",
          onclick: () => {
            if (this.folded.has(dir)) this.folded.delete(dir);
            else this.folded.add(dir);
            this.render();
          },
        },
        h("span", { class: folded ? "chev" : "chev open" }, icon("chevron", 12)),
        icon("folder", 14),
        h("span", { class: "name" }, name + "/"),
        folded ? h("span", { class: "size" }, `${count} files`) : null,
      ),
    );
  }

  private fileRow(path: string, size: number, mode: number, problem: ErrInfo | undefined): HTMLElement {
    const parts = path.split("/");
    const isExec = Boolean(mode & 0o111);
    // A labelled checkbox, away from the delete button at the row's end.
    const execBox = h("input", { type: "checkbox", checked: isExec, "data-testid": "exec-toggle" });
    execBox.addEventListener("change", () => this.toggleExec(path));
    const exec = h(
      "label",
      { class: isExec ? "mode on" : "mode", title: `Mode ${mode.toString(8).padStart(4, "0")} (part of the image hash). Browsers do not pass file modes: set it here.` },
      execBox,
      "executable",
    );
    return h(
      "div",
      {
        class: `node file${this.open === path ? " open" : ""}${problem ? " has-error" : ""}`,
        role: "treeitem",
        "data-path": path,
        style: { paddingLeft: `${(parts.length - 1) * 14 + 6}px` },
      },
      h(
        "button",
        { type: "button", class: "name-btn", onclick: () => this.openFile(path), title: problem ? `${problem.code}: ${problem.message}` : `Open ${path}` },
        icon("file", 14),
        h("span", { class: "name" }, parts[parts.length - 1]),
        problem ? h("span", { class: "badge error" }, problem.code) : null,
      ),
      exec,
      h("span", { class: "size" }, formatBytes(size)),
      h(
        "button",
        { type: "button", class: "icon-btn small remove", title: `Remove ${path} (can be undone)`, "aria-label": `Remove ${path}`, onclick: () => this.remove(path) },
        icon("trash", 14),
      ),
    );
  }

  openFile(path: string, line?: number) {
    const p = normalizePath(path);
    if (!this.files.has(p)) {
      this.host.toast(`${p} is not in the files panel: add it (New file, or drop it)`, "error");
      return;
    }
    this.open = p;
    this.render();
    const ta = this.editor.querySelector("textarea");
    if (ta) {
      ta.focus();
      if (line) {
        const lines = ta.value.split("\n");
        const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
        ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
        const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
        ta.scrollTop = Math.max(0, (line - 3) * lh);
      }
    }
    this.editor.scrollIntoView({ block: "nearest" });
  }

  /** The open file's editor as shown: kept while the same bytes are open (typing updates them). */
  private shown: { path: string; bytes: Uint8Array; problem: HTMLElement } | null = null;

  private renderEditor() {
    const path = this.open;
    if (!path || !this.files.has(path)) {
      this.shown = null;
      this.editor.hidden = true;
      this.editor.replaceChildren();
      return;
    }
    this.editor.hidden = false;
    const bytes = this.files.get(path)!;
    const problem = this.problems.get(path);
    const problemEl = h(
      "div",
      { class: "editor-problem" },
      problem ? h("div", { class: "problem error" }, h("span", { class: "code error" }, problem.code), " ", problem.line ? h("span", { class: "where" }, `line ${problem.line}${problem.column ? `, column ${problem.column}` : ""} `) : null, h("span", { class: "msg" }, problem.message)) : null,
    );
    if (this.shown && this.shown.path === path && this.shown.bytes === bytes) {
      // Same file, same text: only its problem line may change; the text box stays as it is.
      this.shown.problem.replaceWith(problemEl);
      this.shown.problem = problemEl;
      return;
    }
    const text = asText(bytes);
    const isDockerfile = /(^|\/)(Dockerfile|Containerfile)[^/]*$|\.dockerfile$/i.test(path);
    const head = h(
      "div",
      { class: "editor-head" },
      h("span", { class: "mono path" }, path),
      h("span", { class: "spacer" }),
      isDockerfile ? h("button", { type: "button", class: "btn small", onclick: () => this.host.useAsBase(path), "data-testid": "use-as-base" }, "Use as base") : null,
      h(
        "button",
        {
          type: "button",
          class: "icon-btn",
          title: "Close (Esc)",
          "aria-label": "Close the file",
          onclick: () => {
            this.open = null;
            this.render();
          },
        },
        icon("x"),
      ),
    );
    let body: HTMLElement;
    if (text === null) {
      body = h("p", { class: "muted small" }, `Binary or large file (${formatBytes(bytes.length)}): not editable here, but resolution reads it.`);
    } else {
      const ta = h("textarea", { class: "mono", spellcheck: false, value: text, "aria-label": `Contents of ${path}`, rows: Math.min(16, Math.max(4, text.split("\n").length + 1)), "data-testid": "file-text" });
      ta.addEventListener("input", () => {
        const typed = encoder.encode(ta.value);
        this.files.set(path, typed);
        if (this.shown?.path === path) this.shown.bytes = typed;
        this.summarySize(path);
        this.host.changed();
      });
      ta.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          this.open = null;
          this.render();
          (this.tree.querySelector(`[data-path="${CSS.escape(path)}"] .name-btn`) as HTMLElement | null)?.focus();
        }
      });
      body = ta;
    }
    this.shown = { path, bytes, problem: problemEl };
    clear(this.editor, head, problemEl, body);
  }

  private summarySize(path: string) {
    const row = this.tree.querySelector(`[data-path="${CSS.escape(path)}"] .size`);
    if (row) row.textContent = formatBytes(this.files.get(path)!.length);
  }
}
