// What Copy and Download take out of the page: the whole resolved image, or nothing and the reason.
// One check for both, so a copy is never something a download would refuse (a substituted base,
// failing steps left out, or an empty text).

import { state } from "./state.ts";

/** The Dockerfile of the whole image, or why there is none to take away. */
export type Exportable = { ok: true; text: string } | { ok: false; reason: string };

/** The Dockerfile Download gives, or the reason it refuses (Copy uses the same). */
export function exportableDockerfile(): Exportable {
  const last = state.last;
  if (!last || !state.lastCodeOk || last.dockerfile === null) return { ok: false, reason: "There is no Dockerfile yet: see the errors on the steps" };
  if (!last.complete) return { ok: false, reason: "Fix the failing steps first: the preview leaves them out" };
  if (last.dockerfileFrom !== "resolve") return { ok: false, reason: `Resolution failed (${last.resolveError?.code}): add the files the image reads first` };
  return { ok: true, text: last.dockerfile };
}
