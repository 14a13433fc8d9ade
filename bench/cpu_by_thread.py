#!/usr/bin/env python3
"""CPU time of a JVM's threads, grouped by what they do, per task: where a run's CPU goes.

  bench/cpu_by_thread.py snap PID FILE          # before the run, and again after it
  bench/cpu_by_thread.py diff BEFORE AFTER N    # CPU microseconds per task of each group, N tasks

Reads /proc/PID/task/*/stat (user + system time of every thread), so it costs the measured
process nothing. Thread names are Linux's first 15 characters of the Java name.
"""
import collections
import json
import os
import re
import sys

GROUPS = [
    ("fennel-poll", "worker: poll loops (fetch, decode, intake, dispatch)"),
    ("fennel-slot", "worker: slots (run, encode the result, send)"),
    ("fennel-deadline", "worker: time-limit sweep"),
    ("kafka-producer", "producers: network threads"),
    ("data-plane-kafk", "broker: request handlers and network"),
    ("fennel-results", "api: results stream thread (ingest)"),
    ("fennel-api-wait", "api: fast lanes (results read ahead for waiting requests)"),
    ("fennel-api-prio", "api: fast lanes (results read ahead for waiting requests)"),
    ("JettyServer", "api: http"),
    ("qtp", "api: http"),
    ("dev-scheduler", "worker: scheduler (Kafka Streams)"),
    ("dev-coordinato", "coordinator (Kafka Streams)"),
    ("GC ", "jvm: garbage collection"),
    ("G1 ", "jvm: garbage collection"),
    ("C2 ", "jvm: JIT compiler"),
    ("C1 ", "jvm: JIT compiler"),
]


def snap(pid):
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        threads[tid] = (name, int(fields[11]) + int(fields[12]))
    return threads


def group(name):
    for prefix, label in GROUPS:
        if name.startswith(prefix) or re.sub(r"\d", "", name).startswith(prefix):
            return label
    return "other: " + re.sub(r"\d+", "N", name)


def main():
    if sys.argv[1] == "snap":
        with open(sys.argv[3], "w") as f:
            json.dump(snap(sys.argv[2]), f)
        return
    with open(sys.argv[2]) as f:
        before = json.load(f)
    with open(sys.argv[3]) as f:
        after = json.load(f)
    tasks = int(sys.argv[4])
    tick = os.sysconf("SC_CLK_TCK")
    groups = collections.Counter()
    for tid, (name, ticks) in after.items():
        groups[group(name)] += ticks - before.get(tid, (name, 0))[1]
    total = sum(groups.values())
    print(f"total CPU {total / tick:.1f} s = {total / tick / tasks * 1e6:.1f} us/task over {tasks:,} tasks")
    for label, ticks in groups.most_common():
        if ticks * 1000 >= total:
            print(f"  {ticks / tick / tasks * 1e6:8.1f} us/task  {ticks * 100 / total:5.1f}%  {label}")


if __name__ == "__main__":
    main()
