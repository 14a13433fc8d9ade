"""The client against a real `fennel dev` (see conftest.py): every option, failures, revocation,
workflows, 10,000 tasks, the token."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
import confluent_kafka
import pytest

import fennel
from fennel import _wire

UTC = dt.timezone.utc
QUEUES = ("high", "default", "low")


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def epoch(iso: str | None) -> float:
    """An ISO-8601 UTC instant as the worker writes it (up to nanoseconds) in Unix seconds."""
    assert iso is not None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z", iso)
    assert match, iso
    whole = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC).timestamp()
    return whole + float("0." + (match.group(2) or "0"))


def record(r: fennel.AsyncResult) -> fennel.TaskResult:
    found = r.fetch()
    assert found is not None, f"{r.id} has no result"
    return found


# Publishing and waiting ------------------------------------------------------------------------


def test_send_task_is_acknowledged_on_return_and_get_waits_for_the_value(
    app: fennel.Fennel,
) -> None:
    r = app.send_task("fib", args=[20])
    assert r.acknowledged is not None and r.acknowledged.done()
    assert r.acknowledged.exception() is None
    assert r.get(timeout=60) == 6765
    assert (r.status, r.state, r.ready(), r.successful(), r.failed()) == (
        "SUCCESS",
        "SUCCESS",
        True,
        True,
        False,
    )
    assert r.result == 6765
    done = record(r)
    assert (done.task, done.queue, done.attempts, done.id) == ("fib", "default", 1, r.id)
    assert epoch(done.submitted_at) <= epoch(done.started_at) <= epoch(done.finished_at)
    again = app.AsyncResult(r.id)
    assert again == r and again.get(timeout=5) == 6765


def test_kwargs_are_read_by_name(app: fennel.Fennel) -> None:
    assert app.send_task("fib", kwargs={"n": 10}).get(timeout=60) == 55
    assert app.send_task("echo", kwargs={"a": [1, "x"]}).get(timeout=60) == {"a": [1, "x"]}
    assert app.send_task("echo", ("tuple", 2)).get(timeout=60) == ["tuple", 2]


def test_queue_option_and_routes_choose_the_queue(app: fennel.Fennel) -> None:
    r = app.send_task("fib", [5], queue="high")
    assert r.queue == "high"
    assert r.get(timeout=60) == 5 and record(r).queue == "high"
    with fennel.Fennel(routes={"fib": "low", "echo": {"queue": "high"}}) as routed:
        low, high = routed.send_task("fib", [6]), routed.send_task("echo", ["hi"])
        assert (low.get(timeout=60), high.get(timeout=60)) == (8, "hi")
        assert (record(low).queue, record(high).queue) == ("low", "high")
        overridden = routed.send_task("fib", [7], queue="default")
        assert overridden.get(timeout=60) == 13 and record(overridden).queue == "default"


def test_countdown_holds_the_task_back(app: fennel.Fennel) -> None:
    r = app.send_task("echo", ["later"], countdown=2)
    assert r.get(timeout=60) == "later"
    done = record(r)
    # The worker's own start time against the client's submit time: the order of two instants
    # the task carries, not a measure of speed (1 ms: the wire keeps milliseconds).
    assert epoch(done.started_at) >= epoch(done.submitted_at) + 2 - 0.001


def test_eta_holds_the_task_back_until_then(app: fennel.Fennel) -> None:
    eta = dt.datetime.now(UTC) + dt.timedelta(seconds=2)
    r = app.send_task("echo", ["at eta"], eta=eta.astimezone(dt.timezone(dt.timedelta(hours=5))))
    assert r.get(timeout=60) == "at eta"
    assert epoch(record(r).started_at) >= eta.timestamp() - 0.001


def test_the_scheduled_listing_says_why_a_task_waits_as_for_a_java_client(
    app: fennel.Fennel,
) -> None:
    later = app.send_task("echo", ["countdown"], countdown=120)
    at = app.send_task("echo", ["eta"], eta=dt.datetime.now(UTC) + dt.timedelta(minutes=2))
    wanted = {later.id: "countdown", at.id: "eta"}
    listed: dict[str, str] = {}
    # GET /scheduled reads the API's copy of the scheduler's store, a moment behind it: polled,
    # with a bound that only gives up.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and set(listed) != set(wanted):
        status, data = app._http.request("GET", "/scheduled?limit=1000", "the waiting tasks")
        assert status == 200, data
        tasks = app._http.json(data, "the waiting tasks")["tasks"]
        listed = {t["id"]: t["reason"] for t in tasks if t["id"] in wanted}
        time.sleep(0.2)
    assert listed == wanted
    later.revoke()
    at.revoke()


def test_expires_ends_a_task_expired_without_running(app: fennel.Fennel) -> None:
    past = app.send_task("fib", [30], expires=dt.datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(fennel.TaskFailed) as failed:
        past.get(timeout=60)
    assert (failed.value.status, failed.value.type) == ("EXPIRED", "Expired")
    assert record(past).attempts == 0
    # Due in 3 s, expired after 1 s: it never runs.
    later = app.send_task("fib", [30], countdown=3, expires=1)
    assert later.get(timeout=60, propagate=False).status == "EXPIRED"


def test_max_retries_tries_a_failing_task_again(app: fennel.Fennel) -> None:
    r = app.send_task("fail", ["again"], max_retries=2)
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=120)
    assert (failed.value.type, failed.value.message) == ("TaskFailed", "again")
    assert record(r).attempts == 3


def test_time_limit_stops_a_task_that_runs_too_long(app: fennel.Fennel) -> None:
    r = app.send_task("sleep", [60], time_limit=1)
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=45)
    assert failed.value.type == "TimeLimitExceeded"


def test_task_id_is_used_and_the_same_id_again_is_the_same_result(app: fennel.Fennel) -> None:
    task_id = "py-" + _wire.new_id()
    first = app.send_task("fib", [12], task_id=task_id)
    assert first.id == task_id and first.get(timeout=60) == 144
    second = app.send_task("fib", [12], task_id=task_id)
    # The id's first result is final already: get() may answer it before the second run starts.
    assert second.get(timeout=60) == 144
    # That run then writes STARTED under the id, and its own result after it: the id's latest
    # record is final again once it has, and says the same.
    deadline = time.monotonic() + 60
    latest = app.results([task_id])[task_id]
    while not latest.ready and time.monotonic() < deadline:
        time.sleep(0.05)
        latest = app.results([task_id])[task_id]
    assert latest.value() == 144


def test_a_failure_is_raised_with_its_type_and_message(app: fennel.Fennel) -> None:
    r = app.send_task("fail", ["boom"])
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=60)
    assert (failed.value.status, failed.value.type, failed.value.message) == (
        "FAILURE",
        "TaskFailed",
        "boom",
    )
    assert failed.value.task_id == r.id and str(failed.value).endswith("TaskFailed: boom")
    returned = r.get(timeout=5, propagate=False)
    assert isinstance(returned, fennel.TaskFailed) and returned.type == "TaskFailed"
    assert r.failed() and not r.successful() and isinstance(r.result, fennel.TaskFailed)
    with pytest.raises(fennel.TaskFailed, match="BadArguments: argument 'n'"):
        app.send_task("fib", [-1]).get(timeout=60)
    with pytest.raises(fennel.TaskFailed) as unknown:
        app.send_task("no-such-task").get(timeout=60)
    assert unknown.value.type == "UnknownTask"
    assert "no task named 'no-such-task' is registered on worker" in unknown.value.message


def test_get_times_out_when_no_final_result_comes(app: fennel.Fennel) -> None:
    r = app.send_task("echo", ["not yet"], countdown=30)
    with pytest.raises(fennel.TimeoutError, match="no final result after 1 s .it is PENDING"):
        r.get(timeout=1)
    assert r.status == "PENDING" and not r.ready() and r.result is None
    r.revoke()


def test_publishing_without_waiting_then_flush(app: fennel.Fennel) -> None:
    acknowledged: list[str] = []
    results = [app.send_task("fib", [n % 20], confirm=False) for n in range(200)]
    for r in results:
        assert r.acknowledged is not None
        r.acknowledged.add_done_callback(lambda f, i=r.id: acknowledged.append(i))
    app.flush()
    assert sorted(acknowledged) == sorted(r.id for r in results)
    found = app.results([r.id for r in results], wait=120)
    assert [found[r.id].value() for r in results] == [fib(n % 20) for n in range(200)]


def test_a_queue_without_a_topic_is_a_clear_error(app: fennel.Fennel) -> None:
    with fennel.Fennel(timeout=3) as short:
        with pytest.raises(fennel.PublishError, match="fennel.tasks.nosuchqueue"):
            short.send_task("fib", [1], queue="nosuchqueue")


def test_ids_land_on_the_partition_a_java_client_chooses(app: fennel.Fennel) -> None:
    """Kafka's Java partitioner (murmur2) for the task id, as the Java client and CLI publish."""
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": app.bootstrap, "group.id": "py-partition-check"}
    )
    topic = app.topic_prefix + "tasks.low"
    try:
        partitions = len(consumer.list_topics(topic, timeout=30).topics[topic].partitions)

        def ends() -> list[int]:
            return [
                consumer.get_watermark_offsets(
                    confluent_kafka.TopicPartition(topic, p), timeout=30
                )[1]
                for p in range(partitions)
            ]

        ids = [f"partition-check-{i}-{_wire.new_id()}" for i in range(40)]
        expected = [0] * partitions
        for i in ids:
            expected[(murmur2(i.encode()) & 0x7FFFFFFF) % partitions] += 1
        before = ends()  # the other tests leave nothing on its way to `low` at this point
        for i in ids:
            app.send_task("echo", [i], queue="low", task_id=i, confirm=False)
        app.flush()
        assert [after - b for after, b in zip(ends(), before)] == expected
    finally:
        consumer.close()


