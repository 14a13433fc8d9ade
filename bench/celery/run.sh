#!/bin/bash
# Runs bench.py against a Celery worker started here and stopped after (prefork -c ${CONC:-8} -O fair
# by default; POOL=gevent|eventlet|threads for the other pools). Set up the peer first:
#   ../../../shared/peers/celery/setup.sh
#   bench/celery/run.sh hol 200 10      bench/celery/run.sh io 400 0.25      POOL=threads CONC=400 bench/celery/run.sh io
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
PEER="${CELERY_PEER:-$HERE/../../../shared/peers/celery}"
export CELERY_PEER="$PEER" PYTHONPATH="$HERE:$PEER"
cd "$HERE"
/usr/bin/python3 -m celery -A tasks purge -f -Q default >/dev/null 2>&1
setsid /usr/bin/python3 -m celery -A tasks worker -Q default -c "${CONC:-8}" -P "${POOL:-prefork}" -O fair \
  --loglevel=WARNING -n "io@%h" >/tmp/celery-io-worker.log 2>&1 &
WPID=$!
trap 'kill -TERM $WPID 2>/dev/null; for _ in $(seq 1 30); do kill -0 $WPID 2>/dev/null || break; sleep 1; done; kill -KILL -- -$WPID 2>/dev/null' EXIT
for _ in $(seq 1 60); do
  /usr/bin/python3 -m celery -A tasks inspect ping -d "io@$(hostname)" --timeout 2 >/dev/null 2>&1 && break
  sleep 1
done
timeout -k 10 900 /usr/bin/python3 bench.py "$@"
