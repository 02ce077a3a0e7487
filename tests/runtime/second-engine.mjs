// A second private dockerd standing for another machine (the runtime's two-machine tests): its
// own data root, exec root and socket, started with tests/e2e/dockerd.sh's functions (the same
// flags as the harness's engine) and stopped, unmounted and removed by `stop()` or when this
// process exits. It shares nothing with the first engine but the kernel: images reach it only
// through a registry.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

const DOCKERD_SH = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../e2e/dockerd.sh");

/**
 * Runs `script` in bash with tests/e2e/dockerd.sh sourced; answers its stdout.
 * @param {string} script
 * @param {Record<string, string>} env
 */
function bash(script, env) {
  return execFileSync("bash", ["-c", `set -euo pipefail; source ${JSON.stringify(DOCKERD_SH)}; ${script}`], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/**
 * Starts the engine; answers its `DOCKER_HOST`, `DOCKER_CONFIG` and `stop()`.
 * @param {{ dataRoot: string, log: string }} options
 */
export function startSecondEngine({ dataRoot, log }) {
  // dockerd runs in the background of that bash, which prints where it is and exits.
  const out = bash(`e2e_dockerd_stop_stale "$DATA"; rm -rf "$DATA"; e2e_dockerd_start "$DATA" "$LOG" >&2; printf '%s\\n%s\\n%s\\n%s\\n' "$DOCKER_HOST" "$DOCKER_CONFIG" "$E2E_DOCKERD_PID" "$E2E_DOCKERD_RUN"`, {
    DATA: dataRoot,
    LOG: log,
  });
  const [dockerHost, dockerConfig, pid, runDir] = out.trim().split("\n");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    bash(`E2E_DOCKERD_PID="$PID" E2E_DOCKERD_RUN="$RUN" E2E_DOCKERD_DATA="$DATA"; e2e_dockerd_stop`, { PID: pid, RUN: runDir, DATA: dataRoot });
    rmSync(dataRoot, { recursive: true, force: true });
  };
  process.once("exit", stop);
  return { dockerHost, dockerConfig, stop };
}
