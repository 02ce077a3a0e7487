// `apothic-image lint SPEC`: prints the lint findings of a spec (docs/lint.md) and says, by its
// exit status, whether any is at or above --fail-on. Only the report: cli.js resolves.

/** @typedef {{ rule: string, name: string, severity: "error" | "warning" | "info", step: number | null, message: string, fix?: { title: string, spec: unknown } }} Finding */

/** The severities, least first; `never` is above them all. */
const RANKS = ["info", "warning", "error", "never"];

/**
 * The rank of a `--fail-on` value, or `undefined` for one that is not a severity or `never`.
 * @param {string | undefined} value
 */
export function failOnRank(value) {
  const rank = RANKS.indexOf(value ?? "error");
  return rank < 0 ? undefined : rank;
}

/**
 * The report of `findings` and its exit status: 1 when a finding is at or above `failOn`.
 * @param {string} label the spec as the command line named it
 * @param {Finding[]} findings
 * @param {{ json?: boolean, failOn: number }} how
 * @returns {{ text: string, status: number }}
 */
export function lintReport(label, findings, how) {
  const failing = findings.some((f) => RANKS.indexOf(f.severity) >= how.failOn);
  const text = how.json
    ? `${JSON.stringify(findings, null, 2)}\n`
    : findings
        .map((f) => `${label}: ${f.step === null ? "base" : `step ${f.step}`}: ${f.rule} ${f.name} (${f.severity}): ${f.message}${f.fix ? ` [fix: ${f.fix.title}]` : ""}\n`)
        .join("");
  return { text, status: failing ? 1 : 0 };
}
