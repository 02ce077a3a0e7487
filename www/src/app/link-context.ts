// What a share link carries besides the spec: the Python path, the files when they are small, and
// the author's resolved result (see share.ts).

import { SHARE_FILES_CAP, toBase64, type LinkContext } from "../share.ts";
import type { FilesPanel } from "../ui/files.ts";
import { state } from "./state.ts";

/** Build-context files listed in a link at most. */
const CONTEXT_ROWS = 500;

/** The context of a link to the image on screen. */
export function linkContext(files: FilesPanel): LinkContext {
  const ctx: LinkContext = { pythonPath: files.pythonPath.slice() };
  let total = 0;
  for (const b of files.files.values()) total += b.length;
  if (total <= SHARE_FILES_CAP) {
    ctx.files = [...files.files].map(([p, b]) => [p, toBase64(b), files.modes[p] ?? null]);
  } else ctx.held = { files: files.files.size, bytes: total };
  const ev = state.last;
  const r = ev?.resolution;
  if (ev && r && ev.complete && !ev.resolveError) {
    ctx.author = {
      dockerfile: r.dockerfile,
      definitionHash: ev.definitionHash,
      imageHash: r.imageHash,
      specHash: r.specHash,
      layers: r.layers.map((l) => [l.step, l.op, l.hash]),
      context: r.context.slice(0, CONTEXT_ROWS).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    };
  }
  return ctx;
}
