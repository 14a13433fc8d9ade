"""The client: publish tasks and workflows to Kafka, read results from the results API.

Celery's names where the meaning is the same: ``send_task``, ``AsyncResult.get``, ``revoke``,
``signature``/``s``, ``chain``, ``group``, ``chord``, ``GroupResult``.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
import urllib.parse
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _wire
from ._http import Http
from ._kafka import Publisher
from .canvas import Chain, Chord, Group, Signature, workflow_message
from .result import AsyncResult, GroupResult, Revoked, TaskResult

log = logging.getLogger("fennel")

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
        checked_timeout = _wire.seconds("timeout", timeout)
        assert checked_timeout is not None
        if checked_timeout <= 0:
            raise ValueError(f"timeout must be more than 0 seconds, was {timeout}")
        self.timeout = checked_timeout
        if kafka is not None and not isinstance(kafka, Mapping):
            raise ValueError(
                f"kafka must be a dict of librdkafka settings, was {type(kafka).__name__}"
            )
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
        result_ttl: Optional[float] = None,
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
        :param result_ttl: seconds the result is kept (Celery's ``expires`` on a result); 0 keeps
            it forever; default the worker's ``--result-ttl``
        :param task_id: the id to use (the same id again overwrites its result), without ``@``
            (reserved for the parts of workflows); default a new UUIDv7
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
            result_ttl=result_ttl,
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
        task_id = _wire.new_id() if task_id is None else _wire.require_plain_id(task_id)
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
        self._publisher.flush(_wire.seconds("timeout", timeout, allow_none=True))

    def close(self, timeout: Optional[float] = None) -> None:
        """Flushes (as :meth:`flush`, which may raise) and releases the connections."""
        atexit.unregister(self._flush_at_exit)
        try:
            self._publisher.close(_wire.seconds("timeout", timeout, allow_none=True))
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
        waiting = _wire.seconds("wait", wait)
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
        # Every write to the API is JSON (a browser cannot send that to another site unasked).
        status, data = self._http.request("POST", path, what, body=b"{}")
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