def murmur2(data: bytes) -> int:
    """Kafka's ``Utils.murmur2`` (the Java client's partitioner), unsigned."""
    m = 0x5BD1E995
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = (int.from_bytes(data[i : i + 4], "little") * m) & 0xFFFFFFFF
        k = ((k ^ k >> 24) * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail, rest = length & ~3, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h = ((h ^ data[tail]) * m) & 0xFFFFFFFF
    h = ((h ^ h >> 13) * m) & 0xFFFFFFFF
    return h ^ h >> 15


def test_murmur2_is_kafkas() -> None:
    # Vectors from Kafka's UtilsTest.testMurmur2, as signed 32-bit values.
    vectors = {
        "21": -973932308,
        "foobar": -790332482,
        "abc": 479470107,
        "a-little-bit-long-string": -985981536,
    }
    for text, value in vectors.items():
        assert murmur2(text.encode()) == value & 0xFFFFFFFF


def test_a_forked_child_publishes_and_reads_on_connections_of_its_own(app: fennel.Fennel) -> None:
    """As in a pre-forking web server: the client was used before the fork, in both processes
    after it."""
    assert app.send_task("fib", [7]).get(timeout=60) == 13
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only, skip pytest's teardown
        try:
            ok = app.send_task("fib", [8]).get(timeout=60) == 21
        except BaseException:  # noqa: BLE001 - any error is a failure of the child
            ok = False
        os._exit(0 if ok else 1)
    assert app.send_task("fib", [9]).get(timeout=60) == 34
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# Revocation -----------------------------------------------------------------------------------


def test_a_task_revoked_before_it_is_published_never_runs(app: fennel.Fennel) -> None:
    task_id = "py-revoked-" + _wire.new_id()
    revoked = app.revoke(task_id)
    assert (revoked.revoked, revoked.status) == (True, None)
    # Published at once: a worker starts no task before it has read the revocations acknowledged
    # before the task was published.
    r = app.send_task("fib", [25], task_id=task_id)
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=60)
    assert (failed.value.status, failed.value.type) == ("REVOKED", "Revoked")
    assert record(r).attempts == 0


