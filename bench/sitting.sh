#!/bin/bash
# Issue 29's sitting in one command, on this checkout's build, nothing else running: the seed run
# and the round trip against Celery, the three targets of issue 29 (seed run, round trip, priority
# under a flood) with their ratios, and the figures that must not slip (head-of-line, I/O, --mode
# cpu, restarts). Not in it: Celery's own head-of-line and I/O runs, the CLI, the hot GET.
#
#   bench/sitting.sh            # about 30 minutes on 2 cores
#
# 1. The seed run, ROUNDS rounds: Celery (`LOAD_MAX=1.2 run.sh throughput 100000 10`, RabbitMQ and
#    Redis started by the peer's setup.sh), RabbitMQ and Redis stopped, then a fresh `./fennel dev`
#    with `./fennel bench -n 1000000 --json` twice (cold, warm).
# 2. One task at a time: Celery `run.sh latency 500 10`; then twice a fresh dev with
#    `./fennel bench --mode latency -n 2000 --warm-up 20000 --json` and bench/KafkaHop.java on its
#    warm broker.
# 3. Priority: a fresh dev, `./fennel bench --mode priority --no-hops --json` three times, then
#    bench/KafkaFlood.java on the same broker, one results topic and with the priority copy (lane).
# 4. The figures that must not slip: `--mode hol` three times 11 s apart; `--mode io` twice with
#    `-c 8` and three times with `--pool virtual -c 400`; `--mode cpu -n 1000 --args '[35]'` twice;
#    three restarts on the last seed round's data directory (2,000,000 results), to /health/ready.
#
# Every benchmark's output is kept in OUT (/tmp/fennel-sitting; Celery's in OUT/celery), with the
# commit measured; the summary at the end reads them and marks a run that failed. Environment:
# CELERY (../shared/peers/celery from the checkout), ROUNDS (3), OUT (a new directory, or one of an
# earlier sitting, which is replaced), JAVA_HOME (a JDK 21+; /usr/lib/jvm/temurin-25-jdk-amd64 if
# set nowhere). The devs use the default ports (9092, 8080); a dev starts once, unmeasured, first
# (a build's first start writes its class-data archive).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
CELERY=${CELERY:-$HERE/../shared/peers/celery}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-/tmp/fennel-sitting}
DATA=$OUT/data
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
[ -x "$CELERY/run.sh" ] || { echo "sitting: no Celery peer at $CELERY (set CELERY)" >&2; exit 2; }
if [ -e "$OUT" ] && [ ! -f "$OUT/sitting.log" ]; then
  echo "sitting: $OUT exists and is not an earlier sitting's; set OUT to a new directory" >&2
  exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT/celery"
cd "$HERE"
./fennel --version >/dev/null || { echo "sitting: this checkout does not build" >&2; exit 1; }
echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', with changes')" >"$OUT/commit.txt"

log() { echo "$(date +%H:%M:%S) $*" | tee -a "$OUT/sitting.log"; }
celery_up() { bash "$CELERY/setup.sh" >>"$OUT/celery.out" 2>&1; }
celery_down() {
  rabbitmqctl stop >/dev/null 2>&1
  redis-cli -h 127.0.0.1 shutdown nosave >/dev/null 2>&1
  sleep 2
}
celery() { # mode args...: one run of the peer, its JSON line kept only if it wrote one
  local before after
  celery_up
  before=$(cat "$OUT/celery/results.jsonl" 2>/dev/null | wc -l)
  OUT="$OUT/celery" LOAD_MAX=1.2 bash "$CELERY/run.sh" "$@" >>"$OUT/celery.out" 2>&1
  after=$(cat "$OUT/celery/results.jsonl" 2>/dev/null | wc -l)
  if [ "$after" -gt "$before" ]; then
    tail -n 1 "$OUT/celery/results.jsonl" >>"$OUT/celery.jsonl"
    log "celery $* done"
  else
    log "celery $* FAILED (see $OUT/celery.out)"
  fi
  celery_down
}
# shellcheck source=bench/dev.sh
. "$HERE/bench/dev.sh"
dev_up() { # dev flags...: a fresh dev on DATA
  rm -rf "$DATA"
  dev_start "$HERE" "$OUT/dev.log" --data-dir "$DATA" "$@"
  dev_wait_ready "$OUT/dev.log" 120 || { echo "sitting: dev did not get ready" >&2; exit 1; }
}
trap 'dev_stop; celery_down' EXIT
bench() { # name args...: ./fennel bench, its last JSON line kept as OUT/name.json
  ./fennel bench "${@:2}" --json >"$OUT/$1.out" 2>&1
  grep '^{' "$OUT/$1.out" | tail -n 1 >"$OUT/$1.json"
  log "$1 done"
}
java_bench() { # name file args...
  java -cp cli/target/fennel.jar "bench/$2" "${@:3}" 2>&1 | grep -v WARN >"$OUT/$1.out"
  log "$1 done"
}

dev_up
dev_stop
for r in $(seq 1 "$ROUNDS"); do
  celery throughput 100000 10
  dev_up
  bench "seed-$r-cold" -n 1000000
  bench "seed-$r-warm" -n 1000000
  dev_stop
  [ "$r" = "$ROUNDS" ] && mv "$DATA" "$OUT/restart-data"
done
celery latency 500 10
for r in 1 2; do
  dev_up
  bench "latency-$r" --mode latency -n 2000 --warm-up 20000
  java_bench "hop-$r" KafkaHop.java localhost:9092 0 1000
  dev_stop
done
dev_up
for r in 1 2 3; do bench "priority-$r" --mode priority --no-hops; done
java_bench flood KafkaFlood.java localhost:9092 100000 200
java_bench flood-lane KafkaFlood.java localhost:9092 100000 200 lane
dev_stop
dev_up
for r in 1 2 3; do bench "hol-$r" --mode hol; sleep 11; done
dev_stop
dev_up -c 8
for r in 1 2; do bench "io8-$r" --mode io; done
dev_stop
dev_up --pool virtual -c 400
for r in 1 2 3; do bench "iov-$r" --mode io; done
dev_stop
dev_up
for r in 1 2; do bench "cpu-$r" --mode cpu -n 1000 --args '[35]'; done
dev_stop
# The last seed round's data directory, started again as it was, three times.
for r in 1 2 3; do
  t0=$(date +%s.%N)
  dev_start "$HERE" "$OUT/dev.log" --data-dir "$OUT/restart-data"
  ready=
  for _ in $(seq 1 1200); do
    curl -sf --max-time 1 -o /dev/null http://127.0.0.1:8080/health/ready && ready=1 && break
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -n "$ready" ]; then
    python3 -c "import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 2))" "$(date +%s.%N)" "$t0" >"$OUT/restart-$r.txt"
  else
    echo failed >"$OUT/restart-$r.txt"
  fi
  log "restart $r done"
  sleep 3
  dev_stop
done
log "all done; summary:"
python3 "$HERE/bench/sitting_summary.py" "$OUT" | tee "$OUT/summary.txt"
