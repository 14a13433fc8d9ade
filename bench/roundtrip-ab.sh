#!/bin/bash
# One task's round trip against Kafka's own hop (issue 29, item 1), A/B in one sitting: for each
# round and each variant, in turn, a fresh `./fennel dev` on ports of its own, then
#   KafkaHop (bench/KafkaHop.java, 1000 records one at a time, linger 0, acks=all)
#   ./fennel bench --mode latency -n N --json   (the round trip, split at the Kafka hops)
#   KafkaHop again
# and the dev stopped. Prints every command before its figures, then a table: round trip p50/p99,
# each KafkaHop's readable p50/p99, the ratios issue 29 asks for (round trip p50 against two hops'
# p50, p99 against two hops' p99), and the hops' p50s.
#
#   bench/roundtrip-ab.sh [ROUNDS]                      # 3 rounds of every variant below
#   BASE=/path/to/integration bench/roundtrip-ab.sh 3   # also the build of another checkout
#   VARIANTS="mine started-after" bench/roundtrip-ab.sh 1
#
# Variants (VARIANTS, in this order each round):
#   base                BASE's build, defaults (only with BASE; a build before this branch has
#                       no --warm-up, and its hop split takes a STARTED for the result)
#   mine                this checkout, defaults
#   started-after       this checkout, dev --started-after 20ms (no STARTED for a task shorter)
#   started-after-none  as started-after, the bench client's tasks uncompressed (-X compression.type=none)
#   warm                this checkout, defaults, --warm-up 20000 (C2 has compiled the path)
#   warm-started-after  warm and started-after
# Environment: N (2000), WARMUP (200), HOPS (1000 KafkaHop records), KPORT (19392), APORT (18380),
# OUT (/tmp/roundtrip-ab), LOCK (/tmp/fennel-build.lock; empty: no lock), JAVA_HOME (a JDK 21+;
# /usr/lib/jvm/temurin-25-jdk-amd64 if set nowhere). The whole sitting holds LOCK, so nothing else
# of ours builds or runs meanwhile. A run takes about 70 s (warm: about 100 s).
# A dev counts as up when its log says "fennel: ready" (bench/dev.sh): a BASE older than 45737a9
# (2026-12-05), which never says it, is not up within 120 s and its rounds are skipped.
set -u
ROUNDS=${1:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
LOCK=${LOCK-/tmp/fennel-build.lock}
if [ -n "$LOCK" ] && [ -z "${ROUNDTRIP_AB_LOCKED:-}" ]; then
  echo "roundtrip-ab: waiting for $LOCK" >&2
  exec env ROUNDTRIP_AB_LOCKED=1 flock "$LOCK" "$0" "$@"
fi
N=${N:-2000} WARMUP=${WARMUP:-200} HOPS=${HOPS:-1000}
KPORT=${KPORT:-19392} APORT=${APORT:-18380}
OUT=${OUT:-/tmp/roundtrip-ab}
BASE=${BASE:-}
if [ -n "$BASE" ]; then
  VARIANTS=${VARIANTS:-base mine started-after started-after-none warm warm-started-after}
else
  VARIANTS=${VARIANTS:-mine started-after started-after-none warm warm-started-after}
fi
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: >"$RESULTS"

for tree in "$HERE" ${BASE:+"$BASE"}; do
  echo "roundtrip-ab: building $tree (if its sources changed)" >&2
  (cd "$tree" && ./fennel --version >/dev/null) || { echo "roundtrip-ab: $tree does not build" >&2; exit 1; }
done

# variant -> tree, dev flags, bench flags
tree_of() { [ "$1" = base ] && echo "$BASE" || echo "$HERE"; }
dev_flags_of() {
  case "$1" in
    started-after | started-after-none | warm-started-after) echo "--started-after 20ms" ;;
    *) echo "" ;;
  esac
}
bench_flags_of() {
  case "$1" in
    started-after-none) echo "-X compression.type=none --warm-up $WARMUP" ;;
    warm | warm-started-after) echo "--warm-up 20000" ;;
    base) echo "" ;;   # an older build may not know --warm-up: its own default (200)
    *) echo "--warm-up $WARMUP" ;;
  esac
}

# shellcheck source=bench/dev.sh
. "$HERE/bench/dev.sh"
trap dev_stop EXIT

run() {   # prints the command, runs it, keeps its output in $2
  local log=$1; shift
  echo "\$ $*"
  "$@" >"$log" 2>&1
}

hop() {   # KafkaHop's readable p50 and p99 from its output, read as the sitting's summary reads it
  python3 - "$HERE/bench" "$1" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from sitting_summary import hop_p50_p99
hop = hop_p50_p99(sys.argv[2])
print(f"{hop[0]}\t{hop[1]}" if hop else "nan\tnan")
EOF
}

