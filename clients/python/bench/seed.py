#!/usr/bin/python3
"""The seed workload published from Python with the Fennel client, measured as the Celery peer's
producer (../shared/peers/celery/producer.py) measures Celery, so the two figures compare.

Phases (times from t0, just before the first task is published):
  1. submit:   THREADS threads publish N tasks fib(n); task i goes to queue QUEUES[i % 3]. Every
               task id is stored (in memory and in --ids-file). With --confirm each (the default)
               every send_task returns once Kafka has acknowledged the task; with --confirm batch
               the threads publish with confirm=False and the phase ends when Kafka has
               acknowledged the last one (flush). Celery's .delay() waits for no acknowledgement.
  2. wait:     every stored id is looked up through POST /tasks/batch (app.results, 10,000 ids a
               request) until each has a final result or the deadline passes. "last_done_s" is
               the latest finishedAt the workers wrote; "all_available_s" when the last was seen.
  3. retrieve: AsyncResult(id).get() for every stored id (the per-id API), each value checked.

Before t0 one task per queue is published and acknowledged (the producer's connection and the
three topics' metadata), as the Celery producer opens its broker connection before t0. Prints a
summary and one JSON line (also appended to --jsonl) with the Celery producer's keys.

Needs a running `fennel dev` (or cluster) named by FENNEL_BOOTSTRAP, FENNEL_API and, when the API
has one, FENNEL_API_TOKEN; run.sh next to this file starts one and runs this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import sys
import threading
import time
from typing import Any, Optional

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fennel  # noqa: E402

QUEUES = ("high", "default", "low")
CLK = os.sysconf("SC_CLK_TCK")


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def read_loadavg() -> list[str]:
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def machine_busy_s() -> float:
    """Busy CPU seconds of the whole machine (all cores) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK


