// `make bench`, the comparison (run after scripts/build-pkg.mjs and scripts/bench-venv.sh): the same
// image chain (tests/js/bench-chain.mjs) of 20, 100 and 500 steps, composed, rendered and hashed by
//
//   - this package (wasm under Node): `compose`, then `dockerfile()` + `definitionHash()`;
//   - Modal's Python client (benches/modal_chain.py): `modal.Image` composes, every layer's
//     Dockerfile function renders, hashlib hashes (no server: the client's part only);
//   - hand-written string templates in JavaScript, the floor: one template per kind of step, the
//     same Dockerfile text as ours (checked here), SHA-256 by node:crypto.
//
// Prints medians, quartiles and the ratios, all from one run on one machine.
//
//   node tests/js/bench-compare.mjs [--python target/bench/venv/bin/python] [--json out.json]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compose, spread, timeSamples } from "./bench-chain.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const python = option("--python", join(root, "target/bench/venv/bin/python"));
const STEPS = [20, 100, 500];
const { Image } = await import(pathToFileURL(join(root, "pkg/node.js")).href);

// ---- the floor: hand-written templates --------------------------------------------------------------
const quote = (s) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`);
// A multi-line command runs in exec form, through the shell set by the last SHELL line.
const run = (shell, command) => (command.includes("\n") ? `RUN ${JSON.stringify([...shell, command])}` : `RUN ${command}`);
/** The chain's Dockerfile, written by hand as string templates. */
function templates(count) {
  const lines = ["FROM python:3.12-slim-trixie"];
  let shell = ["/bin/sh", "-c"];
  for (let i = 0; i < count; i++) {
    switch (i % 8) {
      case 0: lines.push(`RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${["git", "curl", "libpq-dev"].map(quote).join(" ")} && rm -rf /var/lib/apt/lists/*`); break;
      case 1: lines.push(`RUN python -m pip install --no-cache-dir ${["numpy>=2", "pandas", "requests==2.32.3"].sort().map(quote).join(" ")}`); break;
      case 2: lines.push(`ENV ${Object.entries({ APP_ENV: "production", GREETING: "it's $HOME" }).map(([k, v]) => `${k}=${quote(v)}`).join(" ")}`); break;
      case 3: for (const c of ["echo hello && ls -la /", "for i in 1 2; do\n  echo $i\ndone"]) lines.push(run(shell, c)); break;
      case 4: lines.push(`WORKDIR /srv/app${i}`); break;
      case 5: lines.push("COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv", `RUN uv pip install --system --no-cache ${["httpx", "fastapi[standard]"].sort().map(quote).join(" ")}`); break;
      case 6: shell = "/bin/bash -euo pipefail -c".split(" "); lines.push(`SHELL ${JSON.stringify(shell)}`); break;
      default: lines.push("EXPOSE 8000\nUSER root");
    }
  }
  return lines.join("\n") + "\n";
}
const templateRun = (n) => () => {
  const text = templates(n);
  return text + createHash("sha256").update(text).digest("hex");
};
const oursRun = (n) => () => {
  const image = compose(Image, n);
  const out = image.dockerfile() + image.definitionHash();
  image.free();
  return out;
};

// The same chain in each: the templates must give our Dockerfile byte for byte.
for (const n of STEPS) {
  const image = compose(Image, n);
  const ours = image.dockerfile();
  image.free();
  if (templates(n) !== ours) throw new Error(`the templates' ${n}-step Dockerfile differs from the package's`);
}

// ---- Modal's client, in its own process ---------------------------------------------------------------
const modal = JSON.parse(
  execFileSync(python, [join(root, "benches/modal_chain.py"), ...STEPS.flatMap((n) => ["--steps", String(n)])], { encoding: "utf8" }),
);

// ---- report ---------------------------------------------------------------------------------------------
const us = (x) => (x < 10 ? `${x.toFixed(2)} µs` : x < 1000 ? `${x.toFixed(1)} µs` : `${(x / 1000).toFixed(2)} ms`);
const cell = (s) => `${us(s.median)} (${us(s.q1)}–${us(s.q3)})`;
const results = {};
for (const n of STEPS) {
  const m = modal.results[n];
  results[n] = {
    ours: spread(timeSamples(oursRun(n))),
    templates: spread(timeSamples(templateRun(n))),
    modal: { median: m.medianUs, q1: m.q1Us, q3: m.q3Us },
  };
}
console.log(`compose + render + hash, the same chain (tests/js/bench-chain.mjs); median (quartiles) of 15 batches`);
console.log(`Node ${process.version}, Python ${modal.python}, modal ${modal.modal}, load average ${loadavg()[0].toFixed(2)}\n`);
console.log("| steps | @apothic/image (wasm in Node) | Modal's Python client | JS string templates (floor) | Modal ÷ ours | ours ÷ templates |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const n of STEPS) {
  const r = results[n];
  console.log(`| ${n} | ${cell(r.ours)} | ${cell(r.modal)} | ${cell(r.templates)} | **${(r.modal.median / r.ours.median).toFixed(1)}×** faster | ${(r.ours.median / r.templates.median).toFixed(1)}× slower |`);
}
const jsonOut = option("--json");
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ node: process.version, modal: modal.modal, results }, null, 2) + "\n");
