#!/bin/bash
# Soak run (issue 26, item 8): ROUNDS x 250,000 fib(10) through one `./fennel dev --result-ttl 60s
# --keep-consumed 1m` (each round is `./fennel bench -n 250000 --json`: every result read back by id
# within the TTL). After each round it samples the results topic and the queue topics on the
# broker's disk, the dev process's live heap after a full GC (jcmd), the API's store directory and
# the whole data directory; every 4th round it restarts the dev process (SIGTERM, start again on the
# same data) and times its /health/ready. With SHORT_SEGMENTS=1 it first sets segment.ms=60000 (and
# delete.retention.ms=60000 on the results topics) with bench/ShortSegments.java: the hour Fennel
# sets, at the soak's 60x shorter timescale. Needs the default ports 9092 and 8080 and a quiet
# machine; writes to /tmp/fennel-soak (samples.txt, bench-N.json, dev.log).
#   bench/soak.sh 20                     # 5,000,000 tasks
#   SHORT_SEGMENTS=1 bench/soak.sh 12    # 3,000,000 tasks, segments closed every minute
set -u
ROUNDS=${1:-20}
cd "$(dirname "$0")/.."
D=/tmp/fennel-soak/data OUT=/tmp/fennel-soak
rm -rf "$OUT"; mkdir -p "$OUT"
./fennel build >/dev/null || exit 1
JCMD=${JCMD:-${JAVA_HOME:+$JAVA_HOME/bin/}jcmd}   # a JDK 21+ jcmd, as the one running dev

start_dev() {
  ./fennel dev --data-dir "$D" --result-ttl 60s --keep-consumed 1m >>"$OUT/dev.log" 2>&1 &
  echo $! >"$OUT/dev.pid"
  local t0; t0=$(date +%s.%N)
  for _ in $(seq 1 600); do curl -sf -o /dev/null http://127.0.0.1:8080/health/ready && break; sleep 0.1; done
  echo "$(date +%s.%N) - $t0" | bc
}
stop_dev() {
  local p; p=$(cat "$OUT/dev.pid"); kill -TERM "$p"
  while kill -0 "$p" 2>/dev/null; do sleep 0.2; done
  while ss -ltn | grep -qE ':(8080|9092) '; do sleep 0.2; done
}
kb() { du -sk "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
sample() {
  local pid; pid=$(cat "$OUT/dev.pid")
  "$JCMD" "$pid" GC.run >/dev/null 2>&1
  local heap; heap=$("$JCMD" "$pid" GC.heap_info 2>/dev/null | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  local results queues
  results=$(kb $(find "$D/kafka" -maxdepth 3 -type d -name 'fennel.results-*'))
  queues=$(kb $(find "$D/kafka" -maxdepth 3 -type d -name 'fennel.tasks.*'))
  echo "$1 $(date +%T) resultsTopicK=$results queuesK=$queues heapK=$heap apiK=$(kb "$D/api") brokerK=$(kb "$D/kafka") dataK=$(kb "$D")" | tee -a "$OUT/samples.txt"
}

echo "first start: $(start_dev) s" | tee -a "$OUT/samples.txt"
if [ "${SHORT_SEGMENTS:-0}" = 1 ]; then
  java -cp "cli/target/lib/*" bench/ShortSegments.java localhost:9092 2>/dev/null | tee -a "$OUT/samples.txt"
fi
sample 0
for r in $(seq 1 "$ROUNDS"); do
  timeout 600 ./fennel bench -n 250000 --json 2>&1 | tail -1 >"$OUT/bench-$r.json"
  echo "round $r $(cut -c1-160 "$OUT/bench-$r.json")" >>"$OUT/samples.txt"
  sample "$r"
  if (( r % 4 == 0 )); then stop_dev; echo "restart after round $r: $(start_dev) s" | tee -a "$OUT/samples.txt"; sample "$r-restarted"; fi
done
sleep 70; sample after-the-ttl
sleep 60; sample a-minute-later
stop_dev
