// Opening shared links: at start, and when one is pasted into the address bar of an open tab
// (hashchange). A link never silently replaces the work on screen or saved in this browser: what
// was there is kept ("Restore what I had"). The link stays in the address bar (bookmarkable) until
// the image is edited, when it no longer describes it. A link with the author's result opens in
// the read-only review view (review-view.ts).

import { decodeSpec, fromBase64, type Link } from "../share.ts";
import type { Actions } from "./actions.ts";
import { send } from "./channel.ts";
import { compare } from "./compare.ts";
import type { Flow } from "./flow.ts";
import { reshow } from "./output.ts";
import { clearReview, setReviewActions } from "./review-view.ts";
import { state } from "./state.ts";
import { toast } from "./status.ts";
import { applyFiles, forgetBeforeLink, keepBeforeLink, savedCode, snapshot, type Snapshot } from "./storage.ts";
import type { Views } from "./views.ts";

export interface Links {
  /** Opens the link in the address bar, if there is one; false when there is none or it failed. */
  openFromAddress(first: boolean): Promise<boolean>;
  /** The image was edited: the link in the address bar no longer describes it. */
  edited(): void;
}

/** Link handling for these views; listens for links pasted into the open tab. */
export function createLinks(v: Views, flow: Flow, actions: Actions): Links {
  const { files, codeView } = v;
  let opening = false;
  /** The first link (or none) was handled: before that, restoring the saved files is no edit. */
  let started = false;

  function sendFiles() {
    send({ type: "files", payload: files.payload() });
  }

  function restore(had: Snapshot) {
    clearReview(v);
    applyFiles(files, had);
    codeView.setText(had.code);
    forgetBeforeLink();
    history.replaceState(null, "", location.pathname + location.search);
    sendFiles();
    flow.evalNow("load");
    toast("Restored what you had before opening the link");
  }

  async function open(link: Link, first: boolean): Promise<boolean> {
    // What there is now: in a new tab, what this browser saved; in an open tab, what is on screen.
    const code = first ? savedCode() : codeView.text;
    const had = code === null && files.files.size === 0 ? null : snapshot(code ?? codeView.text, files);
    const ctx = link.ctx;
    opening = true;
    try {
      if (ctx?.files) {
        const modes: Record<string, number> = {};
        for (const [p, , m] of ctx.files) if (m !== null) modes[p] = m;
        applyFiles(files, { files: ctx.files.map(([p, b]) => [p, b]), modes, pythonPath: ctx.pythonPath });
      } else if (ctx) files.setPythonPath(ctx.pythonPath);
      sendFiles();
      state.lastGood = null;
      state.review = ctx?.author ? { ctx } : null;
      const what = ctx?.author ? "Opened a shared image for review" : "Opened the shared spec (add your files to resolve it)";
      const ok = await actions.loadSpec(link.spec, what);
      if (!ok) {
        state.review = null;
        if (had) applyFiles(files, had);
        sendFiles();
        return false;
      }
    } finally {
      opening = false;
    }
    const changed = had !== null && JSON.stringify(had) !== JSON.stringify(snapshot(codeView.text, files));
    if (changed) keepBeforeLink(had);
    const restoreMine = changed ? () => restore(had) : null;
    const compareMine = changed ? () => void compare({ before: had.code, after: link.spec, restore: restoreMine }) : null;
    setReviewActions({
      resolveWithMine: () => {
        clearReview(v);
        // Files that came with the link were the author's: the reviewer's own come back (the
        // link's Python path stays, so the same repo resolves as the author's did).
        if (ctx?.files && had) {
          files.replaceAll(
            had.files.map(([p, b]) => [p, fromBase64(b)]),
            had.modes,
          );
        }
        sendFiles();
        reshow(v);
        flow.evalNow("form");
      },
      restore: restoreMine,
      compare: compareMine,
    });
    if (restoreMine && compareMine && !state.review) {
      toast("The link replaced your image here; what you had is kept.", "info", [
        { label: "Compare", run: compareMine, testid: "toast-compare" },
        { label: "Restore what I had", run: restoreMine },
      ]);
    }
    return true;
  }

  async function openFromAddress(first: boolean): Promise<boolean> {
    let link: Link | null = null;
    try {
      link = await decodeSpec(location.hash);
    } catch (e) {
      toast(`Could not open the link: ${(e as Error).message}`, "error");
    }
    try {
      return link !== null && (await open(link, first));
    } finally {
      started = true;
    }
  }

  window.addEventListener("hashchange", () => void openFromAddress(false));

  return {
    openFromAddress,
    edited() {
      if (!started || opening || state.review || !/(^#|&)spec=/.test(location.hash)) return;
      history.replaceState(null, "", location.pathname + location.search);
    },
  };
}
