// Podman's Docker-compatible service (Debian's podman 4.3, `podman system service`) on a socket
// of its own, for the runtime's Podman tests: its own storage (vfs), run root, containers.conf and
// registries.conf under one folder, stopped, unmounted and removed by `stop()` or when this process
// exits. It shares nothing with the e2e dockerd: images reach it only through a registry.
//
// The settings a root service needs on these machines, each said once here:
//   - cgroup_manager "cgroupfs" and events in a file: there is no systemd;
//   - runtime runc (Debian's docker.io brings it): crun refuses the hybrid cgroup layout;
//   - netns "host": the harness's engines have no bridge either, and the registry is on 127.0.0.1;
//   - default_ulimits: Podman lowers its own RLIMIT_NPROC to kernel.pid_max and asks containers for
//     more than the host allows unless told, which runc refuses (EPERM), so the limits are the
//     host's own, capped as Podman caps itself;
//   - registries.conf: the test registries are plain HTTP on 127.0.0.1, named as insecure there
//     (Podman's equivalent of dockerd's loopback rule).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const DOCKERD_SH = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../e2e/dockerd.sh");

/** The hard limit `name` (a /proc/self/limits row) of this process. @param {string} name */
function hardLimit(name) {
  const row = readFileSync("/proc/self/limits", "utf8").split("\n").find((line) => line.startsWith(name));
  const hard = row?.slice(26).trim().split(/\s+/)[1];
  if (!hard || !/^\d+$/.test(hard)) throw new Error(`podman-engine: no numeric hard limit "${name}" in /proc/self/limits`);
  return Number(hard);
}

/** Unmounts whatever is mounted under `dir` (deepest first), with tests/e2e/dockerd.sh's function. @param {string} dir */
function unmountUnder(dir) {
  execFileSync("bash", ["-c", `source ${JSON.stringify(DOCKERD_SH)}; e2e_unmount_under "$1"`, "bash", dir], { stdio: "inherit" });
}

/**
 * Starts the service; answers its `DOCKER_HOST` (unix://…) and `stop()`.
 * @param {{ dir: string, log: string, insecure: string[] }} options
 *   dir: the folder for everything it keeps (cleared first); log: its log file;
 *   insecure: the `host:port` registries it may reach over plain HTTP
 */
export async function startPodman({ dir, log, insecure }) {
  if (existsSync(dir)) {
    // A service an interrupted run left (its socket is in this folder).
    try {
      execFileSync("pkill", ["-KILL", "-f", `podman .*${path.join(dir, "podman.sock")}`]);
    } catch {
      // pkill answers 1 when there was none.
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  const nofile = hardLimit("Max open files");
  const nproc = Math.min(hardLimit("Max processes"), pidMax);
  const conf = path.join(dir, "containers.conf");
  writeFileSync(
    conf,
    [
      "[engine]",
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${JSON.stringify(path.join(dir, "events.log"))}`,
      'runtime = "runc"',
      "[containers]",
      'netns = "host"',
      `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
      "",
    ].join("\n"),
  );
  const registries = path.join(dir, "registries.conf");
  writeFileSync(
    registries,
    ["unqualified-search-registries = []", ...insecure.flatMap((host) => ["", "[[registry]]", `location = ${JSON.stringify(host)}`, "insecure = true"]), ""].join("\n"),
  );
  const socket = path.join(dir, "podman.sock");
  mkdirSync(path.join(dir, "tmp"), { recursive: true });
  const out = openSync(log, "a");
  const child = spawn(
    "/usr/bin/podman",
    ["--root", path.join(dir, "root"), "--runroot", path.join(dir, "run"), "--storage-driver", "vfs", "--tmpdir", path.join(dir, "tmp"), "system", "service", "--time=0", `unix://${socket}`],
    { env: { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_REGISTRIES_CONF: registries, TMPDIR: path.join(dir, "tmp") }, stdio: ["ignore", out, out], detached: false },
  );
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const dockerHost = `unix://${socket}`;
  for (let i = 0; i < 100 && !existsSync(socket); i += 1) {
    if (exited) throw new Error(`podman-engine: the service exited at start (log: ${log})`);
    await sleep(100);
  }
  if (!existsSync(socket)) throw new Error(`podman-engine: no socket after 10 s (log: ${log})`);
  /** Removes what the service kept, once it is gone. */
  const clear = () => {
    // Containers the tests left (none when they pass) go with their conmon processes.
    try {
      execFileSync("pkill", ["-KILL", "-f", `conmon.*${path.join(dir, "run")}`]);
    } catch {
      // pkill answers 1 when there was none.
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => {
    if (!exited) child.kill("SIGKILL");
    clear();
  };
  process.once("exit", onExit);
  /** Stops the service (SIGTERM, SIGKILL after 10 s) and removes its folder. */
  const stop = async () => {
    process.off("exit", onExit);
    if (!exited) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    }
    clear();
  };
  return { dockerHost, stop };
}
