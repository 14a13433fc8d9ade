"""The client: publish tasks and workflows to Kafka, read results from the results API.

Celery's names where the meaning is the same: ``send_task``, ``AsyncResult.get``, ``revoke``,
``signature``/``s``, ``chain``, ``group``, ``chord``, ``GroupResult``.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import time
import urllib.parse
from concurrent.futures import Future
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _wire
from ._http import Http
from ._kafka import Publisher
from .canvas import Chain, Chord, Group, Signature, workflow_message
from .errors import ApiError, TaskFailed, TimeoutError
from .result import PENDING, Revoked, TaskResult

log = logging.getLogger("fennel")

#: The longest ``?wait=`` one request holds (the API caps it at its ``--max-wait`` too).
MAX_WAIT_PER_REQUEST = 30.0

#: The most ids :meth:`Fennel.results` puts in one batch request (the API takes up to 100,000).
IDS_PER_BATCH = 10_000

# Pause between two rounds of batch requests while waiting for results.
_POLL_INTERVAL = 0.2


def _env_token() -> Optional[str]:
    """The token as the CLI reads it: FENNEL_API_TOKEN_FILE's content, else FENNEL_API_TOKEN."""
    path = os.environ.get("FENNEL_API_TOKEN_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise ValueError(f"cannot read FENNEL_API_TOKEN_FILE {path}: {e}") from e
    return os.environ.get("FENNEL_API_TOKEN")


def _in_path(task_id: str) -> str:
    """A checked task id as a URL path segment (every character it may have is safe there)."""
    return urllib.parse.quote(task_id, safe="@:+=")


def _seconds(name: str, value: object, allow_none: bool = False) -> Optional[float]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, was {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds, 0 or more, was {value}")
    return float(value)


class Fennel:
    """A Fennel client: one per process, shared by its threads.

    :param bootstrap: Kafka's address (default: ``$FENNEL_BOOTSTRAP``, else ``localhost:9092``)
    :param api: the results API (default: ``$FENNEL_API``, else ``http://127.0.0.1:8080``)
    :param token: the API's bearer token (default: the content of ``$FENNEL_API_TOKEN_FILE``,
        else ``$FENNEL_API_TOKEN``; ``""`` sends none)
    :param topic_prefix: prefix of every topic (default: ``$FENNEL_TOPIC_PREFIX``, else
        ``fennel.``)
    :param routes: task name to queue, like Celery's ``task_routes`` (``{"fib": "high"}`` or
        ``{"fib": {"queue": "high"}}``); unlisted tasks go to ``default``
    :param timeout: seconds a publish may take to be acknowledged, and an API request to connect
        and answer (long polls wait longer)
    :param kafka: more librdkafka settings (TLS, SASL, tuning), e.g.
        ``{"security.protocol": "SSL"}``; ``acks=all`` and idempotence always hold

    Nothing connects until the first publish or request.
    """

    def __init__(
        self,
        bootstrap: Optional[str] = None,
        api: Optional[str] = None,
        token: Optional[str] = None,
        *,
        topic_prefix: Optional[str] = None,
        routes: Optional[Mapping[str, Union[str, Mapping[str, str]]]] = None,
        timeout: float = 10.0,
        kafka: Optional[Mapping[str, Any]] = None,
    ):
        if bootstrap is None:
            bootstrap = os.environ.get("FENNEL_BOOTSTRAP") or "localhost:9092"
        if not isinstance(bootstrap, str) or not bootstrap.strip():
            raise ValueError(
                f"bootstrap must be Kafka's host:port, e.g. localhost:9092, was {bootstrap!r}"
            )
        if api is None:
            api = os.environ.get("FENNEL_API") or "http://127.0.0.1:8080"
        if token is None:
            token = _env_token()
        if token is not None and not isinstance(token, str):
            raise ValueError(f"token must be a string, was {type(token).__name__}")
        if topic_prefix is None:
            topic_prefix = os.environ.get("FENNEL_TOPIC_PREFIX") or _wire.DEFAULT_PREFIX
        self.topic_prefix = _wire.require_prefix(topic_prefix)
        self.routes = self._routes(routes)
        checked_timeout = _seconds("timeout", timeout)
        assert checked_timeout is not None
        if checked_timeout <= 0:
            raise ValueError(f"timeout must be more than 0 seconds, was {timeout}")
        self.timeout = checked_timeout
        if kafka is not None and not isinstance(kafka, Mapping):
            raise ValueError(f"kafka must be a dict of librdkafka settings, was {type(kafka).__name__}")
        self.bootstrap = bootstrap.strip()
        self._publisher = Publisher(self.bootstrap, self.timeout, dict(kafka or {}))
        self._http = Http(api, token.strip() if token else None, self.timeout)
        self.api = self._http.base_url
        atexit.register(self._flush_at_exit)

    @staticmethod
    def _routes(
        routes: Optional[Mapping[str, Union[str, Mapping[str, str]]]],
    ) -> dict[str, str]:
        checked: dict[str, str] = {}
        for name, target in (routes or {}).items():
            queue = target.get("queue") if isinstance(target, Mapping) else target
            try:
                checked[_wire.require_task_name(name)] = _wire.require_queue(queue)
            except ValueError as e:
                raise ValueError(f"routes[{name!r}]: {e}") from e
        return checked

    def route(self, name: str) -> str:
        """The queue task ``name`` goes to when a call names none."""
        return self.routes.get(name, _wire.DEFAULT_QUEUE)

    # Publishing -----------------------------------------------------------------------------

    def send_task(
        self,
        name: str,
        args: Optional[Sequence[Any]] = None,
        kwargs: Optional[Mapping[str, Any]] = None,
        *,
        countdown: Optional[float] = None,
        eta: Any = None,
        expires: Any = None,
        queue: Optional[str] = None,
        max_retries: Optional[int] = None,
        time_limit: Optional[float] = None,
        task_id: Optional[str] = None,
        confirm: bool = True,
    ) -> AsyncResult:
        """Publishes task ``name`` and returns its :class:`AsyncResult`.

        :param args: positional arguments (JSON values)
        :param kwargs: named arguments (JSON values)
        :param countdown: do not run before this many seconds from now
        :param eta: do not run before this ``datetime`` (with a time zone)
        :param expires: do not run after this ``datetime``, or this many seconds from now; it
            ends ``EXPIRED`` instead
        :param queue: the queue, instead of the routing table's
        :param max_retries: how many times a failing run is tried again
        :param time_limit: seconds one run may take
        :param task_id: the id to use (the same id again overwrites its result); default a new
            UUIDv7
        :param confirm: wait until Kafka has the task (the default). With ``False`` it returns
            at once; ``result.acknowledged`` is a future that completes when Kafka has it, and
            :meth:`flush` raises if any such publish failed.

        Raises ``ValueError`` for a bad option before anything is sent, and
        :class:`PublishError` when Kafka refuses the task or does not take it within
        ``timeout``.
        """
        options = _wire.Options(
            queue=queue,
            countdown=countdown,
            eta=eta,
            expires=expires,
            max_retries=max_retries,
            time_limit=time_limit,
        )
        return self._send(name, args, kwargs, options, task_id, confirm)

    def _send(
        self,
        name: str,
        args: Optional[Sequence[Any]],
        kwargs: Optional[Mapping[str, Any]],
        options: _wire.Options,
        task_id: Optional[str],
        confirm: bool,
    ) -> AsyncResult:
        _wire.require_task_name(name)
        arg_list, kwarg_dict = _wire.check_args(args, kwargs)
        task_id = _wire.new_id() if task_id is None else _wire.require_id(task_id)
        queue = options.queue if options.queue is not None else self.route(name)
        value = _wire.task_message(task_id, name, arg_list, kwarg_dict, queue, options, time.time())
        what = f"task {task_id} ({name}) for queue '{queue}'"
        acked = self._publisher.publish(
            _wire.queue_topic(self.topic_prefix, queue), task_id, value, what, track=not confirm
        )
        if confirm:
            self._publisher.wait(acked, what)
        return AsyncResult(task_id, self, queue=queue, acknowledged=acked)

    def _send_workflow(
        self, root: Union[Chain, Group, Chord], workflow_id: Optional[str], confirm: bool
    ) -> AsyncResult:
        workflow_id = _wire.new_id() if workflow_id is None else workflow_id
        value = workflow_message(root, workflow_id, self.route, time.time())
        what = f"workflow {workflow_id}"
        acked = self._publisher.publish(
            _wire.workflows_topic(self.topic_prefix), workflow_id, value, what, track=not confirm
        )
        if confirm:
            self._publisher.wait(acked, what)
        if isinstance(root, Group):
            return GroupResult(workflow_id, self, size=len(root.members), acknowledged=acked)
        if isinstance(root, Chord):
            return GroupResult(workflow_id, self, size=len(root.header), acknowledged=acked)
        return AsyncResult(workflow_id, self, acknowledged=acked)

    def signature(self, name: str, *args: Any, **kwargs: Any) -> Signature:
        """Task ``name`` with these arguments, for a workflow or to publish later.

        Options go in with :meth:`Signature.set`: ``app.s("fib", 20).set(queue="high")``.
        """
        return Signature(self, name, args, kwargs)

    #: Short for :meth:`signature`, as Celery's ``task.s(...)``.
    s = signature

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until Kafka has everything published with ``confirm=False``.

        Raises :class:`PublishError` when some of it failed (naming the first error) or is still
        not acknowledged after ``timeout`` seconds (default: the client's timeout).
        """
        self._publisher.flush(_seconds("timeout", timeout, allow_none=True))

    def close(self, timeout: Optional[float] = None) -> None:
        """Flushes (as :meth:`flush`, which may raise) and releases the connections."""
        atexit.unregister(self._flush_at_exit)
        try:
            self._publisher.close(_seconds("timeout", timeout, allow_none=True))
        finally:
            self._http.close()

    def __enter__(self) -> Fennel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _flush_at_exit(self) -> None:
        try:
            self._publisher.flush(None)
        except Exception as e:  # an exit hook must not raise; the error is still told
            log.error("fennel: at exit, %s", e)

    # Results --------------------------------------------------------------------------------

    def AsyncResult(self, task_id: str) -> AsyncResult:  # noqa: N802 - Celery's name
        """The result of task (or workflow) ``task_id``."""
        return AsyncResult(_wire.require_id(task_id), self)

    def GroupResult(self, group_id: str) -> GroupResult:  # noqa: N802 - Celery's name
        """The result of the group or chord ``group_id``, with its members."""
        return GroupResult(_wire.require_id(group_id), self)

    def results(
        self, ids: Iterable[str], *, wait: float = 0.0, chunk_size: int = IDS_PER_BATCH
    ) -> dict[str, TaskResult]:
        """The results of many tasks, through the batch endpoint, ``chunk_size`` ids a request.

        Returns the records known, by id; an id without one (``PENDING``) is absent. With
        ``wait``, asks again for the ids without a final result every 200 ms until every one has
        one or ``wait`` seconds have passed.
        """
        waiting = _seconds("wait", wait)
        assert waiting is not None
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a whole number of 1 or more, was {chunk_size!r}")
        if isinstance(ids, str):
            raise ValueError("ids must be a list of task ids, not one string")
        pending = list(dict.fromkeys(_wire.require_id(i) for i in ids))
        deadline = time.monotonic() + waiting
        found: dict[str, TaskResult] = {}
        while True:
            for start in range(0, len(pending), chunk_size):
                for record in self._batch(pending[start : start + chunk_size]):
                    found[record.id] = record
            pending = [i for i in pending if i not in found or not found[i].ready]
            left = deadline - time.monotonic()
            if not pending or left <= 0:
                return found
            time.sleep(min(_POLL_INTERVAL, left))

    def _batch(self, ids: list[str]) -> list[TaskResult]:
        what = f"a batch of {len(ids)} ids"
        body = _wire.encode({"ids": ids}, what)
        status, data = self._http.request(
            "POST", "/tasks/batch", what, body, read_timeout=max(self.timeout, 120.0)
        )
        if status != 200:
            raise self._http.failure(status, data, what)
        answer = self._http.json(data, what)
        return [TaskResult.from_json(record) for record in answer.get("results", [])]

    def queues(self) -> dict[str, Any]:
        """The queues overview (``GET /queues``): backlog, partitions and workers per queue."""
        status, data = self._http.request("GET", "/queues", "the queues overview")
        if status != 200:
            raise self._http.failure(status, data, "the queues overview")
        overview: dict[str, Any] = self._http.json(data, "the queues overview")
        return overview

    def revoke(self, task_id: str, *, terminate: bool = False) -> Revoked:
        """Revokes a task for the whole cluster, durably, through the results API.

        Wherever it comes from (its queue, a countdown, a retry), it ends ``REVOKED`` without
        running, also when it is published only later; with ``terminate``, a run under way is
        interrupted too. A task that already finished keeps its result, and the answer says so.
        """
        _wire.require_id(task_id)
        if not isinstance(terminate, bool):
            raise ValueError(f"terminate must be True or False, was {terminate!r}")
        what = f"revoking task {task_id}"
        flag = "true" if terminate else "false"
        path = f"/tasks/{_in_path(task_id)}/revoke?terminate={flag}"
        status, data = self._http.request("POST", path, what)
        if status not in (200, 202):
            raise self._http.failure(status, data, what)
        answer = self._http.json(data, what)
        if answer.get("revoked"):
            text = "revoked (a run under way is interrupted)" if terminate else "revoked"
            return Revoked(task_id, True, None, text)
        return Revoked(
            task_id, False, answer.get("status"), str(answer.get("message", "already finished"))
        )

    def _fetch(self, task_id: str, wait: float) -> Optional[TaskResult]:
        """The result of ``task_id`` (None while unknown), held up to ``wait`` for a final one."""
        path = "/tasks/" + _in_path(task_id)
        if wait > 0:
            path += f"?wait={max(1, int(wait * 1000))}ms"
        what = f"task {task_id}"
        status, data = self._http.request("GET", path, what, read_timeout=wait + self.timeout)
        if status == 200:
            return TaskResult.from_json(self._http.json(data, what))
        if status == 404:
            return None
        raise self._http.failure(status, data, what)

    def _group(self, group_id: str) -> Optional[dict[str, Any]]:
        """``GET /groups/{id}``, or None while the group has not started."""
        what = f"group {group_id}"
        status, data = self._http.request("GET", "/groups/" + _in_path(group_id), what)
        if status == 404:
            return None
        if status != 200:
            raise self._http.failure(status, data, what)
        body: dict[str, Any] = self._http.json(data, what)
        return body


class AsyncResult:
    """The result of one task or workflow, by id. Asks the results API each time it is read,
    until it has seen a final result, which it keeps."""

    def __init__(
        self,
        task_id: str,
        app: Fennel,
        *,
        queue: Optional[str] = None,
        acknowledged: Optional[Future[None]] = None,
        known: Optional[TaskResult] = None,
    ):
        self.id = task_id
        self.app = app
        #: The queue it was published to, when this handle published it.
        self.queue = queue
        #: Completes when Kafka has the task (None when this handle did not publish it).
        self.acknowledged = acknowledged
        self._final = known if known is not None and known.ready else None

    @property
    def task_id(self) -> str:
        """The task id (Celery's other name for :attr:`id`)."""
        return self.id

    def fetch(self) -> Optional[TaskResult]:
        """The task's result record now, or None while it is ``PENDING``."""
        if self._final is not None:
            return self._final
        record = self.app._fetch(self.id, 0)
        if record is not None and record.ready:
            self._final = record
        return record

    def get(self, timeout: Optional[float] = None, propagate: bool = True) -> Any:
        """Waits for the task to finish and returns its value.

        Holds one request open at a time (``GET /tasks/{id}?wait=``), so the answer comes as soon
        as the result does. Raises :class:`TaskFailed` (the task's error type and message) when
        it ended otherwise; with ``propagate=False`` that error is returned instead. Raises
        :class:`fennel.TimeoutError` when no final result came within ``timeout`` seconds
        (``None``: wait as long as it takes).
        """
        limit = _seconds("timeout", timeout, allow_none=True)
        record = self._wait(limit)
        if record.successful:
            return record.result
        failure = TaskFailed(record)
        if propagate:
            raise failure
        return failure

    def _wait(self, limit: Optional[float]) -> TaskResult:
        if self._final is not None:
            return self._final
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            left = MAX_WAIT_PER_REQUEST if deadline is None else deadline - time.monotonic()
            try:
                record = self.app._fetch(self.id, max(0.0, min(left, MAX_WAIT_PER_REQUEST)))
            except ApiError as e:
                # Starting or restoring (503, Retry-After: 1): wait for it while time is left.
                if e.status != 503 or (deadline is not None and deadline - time.monotonic() < 1):
                    raise
                time.sleep(1)
                continue
            if record is not None and record.ready:
                self._final = record
                return record
            if deadline is not None and time.monotonic() >= deadline:
                status = PENDING if record is None else record.status
                raise TimeoutError(
                    f"task {self.id} has no final result after {limit:g} s (it is {status})"
                )

    @property
    def status(self) -> str:
        """``PENDING``, ``RETRY``, ``SUCCESS``, ``FAILURE``, ``EXPIRED``, ``REVOKED`` (or a final
        status of a newer worker)."""
        record = self.fetch()
        return PENDING if record is None else record.status

    #: Celery's other name for :attr:`status`.
    state = status

    def ready(self) -> bool:
        """Whether the task has finished."""
        record = self.fetch()
        return record is not None and record.ready

    def successful(self) -> bool:
        """Whether the task finished with a value."""
        record = self.fetch()
        return record is not None and record.successful

    def failed(self) -> bool:
        """Whether the task finished without a value (``FAILURE``, ``EXPIRED``, ``REVOKED``…)."""
        record = self.fetch()
        return record is not None and record.ready and not record.successful

    @property
    def result(self) -> Any:
        """The value once it succeeded, the :class:`TaskFailed` error once it failed, else
        None (as Celery's ``AsyncResult.result``)."""
        record = self.fetch()
        if record is None or not record.ready:
            return None
        return record.result if record.successful else TaskFailed(record)

    def revoke(self, terminate: bool = False) -> Revoked:
        """Revokes this task (see :meth:`Fennel.revoke`)."""
        return self.app.revoke(self.id, terminate=terminate)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncResult) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.id}>"


class GroupResult(AsyncResult):
    """The result of a group or a chord: its own value (a group's is the list of its members'
    values, a chord's the callback's), and its members (``GET /groups/{id}``)."""

    def __init__(
        self,
        group_id: str,
        app: Fennel,
        *,
        size: Optional[int] = None,
        acknowledged: Optional[Future[None]] = None,
    ):
        super().__init__(group_id, app, acknowledged=acknowledged)
        self.size = size

    @property
    def results(self) -> list[AsyncResult]:
        """The members' results, in member order. Before the coordinator has started the group
        they are known only when this handle published it; else the list is empty."""
        state = self.app._group(self.id)
        if state is None:
            count = self.size or 0
            return [AsyncResult(_wire.child_id(self.id, str(i)), self.app) for i in range(count)]
        members = []
        for member in state.get("members", []):
            known = TaskResult.from_json(member)
            members.append(AsyncResult(known.id, self.app, known=known))
        return members

    def completed_count(self) -> int:
        """How many members have succeeded."""
        state = self.app._group(self.id)
        return 0 if state is None else int(state.get("counts", {}).get("SUCCESS", 0))

    def join(self, timeout: Optional[float] = None, propagate: bool = True) -> list[Any]:
        """Waits for every member and returns their values in member order (a member that did
        not succeed raises :class:`TaskFailed`, or is its error with ``propagate=False``)."""
        limit = _seconds("timeout", timeout, allow_none=True)
        deadline = None if limit is None else time.monotonic() + limit
        values = []
        for member in self.results:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            values.append(member.get(timeout=left, propagate=propagate))
        return values
