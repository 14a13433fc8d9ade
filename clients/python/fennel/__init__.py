"""Fennel's Python client: publish tasks and workflows to Kafka, read their results.

::

    import fennel

    app = fennel.Fennel(bootstrap="localhost:9092", api="http://127.0.0.1:8080")
    r = app.send_task("fib", args=[20])
    r.get(timeout=10)                      # 6765

Celery's names where the meaning is the same; see ``clients/python/README.md``.
"""

from .canvas import Chain, Chord, Group, Signature, chain, chord, group
from .client import Fennel
from .errors import ApiError, AuthError, FennelError, PublishError, TaskFailed, TimeoutError
from .result import (
    EXPIRED,
    FAILURE,
    PENDING,
    RETRY,
    REVOKED,
    STARTED,
    SUCCESS,
    AsyncResult,
    GroupResult,
    Revoked,
    TaskError,
    TaskResult,
)

__all__ = [
    "ApiError",
    "AsyncResult",
    "AuthError",
    "Chain",
    "Chord",
    "EXPIRED",
    "FAILURE",
    "Fennel",
    "FennelError",
    "Group",
    "GroupResult",
    "PENDING",
    "PublishError",
    "RETRY",
    "REVOKED",
    "Revoked",
    "STARTED",
    "SUCCESS",
    "Signature",
    "TaskError",
    "TaskFailed",
    "TaskResult",
    "TimeoutError",
    "chain",
    "chord",
    "group",
]

__version__ = "0.1.0"
