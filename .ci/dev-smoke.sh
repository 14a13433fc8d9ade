#!/usr/bin/env bash
# ./fennel dev as a user runs it, twice on the same data: the first start writes the class-data
# archive when it stops, the second maps it. Each must become ready, serve a submitted task and stop
# cleanly. CI runs this after the test suite (.ci/run); ports are loopback and picked free.
set -euo pipefail
cd "$(dirname "$0")/.."
free_port() { # a port in 20000-59999 nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for run in 1 2; do
  kafka=$(free_port); api=$(free_port)
  ./fennel dev --data-dir "$data" --kafka-port "$kafka" --api-port "$api" >"$data/dev-$run.log" 2>&1 &
  pid=$!
  ready=
  # dev's own "fennel: ready" (every part up, the API's store included), not the API's
  # /health/ready: the API is ready a second or more before the coordinator, and a run stopped
  # before dev said ready writes no archive (DevCommand), which made this check fail on a slow CI
  # machine.
  for _ in $(seq 1 600); do
    if grep -qx 'fennel: ready' "$data/dev-$run.log"; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    echo "dev-smoke: run $run never became ready; its log:" >&2; cat "$data/dev-$run.log" >&2
    kill "$pid" 2>/dev/null || true; exit 1
  fi
  answer=$(./fennel submit fib 15 --wait --api "http://127.0.0.1:$api" --bootstrap "127.0.0.1:$kafka" 2>&1) || {
    echo "dev-smoke: run $run could not run a task: $answer" >&2; kill "$pid"; exit 1; }
  echo "$answer" | grep -q 610 || { echo "dev-smoke: fib 15 answered '$answer'" >&2; kill "$pid"; exit 1; }
  kill "$pid"
  wait "$pid" || { echo "dev-smoke: run $run did not stop cleanly; its log:" >&2; cat "$data/dev-$run.log" >&2; exit 1; }
  if [ "$run" = 1 ] && [ -z "$(find .fennel/cds -name 'dev-*.jsa' 2>/dev/null)" ]; then
    echo "dev-smoke: the first run left no class-data archive in .fennel/cds; its log:" >&2
    cat "$data/dev-1.log" >&2; exit 1
  fi
  echo "dev-smoke: run $run ready, fib 15 = 610, stopped"
done
