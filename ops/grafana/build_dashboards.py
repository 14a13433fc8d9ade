#!/usr/bin/env python3
"""Writes the Grafana dashboards in ops/grafana/dashboards/. Edit the panels here, run it, commit both."""
import json
import pathlib

DS = {"type": "prometheus", "uid": "fennel-prometheus"}
OUT = pathlib.Path(__file__).parent / "dashboards"


def variable(name, metric):
    return {"name": name, "label": name, "type": "query", "datasource": DS,
            "query": {"query": f"label_values({metric}, {name})", "refId": name},
            "definition": f"label_values({metric}, {name})",
            "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
            "current": {"selected": True, "text": "All", "value": "$__all"}}


def panel(pid, title, unit, *exprs, x=0, y=0, w=12, h=8, legend=None):
    targets = [{"datasource": DS, "expr": e, "refId": chr(65 + i), "legendFormat": (legend or [None] * len(exprs))[i] or ""}
               for i, e in enumerate(exprs)]
    return {"id": pid, "type": "timeseries", "title": title, "datasource": DS,
            "gridPos": {"x": x, "y": y, "w": w, "h": h},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
            "targets": targets}


def dashboard(uid, title, variables, panels):
    return {"uid": uid, "title": title, "tags": ["fennel"], "timezone": "utc", "schemaVersion": 39,
            "version": 1, "refresh": "10s", "time": {"from": "now-30m", "to": "now"},
            "templating": {"list": variables}, "panels": panels}


