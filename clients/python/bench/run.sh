#!/bin/bash
# The seed run published from Python (seed.py) against a fresh `./fennel dev`, run the way the
# Celery peer's run.sh runs Celery (../shared/peers/celery), so the figures compare:
#
#   clients/python/bench/run.sh N n [label]          # N tasks of fib(n) from $THREADS (10) threads
#   CONFIRM=batch clients/python/bench/run.sh ...    # confirm=False and one flush, instead of each
#
# Starts `./fennel dev` (embedded Kafka, a worker for high,default,low, the API) on free loopback
# ports with a fresh data directory, waits until it is ready, waits for the 1-min load average to
# drop below $LOAD_MAX (checked every 30 s, at most 30 min), runs seed.py under a 15-minute bound,
# then stops fennel dev by its PID. Appends one JSON line to $OUT/results.jsonl
# (default /tmp/fennel-python-bench); logs are in $OUT/logs.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PY=/usr/bin/python3                      # Debian's python, where python3-confluent-kafka lives
COUNT="${1:?N}"
FIBN="${2:?n}"
CONFIRM="${CONFIRM:-each}"
LABEL="${3:-python_${CONFIRM}_N${COUNT}_fib${FIBN}}"
LOAD_MAX="${LOAD_MAX:-0.7}"
LOAD_WAIT_MAX_S="${LOAD_WAIT_MAX_S:-1800}"
RUN_BOUND_S="${RUN_BOUND_S:-900}"
THREADS="${THREADS:-10}"
OUT="${OUT:-${TMPDIR:-/tmp}/fennel-python-bench}"
mkdir -p "$OUT/logs"
LOG="$OUT/logs/${LABEL}.log"
DEVLOG="$OUT/logs/${LABEL}.dev.log"
DATA="$OUT/dev-data"
: > "$LOG"
say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
free_port() { # a port in 20000-59999 nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

KAFKA_PORT=$(free_port)
API_PORT=$(free_port)
say "label=$LABEL count=$COUNT fib=$FIBN threads=$THREADS confirm=$CONFIRM kafka=$KAFKA_PORT api=$API_PORT"
rm -rf "$DATA"
# its own session, so that its PID is also its process group id
setsid "$ROOT/fennel" dev --kafka-port "$KAFKA_PORT" --api-port "$API_PORT" --data-dir "$DATA" \
  >"$DEVLOG" 2>&1 &
DEVPID=$!

stop_dev() {
  if kill -0 "$DEVPID" 2>/dev/null; then
    kill -TERM "$DEVPID"
    for _ in $(seq 1 90); do kill -0 "$DEVPID" 2>/dev/null || break; sleep 1; done
    if kill -0 "$DEVPID" 2>/dev/null; then
      say "fennel dev $DEVPID did not stop on TERM; KILL its process group"
      kill -KILL -- "-$DEVPID" 2>/dev/null
    fi
  fi
  wait "$DEVPID" 2>/dev/null
  say "fennel dev $DEVPID stopped"
}
trap stop_dev EXIT

ok=0
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$DEVPID" 2>/dev/null || break
  sleep 0.5
done
[ "$ok" = 1 ] || { say "fennel dev did not become ready in 300 s; see $DEVLOG"; exit 3; }
# The java process under the ./fennel script (exec'd, so the same PID), for the CPU figures.
export BENCH_DEV_PID=$DEVPID
say "fennel dev ready (pid $DEVPID)"

if [ "${SKIP_LOADWAIT:-0}" != 1 ]; then
  waited=0
  while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN{exit !(l>=m)}'; do
    if [ "$waited" -ge "$LOAD_WAIT_MAX_S" ]; then
      say "WARNING: load still $(load1) after ${waited}s; running anyway"; break
    fi
    say "load1=$(load1) >= $LOAD_MAX, waiting 30 s (waited ${waited}s)"
    sleep 30; waited=$((waited + 30))
  done
fi
say "loadavg at start: $(cat /proc/loadavg)"

env -u FENNEL_API_TOKEN -u FENNEL_API_TOKEN_FILE -u FENNEL_TOPIC_PREFIX \
  FENNEL_BOOTSTRAP="localhost:$KAFKA_PORT" FENNEL_API="http://127.0.0.1:$API_PORT" \
  timeout -k 10 "$RUN_BOUND_S" $PY "$HERE/seed.py" --tasks "$COUNT" --fib "$FIBN" \
  --threads "$THREADS" --confirm "$CONFIRM" --deadline $((RUN_BOUND_S - 60)) \
  --ids-file "$OUT/logs/${LABEL}.ids" --jsonl "$OUT/results.jsonl" --label "$LABEL" \
  ${SEED_ARGS:-} 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
{ [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && say "RUN KILLED: exceeded ${RUN_BOUND_S}s bound"
say "loadavg at end: $(cat /proc/loadavg)"
say "exit code $rc"
exit "$rc"
