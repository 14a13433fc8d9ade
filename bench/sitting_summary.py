#!/usr/bin/env python3
"""The summary of a bench/sitting.sh run: each measure of issue 29 with its ratio and target.

    python3 bench/sitting_summary.py OUT     # OUT: the sitting's directory (/tmp/fennel-sitting)
"""

import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        text = f.read().strip()
    return json.loads(text) if text else None


def runs(out, pattern):
    """The JSON of each run whose file matches pattern, in name order; a failed run is named and
    skipped, and a run with errors is named."""
    found = []
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        data = load(path)
        name = os.path.basename(path)
        if data is None:
            print(f"  FAILED: no figures in {name} (see its .out)")
            continue
        if data.get("errors"):
            print(f"  ERRORS: {data['errors']} in {name}")
        found.append(data)
    return found


def hop_p50_p99(path):
    """KafkaHop's 'readable by a waiting consumer p50 X ms p99 Y ms'."""
    with open(path) as f:
        m = re.search(r"readable by a waiting consumer p50 ([\d.]+) ms p99 ([\d.]+) ms", f.read())
    return (float(m.group(1)), float(m.group(2))) if m else None


def flood_p99s(path):
    """KafkaFlood's high round trip p99, alone and under the flood."""
    with open(path) as f:
        text = f.read()
    alone = re.search(r"high alone: round trip p50 [\d.]+ p99 ([\d.]+)", text)
    loaded = re.search(r"under a flood of [\d,]+: round trip p50 [\d.]+ p99 ([\d.]+)", text)
    return (float(alone.group(1)), float(loaded.group(1))) if alone and loaded else None


def fmt(values, digits=0):
    return ", ".join(f"{v:,.{digits}f}" for v in values)


def seed(out, celery):
    for c in celery:
        if c.get("errors_total") or c.get("missing") or c.get("timed_out"):
            print(f"  Celery ERRORS: {c['label']} errors {c.get('errors_total')}, missing {c.get('missing')}")
    cel = [c["e2e_tasks_per_s"] for c in celery if c["label"].startswith("throughput")]
    print("seed run, 1,000,000 fib(10) (tasks/s; target >= 30x Celery, medians)")
    if not cel:
        print("  no Celery run")
        return
    base = statistics.median(cel)
    print(f"  Celery {fmt(cel, 1)} (median {base:,.1f})")
    for run in ("cold", "warm"):
        tps = [r["tasks_per_second"] for r in runs(out, f"seed-*-{run}.json")]
        if tps:
            med = statistics.median(tps)
            print(f"  Fennel {run} {fmt(tps)} (median {med:,.0f}): {med / base:.1f}x")


def latency(out, celery):
    print("one task at a time (ms; target p50 <= 1.3x two KafkaHop p50s, p99 <= two hops' p99)")
    for c in celery:
        if c["label"].startswith("latency"):
            print(f"  Celery p50 {c['p50_ms']} p99 {c['p99_ms']}")
    for r in (1, 2):
        found = runs(out, f"latency-{r}.json")
        hop = hop_p50_p99(os.path.join(out, f"hop-{r}.out"))
        if hop is None:
            print(f"  FAILED: no figures in hop-{r}.out")
        if not found or hop is None:
            continue
        d = found[0]
        p50, p99 = d["latency_ms"]["p50"], d["latency_ms"]["p99"]
        split = ", ".join(f"{k} {v['p50']}" for k, v in d.get("hops_ms", {}).items())
        print(
            f"  Fennel p50 {p50} p99 {p99}; KafkaHop p50 {hop[0]} p99 {hop[1]}: "
            f"p50 {p50 / (2 * hop[0]):.2f}x, p99 {p99 / (2 * hop[1]):.2f}x"
        )
        print(f"    split p50: {split}")


def priority(out):
    print("high's p99 under a 100,000-task low flood against alone (target <= 2x)")
    for d in runs(out, "priority-*.json"):
        alone, loaded = d["high_unloaded_ms"]["p99"], d["high_loaded_ms"]["p99"]
        print(f"  Fennel {alone} -> {loaded}: {loaded / alone:.1f}x")
    for name in ("flood", "flood-lane"):
        p = flood_p99s(os.path.join(out, f"{name}.out"))
        if p:
            print(f"  Kafka's own ({name}) {p[0]} -> {p[1]}: {p[1] / p[0]:.1f}x")
        else:
            print(f"  FAILED: no figures in {name}.out")


def not_slipping(out):
    print("must not slip (s)")
    for name, label in (("hol", "head-of-line"), ("io8", "I/O, 8 slots"), ("iov", "I/O, virtual 400")):
        ds = runs(out, f"{name}-*.json")
        done = [d["done_seconds"] for d in ds]
        publish = [d["publish_seconds"] for d in ds]
        print(f"  {label}: {fmt(done, 2)} (publishing {fmt(publish, 2)})")
    eff = [d.get("efficiency") for d in runs(out, "cpu-*.json")]
    shown = ", ".join(f"{e:.3f}" if e is not None else "none" for e in eff)
    print(f"  --mode cpu efficiency, a fresh dev's runs: {shown}")
    restarts = []
    for path in sorted(glob.glob(os.path.join(out, "restart-*.txt"))):
        with open(path) as f:
            restarts.append(f.read().strip())
    print(
        "  restart on the last seed round's data, to /health/ready (bound 10 s): "
        + ", ".join(restarts)
    )


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/fennel-sitting"
    celery_path = os.path.join(out, "celery.jsonl")
    celery = []
    if os.path.exists(celery_path):
        with open(celery_path) as f:
            celery = [json.loads(line) for line in f if line.strip()]
    commit = os.path.join(out, "commit.txt")
    if os.path.exists(commit):
        with open(commit) as f:
            print(f"build: {f.read().strip()}")
    seed(out, celery)
    latency(out, celery)
    priority(out)
    not_slipping(out)


if __name__ == "__main__":
    main()
