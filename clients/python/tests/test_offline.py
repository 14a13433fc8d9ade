"""The wire format and the client's checks, against docs/schemas; no broker needed."""

from __future__ import annotations

import datetime as dt
import json
import math
import pathlib
import re
import time
from typing import Any

import jsonschema
import pytest

import fennel
from fennel import _wire
from fennel.canvas import workflow_message

SCHEMAS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "schemas"
UTC = dt.timezone.utc


def schema(name: str) -> jsonschema.Draft202012Validator:
    with open(SCHEMAS / f"{name}.schema.json", encoding="utf-8") as f:
        return jsonschema.Draft202012Validator(json.load(f))


TASK = schema("task")
WORKFLOW = schema("workflow")
RESULT = schema("result")


def offline_app(**kwargs: Any) -> fennel.Fennel:
    """A client whose Kafka and API nobody listens on: anything it sends fails."""
    kwargs.setdefault("bootstrap", "127.0.0.1:1")
    kwargs.setdefault("api", "http://127.0.0.1:1")
    kwargs.setdefault("token", "")
    kwargs.setdefault("timeout", 1.0)
    return fennel.Fennel(**kwargs)


def test_new_ids_are_uuid7_in_time_order_and_unique() -> None:
    before = time.time_ns() // 1_000_000
    ids = [_wire.new_id() for _ in range(10_000)]
    after = time.time_ns() // 1_000_000
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(pattern.fullmatch(i) for i in ids)
    millis = [int(i.replace("-", "")[:12], 16) for i in ids]
    assert before <= millis[0] <= millis[-1] <= after
    assert millis == sorted(millis)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "bad, says",
    [
        ("", "empty"),
        ("a" * 129, "129 characters"),
        ("has space", "characters outside"),
        ("sl/ash", "characters outside"),
        (42, "must be a string"),
    ],
)
def test_a_bad_task_id_is_refused_naming_the_rule(bad: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        _wire.require_id(bad)


def test_every_character_the_schema_allows_is_a_valid_id() -> None:
    assert _wire.require_id("Az09._:@+=-") == "Az09._:@+=-"
    assert _wire.require_id("a" * 128) == "a" * 128


def test_a_workflow_id_has_no_at_sign() -> None:
    with pytest.raises(ValueError, match="'@'"):
        _wire.require_workflow_id("wf@1")


def test_iso_instants_are_utc_with_milliseconds() -> None:
    assert _wire.iso(0) == "1970-01-01T00:00:00.000Z"
    assert _wire.iso(1_795_822_317.18) == "2026-11-27T23:31:57.180Z"


def test_a_task_with_every_option_matches_the_schema() -> None:
    now = 1_795_822_317.0
    options = _wire.Options(
        queue="high",
        countdown=10,
        expires=dt.datetime(2027, 1, 1, tzinfo=UTC),
        max_retries=3,
        time_limit=2.5,
        result_ttl=3600,
    )
    value = _wire.task_message("t-1", "fib", [20], {"x": [1, None]}, "high", options, now)
    message = json.loads(value)
    TASK.validate(message)
    assert message == {
        "v": 1,
        "id": "t-1",
        "task": "fib",
        "args": [20],
        "kwargs": {"x": [1, None]},
        "queue": "high",
        "eta": "2026-11-27T23:32:07.000Z",
        "delayReason": "countdown",
        "expires": "2027-01-01T00:00:00.000Z",
        "maxRetries": 3,
        "timeLimit": 2.5,
        "resultTtl": 3600,
        "submittedAt": "2026-11-27T23:31:57.000Z",
    }


def test_eta_and_expires_in_seconds_become_instants() -> None:
    now = 1_795_822_317.0
    eta = dt.datetime(2026, 11, 28, 0, 31, 57, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    options = _wire.Options(eta=eta, expires=60)
    message = json.loads(_wire.task_message("t-2", "echo", [], {}, "default", options, now))
    TASK.validate(message)
    assert message["eta"] == "2026-11-27T23:31:57.000Z"
    assert message["delayReason"] == "eta"
    assert message["expires"] == "2026-11-27T23:32:57.000Z"
    assert "args" not in message and "kwargs" not in message and "maxRetries" not in message
    at_once = _wire.task_message("t-3", "echo", [], {}, "default", _wire.Options(), now)
    assert "eta" not in json.loads(at_once) and "delayReason" not in json.loads(at_once)


@pytest.mark.parametrize(
    "options, says",
    [
        ({"queue": "High"}, "queue name"),
        ({"queue": "x" * 65}, "queue name"),
        ({"countdown": -1}, "countdown must not be negative"),
        ({"countdown": "10"}, "countdown must be a number"),
        ({"countdown": math.inf}, "finite"),
        ({"countdown": True}, "countdown must be a number"),
        ({"countdown": 1, "eta": dt.datetime.now(UTC)}, "not both"),
        ({"eta": dt.datetime(2030, 1, 1)}, "time zone"),
        ({"eta": "2030-01-01T00:00:00Z"}, "datetime"),
        ({"expires": dt.datetime(2030, 1, 1)}, "time zone"),
        ({"expires": -5}, "expires must not be negative"),
        ({"expires": "soon"}, "expires must be a datetime"),
        ({"max_retries": -1}, "max_retries must be between"),
        ({"max_retries": 2**31}, "max_retries must be between"),
        ({"max_retries": 1.5}, "whole number"),
        ({"max_retries": True}, "whole number"),
        ({"time_limit": 0}, "positive"),
        ({"result_ttl": -1}, "forever"),
        ({"time_limit": -1}, "positive"),
        ({"time_limit": math.nan}, "finite"),
        ({"time_limit": "1"}, "time_limit must be a number"),
    ],
)
def test_a_bad_option_raises_value_error_before_anything_is_sent(
    options: dict[str, Any], says: str
) -> None:
    app = offline_app()
    with pytest.raises(ValueError, match=says):
        app.send_task("fib", [10], **options)
    assert app._publisher._producer is None, "nothing may be published for a bad option"


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda app: app.send_task("", [1]), "blank"),
        (lambda app: app.send_task(None, [1]), "task name must be a string"),
        (lambda app: app.send_task("fib", 10), "args must be a list"),
        (lambda app: app.send_task("fib", kwargs=[1]), "kwargs must be a dict"),
        (lambda app: app.send_task("fib", kwargs={1: 2}), "kwargs keys must be strings"),
        (lambda app: app.send_task("fib", [object()]), "cannot be written as JSON"),
        (lambda app: app.send_task("fib", [math.nan]), "cannot be written as JSON"),
        (lambda app: app.send_task("fib", [1], task_id="a b"), "characters outside"),
        (lambda app: app.send_task("echo", [1], task_id="wf@0"), "'@'"),
        (lambda app: app.send_task("echo", [1], task_id="g@members"), "'@'"),
        (lambda app: app.results("one-id"), "not one string"),
        (lambda app: app.results(["ok", "not ok"]), "characters outside"),
        (lambda app: app.results(["ok"], wait=-1), "wait must be"),
        (lambda app: app.results(["ok"], chunk_size=0), "chunk_size"),
        (lambda app: app.AsyncResult("x y"), "characters outside"),
        (lambda app: app.AsyncResult("ok").get(timeout=-1), "timeout must be"),
        (lambda app: app.revoke("ok", terminate="yes"), "terminate must be"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call: Any, says: str) -> None:
    app = offline_app()
    with pytest.raises(ValueError, match=says):
        call(app)
    assert app._publisher._producer is None


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"bootstrap": " "}, "bootstrap must be"),
        ({"api": "127.0.0.1:8080"}, "http:// or https://"),
        ({"topic_prefix": "fennel"}, "topic prefix"),
        ({"routes": {"fib": "HIGH"}}, r"routes\['fib'\]"),
        ({"routes": {"fib": {"queue": "a b"}}}, r"routes\['fib'\]"),
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"timeout": "10"}, "timeout must be a number"),
        ({"kafka": "acks=1"}, "kafka must be a dict"),
    ],
)
def test_a_bad_client_setting_raises_value_error(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        offline_app(**kwargs)


def test_settings_come_from_the_environment_as_the_cli_reads_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("FENNEL_BOOTSTRAP", "kafka1:9093")
    monkeypatch.setenv("FENNEL_API", "http://api:8081/")
    monkeypatch.setenv("FENNEL_API_TOKEN", "from-env")
    monkeypatch.setenv("FENNEL_TOPIC_PREFIX", "team.")
    app = fennel.Fennel()
    assert (app.bootstrap, app.api, app.topic_prefix) == ("kafka1:9093", "http://api:8081", "team.")
    assert app._http._token == "from-env"
    token_file = tmp_path / "token"
    token_file.write_text(" from-file\n")
    monkeypatch.setenv("FENNEL_API_TOKEN_FILE", str(token_file))
    assert fennel.Fennel()._http._token == "from-file"
    assert fennel.Fennel(token="")._http._token is None


def test_routes_pick_the_queue_of_a_task_that_names_none() -> None:
    app = offline_app(routes={"fib": "high", "sleep": {"queue": "low"}})
    assert [app.route(t) for t in ("fib", "sleep", "echo")] == ["high", "low", "default"]


def test_the_producer_keeps_durability_and_partitions_as_java_does() -> None:
    from fennel._kafka import producer_settings

    settings = producer_settings("k:9092", 10, {"acks": "1", "enable.idempotence": False})
    assert settings["acks"] == "all"
    assert settings["enable.idempotence"] is True
    assert settings["partitioner"] == "murmur2_random"
    assert settings["message.timeout.ms"] == 10_000


def test_workflows_match_the_schema_with_routing_and_options() -> None:
    app = offline_app(routes={"fib": "high"})
    eta = dt.datetime(2027, 1, 1, tzinfo=UTC)
    nested = fennel.chain(
        fennel.chord([app.s("fib", 5), app.s("fib", 6)], app.s("sum")),
        fennel.group(app.s("echo"), app.s("echo", x=1).set(max_retries=2, eta=eta)),
        app.s("sum").set(queue="low", time_limit=5),
    )
    message = json.loads(workflow_message(nested, "nightly", app.route, 1_795_822_317.0))
    WORKFLOW.validate(message)
    assert message == {
        "v": 1,
        "id": "nightly",
        "submittedAt": "2026-11-27T23:31:57.000Z",
        "chain": [
            {
                "chord": {
                    "group": [
                        {"task": "fib", "args": [5], "queue": "high"},
                        {"task": "fib", "args": [6], "queue": "high"},
                    ],
                    "callback": {"task": "sum", "queue": "default"},
                }
            },
            {
                "group": [
                    {"task": "echo", "queue": "default"},
                    {
                        "task": "echo",
                        "kwargs": {"x": 1},
                        "queue": "default",
                        "eta": "2027-01-01T00:00:00.000Z",
                        "maxRetries": 2,
                    },
                ]
            },
            {"task": "sum", "queue": "low", "timeLimit": 5.0},
        ],
    }


def test_pipe_builds_a_chain_and_group_takes_a_list_or_a_generator() -> None:
    app = offline_app()
    piped = app.s("fib", 10) | app.s("echo") | app.s("echo")
    assert isinstance(piped, fennel.Chain) and len(piped.steps) == 3
    assert len(fennel.group([app.s("fib", 1), app.s("fib", 2)]).members) == 2
    assert len(fennel.group(app.s("fib", n) for n in range(5)).members) == 5
    assert len(fennel.chord(fennel.group(app.s("fib", 1)), app.s("sum")).header) == 1


@pytest.mark.parametrize(
    "build, workflow_id, says",
    [
        (lambda app: fennel.chain(), "wf", "at least one step"),
        (lambda app: fennel.chain(app.s("fib", 1).set(countdown=5)), "wf", "eta, not countdown"),
        (lambda app: fennel.group(app.s("fib", 1), "fib"), "wf", "must be a signature"),
        (lambda app: fennel.group(app.s("fib", 1)), "wf@1", "'@'"),
        (lambda app: fennel.group(app.s("fib", 1)), "w" * 121, "members record"),
        (lambda app: fennel.chain(fennel.chain(app.s("fib", 1))), "w" * 125, "derived"),
        (lambda app: fennel.group(app.s("fib", float("nan"))), "wf", "JSON"),
    ],
)
def test_a_bad_workflow_raises_value_error_before_anything_is_sent(
    build: Any, workflow_id: str, says: str
) -> None:
    app = offline_app()
    with pytest.raises(ValueError, match=says):
        build(app).apply_async(task_id=workflow_id)
    assert app._publisher._producer is None


def test_results_ignore_unknown_fields_and_an_unknown_status_is_final() -> None:
    record = {
        "v": 1,
        "id": "t",
        "task": "fib",
        "status": "SUCCESS",
        "result": 55,
        "attempts": 1,
        "finishedAt": "2026-11-27T23:31:57.670Z",
        "from": "the future",
    }
    RESULT.validate(record)
    result = fennel.TaskResult.from_json(record)
    assert (result.value(), result.ready, result.finished_at) == (55, True, record["finishedAt"])
    newer = fennel.TaskResult.from_json({"id": "t", "status": "ARCHIVED", "attempts": 1})
    assert newer.ready and not newer.successful
    with pytest.raises(fennel.TaskFailed, match="ARCHIVED"):
        newer.value()
    assert not fennel.TaskResult.from_json({"v": 1, "id": "t", "status": "RETRY"}).ready


def test_started_is_not_final_and_carries_its_progress_and_a_final_its_children() -> None:
    record = {
        "v": 1,
        "id": "t",
        "task": "crawl",
        "status": "STARTED",
        "progress": 0.4,
        "worker": "w1/thread-1",
        "attempts": 1,
        "startedAt": "2026-11-27T23:31:57.669Z",
        "finishedAt": "2026-11-27T23:31:58.000Z",
    }
    RESULT.validate(record)
    started = fennel.TaskResult.from_json(record)
    assert (started.ready, started.progress, started.worker) == (False, 0.4, "w1/thread-1")
    with pytest.raises(ValueError, match="it is STARTED"):
        started.value()
    done = {
        "v": 1,
        "id": "t",
        "status": "SUCCESS",
        "result": 3,
        "attempts": 1,
        "children": ["t.c1", "t.c2"],
        "finishedAt": "2026-11-27T23:31:59.000Z",
    }
    RESULT.validate(done)
    assert fennel.TaskResult.from_json(done).children == ("t.c1", "t.c2")


def test_a_result_of_a_newer_format_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version 2 is newer"):
        fennel.TaskResult.from_json({"v": 2, "id": "t", "status": "SUCCESS"})


def test_a_failure_carries_the_task_error_type_and_message() -> None:
    record = {
        "v": 1,
        "id": "t-2",
        "task": "fib",
        "status": "FAILURE",
        "error": {"type": "BadArguments", "message": "argument 'n' must be between 0 and 45"},
        "attempts": 1,
        "finishedAt": "2026-11-27T23:32:00Z",
    }
    RESULT.validate(record)
    with pytest.raises(fennel.TaskFailed) as failed:
        fennel.TaskResult.from_json(record).value()
    assert (failed.value.type, failed.value.status) == ("BadArguments", "FAILURE")
    assert str(failed.value) == (
        "task t-2 (fib) FAILURE: BadArguments: argument 'n' must be between 0 and 45"
    )


def test_a_task_handed_back_by_workers_that_lacked_it_and_its_failure_are_read() -> None:
    # What workers write while no worker has a task's jar (docs/operations.md, Upgrading), and the
    # FAILURE once none had it in time: the client reads both as it reads any other.
    handed_back = json.loads(
        _wire.task_message("t-3", "resize", ["a.png"], {}, "default", _wire.Options(), 0)
    )
    handed_back.update(
        delayReason="unknown-task",
        eta="2026-11-27T23:32:05.000Z",
        unknownTo={"since": "2026-11-27T23:31:57.200Z", "times": 4, "workers": ["w1", "w2"]},
    )
    TASK.validate(handed_back)
    record = {
        "v": 1,
        "id": "t-3",
        "task": "resize",
        "status": "FAILURE",
        "error": {
            "type": "UnknownTask",
            "message": "no task named 'resize' is registered on worker w2; known tasks: [fib];"
            " no worker that took it in 5m since 2026-11-27T23:31:57.200Z knew it (handed back 31"
            " times): workers w1, w2 lack it",
        },
        "attempts": 0,
        "failedTask": {"v": 1, "id": "t-3", "task": "resize", "args": ["a.png"]},
        "finishedAt": "2026-11-27T23:37:00Z",
    }
    RESULT.validate(record)
    with pytest.raises(fennel.TaskFailed) as failed:
        fennel.TaskResult.from_json(record).value()
    assert failed.value.type == "UnknownTask" and "workers w1, w2 lack it" in failed.value.message


def test_an_api_nobody_listens_on_is_a_clear_error_after_three_tries() -> None:
    app = offline_app()
    with pytest.raises(
        fennel.ApiError,
        match=r"cannot reach the results API at http://127.0.0.1:1 .* after 3 tries",
    ):
        app.AsyncResult("t").status


def test_an_unreachable_broker_fails_within_the_timeout() -> None:
    with fennel.Fennel(bootstrap="127.0.0.1:1", timeout=2) as nowhere:
        started = time.monotonic()
        with pytest.raises(
            fennel.PublishError, match=r"Kafka at 127.0.0.1:1 did not take .* within 2 s"
        ):
            nowhere.send_task("fib", [1])
        # The promise under test is "an error within the client's timeout, not a hang": the
        # margin covers a slow machine, and nothing but the clock can show that promise.
        assert time.monotonic() - started < 2 + 10


def test_a_message_too_large_for_kafka_is_refused_at_once() -> None:
    app = offline_app()
    with pytest.raises(fennel.PublishError, match="too large|MSG_SIZE_TOO_LARGE"):
        app.send_task("echo", ["x" * 2_000_000])
