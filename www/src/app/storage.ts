// What survives a reload: the code and (up to 512 KiB of) files, kept in localStorage.

import type { CodeView } from "../ui/code.ts";
import { debounce } from "../ui/dom.ts";
import type { FilesPanel } from "../ui/files.ts";

/** The prefix of every localStorage key the console uses. */
export const STORE = "apothic-console:";

/** A save of the code and the files, 400 ms after the last call. */
export function saver(codeView: CodeView, files: FilesPanel): () => void {
  return debounce(() => {
    try {
      localStorage.setItem(`${STORE}code`, codeView.text);
      let total = 0;
      for (const b of files.files.values()) total += b.length;
      if (total <= 512 * 1024) {
        const saved = [...files.files].map(([p, b]) => [p, toBase64(b)]);
        localStorage.setItem(`${STORE}files`, JSON.stringify({ files: saved, modes: files.modes, pythonPath: files.pythonPath }));
      } else localStorage.removeItem(`${STORE}files`);
    } catch {
      /* storage full or unavailable: nothing to keep */
    }
  }, 400);
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Puts the saved files back into the files panel. */
export function restoreFiles(files: FilesPanel) {
  try {
    const raw = localStorage.getItem(`${STORE}files`);
    if (!raw) return;
    const saved = JSON.parse(raw) as { files: [string, string][]; modes: Record<string, number>; pythonPath: string[] };
    files.setPythonPath(saved.pythonPath ?? []);
    files.replaceAll(
      saved.files.map(([p, b64]) => [p, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]),
      saved.modes ?? {},
    );
  } catch {
    /* a damaged entry: start without files */
  }
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
