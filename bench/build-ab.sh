#!/bin/bash
# Two builds of Fennel against each other in one sitting, each from its own checkout. Each build's
# `./fennel dev` is started once, unmeasured, before the rounds (its first start after a build
# writes its class-data archive). Rounds alternate in ABBA order (A first in odd rounds).
#
#   bench/build-ab.sh seed A_DIR B_DIR [ROUNDS] [N]   # a fresh dev each, ./fennel bench -n N twice
#   bench/build-ab.sh restart A_DIR B_DIR [ROUNDS]    # one data dir of 1,000,000 results, restarts
#
# seed: for each build, `rm -rf` of the data directory, `./fennel dev --data-dir D`, then
# `./fennel bench -n N --json` twice (cold, warm); prints tasks/s, the dev process's CPU per task
# (µs, from /proc/PID/stat over the run) and the client's (µs, /usr/bin/time), and errors.
# restart: A's build seeds the data directory with `./fennel bench -n 1000000` once (kept across
# calls, marked by DATA.seeded; delete that file to seed again); then each build starts `dev` on it
# and stops it (SIGTERM); prints the seconds to `/health/ready` (polled every 50 ms), to `fennel:
# ready`, and the process's CPU seconds then.
# Environment: OUT (/tmp/build-ab.txt, appended), DATA (/tmp/build-ab-MODE), JAVA_HOME (a JDK 21+;
# /usr/lib/jvm/temurin-25-jdk-amd64 if set nowhere). The dev uses the default ports, 9092 and 8080:
# nothing else may run meanwhile. It holds the scripts of the A/B of Kafka's metrics reporters
# (docs/benchmarks-history.md, 2026-12-07 22:42).
set -u
MODE=${1:?seed or restart}
case "$MODE" in
  seed | restart) ;;
  *) echo "usage: $0 seed|restart A_DIR B_DIR [ROUNDS] [N]" >&2; exit 2 ;;
esac
A=$(cd "${2:?A_DIR}" && pwd) || exit 2
B=$(cd "${3:?B_DIR}" && pwd) || exit 2
ROUNDS=${4:-8}
N=${5:-300000}
OUT=${OUT:-/tmp/build-ab.txt}
DATA=${DATA:-/tmp/build-ab-$MODE}
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
LOG=$(mktemp)
# shellcheck source=bench/dev.sh
. "$(dirname "$0")/dev.sh"
trap 'dev_stop; rm -f "$LOG" "$LOG".*' EXIT
start_dev() { dev_start "$1" "$LOG" --data-dir "$DATA"; } # dir
wait_ready() { dev_wait_ready "$LOG" || exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
since() { python3 -c "import sys; print(round($(date +%s.%N) - float(sys.argv[1]), 2))" "$1"; }
last_json() { python3 -c "import json,sys; l=[x for x in open(sys.argv[1]) if x.startswith('{')][-1]; d=json.loads(l); print(round(d['tasks_per_second']), d['errors'])" "$1"; }

seed_one() { # dir label round
  rm -rf "$DATA"
  start_dev "$1"
  wait_ready
  for run in cold warm; do
    local c0 c1 tps errors client dev
    c0=$(cpu_ticks "$DEV_PID")
    (cd "$1" && /usr/bin/time -f "%U %S" -o "$LOG.time" ./fennel bench -n "$N" --json >"$LOG.json" 2>/dev/null)
    c1=$(cpu_ticks "$DEV_PID")
    read -r tps errors < <(last_json "$LOG.json")
    client=$(awk -v n="$N" 'END { printf "%.1f", ($1 + $2) * 1e6 / n }' "$LOG.time")
    dev=$(awk -v a="$c0" -v b="$c1" -v n="$N" 'BEGIN { printf "%.1f", (b - a) * 10000 / n }')
    echo "$(date +%H:%M:%S) round $3 $2 $run tps $tps dev_us $dev client_us $client errors $errors" | tee -a "$OUT"
  done
  dev_stop
}

restart_one() { # dir label round
  local t0 api='' dev='' cpu=''
  t0=$(date +%s.%N)
  start_dev "$1"
  for _ in $(seq 1 1200); do
    [ -z "$api" ] && curl -sf --max-time 1 -o /dev/null http://127.0.0.1:8080/health/ready && api=$(since "$t0")
    if [ -z "$dev" ] && grep -q "fennel: ready" "$LOG"; then
      dev=$(since "$t0")
      cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$DEV_PID/stat")
    fi
    [ -n "$api" ] && [ -n "$dev" ] && break
    sleep 0.05
  done
  echo "$(date +%H:%M:%S) round $3 $2 api_ready ${api:-failed} dev_ready ${dev:-failed} cpu ${cpu:-?}" | tee -a "$OUT"
  sleep 3
  dev_stop
}

build() { echo "$1 ($(git -C "$1" rev-parse --short HEAD)$(git -C "$1" diff --quiet HEAD || echo ', with changes'))"; }
echo "# $MODE: A $(build "$A"), B $(build "$B")" | tee -a "$OUT"
for dir in "$A" "$B"; do # unmeasured: a build's first start writes its class-data archive
  DATA_KEPT=$DATA DATA=$(mktemp -d)
  start_dev "$dir"
  wait_ready
  dev_stop
  rm -rf "$DATA"
  DATA=$DATA_KEPT
done
case "$MODE" in
  seed) one=seed_one ;;
  restart)
    one=restart_one
    if [ ! -f "$DATA.seeded" ]; then
      rm -rf "$DATA"
      start_dev "$A"
      wait_ready
      (cd "$A" && ./fennel bench -n 1000000 --json 2>/dev/null | tail -n 1 | tee -a "$OUT") | grep -q '"errors":0' \
        || { echo "build-ab: seeding $DATA failed" >&2; exit 1; }
      dev_stop
      touch "$DATA.seeded"
    fi
    ;;
esac
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then $one "$A" A "$r"; $one "$B" B "$r"
  else $one "$B" B "$r"; $one "$A" A "$r"; fi
done
