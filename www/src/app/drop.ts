// Files dropped anywhere on the page go to the files panel; an overlay shows while they are
// dragged over it.

import type { FilesPanel } from "../ui/files.ts";

/** Listens for file drags on the window, showing `overlay` during one. */
export function bindDrop(overlay: HTMLElement, files: FilesPanel) {
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
    void files.fromDrop(e.dataTransfer);
  });
}