def pid_cpu_s(pid: int) -> Optional[float]:
    """utime+stime of a process (all its threads), seconds; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def cpu_snapshot(dev_pid: int) -> dict[str, Optional[float]]:
    return {
        "machine": machine_busy_s(),
        "producer": pid_cpu_s(os.getpid()),
        "fennel_dev": pid_cpu_s(dev_pid) if dev_pid else None,
    }


def cpu_delta(
    a: dict[str, Optional[float]], b: dict[str, Optional[float]], tasks: int, window_s: float
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in a:
        x, y = a[key], b[key]
        out[key + "_s"] = round(y - x, 2) if x is not None and y is not None else None
    busy = out["machine_s"] or 0.0
    out["machine_cpu_ms_per_task"] = round(1000 * busy / tasks, 3) if tasks else None
    out["avg_busy_cores"] = round(busy / window_s, 2) if window_s else None
    return out


def epoch(iso: Optional[str]) -> Optional[float]:
    """An ISO-8601 UTC instant as the workers write it (up to nanoseconds), in Unix seconds."""
    if not iso:
        return None
    whole, _, fraction = iso.rstrip("Z").partition(".")
    seconds = dt.datetime.fromisoformat(whole).replace(tzinfo=dt.timezone.utc).timestamp()
    return seconds + (float("0." + fraction) if fraction else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, required=True, help="N tasks")
    ap.add_argument("--fib", type=int, required=True, help="n of fib(n)")
    ap.add_argument("--threads", type=int, default=10)
    ap.add_argument("--confirm", choices=("each", "batch"), default="each")
    ap.add_argument(
        "--deadline",
        type=float,
        default=840.0,
        help="give up waiting for results this many s after t0",
    )
    ap.add_argument("--ids-file", default=None)
    ap.add_argument("--jsonl", default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--skip-per-id-get", action="store_true")
    a = ap.parse_args()

    app = fennel.Fennel(timeout=60)
    expected = fib(a.fib)
    n, threads = a.tasks, a.threads
    ids: list[Optional[str]] = [None] * n
    submit_errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)
    confirm = a.confirm == "each"

    def publish(t: int) -> None:
        barrier.wait()
        for i in range(t, n, threads):
            try:
                ids[i] = app.send_task("fib", [a.fib], queue=QUEUES[i % 3], confirm=confirm).id
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    submit_errors.append(f"{i}: {type(e).__name__}: {e}")

    for queue in QUEUES:  # connection and topic metadata, outside the clock
        app.send_task("echo", ["warm-up"], queue=queue)

    dev_pid = int(os.environ.get("BENCH_DEV_PID", "0") or 0)
    load_start = read_loadavg()
    snap0 = cpu_snapshot(dev_pid)
    workers = [threading.Thread(target=publish, args=(t,), daemon=True) for t in range(threads)]
    for w in workers:
        w.start()
    t0 = time.time()
    barrier.wait()
    for w in workers:
        w.join()
    if not confirm:
        try:
            app.flush(timeout=a.deadline)
        except fennel.PublishError as e:
            submit_errors.append(f"flush: {e}")
    submit_s = time.time() - t0

    stored = [x for x in ids if x is not None]
    if a.ids_file:
        with open(a.ids_file, "w") as f:
            for x in ids:
                f.write((x or "") + "\n")

    # ---- phase 2: wait until every result is final (batch lookups by id) ----
    left = max(1.0, a.deadline - (time.time() - t0))
    results = app.results(stored, wait=left)
    t_all = time.time()
    snap1 = cpu_snapshot(dev_pid)
    all_available_s = t_all - t0
    final = {i: r for i, r in results.items() if r.ready}
    missing = len(stored) - len(final)
    timed_out = missing > 0
    failures = [i for i, r in final.items() if r.status != fennel.SUCCESS]
    wrong_bulk = [
        i for i, r in final.items() if r.status == fennel.SUCCESS and r.result != expected
    ]
    done_ts = [t for t in (epoch(r.finished_at) for r in final.values()) if t is not None]
    last_done_s = (max(done_ts) - t0) if done_ts else None
    first_done_s = (min(done_ts) - t0) if done_ts else None
    load_end_wait = read_loadavg()

    # ---- phase 3: per-id retrieval through the public API ----
    per_id_s = None
    wrong_get = 0
    get_errors: list[str] = []
    n_get = 0
    if not a.skip_per_id_get and not timed_out:
        tg = time.time()
        for tid in stored:
            try:
                value = app.AsyncResult(tid).get(timeout=30)
                n_get += 1
                if value != expected:
                    wrong_get += 1
            except Exception as e:  # noqa: BLE001 - counted and reported
                get_errors.append(f"{tid}: {type(e).__name__}: {e}")
        per_id_s = time.time() - tg

    errors = (
        len(submit_errors) + len(failures) + len(wrong_bulk) + missing + wrong_get + len(get_errors)
    )
    e2e = last_done_s if last_done_s is not None else all_available_s
    out = {
        "label": a.label,
        "client": "fennel-python",
        "confirm": a.confirm,
        "N": n,
        "fib_n": a.fib,
        "threads": threads,
        "submitted": len(stored),
        "submit_s": round(submit_s, 3),
        "submit_rate_per_s": round(len(stored) / submit_s, 1) if submit_s > 0 else None,
        "first_done_s": round(first_done_s, 3) if first_done_s is not None else None,
        "last_done_s": round(last_done_s, 3) if last_done_s is not None else None,
        "all_available_s": round(all_available_s, 3),
        "e2e_tasks_per_s": round(len(final) / e2e, 1) if e2e else None,
        "results_ready": len(final),
        "missing": missing,
        "timed_out": timed_out,
        "per_id_get_s": round(per_id_s, 3) if per_id_s is not None else None,
        "per_id_get_rate_per_s": round(n_get / per_id_s, 1) if per_id_s else None,
        "errors_total": errors,
        "errors": {
            "submit": len(submit_errors),
            "task_failure": len(failures),
            "wrong_value_bulk": len(wrong_bulk),
            "missing": missing,
            "wrong_value_get": wrong_get,
            "get_exception": len(get_errors),
        },
        "cpu_t0_to_all_available": cpu_delta(snap0, snap1, len(final), all_available_s),
        "error_samples": (submit_errors + get_errors)[:5],
        "loadavg_start": load_start,
        "loadavg_after_results": load_end_wait,
        "loadavg_end": read_loadavg(),
        "t0_epoch": t0,
    }
    print(f"N={n} fib({a.fib})={expected} threads={threads} confirm={a.confirm}")
    print(
        f"submit: {submit_s:.2f} s ({out['submit_rate_per_s']} tasks/s published and acknowledged)"
    )
    print(
        f"last result finished at {out['last_done_s']} s; all seen at {all_available_s:.2f} s; "
        f"end-to-end {out['e2e_tasks_per_s']} tasks/s"
    )
    if per_id_s is not None:
        print(
            f"per-id AsyncResult.get() of {n_get}: {per_id_s:.2f} s "
            f"({out['per_id_get_rate_per_s']} /s)"
        )
    print(f"cpu t0->all available: {out['cpu_t0_to_all_available']}")
    print(f"errors: {errors} {out['errors']}")
    print("RESULT_JSON " + json.dumps(out))
    if a.jsonl:
        with open(a.jsonl, "a") as f:
            f.write(json.dumps(out) + "\n")
    app.close()
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
