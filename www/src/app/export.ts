// Text and bytes out of the page: copied to the clipboard, or downloaded as a file.

import { h } from "../ui/dom.ts";
import { toast } from "./status.ts";

/** Copies `text` and toasts `done` (or why it could not: an empty text is never "copied"). */
export async function copy(text: string, done: string) {
  if (text === "") {
    toast("Nothing to copy yet", "error");
    return;
  }
  try {
    await navigator.clipboard.writeText(text);
    toast(done);
  } catch {
    toast("The browser did not allow copying: select the text instead", "error");
  }
}

/** Downloads `data` as a file called `name`. */
export function download(name: string, data: string | Uint8Array, type = "text/plain") {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
