// Which spec step a failed build names: the failing instruction, as an engine reports it, found
// among the resolved Dockerfile's instructions and mapped to its spec step by the resolution's
// layer line ranges.

/** @typedef {import("../index.js").Resolution} Resolution */

/** The Dockerfile instructions that make a BuildKit step of their own (its `[N/M]`). */
const BUILDKIT_STEPS = new Set(["FROM", "RUN", "COPY", "ADD", "WORKDIR"]);

/**
 * The logical instructions of a Dockerfile (continuation lines joined, comments and blank lines
 * left out), each with its lines, its text as an engine names it (keyword upper-cased,
 * whitespace squeezed) and its step number in each engine's counting: BuildKit's `[N/M]`
 * (within its stage, FROM and the instructions that make a layer or a file operation), buildah's
 * `STEP N/M:` (within its stage, every instruction) and the classic builder's `Step N/M` (every
 * instruction of the file).
 * @param {string} dockerfile
 */
function instructionsOf(dockerfile) {
  const lines = dockerfile.split("\n");
  /** @type {{ text: string, first: number, last: number, numbers: number[] }[]} */
  const out = [];
  let inStage = { buildkit: 0, every: 0 };
  let inFile = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(#|$)/.test(lines[i])) continue;
    const first = i + 1;
    let text = lines[i];
    while (/\\\s*$/.test(text) && i + 1 < lines.length) {
      text = text.replace(/\\\s*$/, "");
      i += 1;
      if (!/^\s*#/.test(lines[i])) text += lines[i];
    }
    text = text.replace(/\s+/g, " ").trim();
    const keyword = text.split(" ")[0].toUpperCase();
    text = `${keyword}${text.slice(keyword.length)}`;
    if (keyword === "FROM") inStage = { buildkit: 0, every: 0 };
    if (BUILDKIT_STEPS.has(keyword)) inStage.buildkit += 1;
    inStage.every += 1;
    inFile += 1;
    out.push({ text, first, last: i + 1, numbers: [BUILDKIT_STEPS.has(keyword) ? inStage.buildkit : -1, inStage.every, inFile] });
  }
  return out;
}

/**
 * The spec step whose Dockerfile line `instruction` is, from the resolution's line ranges. The
 * instruction that matches a line exactly (continuation lines joined, whitespace squeezed) wins
 * over one that only contains it or is contained in it; among several, the one whose number in
 * the engine's counting is `engineStep` (BuildKit's, then buildah's, then the classic
 * builder's), else the first.
 * @param {Resolution} resolution
 * @param {string | undefined} instruction the failing instruction as the engine names it
 * @param {number} [engineStep] the failing step's number as the engine gives it (`error.step`)
 * @returns {{ step: number | null, op: string, line: number } | undefined}
 */
export function stepOfInstruction(resolution, instruction, engineStep) {
  if (!instruction) return undefined;
  const squeezed = instruction.replace(/\\\s*\n/g, "").replace(/\s+/g, " ").trim().replace(/^\[[^\]]*\]\s*/, "");
  const keyword = squeezed.split(" ")[0].toUpperCase();
  const wanted = `${keyword}${squeezed.slice(keyword.length)}`;
  // BuildKit names a step "[stage 2/3] RUN …"; a failed shell command is "/bin/sh -c …".
  const candidates = squeezed.startsWith("/bin/sh -c ") ? [squeezed, `RUN ${squeezed.slice("/bin/sh -c ".length)}`] : [wanted];
  const instructions = instructionsOf(resolution.dockerfile).filter((i) => resolution.layers.some((l) => l.lines && l.lines.first <= i.first && i.first <= l.lines.last));
  const exact = instructions.filter((i) => candidates.includes(i.text));
  const matching = exact.length > 0 ? exact : instructions.filter((i) => candidates.some((c) => i.text.includes(c) || c.includes(i.text)));
  let chosen = matching[0];
  if (engineStep !== undefined && matching.length > 1) {
    for (const counting of [0, 1, 2]) {
      const numbered = matching.find((i) => i.numbers[counting] === engineStep);
      if (numbered) {
        chosen = numbered;
        break;
      }
    }
  }
  if (chosen === undefined) return undefined;
  const layer = /** @type {Resolution["layers"][number]} */ (resolution.layers.find((l) => l.lines && l.lines.first <= chosen.first && chosen.first <= l.lines.last));
  return { step: layer.step, op: layer.op, line: chosen.first };
}
