# shellcheck shell=bash
# Start, wait for and stop a `./fennel dev`: sourced by the benchmark scripts (build-ab.sh,
# sitting.sh, roundtrip-ab.sh), so each starts and stops its dev the same way.
#
#   dev_start TREE LOG [dev flags...]   # ./fennel dev in TREE, its output in LOG; sets DEV_PID
#   dev_wait_ready LOG [SECONDS]        # until LOG says "fennel: ready" (default 300 s: a ./fennel
#                                       # whose sources changed builds itself first); 1 if the dev
#                                       # exited or the time ran out, with the log's tail on stderr
#   dev_stop                            # SIGTERM, up to 120 s for the exit (a worker waits up to its
#                                       # --shutdown-timeout, 1 min, for running tasks), then SIGKILL,
#                                       # said on stderr: a run after a killed dev met unclean data.
#                                       # Then a 2 s pause before what comes next, as the
#                                       # scripts it replaced had. Safe to call twice
# A timed restart waits for readiness in its own loop (it times it); dev_start and dev_stop serve it.
# ./fennel execs java, so DEV_PID is the JVM's pid (for CPU figures from /proc).

DEV_PID=

dev_start() {
  local tree=$1 log=$2
  shift 2
  : >"$log" # emptied before the start: a reused log's "fennel: ready" is the last dev's
  (cd "$tree" && exec ./fennel dev "$@") >>"$log" 2>&1 &
  DEV_PID=$!
}

dev_wait_ready() {
  local log=$1 seconds=${2:-300} i
  for ((i = 0; i < seconds * 20; i++)); do
    grep -q "fennel: ready" "$log" && return 0
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "dev exited or did not get ready within $seconds s; the end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

dev_stop() {
  [ -n "$DEV_PID" ] || return 0
  local i
  kill -TERM "$DEV_PID" 2>/dev/null
  for ((i = 0; i < 1200; i++)); do
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -KILL "$DEV_PID" 2>/dev/null; then
    echo "dev_stop: dev $DEV_PID still running 120 s after SIGTERM: killed (SIGKILL)" >&2
  fi
  wait "$DEV_PID" 2>/dev/null
  DEV_PID=
  sleep 2
}
