// What survives a reload: the code and (up to 512 KiB of) files, kept in localStorage; and, when a
// shared link replaced them, what was there before ("restore what I had").

import { fromBase64, toBase64 } from "../share.ts";
import type { CodeView } from "../ui/code.ts";
import { debounce } from "../ui/dom.ts";
import type { FilesPanel } from "../ui/files.ts";

/** The prefix of every localStorage key the console uses. */
export const STORE = "apothic-console:";

/** Files kept: the total above which they are not saved. */
const FILES_CAP = 512 * 1024;

/** The code and the files of the files panel, as saved. */
export interface Snapshot {
  code: string;
  files: [string, string][];
  modes: Record<string, number>;
  pythonPath: string[];
}

/** The work on screen as a snapshot (files left out when over 512 KiB). */
export function snapshot(code: string, files: FilesPanel): Snapshot {
  let total = 0;
  for (const b of files.files.values()) total += b.length;
  const saved: [string, string][] = total <= FILES_CAP ? [...files.files].map(([p, b]) => [p, toBase64(b)]) : [];
  return { code, files: saved, modes: { ...files.modes }, pythonPath: files.pythonPath.slice() };
}

/** A save of the code and the files, 400 ms after the last call. */
export function saver(codeView: CodeView, files: FilesPanel): () => void {
  return debounce(() => {
    try {
      localStorage.setItem(`${STORE}code`, codeView.text);
      const snap = snapshot(codeView.text, files);
      if (snap.files.length || files.files.size === 0) localStorage.setItem(`${STORE}files`, JSON.stringify({ files: snap.files, modes: snap.modes, pythonPath: snap.pythonPath }));
      else localStorage.removeItem(`${STORE}files`);
    } catch {
      /* storage full or unavailable: nothing to keep */
    }
  }, 400);
}

/** Puts saved files into the files panel. */
export function applyFiles(files: FilesPanel, saved: Pick<Snapshot, "files" | "modes" | "pythonPath">) {
  files.setPythonPath(saved.pythonPath ?? []);
  files.replaceAll(
    saved.files.map(([p, b64]) => [p, fromBase64(b64)]),
    saved.modes ?? {},
  );
}

/** Puts the saved files back into the files panel. */
export function restoreFiles(files: FilesPanel) {
  const saved = read<Snapshot>("files");
  if (saved) applyFiles(files, saved);
}

/** The saved code, or null when there is none. */
export function savedCode(): string | null {
  try {
    return localStorage.getItem(`${STORE}code`);
  } catch {
    /* no storage */
    return null;
  }
}

/** Keeps `snap` as what there was before a link was opened. */
export function keepBeforeLink(snap: Snapshot) {
  try {
    localStorage.setItem(`${STORE}before-link`, JSON.stringify(snap));
  } catch {
    /* storage full: the toast's Restore still has it in memory */
  }
}

/** What there was before the last link was opened, or null. */
export function beforeLink(): Snapshot | null {
  return read<Snapshot>("before-link");
}

/** Forgets what there was before a link (it was restored). */
export function forgetBeforeLink() {
  try {
    localStorage.removeItem(`${STORE}before-link`);
  } catch {
    /* no storage */
  }
}

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(`${STORE}${key}`);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    /* a damaged entry, or no storage */
    return null;
  }
}
