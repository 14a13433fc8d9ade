"""What the client raises. Bad input is a plain :class:`ValueError`, raised before anything is sent."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .result import TaskResult


class FennelError(Exception):
    """The base of every error of this client other than :class:`ValueError`."""


class PublishError(FennelError):
    """Kafka did not take a task, a workflow or a revocation: refused, or not reachable in time."""


class ApiError(FennelError):
    """The results API could not be reached, or answered with an error.

    ``status`` is the HTTP status (None when no answer came); ``error`` the API's error code
    (``bad_request``, ``not_ready``, …) when it sent one.
    """

    def __init__(self, message: str, status: Optional[int] = None, error: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.error = error


class AuthError(ApiError):
    """The results API answered 401: it needs a token, or not the one this client sent."""


class TimeoutError(FennelError, builtins.TimeoutError):
    """No final result within the time asked for. Also a built-in :class:`TimeoutError`."""


class TaskFailed(FennelError):
    """A task ended without a value: ``FAILURE``, ``EXPIRED``, ``REVOKED``, or a final status this
    client does not know.

    ``type`` and ``message`` are the task's error as the worker wrote it (e.g. ``TaskFailed``,
    ``BadArguments``, ``TimeLimitExceeded``, ``Revoked``); ``result`` is the whole record.
    """

    def __init__(self, result: TaskResult):
        error = result.error
        self.task_id = result.id
        self.task = result.task
        self.status = result.status
        self.type = error.type if error is not None else result.status
        self.message = (
            error.message
            if error is not None
            else f"the task ended with status {result.status}, which this client does not know "
            "(a newer worker wrote it); upgrade the client to read it"
        )
        self.result = result
        super().__init__(
            f"task {result.id}"
            + (f" ({result.task})" if result.task else "")
            + f" {self.status}: {self.type}: {self.message}"
        )
