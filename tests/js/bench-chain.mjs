// The image chain every benchmark composes (benches/compose_render_hash.rs, benches/modal_chain.py
// and the templates of tests/js/bench-compare.mjs make the same one) and the timer they share.

/**
 * A realistic image: `debianSlim` and `count` steps cycling through eight kinds of step.
 * @param {any} Image the package's Image class
 * @param {number} count steps after the base
 * @returns {any} the composed image (the intermediate ones are freed)
 */
export function compose(Image, count) {
  let image = Image.debianSlim({ pythonVersion: "3.12" });
  for (let i = 0; i < count; i++) {
    let next;
    switch (i % 8) {
      case 0: next = image.aptInstall(["git", "curl", "libpq-dev"]); break;
      case 1: next = image.pipInstall(["numpy>=2", "pandas", "requests==2.32.3"]); break;
      case 2: next = image.env({ APP_ENV: "production", GREETING: "it's $HOME" }); break;
      case 3: next = image.runCommands(["echo hello && ls -la /", "for i in 1 2; do\n  echo $i\ndone"]); break;
      case 4: next = image.workdir(`/srv/app${i}`); break;
      case 5: next = image.uvPipInstall(["httpx", "fastapi[standard]"]); break;
      case 6: next = image.commandShell("/bin/bash -euo pipefail -c"); break;
      default: next = image.withDockerfile("EXPOSE 8000\nUSER root");
    }
    image.free(); // as Rust drops the intermediate images (finalizers would run too late here)
    image = next;
  }
  return image;
}

/**
 * The median of numbers.
 * @param {number[]} xs the numbers
 * @returns {number} their median
 */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Per-call times (µs) of 15 batches of about 50 ms each, after a 200 ms warm-up.
 * @param {() => string} fn the work; its result's length is kept so that it cannot be optimised away
 * @returns {number[]} the 15 per-call times
 */
export function timeSamples(fn) {
  let sink = 0;
  const started = performance.now();
  while (performance.now() - started < 200) sink += fn().length; // warm-up
  let perBatch = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < perBatch; i++) sink += fn().length;
    if (performance.now() - t > 50) break;
    perBatch *= 2;
  }
  const samples = [];
  for (let b = 0; b < 15; b++) {
    const t = performance.now();
    for (let i = 0; i < perBatch; i++) sink += fn().length;
    samples.push(((performance.now() - t) * 1000) / perBatch);
  }
  if (sink < 0) console.log(sink);
  return samples;
}

/**
 * Median and quartiles of samples.
 * @param {number[]} xs the samples
 * @returns {{ median: number, q1: number, q3: number }} the median and the first and third quartiles
 */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75) };
}