def grid(panels):
    for i, p in enumerate(panels):
        p["gridPos"]["x"] = (i % 2) * 12
        p["gridPos"]["y"] = (i // 2) * 8
    return panels


Q = 'queue=~"$queue"'
W = 'worker=~"$worker"'

overview = dashboard("fennel-overview", "Fennel / Overview", [variable("queue", "fennel_tasks_finished_total")], grid([
    panel(1, "Tasks finished by queue and status", "ops",
          f'sum by (queue, status) (rate(fennel_tasks_finished_total{{{Q}}}[1m]))', legend=["{{queue}} {{status}}"]),
    panel(2, "Backlog per queue (consumer lag)", "short",
          f'fennel_queue_backlog{{{Q}}}', legend=["{{queue}}"]),
    panel(3, "Submit to result, p50 and p99", "s",
          f'histogram_quantile(0.5, sum by (le, queue) (rate(fennel_task_latency_seconds_bucket{{{Q}}}[1m])))',
          f'histogram_quantile(0.99, sum by (le, queue) (rate(fennel_task_latency_seconds_bucket{{{Q}}}[1m])))',
          legend=["p50 {{queue}}", "p99 {{queue}}"]),
    panel(4, "Failures by queue and task", "ops",
          f'sum by (queue, task) (rate(fennel_tasks_finished_total{{status="failure", {Q}}}[1m]))', legend=["{{queue}} {{task}}"]),
    panel(5, "Retries and expiries", "ops",
          f'sum by (queue) (rate(fennel_tasks_retried_total{{{Q}}}[1m]))',
          f'sum by (queue) (rate(fennel_tasks_expired_total{{{Q}}}[1m]))',
          legend=["retries {{queue}}", "expired {{queue}}"]),
    panel(6, "Dead letters", "short",
          f'sum by (queue) (increase(fennel_tasks_dead_letters_total{{{Q}}}[5m]))', legend=["{{queue}}"]),
    panel(7, "Workers online", "short",
          'count(count by (worker) (fennel_tasks_running))', legend=["workers"]),
    panel(8, "Scheduled and released (eta, retries)", "ops",
          'sum(rate(fennel_tasks_scheduled_total[1m]))', 'sum(rate(fennel_tasks_released_total[1m]))',
          legend=["scheduled", "released"]),
    panel(9, "Revoked tasks by queue and task", "short",
          f'sum by (queue, task) (increase(fennel_tasks_finished_total{{status="revoked", {Q}}}[5m]))',
          legend=["{{queue}} {{task}}"]),
    panel(10, "Workflows started by kind, finished by status", "ops",
          'sum by (kind) (rate(fennel_workflows_started_total[1m]))',
          'sum by (status) (rate(fennel_workflows_finished_total[1m]))',
          legend=["started {{kind}}", "finished {{status}}"]),
    panel(11, "Chord members waiting", "short",
          'sum(fennel_workflows_chord_members_waiting)', legend=["waiting"]),
    panel(12, "Oldest task not yet run per queue (age)", "s",
          f'fennel_queue_oldest_unrun_age_seconds{{{Q}}}', legend=["{{queue}}"]),
]))

workers = dashboard("fennel-workers", "Fennel / Workers",
                    [variable("worker", "fennel_tasks_finished_total"), variable("queue", "fennel_tasks_finished_total")], grid([
    panel(1, "Tasks finished per worker", "ops",
          f'sum by (worker) (rate(fennel_tasks_finished_total{{{W}, {Q}}}[1m]))', legend=["{{worker}}"]),
    panel(2, "Running tasks per worker and queue", "short",
          f'sum by (worker, queue) (fennel_tasks_running{{{W}, {Q}}})', legend=["{{worker}} {{queue}}"]),
    panel(3, "Execution time p50 and p99 per worker", "s",
          f'histogram_quantile(0.5, sum by (le, worker) (rate(fennel_task_execution_seconds_bucket{{{W}, {Q}}}[1m])))',
          f'histogram_quantile(0.99, sum by (le, worker) (rate(fennel_task_execution_seconds_bucket{{{W}, {Q}}}[1m])))',
          legend=["p50 {{worker}}", "p99 {{worker}}"]),
    panel(4, "Execution time by task (mean)", "s",
          f'sum by (task) (rate(fennel_task_execution_seconds_sum{{{W}, {Q}}}[1m])) / sum by (task) (rate(fennel_task_execution_seconds_count{{{W}, {Q}}}[1m]))',
          legend=["{{task}}"]),
    panel(5, "Started per worker", "ops",
          f'sum by (worker, queue) (rate(fennel_tasks_started_total{{{W}, {Q}}}[1m]))', legend=["{{worker}} {{queue}}"]),
    panel(6, "Runaway task threads", "short",
          f'sum by (worker) (fennel_tasks_runaway_threads{{{W}}})', legend=["{{worker}}"]),
    panel(7, "Slots busy of total (-c) per worker", "short",
          f'sum by (worker) (fennel_worker_slots_busy{{{W}}})', f'sum by (worker) (fennel_worker_slots{{{W}}})',
          legend=["busy {{worker}}", "slots {{worker}}"]),
    panel(8, "Tasks buffered in the worker, waiting for a slot", "short",
          f'sum by (worker, queue) (fennel_tasks_buffered{{{W}, {Q}}})', legend=["{{worker}} {{queue}}"]),
    panel(9, "Tasks waiting for their rate limit", "short",
          f'sum by (worker, queue) (fennel_tasks_throttled{{{W}, {Q}}})', legend=["{{worker}} {{queue}}"]),
    panel(10, "Rate-limit wait p50 and p99 by task", "s",
          f'histogram_quantile(0.5, sum by (le, task) (rate(fennel_task_throttle_wait_seconds_bucket{{{W}, {Q}}}[1m])))',
          f'histogram_quantile(0.99, sum by (le, task) (rate(fennel_task_throttle_wait_seconds_bucket{{{W}, {Q}}}[1m])))',
          legend=["p50 {{task}}", "p99 {{task}}"]),
    panel(11, "Revocations known and rate-limit disagreements per worker", "short",
          f'sum by (worker) (fennel_revocations{{{W}}})',
          f'sum by (worker) (fennel_rate_limits_disagreements{{{W}}})',
          legend=["revocations {{worker}}", "disagreeing peers {{worker}}"]),
]))

api = dashboard("fennel-results-api", "Fennel / Results API", [], grid([
    panel(1, "Requests by endpoint and status", "reqps",
          'sum by (endpoint, status) (rate(fennel_http_requests_seconds_count[1m]))', legend=["{{endpoint}} {{status}}"]),
    panel(2, "Request latency p99 by endpoint", "s",
          'histogram_quantile(0.99, sum by (le, endpoint) (rate(fennel_http_requests_seconds_bucket[1m])))', legend=["{{endpoint}}"]),
    panel(3, "Cache hit ratio", "percentunit",
          'sum(rate(cache_gets_total{cache="results", result="hit"}[1m])) / clamp_min(sum(rate(cache_gets_total{cache="results"}[1m])), 1e-9)',
          legend=["hit ratio"]),
    panel(4, "Results in the store and in the cache", "short",
          'sum(fennel_api_store_results)', 'sum(cache_size{cache="results"})', legend=["store", "cache"]),
    panel(5, "Waiting requests (?wait=)", "short",
          'sum(fennel_api_waiting_requests)', legend=["waiting"]),
    panel(6, "JVM heap used", "bytes",
          'sum by (instance) (jvm_memory_used_bytes{area="heap"})', legend=["{{instance}}"]),
]))

# Periodic tasks (fennel beat): a row at the bottom of the overview.
BEAT_Y = max(p["gridPos"]["y"] for p in overview["panels"]) + 8
overview["panels"] += [
    panel(20, "Beat: active schedulers (1 is healthy)", "short",
          'sum(fennel_beat_leader)', legend=["active"], x=0, y=BEAT_Y),
    panel(21, "Beat: ticks published by schedule", "ops",
          'sum by (schedule) (rate(fennel_beat_ticks_published_total[1m]))', legend=["{{schedule}}"],
          x=12, y=BEAT_Y),
]

OUT.mkdir(exist_ok=True)
for board in (overview, workers, api):
    (OUT / f"{board['uid']}.json").write_text(json.dumps(board, indent=2) + "\n")