def test_revoke_with_terminate_stops_a_running_task(app: fennel.Fennel) -> None:
    r = app.send_task("sleep", [120])
    assert r.revoke(terminate=True).revoked
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=60)
    assert failed.value.status == "REVOKED"


def test_revoking_a_finished_task_leaves_its_result(app: fennel.Fennel) -> None:
    r = app.send_task("fib", [5])
    assert r.get(timeout=60) == 5
    answer = r.revoke()
    assert (answer.revoked, answer.status) == (False, "SUCCESS")
    assert "already finished" in answer.message
    assert r.get(timeout=5) == 5


# Workflows ------------------------------------------------------------------------------------


def test_a_chain_passes_each_result_on(app: fennel.Fennel) -> None:
    r = fennel.chain(app.s("fib", 10), app.s("echo", "then")).apply_async()
    assert r.get(timeout=90) == [55, "then"]
    assert app.AsyncResult(r.id + "@0").get(timeout=5) == 55
    piped = (app.signature("fib", 5) | app.s("echo")).apply_async(
        task_id="py-chain-" + _wire.new_id()
    )
    assert piped.get(timeout=90) == 5


def test_a_failed_chain_step_fails_the_chain_naming_it(app: fennel.Fennel) -> None:
    # The step's args are the previous result, then its own: fail(5, "step two") says "5".
    r = fennel.chain(app.s("fib", 5), app.s("fail", "step two"), app.s("echo")).apply_async()
    with pytest.raises(fennel.TaskFailed, match=r"chain step 1 \(.*@1\): task 'fail'") as failed:
        r.get(timeout=90)
    assert failed.value.type == "TaskFailed"
    assert app.AsyncResult(r.id + "@2").status == "PENDING"


