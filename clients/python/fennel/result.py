"""Result records as the results API serves them (``docs/schemas/result.schema.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ._wire import FORMAT_VERSION
from .errors import TaskFailed

#: Not known yet: published and not finished, or never published. Only the API answers this.
PENDING = "PENDING"
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
_NOT_FINAL = frozenset({PENDING, RETRY})


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
        version = record.get("v", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"result format version {version!r} is newer than this client reads "
                f"({FORMAT_VERSION}); upgrade the client"
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
        )


@dataclass(frozen=True)
class Revoked:
    """What a revocation did: ``revoked`` is False when the task had already finished (its final
    ``status`` then says how), and ``message`` says what happened in words."""

    id: str
    revoked: bool
    status: Optional[str]
    message: str
