# Sourced by tests/e2e/run.sh: starts and stops a private Docker engine (Debian's dockerd 20.10
# with BuildKit). It shares nothing with a system daemon: its own socket, data root, exec root
# and pid file; no iptables rules, no bridge (builds and containers use the host's network or
# none). `e2e_dockerd_stop` is safe to call more than once and from a trap.

E2E_DOCKERD_PID=""
E2E_DOCKERD_RUN=""
E2E_DOCKERD_DATA=""

# e2e_dockerd_start DATA_ROOT LOG: exports DOCKER_HOST (and DOCKER_CONFIG, an empty client
# config, so no credential helper of the machine is ever asked).
e2e_dockerd_start() {
  local data="$1" log="$2" driver
  E2E_DOCKERD_DATA="$data"
  e2e_dockerd_stop_stale "$data"
  # The exec root holds containerd's sockets, whose paths must stay short: it lives under /tmp.
  E2E_DOCKERD_RUN="$(mktemp -d /tmp/apothic-e2e.XXXXXX)"
  mkdir -p "$data" "$E2E_DOCKERD_RUN/exec" "$E2E_DOCKERD_RUN/config"
  echo '{}' >"$E2E_DOCKERD_RUN/config/config.json"
  export DOCKER_HOST="unix://$E2E_DOCKERD_RUN/docker.sock"
  export DOCKER_CONFIG="$E2E_DOCKERD_RUN/config"
  export DOCKER_BUILDKIT=1
  for driver in overlay2 vfs; do
    /usr/sbin/dockerd \
      --host "$DOCKER_HOST" \
      --data-root "$data" \
      --exec-root "$E2E_DOCKERD_RUN/exec" \
      --pidfile "$E2E_DOCKERD_RUN/docker.pid" \
      --storage-driver "$driver" \
      --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
      --log-level warn \
      >>"$log" 2>&1 </dev/null &
    E2E_DOCKERD_PID=$!
    echo "$E2E_DOCKERD_PID" >"$data.pid"
    local i
    for i in $(seq 1 150); do
      if /usr/bin/docker version >/dev/null 2>&1; then
        echo "e2e: dockerd $(/usr/bin/docker version --format '{{.Server.Version}}') (storage driver $driver, pid $E2E_DOCKERD_PID)" >&2
        return 0
      fi
      if ! kill -0 "$E2E_DOCKERD_PID" 2>/dev/null; then break; fi
      sleep 0.2
    done
    echo "e2e: dockerd did not start with the $driver storage driver (log: $log)" >&2
    e2e_dockerd_kill
    rm -rf "$data" && mkdir -p "$data"
  done
  tail -n 20 "$log" >&2 || true
  return 1
}

# A dockerd a killed run left behind (its pid was recorded beside the data root): stopped by
# its id, after checking that it is a dockerd of that data root.
e2e_dockerd_stop_stale() {
  local data="$1" pid
  [ -s "$data.pid" ] || return 0
  pid="$(cat "$data.pid")"
  rm -f "$data.pid"
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qx -- "$data" &&
    tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1 | grep -q dockerd; then
    echo "e2e: stopping the dockerd (pid $pid) an interrupted run left" >&2
    local exec_root
    exec_root="$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep -A1 -x -- --exec-root | tail -n 1)"
    E2E_DOCKERD_PID="$pid"
    e2e_dockerd_kill
    case "$exec_root" in
      /tmp/apothic-e2e.*/exec)
        e2e_unmount_under "${exec_root%/exec}"
        rm -rf "${exec_root%/exec}" 2>/dev/null || true
        ;;
    esac
  fi
}

e2e_dockerd_kill() {
  local pid="$E2E_DOCKERD_PID"
  [ -n "$pid" ] || return 0
  # Its children (the containerd it started): stopped with it, or killed by id after it.
  local children
  children="$(ps -o pid= --ppid "$pid" 2>/dev/null || true)"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "e2e: dockerd (pid $pid) did not stop in 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  # (not our child when it is a stale one: wait returns at once; wait for it to be gone)
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  rm -f "$E2E_DOCKERD_DATA.pid" 2>/dev/null || true
  local child
  for child in $children; do
    for i in $(seq 1 25); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$child" 2>/dev/null || true
  done
  E2E_DOCKERD_PID=""
}

# Unmounts whatever the engine left mounted under its folders (overlay layers, shm, netns).
e2e_unmount_under() {
  local dir mnt
  for dir in "$@"; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    dir="$(readlink -f "$dir")"
    # Deepest first.
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
      umount -l "$mnt" 2>/dev/null || true
    done
  done
}

e2e_dockerd_stop() {
  e2e_dockerd_kill
  e2e_unmount_under "$E2E_DOCKERD_DATA" "$E2E_DOCKERD_RUN"
  if [ -n "$E2E_DOCKERD_RUN" ]; then
    rm -rf "$E2E_DOCKERD_RUN" 2>/dev/null || true
    E2E_DOCKERD_RUN=""
  fi
}
