#!/usr/bin/python3
"""The hol and io workloads on Celery, measured as `./fennel bench --mode hol|io` measures them.

  bench.py hol [N] [LONG]    one sleep(LONG) then N fib(10) into one queue: seconds until every fib is done
  bench.py io  [N] [SECONDS] N sleep(SECONDS) into one queue: seconds until all are done

Prints one JSON line. Needs a worker: see run.sh.
"""
import json
import sys
import time

from tasks import fib, sleep


def wait_all(results, deadline):
    for r in results:
        r.get(timeout=max(1, deadline - time.time()))


def main():
    mode = sys.argv[1]
    if mode == "hol":
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
        long_s = float(sys.argv[3]) if len(sys.argv) > 3 else 10
        slow = sleep.apply_async((long_s,), queue="default")
        start = time.time()
        fast = [fib.apply_async((10,), queue="default") for _ in range(n)]
        wait_all(fast, start + 300)
        done = time.time() - start
        out = {"mode": "hol", "tasks": n, "done_seconds": round(done, 3), "long_still_running": not slow.ready()}
        slow.get(timeout=300)
    elif mode == "io":
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
        secs = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
        start = time.time()
        rs = [sleep.apply_async((secs,), queue="default") for _ in range(n)]
        wait_all(rs, start + 600)
        out = {"mode": "io", "tasks": n, "sleep": secs, "done_seconds": round(time.time() - start, 3)}
    else:
        raise SystemExit("mode must be hol or io")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
