// Moving a step card: Alt+↑/↓ from anywhere inside it, or dragging it by its header onto another
// card (dropped above or below that card's middle).

/** What reordering needs from the list of cards. */
export interface ReorderHost {
  /** A step's place now, by its card id. */
  indexOf(id: number): number;
  /** Moves the step at `from` to `to`. */
  move(from: number, to: number): void;
  /** The place of the step being dragged, shared by every card of the list. */
  drag: { from: number | null };
  /** The list of cards (the drop marks are cleared on all of them). */
  list: HTMLElement;
}

/** Makes the card `li` of step `id` movable by keyboard and by dragging `head`. */
export function bindReorder(li: HTMLElement, head: HTMLElement, id: number, host: ReorderHost) {
  // Keyboard reordering from anywhere inside the card.
  li.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      const i = host.indexOf(id);
      host.move(i, i + (e.key === "ArrowUp" ? -1 : 1));
    }
  });
  // Drag to reorder (by the header).
  head.draggable = true;
  head.addEventListener("dragstart", (e) => {
    host.drag.from = host.indexOf(id);
    e.dataTransfer?.setData("application/x-apothic-step", String(id));
    if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    li.classList.add("dragging");
  });
  head.addEventListener("dragend", () => {
    host.drag.from = null;
    li.classList.remove("dragging");
    host.list.querySelectorAll(".drop-above, .drop-below").forEach((x) => x.classList.remove("drop-above", "drop-below"));
  });
  li.addEventListener("dragover", (e) => {
    if (host.drag.from === null) return;
    e.preventDefault();
    e.stopPropagation();
    const r = li.getBoundingClientRect();
    const above = e.clientY < r.top + r.height / 2;
    li.classList.toggle("drop-above", above);
    li.classList.toggle("drop-below", !above);
  });
  li.addEventListener("dragleave", () => li.classList.remove("drop-above", "drop-below"));
  li.addEventListener("drop", (e) => {
    if (host.drag.from === null) return;
    e.preventDefault();
    e.stopPropagation();
    const r = li.getBoundingClientRect();
    const above = e.clientY < r.top + r.height / 2;
    const from = host.drag.from;
    let to = host.indexOf(id) + (above ? 0 : 1);
    if (from < to) to--;
    host.move(from, to);
  });
}
