// `make bench-worker`: the preview Worker's deployable size (script + wasm, gzip) against the
// Workers Free plan's limit, then, in the real workerd on loopback, its start-up time and the
// latency of each kind of request (wall time over HTTP, so an upper bound of the Worker's own
// CPU time, which the Free plan caps at 10 ms per request). Bounded: a few hundred requests.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { goldenVectors } from "../../../tests/harness/vectors.mjs";
import { previewPath, resolveVectorRequests } from "./vectors.mjs";
import { startWorker, workerDir } from "./workerd.mjs";

const FREE_PLAN = 3 * 1024 * 1024; // Workers Free: 3 MB after compression (wrangler counts MiB)
const PAID_PLAN = 10 * 1024 * 1024;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

const files = ["worker.js", "apothic_image_bg.wasm"].map((name) => {
  const bytes = readFileSync(join(workerDir, "dist", name));
  return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const raw = files.reduce((n, f) => n + f.raw, 0);
const gzip = files.reduce((n, f) => n + f.gzip, 0);
console.log("bench-worker: bundle (dist/, what wrangler.toml deploys)");
for (const f of files) console.log(`  ${f.name.padEnd(24)} ${kib(f.raw).padStart(10)} raw  ${kib(f.gzip).padStart(10)} gzip`);
console.log(`  ${"total".padEnd(24)} ${kib(raw).padStart(10)} raw  ${kib(gzip).padStart(10)} gzip`);
console.log(
  `  Workers Free plan limit 3 MiB gzip: ${((100 * gzip) / FREE_PLAN).toFixed(1)}% used, ${kib(FREE_PLAN - gzip)} to spare` +
    ` (Paid: 10 MiB, ${((100 * gzip) / PAID_PLAN).toFixed(1)}%)`,
);

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

const server = await startWorker();
try {
  console.log(`bench-worker: workerd start to first answer ${server.startupMs} ms (includes compiling the .wasm)`);
  const vectors = goldenVectors().filter((v) => v.dockerfile !== undefined);
  const big = vectors.reduce((a, b) => (b.spec.steps.length > a.spec.steps.length ? b : a));
  const resolveVector = resolveVectorRequests().find((v) => v.name === "from-dockerfile-copy") ?? resolveVectorRequests()[0];
  const json = { "content-type": "application/json" };
  const kinds = [
    [`GET /preview (${big.name}, ${big.spec.steps.length} steps)`, () => fetch(server.base + previewPath(big.spec))],
    ["GET /preview?format=html", () => fetch(`${server.base}${previewPath(big.spec)}?format=html`)],
    ["GET /preview, If-None-Match → 304", () => fetch(server.base + previewPath(big.spec), { headers: { "if-none-match": `"${big.hash}"` } })],
    ["POST /render (spec only)", () => fetch(`${server.base}/render`, { method: "POST", headers: json, body: JSON.stringify({ spec: big.spec }) })],
    [`POST /render (${resolveVector.name}, with files)`, () => fetch(`${server.base}/render`, { method: "POST", headers: json, body: JSON.stringify(resolveVector.body) })],
    ["POST /render, bad spec → 422", () => fetch(`${server.base}/render`, { method: "POST", headers: json, body: JSON.stringify({ spec: { version: 9 } }) })],
  ];
  console.log("bench-worker: latency over loopback, 300 sequential requests each (after 50 to warm up)");
  for (const [label, send] of kinds) {
    for (let i = 0; i < 50; i++) await (await send()).arrayBuffer();
    const times = [];
    for (let i = 0; i < 300; i++) {
      const t = process.hrtime.bigint();
      const res = await send();
      await res.arrayBuffer();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.status >= 500) throw new Error(`${label}: ${res.status}`);
    }
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
    console.log(`  ${label.padEnd(52)} p50 ${q(0.5)} ms  p99 ${q(0.99)} ms`);
  }
  const pid = server.pid;
  if (pid) console.log(`bench-worker: workerd RSS after the bench ${kib(rssKiB(pid) * 1024)}`);
} finally {
  await server.stop();
}
