// The real workerd binary (npm `workerd`, pinned in scripts/tools) serving a config on
// 127.0.0.1: started on a free port, waited for until the Worker answers, stopped by the caller
// (and killed when the process exits, should the caller die first).
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, posix } from "node:path";
import { repo } from "./vectors.mjs";

/** The workerd binary: APOTHIC_WORKERD (the test scripts set it), else the one scripts/tools pins. */
export const workerdBin = process.env.APOTHIC_WORKERD ?? join(repo, "scripts", "tools", "node_modules", ".bin", "workerd");

/** How long workerd may take to answer its first request. */
const START_MS = 30_000;
/** How long a stopped workerd may take to exit on SIGTERM before it gets SIGKILL. */
const STOP_MS = 5_000;

/** @returns {Promise<number>} a TCP port free on 127.0.0.1 right now */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * @typedef {object} Workerd
 * @property {string} base `http://127.0.0.1:<port>` (no trailing slash)
 * @property {number | undefined} pid the workerd process
 * @property {() => string} log what workerd printed so far
 * @property {number} startupMs from spawn to the first good answer
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after 5 s; resolves once it exited
 */

/**
 * Serves `config` (a workerd.capnp whose socket is named "http") from `cwd` on 127.0.0.1 at a
 * free port, and resolves once `GET /` answers `readyStatus`. Retries on a port taken in between
 * (at most 3 times); throws with workerd's output when it does not start.
 * @param {object} options
 * @param {string} options.cwd the folder the config's `embed` paths are relative to
 * @param {string} [options.config] the config file in `cwd`
 * @param {number} options.readyStatus the status of `GET /` that shows the Worker is serving
 * @returns {Promise<Workerd>}
 */
export async function startWorkerd({ cwd, config = "workerd.capnp", readyStatus }) {
  if (!existsSync(workerdBin)) throw new Error(`no workerd binary at ${workerdBin} (scripts/npm-tools.sh installs it)`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = Date.now();
    let log = "";
    const child = spawn(workerdBin, ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killOnExit = () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"); // even if the runner dies
    process.once("exit", killOnExit);
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    /** @type {Promise<{ code: number | null, signal: string | null }>} */
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    const stop = async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
        await exited;
        clearTimeout(timer);
      }
    };
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + START_MS;
    let ready = false;
    while (Date.now() < deadline) {
      const state = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
      if (state) break; // workerd exited
      try {
        const res = await fetch(`${base}/`);
        await res.arrayBuffer();
        if (res.status === readyStatus) {
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

/**
 * The files of an installed package that the module `entry` needs, for a workerd config's module
 * list: `entry` and its static relative imports, transitively (paths relative to `packageDir`).
 * @param {string} packageDir
 * @param {string} entry
 * @returns {string[]}
 */
export function moduleGraph(packageDir, entry) {
  /** @type {Set<string>} */
  const files = new Set();
  /** @param {string} file */
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    if (!file.endsWith(".js")) return;
    const source = readFileSync(join(packageDir, file), "utf8");
    for (const m of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm)) {
      visit(posix.normalize(posix.join(posix.dirname(file), m[1] ?? m[2])));
    }
  };
  visit(entry);
  return [...files];
}
