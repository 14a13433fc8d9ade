#!/bin/bash
# Hot GET /tasks/{id} against a bare Javalin route, in one sitting (issue 29's target: the API at
# least 0.9x the bare route). One fresh `./fennel dev` on free ports, one `fib 10` submitted and
# its result saved; bench/BareRoute.java then answers the same bytes on a port of its own beside
# that dev left idle. After a warm-up of each, `wrk -t2 -c32` alternates between the two, RUNS
# times each, and the script prints every run's req/s, each measure's exact command, the medians
# and their ratio; last, one run of the bare route alone once dev has stopped (for reference: an idle
# dev takes some of the 2 cores from any server beside it). Needs wrk, curl, a JDK 21+ and a quiet
# machine; builds nothing (run `./fennel build` first); writes to OUT.
#   bench/hot-get.sh                          # 3 runs of 15 s each, warm-ups of 10 s
#   DURATION=2 WARMUP=1 RUNS=1 bench/hot-get.sh  # a check that it works end to end, no figure
set -u
DURATION=${DURATION:-15} WARMUP=${WARMUP:-10} RUNS=${RUNS:-3}
KAFKA_PORT=${KAFKA_PORT:-19092} API_PORT=${API_PORT:-18080} BARE_PORT=${BARE_PORT:-18081}
OUT=${OUT:-/tmp/fennel-hot-get}
cd "$(dirname "$0")/.."
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

die() { echo "hot-get: $*" >&2; exit 1; }
java_major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
[ "${java_major:-0}" -ge 21 ] || die "$JAVA is not a JDK 21+ (the bare route's launcher): set JAVA_HOME"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -f cli/target/fennel.jar ] && [ -f dev-broker/target/fennel-dev-broker.jar ] \
  || die "no built tree here: run ./fennel build first"
if [ -n "$(find . -path ./.git -prune -o -path '*/target' -prune -o -path ./.fennel -prune \
  -o -path ./task-template -prune -o \( -name pom.xml -o -path '*/src/main/*' \) \
  -newer cli/target/fennel.jar -print -quit)" ]; then
  die "sources are newer than cli/target/fennel.jar: run ./fennel build first (./fennel would build in the sitting)"
fi
for port in "$KAFKA_PORT" "$API_PORT" "$BARE_PORT"; do
  ! ss -ltn | grep -qE ":$port\b" || die "port $port is taken"
done
rm -rf "$OUT"; mkdir -p "$OUT"
data=$OUT/data
dev_pid='' bare_pid=''
stop() { # stops the process $1 started here, if it runs, and waits for it
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null && { kill -TERM "$1"; wait "$1" 2>/dev/null; }
  return 0
}
trap 'stop "$bare_pid"; stop "$dev_pid"' EXIT
ready() { # waits up to $2 s for URL $1 to answer 2xx
  local i
  for i in $(seq 1 $(($2 * 10))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  return 1
}

commit=$(git log -1 --format=%h)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with changes not committed)")
echo "hot-get: $(date -u '+%F %T') UTC, commit $commit$dirty, wrk -t2 -c32 -d${DURATION}s, $RUNS runs each"

./fennel dev --kafka-port "$KAFKA_PORT" --api-port "$API_PORT" --data-dir "$data" >"$OUT/dev.log" 2>&1 &
dev_pid=$!
ready "http://127.0.0.1:$API_PORT/health/ready" 180 || die "dev not ready in 180 s (see $OUT/dev.log)"
id=$(timeout 120 ./fennel submit fib 10 --bootstrap "localhost:$KAFKA_PORT" \
  --api "http://127.0.0.1:$API_PORT" 2>>"$OUT/submit.log" | tail -1)
[ -n "$id" ] || die "submit printed no id (see $OUT/submit.log)"
api_url=http://127.0.0.1:$API_PORT/tasks/$id
bare_url=http://127.0.0.1:$BARE_PORT/tasks/$id
ready "$api_url" 60 || die "no result for $id in 60 s"
curl -sf -o "$OUT/body.json" -D "$OUT/api-headers.txt" "$api_url" || die "GET $api_url failed"

"$JAVA" -cp cli/target/fennel.jar bench/BareRoute.java "$OUT/body.json" "$BARE_PORT" >"$OUT/bare.log" 2>&1 &
bare_pid=$!
ready "$bare_url" 120 || die "the bare route did not answer in 120 s (see $OUT/bare.log)"
curl -sf -o "$OUT/bare-body.json" -D "$OUT/bare-headers.txt" "$bare_url"
cmp -s "$OUT/body.json" "$OUT/bare-body.json" || die "the bare route does not answer the API's bytes"
echo "body: $(wc -c <"$OUT/body.json") bytes; headers of each in $OUT/api-headers.txt, $OUT/bare-headers.txt"

run() { # run NAME URL SECONDS: one wrk run into $OUT/NAME.txt; prints its req/s, or nothing
  local file=$OUT/$1.txt
  timeout $(($3 + 30)) wrk -t2 -c32 -d"$3"s --latency "$2" >"$file" 2>&1
  if grep -qE 'Non-2xx|Socket errors' "$file"; then
    echo "hot-get: $1 had errors, not counted: $(grep -E 'Non-2xx|Socket errors' "$file")" >&2
    return
  fi
  awk '/^Requests\/sec:/ {print $2}' "$file"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
run warm-api "$api_url" "$WARMUP" >/dev/null
run warm-bare "$bare_url" "$WARMUP" >/dev/null
api=() bare=()
for i in $(seq 1 "$RUNS"); do
  a=$(run "api-$i" "$api_url" "$DURATION"); [ -n "$a" ] && api+=("$a")
  b=$(run "bare-$i" "$bare_url" "$DURATION"); [ -n "$b" ] && bare+=("$b")
  printf 'round %d: API %s req/s, bare route %s req/s\n' "$i" "${a:-error}" "${b:-error}"
done
stop "$dev_pid"; dev_pid=''
alone=$(run bare-alone "$bare_url" "$DURATION")
stop "$bare_pid"; bare_pid=''

echo
echo "API:        wrk -t2 -c32 -d${DURATION}s --latency $api_url"
echo "            (./fennel dev --kafka-port $KAFKA_PORT --api-port $API_PORT, one ./fennel submit fib 10)"
echo "bare route: wrk -t2 -c32 -d${DURATION}s --latency $bare_url"
echo "            ($JAVA -cp cli/target/fennel.jar bench/BareRoute.java body.json $BARE_PORT, beside the idle dev)"
echo "API req/s:        ${api[*]:-none}   median $(median ${api[@]+"${api[@]}"})"
echo "bare route req/s: ${bare[*]:-none}   median $(median ${bare[@]+"${bare[@]}"})"
if [ ${#api[@]} -eq "$RUNS" ] && [ ${#bare[@]} -eq "$RUNS" ]; then
  awk -v a="$(median "${api[@]}")" -v b="$(median "${bare[@]}")" \
    'BEGIN {printf "ratio API / bare route (medians): %.3f (issue 29 target: >= 0.9)\n", a / b}'
else
  echo "ratio: not computed, a run had errors (see $OUT)"
fi
echo "bare route alone, dev stopped: ${alone:-error} req/s (one run, for reference)"
echo "p50 / p99 of each run: grep -H '50%\|99%' $OUT/*.txt"