def test_a_group_runs_its_members_and_lists_their_results(app: fennel.Fennel) -> None:
    r = fennel.group(app.s("fib", 5), app.s("fib", 6).set(queue="high")).apply_async()
    assert isinstance(r, fennel.GroupResult)
    assert r.get(timeout=90) == [5, 8]
    assert r.join(timeout=10) == [5, 8]
    assert [m.id for m in r.results] == [r.id + "@0", r.id + "@1"]
    assert [m.result for m in r.results] == [5, 8]
    assert r.completed_count() == 2
    restored = app.GroupResult(r.id)
    assert [m.get(timeout=5) for m in restored.results] == [5, 8]


def test_a_chord_calls_back_with_its_members_results(app: fennel.Fennel) -> None:
    r = fennel.chord([app.s("fib", 10), app.s("fib", 11)], app.s("sum")).apply_async()
    assert r.get(timeout=90) == 144
    assert isinstance(r, fennel.GroupResult)
    assert [m.get(timeout=5) for m in r.results] == [55, 89]
    assert app.AsyncResult(r.id + "@cb").get(timeout=5) == 144


def test_a_failed_chord_member_fails_the_callback(app: fennel.Fennel) -> None:
    r = fennel.chord(fennel.group(app.s("fib", 3), app.s("fail")), app.s("sum")).apply_async()
    with pytest.raises(fennel.TaskFailed) as failed:
        r.get(timeout=90)
    assert failed.value.type == "ChordError"
    assert [m.status for m in r.results] == ["SUCCESS", "FAILURE"]


def test_nested_workflows(app: fennel.Fennel) -> None:
    r = fennel.chain(
        fennel.chord([app.s("fib", 5), app.s("fib", 6)], app.s("sum")),
        fennel.group(app.s("echo"), app.s("echo", "x")),
    ).apply_async()
    assert r.get(timeout=120) == [13, [13, "x"]]


# Many tasks -----------------------------------------------------------------------------------


def test_ten_thousand_tasks_from_ten_threads_over_three_queues(app: fennel.Fennel) -> None:
    """The seed workload's shape: 10 threads publish into 3 queues, every id is stored, and
    every result is fetched afterwards through the batch endpoint."""
    count, threads = 10_000, 10
    ids: list[str] = [""] * count
    errors: list[BaseException] = []

    def publish(first: int) -> None:
        try:
            for i in range(first, count, threads):
                ids[i] = app.send_task("fib", [i % 25], queue=QUEUES[i % 3]).id
        except BaseException as e:  # noqa: BLE001 - told by the assertion below
            errors.append(e)

    workers = [threading.Thread(target=publish, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == [] and all(ids) and len(set(ids)) == count

    found = app.results(ids, wait=300, chunk_size=3_000)
    assert len(found) == count, f"{count - len(found)} tasks have no result"
    for i, task_id in enumerate(ids):
        result = found[task_id]
        assert (result.status, result.result, result.queue) == (
            "SUCCESS",
            fib(i % 25),
            QUEUES[i % 3],
        )


def test_results_leave_unknown_ids_out(app: fennel.Fennel) -> None:
    r = app.send_task("fib", [3])
    r.get(timeout=60)
    assert set(app.results([r.id, "py-never-published-" + _wire.new_id()])) == {r.id}


def test_queues_overview(app: fennel.Fennel) -> None:
    overview = app.queues()
    names = {q["queue"] for q in overview["queues"]}
    assert set(QUEUES) <= names


# The token ------------------------------------------------------------------------------------


def test_the_api_needs_the_token_and_the_error_says_so(app: fennel.Fennel) -> None:
    with fennel.Fennel(token="") as none:
        with pytest.raises(fennel.AuthError, match="needs a token: pass Fennel.token=...") as e:
            none.queues()
        assert e.value.status == 401
        with pytest.raises(fennel.AuthError, match="needs a token"):
            none.AsyncResult("t").get(timeout=5)
        with pytest.raises(fennel.AuthError, match="needs a token"):
            none.results(["t"])
    with fennel.Fennel(token="not-" + os.environ["FENNEL_API_TOKEN"]) as wrong:
        with pytest.raises(fennel.AuthError, match="the token is not the one it expects"):
            wrong.revoke("t")
    # Publishing goes to Kafka and needs no token.
    with fennel.Fennel(token="") as none:
        task_id = none.send_task("fib", [4]).id
    assert app.AsyncResult(task_id).get(timeout=60) == 3
