// Files dropped anywhere on the page go to the files panel (a spec JSON dropped alone is imported
// instead); an overlay shows while they are dragged over it. Text pasted outside a text field is
// read the same way: a spec JSON is imported, a Dockerfile becomes the base.

import { typingTarget } from "../ui/dom.ts";
import type { FilesPanel } from "../ui/files.ts";

/** What a drop or a paste can do besides adding files. */
export interface DropHost {
  /** Imports a spec (its JSON text); `from` names where it came from. */
  importSpec(text: string, from: string): void;
  /** Makes `text` (a Dockerfile) the image's base. */
  importDockerfile(text: string): void;
}

/** Whether `text` is a spec's JSON (an object with a base). */
export function isSpecJson(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) && "base" in v;
  } catch {
    return false;
  }
}

/** Whether `text` reads as a Dockerfile (a FROM line, comments and directives before it). */
export function isDockerfile(text: string): boolean {
  return /^(?:\s*(?:#.*)?\n)*\s*(?:ARG\s.*\n(?:\s*(?:#.*)?\n)*\s*)*FROM\s+\S+/i.test(text);
}

/** Listens for file drags on the window, showing `overlay` during one, and for pastes. */
export function bindDrop(overlay: HTMLElement, files: FilesPanel, host: DropHost) {
  let dragDepth = 0;
  const isFileDrag = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  window.addEventListener("dragenter", (e) => {
    if (!isFileDrag(e)) return;
    dragDepth++;
    overlay.hidden = false;
  });
  window.addEventListener("dragleave", (e) => {
    if (!isFileDrag(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) overlay.hidden = true;
  });
  window.addEventListener("dragover", (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  window.addEventListener("drop", (e) => {
    if (!isFileDrag(e) || !e.dataTransfer) return;
    e.preventDefault();
    dragDepth = 0;
    overlay.hidden = true;
    void dropped(e.dataTransfer);
  });

  async function dropped(dt: DataTransfer) {
    const only = dt.files.length === 1 ? dt.files[0] : null;
    if (only && /\.json$/i.test(only.name) && only.size < 4 * 1024 * 1024) {
      const text = await only.text();
      if (isSpecJson(text)) return host.importSpec(text, only.name);
    }
    await files.fromDrop(dt);
  }

  document.addEventListener("paste", (e) => {
    if (typingTarget(e.target) || document.querySelector("dialog[open]")) return;
    const text = e.clipboardData?.getData("text/plain") ?? "";
    if (isSpecJson(text)) {
      e.preventDefault();
      host.importSpec(text, "the pasted spec");
    } else if (isDockerfile(text)) {
      e.preventDefault();
      host.importDockerfile(text);
    }
  });
}
