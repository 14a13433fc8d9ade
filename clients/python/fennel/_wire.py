"""Fennel's wire format as the Java client writes it: ids, names, instants and task messages.

Pure functions with no I/O, so that every rule of ``docs/schemas`` and ``docs/versioning.md`` that
this client follows is in one place and tested without a broker.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import time
from typing import Any, Mapping, Optional, Sequence

#: The format version this client writes (``v``), as ``Task.FORMAT_VERSION`` in Java.
FORMAT_VERSION = 1

#: The longest task id, in characters.
MAX_ID_LENGTH = 128

#: The queue a task goes to when neither the call nor the routing table names one.
DEFAULT_QUEUE = "default"

#: The default topic prefix.
DEFAULT_PREFIX = "fennel."

#: The largest ``maxRetries`` a worker reads (a Java ``int``).
MAX_RETRIES_LIMIT = 2**31 - 1

_ID = re.compile(r"[A-Za-z0-9._:@+=-]{1,128}")
_QUEUE = re.compile(r"[a-z0-9_-]{1,64}")
_PREFIX = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.")


def new_id() -> str:
    """A new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the version, then 74 random bits."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    # 12 random bits after the version nibble, the variant (0b10), then 62 random bits.
    value = (
        (millis & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (rand >> 68 & 0xFFF) << 64
        | 0b10 << 62
        | rand & 0x3FFF_FFFF_FFFF_FFFF
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _abbreviate(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def require_id(task_id: object, what: str = "task id") -> str:
    """Returns ``task_id`` if it can name a task: 1 to 128 of ``A-Z a-z 0-9 . _ : @ + = -``."""
    if not isinstance(task_id, str):
        raise ValueError(f"{what} must be a string, was {type(task_id).__name__}")
    if not task_id:
        raise ValueError(f"{what} is empty")
    if len(task_id) > MAX_ID_LENGTH:
        raise ValueError(f"{what} is {len(task_id)} characters long; the limit is {MAX_ID_LENGTH}")
    if not _ID.fullmatch(task_id):
        raise ValueError(
            f"{what} '{_abbreviate(task_id)}' has characters outside A-Z a-z 0-9 . _ : @ + = -"
        )
    return task_id


def require_plain_id(task_id: object) -> str:
    """Returns ``task_id`` if a task of its own may be published under it: a task id without ``@``.

    ``@`` marks the parts of workflows, which only the coordinator publishes; a worker dead-letters
    a task whose id has it (docs/workflows.md), as the Java client refuses one.
    """
    checked = require_id(task_id)
    if "@" in checked:
        raise ValueError(
            f"task id '{_abbreviate(checked)}' has '@', which only the parts of workflows carry "
            "(a worker would dead-letter it): choose an id without '@', or publish a workflow"
        )
    return checked


def require_workflow_id(workflow_id: object) -> str:
    """Returns ``workflow_id`` if it can name a workflow: a task id without ``@``."""
    checked = require_id(workflow_id, "workflow id")
    if "@" in checked:
        raise ValueError(
            f"workflow id '{_abbreviate(checked)}' contains '@', which separates a workflow id "
            "from the ids of its parts"
        )
    return checked


def require_queue(queue: object) -> str:
    """Returns ``queue`` if it can name a queue: 1 to 64 of ``a-z 0-9 _ -``."""
    if not isinstance(queue, str) or not _QUEUE.fullmatch(queue):
        raise ValueError(
            f"queue name {queue!r} must be 1 to 64 of a-z 0-9 _ - (e.g. high, default, low)"
        )
    return queue


def require_prefix(prefix: object) -> str:
    """Returns ``prefix`` if it can prefix topic names, e.g. ``fennel.``."""
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"topic prefix {prefix!r} must be letters, digits, '_' or '-' in dot-separated "
            "parts, ending with a dot (e.g. 'fennel.')"
        )
    return prefix


def require_task_name(name: object) -> str:
    """Returns ``name`` if it can name a task: a string that is not blank."""
    if not isinstance(name, str):
        raise ValueError(f"task name must be a string, was {type(name).__name__}")
    if not name.strip():
        raise ValueError("task name is blank")
    return name


def queue_topic(prefix: str, queue: str) -> str:
    """The topic of a queue, e.g. ``fennel.tasks.high``."""
    return prefix + "tasks." + require_queue(queue)


def workflows_topic(prefix: str) -> str:
    """The topic the coordinator reads workflows from, ``fennel.workflows``."""
    return prefix + "workflows"


def iso(epoch_seconds: float) -> str:
    """An instant as ISO-8601 UTC with milliseconds, e.g. ``2026-11-27T23:31:57.180Z``."""
    millis = round(epoch_seconds * 1000)
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, was {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number of seconds, was {value}")
    return number


def _instant(name: str, value: object) -> float:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be a datetime with a time zone, was {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a datetime with a time zone, e.g. datetime.now(timezone.utc); "
            f"{value.isoformat()} has none"
        )
    return value.timestamp()


class Options:
    """The per-task options a caller may give, checked once; every field may be None.

    ``eta`` and ``expires`` are Unix seconds here; ``countdown`` stays relative until the task is
    published, and ``expires_in`` (Celery's ``expires=<seconds>``) too.
    """

    __slots__ = (
        "queue",
        "eta",
        "countdown",
        "expires",
        "expires_in",
        "max_retries",
        "time_limit",
        "result_ttl",
    )

    def __init__(
        self,
        *,
        queue: object = None,
        countdown: object = None,
        eta: object = None,
        expires: object = None,
        max_retries: object = None,
        time_limit: object = None,
        result_ttl: object = None,
    ) -> None:
        self.queue: Optional[str] = None if queue is None else require_queue(queue)
        if countdown is not None and eta is not None:
            raise ValueError("give eta or countdown, not both")
        self.countdown: Optional[float] = None
        if countdown is not None:
            self.countdown = _number("countdown", countdown)
            if self.countdown < 0:
                raise ValueError(f"countdown must not be negative, was {countdown}")
        self.eta: Optional[float] = None if eta is None else _instant("eta", eta)
        self.expires: Optional[float] = None
        self.expires_in: Optional[float] = None
        if isinstance(expires, dt.datetime):
            self.expires = _instant("expires", expires)
        elif expires is not None:
            if isinstance(expires, bool) or not isinstance(expires, (int, float)):
                raise ValueError(
                    "expires must be a datetime with a time zone or a number of seconds from "
                    f"now, was {type(expires).__name__}"
                )
            self.expires_in = _number("expires", expires)
            if self.expires_in < 0:
                raise ValueError(f"expires must not be negative seconds, was {expires}")
        self.max_retries: Optional[int] = None
        if max_retries is not None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int):
                raise ValueError(
                    f"max_retries must be a whole number, was {type(max_retries).__name__}"
                )
            if not 0 <= max_retries <= MAX_RETRIES_LIMIT:
                raise ValueError(
                    f"max_retries must be between 0 and {MAX_RETRIES_LIMIT}, was {max_retries}"
                )
            self.max_retries = max_retries
        self.time_limit: Optional[float] = None
        if time_limit is not None:
            self.time_limit = _number("time_limit", time_limit)
            if self.time_limit <= 0:
                raise ValueError(
                    f"time_limit must be a positive number of seconds, was {time_limit}"
                )
        self.result_ttl: Optional[float] = None
        if result_ttl is not None:
            self.result_ttl = _number("result_ttl", result_ttl)
            if self.result_ttl < 0:
                raise ValueError(
                    "result_ttl must be a positive number of seconds, or 0 to keep the result "
                    f"forever, was {result_ttl}"
                )

    def merged(self, other: Options) -> Options:
        """These options with every field that ``other`` sets taken from ``other``."""
        merged = Options()
        for slot in Options.__slots__:
            mine, theirs = getattr(self, slot), getattr(other, slot)
            setattr(merged, slot, theirs if theirs is not None else mine)
        if other.eta is not None:
            merged.countdown = None
        if other.countdown is not None:
            merged.eta = None
        if other.expires is not None:
            merged.expires_in = None
        if other.expires_in is not None:
            merged.expires = None
        return merged


def check_args(args: object, kwargs: object) -> tuple[list[Any], dict[str, Any]]:
    """Positional arguments as a list and named ones as a dict, or ValueError naming the problem."""
    if args is None:
        arg_list: list[Any] = []
    elif isinstance(args, (list, tuple)):
        arg_list = list(args)
    else:
        raise ValueError(f"args must be a list or a tuple, was {type(args).__name__}")
    if kwargs is None:
        kwarg_dict: dict[str, Any] = {}
    elif isinstance(kwargs, Mapping):
        kwarg_dict = dict(kwargs)
        for key in kwarg_dict:
            if not isinstance(key, str):
                raise ValueError(f"kwargs keys must be strings, found {key!r}")
    else:
        raise ValueError(f"kwargs must be a dict, was {type(kwargs).__name__}")
    return arg_list, kwarg_dict


def task_fields(
    name: str,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    queue: str,
    options: Options,
    now: float,
) -> dict[str, Any]:
    """The fields of a task (or workflow step) other than ``v``, ``id`` and ``submittedAt``.

    Only what differs from the defaults is written, as the Java client's workflow steps do.
    """
    fields: dict[str, Any] = {"task": name}
    if args:
        fields["args"] = list(args)
    if kwargs:
        fields["kwargs"] = dict(kwargs)
    fields["queue"] = queue
    eta = options.eta if options.countdown is None else now + options.countdown
    if eta is not None:
        fields["eta"] = iso(eta)
    expires = options.expires if options.expires_in is None else now + options.expires_in
    if expires is not None:
        fields["expires"] = iso(expires)
    if options.max_retries:
        fields["maxRetries"] = options.max_retries
    if options.time_limit is not None:
        fields["timeLimit"] = options.time_limit
    if options.result_ttl is not None:
        fields["resultTtl"] = options.result_ttl
    return fields


def encode(message: Mapping[str, Any], what: str) -> bytes:
    """``message`` as compact UTF-8 JSON; ValueError when a value cannot be JSON."""
    try:
        return json.dumps(
            message, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} cannot be written as JSON: {e}") from e


def delay_reason(options: Options) -> Optional[str]:
    """Why a task sent with ``options`` waits, for ``GET /scheduled``; None when it does not.

    The values the Java client writes (``DelayReasons``): ``countdown`` for a countdown (sent as
    an eta), ``eta`` for an eta. Only a task sent on its own says it: a workflow step takes an eta
    only, and the coordinator publishes it.
    """
    if options.countdown is not None:
        return "countdown"
    if options.eta is not None:
        return "eta"
    return None


def task_message(
    task_id: str,
    name: str,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    queue: str,
    options: Options,
    now: float,
) -> bytes:
    """The value of a queue message (``docs/schemas/task.schema.json``)."""
    message: dict[str, Any] = {"v": FORMAT_VERSION, "id": task_id}
    message.update(task_fields(name, args, kwargs, queue, options, now))
    reason = delay_reason(options)
    if reason is not None:
        message["delayReason"] = reason
    message["submittedAt"] = iso(now)
    return encode(message, f"task {task_id} ({name})")


def child_id(parent: str, segment: str) -> str:
    """The id of the part of ``parent`` at ``segment``: ``wf@0``, ``wf@0.1``, ``wf@cb``."""
    return parent + ("@" if "@" not in parent else ".") + segment


def seconds(name: str, value: object, allow_none: bool = False) -> Optional[float]:
    """``value`` as seconds, or ValueError naming ``name``; None passes when ``allow_none``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, was {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds, 0 or more, was {value}")
    return float(value)
