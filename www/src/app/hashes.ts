// A hash button of the output pane: the short hash, the full one in its title, click to copy.

import { h, shortHash } from "../ui/dom.ts";
import { copy } from "./export.ts";

/** The button for the hash called `label`; `what` says where the hash comes from. */
export function hashButton(label: string, what: string) {
  const v = h("span", { class: "v" }, "—");
  const el = h(
    "button",
    { type: "button", class: "hash na", title: what, "data-testid": `hash-${label.split(" ")[0].toLowerCase()}` },
    h("span", { class: "k" }, label),
    h("span", { class: "partial-tag", title: "The failing calls are left out" }, "partial"),
    v,
  );
  let full = "";
  el.addEventListener("click", () => full && void copy(full, `${label} copied`));
  return {
    el,
    set(hash: string | null, changed: boolean, partial: boolean, missing = "—", stale = false) {
      full = hash ?? "";
      el.dataset.hash = full;
      el.classList.toggle("stale", stale && !!hash);
      el.classList.toggle("na", !hash);
      el.classList.toggle("changed", changed && !!hash);
      el.classList.toggle("partial", partial && !!hash);
      v.textContent = hash ? `${shortHash(hash, 20)}…` : missing;
      el.title = hash ? `${what}\n${hash}${partial ? "\n(leaves out the failing calls)" : ""}${stale ? `\n(stale: the last image that resolved; now ${missing})` : ""}\nClick to copy` : `${what}: ${missing}`;
    },
  };
}