for round in $(seq 1 "$ROUNDS"); do
  for variant in $VARIANTS; do
    tree=$(tree_of "$variant")
    tag="r$round-$variant"
    data="$OUT/dev-data"
    echo
    echo "== round $round, $variant ($tree at $(git -C "$tree" rev-parse --short HEAD)), $(date -u +%H:%M:%S)"
    rm -rf "$data"
    # shellcheck disable=SC2046
    dev_start "$tree" "$OUT/$tag-dev.log" --kafka-port "$KPORT" --api-port "$APORT" --data-dir "$data" \
      $(dev_flags_of "$variant")
    echo "\$ (cd $tree && ./fennel dev --kafka-port $KPORT --api-port $APORT --data-dir $data $(dev_flags_of "$variant"))"
    if ! dev_wait_ready "$OUT/$tag-dev.log" 120; then
      dev_stop
      continue
    fi
    sleep 5
    run "$OUT/$tag-hop1.txt" java -cp "$tree/cli/target/fennel.jar" "$HERE/bench/KafkaHop.java" "localhost:$KPORT" 0 "$HOPS"
    tail -1 "$OUT/$tag-hop1.txt"
    # shellcheck disable=SC2046
    run "$OUT/$tag-latency.txt" bash -c "cd '$tree' && ./fennel bench --mode latency -n $N --bootstrap localhost:$KPORT --api http://127.0.0.1:$APORT --json $(bench_flags_of "$variant")"
    tail -1 "$OUT/$tag-latency.txt"
    run "$OUT/$tag-hop2.txt" java -cp "$tree/cli/target/fennel.jar" "$HERE/bench/KafkaHop.java" "localhost:$KPORT" 0 "$HOPS"
    tail -1 "$OUT/$tag-hop2.txt"
    dev_stop
    python3 - "$round" "$variant" "$OUT/$tag-latency.txt" "$(hop "$OUT/$tag-hop1.txt")" "$(hop "$OUT/$tag-hop2.txt")" >>"$RESULTS" <<'EOF'
import json, sys
rnd, variant, latency, hop1, hop2 = sys.argv[1:6]
try:
    report = json.loads(open(latency).read().strip().splitlines()[-1])
    lat = report["latency_ms"]
    hops = report.get("hops_ms", {})
except Exception:
    lat, hops = {"p50": float("nan"), "p99": float("nan")}, {}
h1 = [float(x) for x in hop1.split("\t")]
h2 = [float(x) for x in hop2.split("\t")]
def hp(name):
    return f"{hops[name]['p50']:.2f}" if name in hops else "-"
print("\t".join([rnd, variant, f"{lat['p50']:.2f}", f"{lat['p99']:.2f}",
                 f"{h1[0]:.2f}", f"{h1[1]:.2f}", f"{h2[0]:.2f}", f"{h2[1]:.2f}",
                 f"{lat['p50'] / (2 * h1[0]):.2f}", f"{lat['p50'] / (2 * h2[0]):.2f}",
                 f"{lat['p99'] / (2 * max(h1[1], h2[1])):.2f}",
                 hp("submit_to_task_readable"), hp("task_readable_to_start"), hp("run"),
                 hp("finish_to_result_readable"), hp("result_readable_to_client")]))
EOF
    tail -1 "$RESULTS"
  done
done

echo
echo "All in ms. p50/2hop: round trip p50 against two KafkaHop p50s (the hop before, after); target"
echo "<= 1.3. p99/2hop: round trip p99 against two of the larger KafkaHop p99; target <= 1. Hops"
echo "(p50): submit->task readable, readable->started, run, finish->result readable, readable->client."
python3 - "$RESULTS" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
head = ["round", "variant", "rt p50", "rt p99", "hop1 p50", "hop1 p99", "hop2 p50", "hop2 p99",
        "p50/2hop1", "p50/2hop2", "p99/2hop", "sub>rd", "rd>st", "run", "fin>rd", "rd>cl"]
widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
for r in rows:
    print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
by = {}
for r in rows:
    by.setdefault(r[1], []).append(r)
print("\nmedians by variant:")
for variant, rs in by.items():
    def med(i):
        vals = sorted(float(r[i]) for r in rs)
        mid = len(vals) // 2
        return f"{(vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2):.2f}"
    print(f"  {variant}: rt p50 {med(2)}, p99 {med(3)}; p50/2hop {med(8)} (before) {med(9)} (after); p99/2hop {med(10)}")
EOF
echo
echo "Raw outputs in $OUT (per run: dev log, KafkaHop before and after, the bench's output)."
