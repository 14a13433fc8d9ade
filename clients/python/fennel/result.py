"""Results: the records the results API serves (``docs/schemas/result.schema.json``), and the
handles that read them by id (:class:`AsyncResult`, :class:`GroupResult`)."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple

from . import _wire
from .errors import ApiError, TaskFailed, TimeoutError

if TYPE_CHECKING:
    from .client import Fennel

#: The longest ``?wait=`` one request holds (the API caps it at its ``--max-wait`` too).
MAX_WAIT_PER_REQUEST = 30.0

#: Not known yet: published and not finished, or never published. Only the API answers this.
PENDING = "PENDING"
#: A worker is running it (``worker``, ``started_at``, ``attempts``, and ``progress`` when the task
#: reports some); a later record replaces it.
STARTED = "STARTED"
#: Failed, and will run again.
RETRY = "RETRY"
#: Ran and returned a value.
SUCCESS = "SUCCESS"
#: Ran (or could not run) and ended with an error.
FAILURE = "FAILURE"
#: Its expiry passed before it could run.
EXPIRED = "EXPIRED"
#: Revoked before it ran, or interrupted by a revocation with ``terminate``.
REVOKED = "REVOKED"

# Every other status, also one a newer worker writes, is final (docs/versioning.md, rule 2).
_NOT_FINAL = frozenset({PENDING, STARTED, RETRY})


def is_final(status: str) -> bool:
    """Whether no later record is expected for a task in ``status``."""
    return status not in _NOT_FINAL


@dataclass(frozen=True)
class TaskError:
    """Why a task did not succeed: the error's type (e.g. ``TaskFailed``) and its message."""

    type: str
    message: str


@dataclass(frozen=True)
class TaskResult:
    """One task's result record. Times are ISO-8601 UTC text, as on the wire."""

    id: str
    status: str
    task: Optional[str] = None
    result: Any = None
    error: Optional[TaskError] = None
    queue: Optional[str] = None
    worker: Optional[str] = None
    attempts: int = 0
    submitted_at: Optional[str] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    #: What the task last reported through its context (a number in 0-1 or any JSON), while STARTED.
    progress: Any = None
    #: The ids of the tasks the run spawned through its context.
    children: Tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """Whether the task has finished (a final status)."""
        return is_final(self.status)

    @property
    def successful(self) -> bool:
        """Whether the task returned a value."""
        return self.status == SUCCESS

    def value(self) -> Any:
        """The task's value; raises :class:`TaskFailed` when it ended otherwise."""
        if self.status == SUCCESS:
            return self.result
        if not self.ready:
            raise ValueError(f"task {self.id} has not finished: it is {self.status}")
        raise TaskFailed(self)

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> TaskResult:
        """Reads a record; fields this client does not know are ignored, a newer ``v`` refused."""
        version = record.get("v", _wire.FORMAT_VERSION)
        if not isinstance(version, int) or version > _wire.FORMAT_VERSION:
            raise ValueError(
                f"result format version {version!r} is newer than this client reads "
                f"({_wire.FORMAT_VERSION}); upgrade the client"
            )
        error = record.get("error")
        return TaskResult(
            id=str(record["id"]),
            status=str(record["status"]),
            task=record.get("task"),
            result=record.get("result"),
            error=(
                TaskError(str(error.get("type", "")), str(error.get("message", "")))
                if isinstance(error, Mapping)
                else None
            ),
            queue=record.get("queue"),
            worker=record.get("worker"),
            attempts=int(record.get("attempts", 0)),
            submitted_at=record.get("submittedAt"),
            started_at=record.get("startedAt"),
            finished_at=record.get("finishedAt"),
            progress=record.get("progress"),
            children=tuple(str(c) for c in record.get("children") or ()),
        )


@dataclass(frozen=True)
class Revoked:
    """What a revocation did: ``revoked`` is False when the task had already finished (its final
    ``status`` then says how), and ``message`` says what happened in words."""

    id: str
    revoked: bool
    status: Optional[str]
    message: str


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
        limit = _wire.seconds("timeout", timeout, allow_none=True)
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
        limit = _wire.seconds("timeout", timeout, allow_none=True)
        deadline = None if limit is None else time.monotonic() + limit
        values = []
        for member in self.results:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            values.append(member.get(timeout=left, propagate=propagate))
        return values
