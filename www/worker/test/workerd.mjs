// The built Worker (www/worker/workerd.capnp: dist/worker.js and its .wasm) in the real workerd
// binary on 127.0.0.1, started and stopped by tests/harness/workerd.mjs (APOTHIC_WORKERD, set by
// test/run.sh, names the pinned binary).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../../../tests/harness/workerd.mjs";

/** www/worker. */
export const workerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Serves workerd.capnp on a free port of 127.0.0.1 and resolves once `GET /` answers 200:
 * { base, stop, pid, log, startupMs } (tests/harness/workerd.mjs). The caller stops it.
 */
export async function startWorker() {
  if (!existsSync(join(workerDir, "dist", "worker.js"))) throw new Error("dist/worker.js is missing: run npm run build");
  return startWorkerd({ cwd: workerDir, config: "workerd.capnp", readyStatus: 200 });
}
