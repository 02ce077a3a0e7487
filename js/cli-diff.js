// `apothic-image diff BEFORE AFTER`: the unified diff of the two Dockerfiles and which layers a
// build of AFTER reuses from BEFORE (docs/diff.md); exit status 0 when the specs are the same,
// 1 when they differ, as diff(1). Only the report: cli.js reads the specs (and with --resolve
// resolves them) and calls Image.diff.

/** @typedef {import("./apothic_image.js").ImageDiff} ImageDiff */

/**
 * The `layers:` line: how many layers are reused, rebuilt and unknown, and where rebuilding starts.
 * @param {ImageDiff} diff
 */
export function layersLine(diff) {
  let line = `layers: ${diff.reused} reused, ${diff.rebuild} rebuild`;
  if (diff.firstRebuild !== null) {
    const first = diff.layers[diff.firstRebuild];
    const from = first?.step === null || first?.step === undefined ? "the base" : `step ${first.step}`;
    line += first?.reason === "filesChanged" ? ` (from ${from}: its files changed)` : ` (from ${from})`;
  }
  if (diff.unknown > 0) line += `, ${diff.unknown} unknown until resolved (they read files)`;
  return line;
}

/**
 * The hunks of `diff` as `diff -u` writes them, under `--- before` and `+++ after` headers.
 * @param {string} before the before spec as the command line named it
 * @param {string} after the after spec as the command line named it
 * @param {ImageDiff} diff
 */
export function unifiedText(before, after, diff) {
  if (diff.hunks.length === 0) return "";
  const marks = { keep: " ", remove: "-", add: "+" };
  let text = `--- ${before}\n+++ ${after}\n`;
  for (const h of diff.hunks) {
    text += `@@ -${h.beforeStart},${h.beforeLines} +${h.afterStart},${h.afterLines} @@\n`;
    for (const line of h.lines) text += `${marks[line.kind]}${line.text}\n`;
  }
  return text;
}

/**
 * The report of a diff and its exit status (0 identical, 1 different).
 * @param {string} before the before spec as the command line named it
 * @param {string} after the after spec as the command line named it
 * @param {ImageDiff} diff
 * @param {{ json?: boolean }} how
 * @returns {{ text: string, status: number }}
 */
export function diffReport(before, after, diff, how) {
  const status = diff.identical ? 0 : 1;
  if (how.json) return { text: `${JSON.stringify(diff, null, 2)}\n`, status };
  const { added, removed, changed } = diff.steps;
  const steps = [
    diff.baseChanged ? "base changed" : "",
    added.length ? `steps added: ${added.join(", ")}` : "",
    removed.length ? `steps removed: ${removed.join(", ")}` : "",
    changed.length ? `steps changed: ${changed.map((c) => (c.before === c.after ? `${c.after}` : `${c.before}→${c.after}`)).join(", ")}` : "",
  ].filter(Boolean);
  const resolved = typeof diff.after.imageHash === "string";
  const summary = diff.identical ? (resolved ? "identical images" : "identical specs") : steps.length > 0 ? steps.join("; ") : "same specs, other files";
  return { text: `${unifiedText(before, after, diff)}${summary}\n${layersLine(diff)}\n`, status };
}
