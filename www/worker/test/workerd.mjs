// Starts the real workerd binary on www/worker/workerd.capnp (the built dist/worker.js and its
// .wasm), bound to 127.0.0.1 on a free port, and stops it. The binary is npm `workerd`, pinned
// in scripts/tools (APOTHIC_WORKERD, set by test/run.sh).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const workerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repo = resolve(workerDir, "../..");

export const workerdBin =
  process.env.APOTHIC_WORKERD ?? join(repo, "scripts", "tools", "node_modules", ".bin", "workerd");

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Serves workerd.capnp on 127.0.0.1:<free port>. Resolves to { base, stop, log, startupMs } once
 * the Worker answers `GET /`; retries on a port taken in between (at most 3 times).
 */
export async function startWorkerd() {
  if (!existsSync(workerdBin)) throw new Error(`no workerd binary at ${workerdBin} (scripts/npm-tools.sh installs it)`);
  if (!existsSync(join(workerDir, "dist", "worker.js"))) throw new Error("dist/worker.js is missing: run npm run build");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = Date.now();
    let log = "";
    const child = spawn(workerdBin, ["serve", "workerd.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd: workerDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killOnExit = () => child.exitCode === null && child.kill("SIGKILL"); // even if the runner dies
    process.once("exit", killOnExit);
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    const stop = async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    };
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (Date.now() < deadline) {
      const state = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
      if (state) break;
      try {
        const res = await fetch(`${base}/`);
        await res.arrayBuffer();
        if (res.status === 200) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
    }
    if (ready) return { base, stop, pid: child.pid, log: () => log, startupMs: Date.now() - started };
    await stop();
    if (attempt === 3 || !/address already in use/i.test(log)) throw new Error(`workerd did not start (attempt ${attempt}):\n${log}`);
  }
}
