"""Chains, groups and chords (Celery's canvas), published as one message to ``fennel.workflows``.

The workflow coordinator, which every worker runs, starts the parts and moves the workflow on; see
``docs/workflows.md``. Build the parts from signatures made by :meth:`Fennel.signature`::

    fennel.chord([app.s("fib", 10), app.s("fib", 11)], app.s("sum")).apply_async().get()  # 144
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence, Union

from . import _wire

if TYPE_CHECKING:
    from .client import Fennel
    from .result import AsyncResult

#: Picks the queue of a task that names none: the client's routing table.
Router = Callable[[str], str]


class Signature:
    """One task with its arguments and options, to publish now or as a part of a workflow.

    Made by :meth:`Fennel.signature` (or :meth:`Fennel.s`); :meth:`set` returns a copy with more
    options. ``a | b`` is ``chain(a, b)``.
    """

    def __init__(
        self,
        app: Fennel,
        name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any],
        options: Optional[_wire.Options] = None,
    ):
        self.app = app
        self.name = _wire.require_task_name(name)
        self.args, self.kwargs = _wire.check_args(args, kwargs)
        self.options = options if options is not None else _wire.Options()

    def set(
        self,
        *,
        queue: Optional[str] = None,
        countdown: Optional[float] = None,
        eta: Any = None,
        expires: Any = None,
        max_retries: Optional[int] = None,
        time_limit: Optional[float] = None,
    ) -> Signature:
        """A copy of this signature with these options (the ones of :meth:`Fennel.send_task`)."""
        more = _wire.Options(
            queue=queue,
            countdown=countdown,
            eta=eta,
            expires=expires,
            max_retries=max_retries,
            time_limit=time_limit,
        )
        return Signature(self.app, self.name, self.args, self.kwargs, self.options.merged(more))

    def apply_async(self, *, task_id: Optional[str] = None, confirm: bool = True) -> AsyncResult:
        """Publishes this task alone, as :meth:`Fennel.send_task` does."""
        return self.app._send(self.name, self.args, self.kwargs, self.options, task_id, confirm)

    def delay(self) -> AsyncResult:
        """Publishes this task alone (Celery's shortcut for :meth:`apply_async`)."""
        return self.apply_async()

    def __or__(self, other: Part) -> Chain:
        return chain(self, other)

    def __repr__(self) -> str:
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(arguments)})"

    def _json(self, route: Router, now: float, path: str) -> dict[str, Any]:
        if self.options.countdown is not None:
            raise ValueError(
                f"{path} ({self.name}): a workflow step takes eta, not countdown: a countdown "
                "would count from when the workflow is published, not from when the step starts"
            )
        queue = self.options.queue if self.options.queue is not None else route(self.name)
        return _wire.task_fields(self.name, self.args, self.kwargs, queue, self.options, now)


class _Canvas:
    """What chains, groups and chords share: publishing, and ``|``."""

    def _json(self, route: Router, now: float, path: str) -> dict[str, Any]:
        raise NotImplementedError

    def _signatures(self) -> Iterable[Signature]:
        raise NotImplementedError

    def _check_ids(self, part_id: str) -> None:
        raise NotImplementedError

    def __or__(self, other: Part) -> Chain:
        return chain(self, other)

    def _app(self) -> Fennel:
        for signature in self._signatures():
            return signature.app
        raise ValueError(f"{self!r} has no task to publish")

    def apply_async(self, *, task_id: Optional[str] = None, confirm: bool = True) -> AsyncResult:
        """Publishes this workflow under ``task_id`` (default: a new UUIDv7).

        Returns its result: for a chain an :class:`AsyncResult` of the last step's value, for a
        group a :class:`GroupResult` whose value is the list of the members' values, for a chord a
        :class:`GroupResult` of the header whose value is the callback's.
        """
        assert isinstance(self, (Chain, Group, Chord))
        return self._app()._send_workflow(self, task_id, confirm)

    def delay(self) -> AsyncResult:
        """Publishes this workflow (Celery's shortcut for :meth:`apply_async`)."""
        return self.apply_async()


class Chain(_Canvas):
    """Steps run one after the other; each step's result is prepended to the next step's args."""

    def __init__(self, steps: Sequence[Part]):
        if not steps:
            raise ValueError("a chain needs at least one step")
        self.steps = [_part(step, f"chain step {i}") for i, step in enumerate(steps)]

    def _json(self, route: Router, now: float, path: str) -> dict[str, Any]:
        return {
            "chain": [s._json(route, now, f"{path}.chain[{i}]") for i, s in enumerate(self.steps)]
        }

    def _signatures(self) -> Iterable[Signature]:
        for step in self.steps:
            yield from _signatures(step)

    def _check_ids(self, part_id: str) -> None:
        for i, step in enumerate(self.steps):
            _check_ids(step, _wire.child_id(part_id, str(i)))

    def __or__(self, other: Part) -> Chain:
        return Chain([*self.steps, other])

    def __repr__(self) -> str:
        return " | ".join(repr(step) for step in self.steps)


class Group(_Canvas):
    """Members run in parallel; the result is the list of their results, in member order."""

    def __init__(self, members: Sequence[Part]):
        self.members = [_part(member, f"group member {i}") for i, member in enumerate(members)]

    def _json(self, route: Router, now: float, path: str) -> dict[str, Any]:
        return {
            "group": [m._json(route, now, f"{path}.group[{i}]") for i, m in enumerate(self.members)]
        }

    def _signatures(self) -> Iterable[Signature]:
        for member in self.members:
            yield from _signatures(member)

    def _check_ids(self, part_id: str) -> None:
        for i, member in enumerate(self.members):
            _check_ids(member, _wire.child_id(part_id, str(i)))
        _wire.require_id(_wire.child_id(part_id, "members"), f"the members record of {part_id}")

    def __repr__(self) -> str:
        return f"group({', '.join(repr(m) for m in self.members)})"


class Chord(_Canvas):
    """The header's members run in parallel; once every one is final, the body (callback) runs
    with the list of their results as its first argument. A member that does not succeed fails
    the callback (``ChordError``) without running it."""

    def __init__(self, header: Sequence[Part], body: Part):
        self.header = [_part(member, f"chord member {i}") for i, member in enumerate(header)]
        self.body = _part(body, "chord callback")

    def _json(self, route: Router, now: float, path: str) -> dict[str, Any]:
        return {
            "chord": {
                "group": [
                    m._json(route, now, f"{path}.chord.group[{i}]")
                    for i, m in enumerate(self.header)
                ],
                "callback": self.body._json(route, now, f"{path}.chord.callback"),
            }
        }

    def _signatures(self) -> Iterable[Signature]:
        for member in self.header:
            yield from _signatures(member)
        yield from _signatures(self.body)

    def _check_ids(self, part_id: str) -> None:
        for i, member in enumerate(self.header):
            _check_ids(member, _wire.child_id(part_id, str(i)))
        _check_ids(self.body, _wire.child_id(part_id, "cb"))
        _wire.require_id(_wire.child_id(part_id, "members"), f"the members record of {part_id}")

    def __repr__(self) -> str:
        return f"chord([{', '.join(repr(m) for m in self.header)}], {self.body!r})"


#: A part of a workflow: a task or a nested chain, group or chord.
Part = Union[Signature, Chain, Group, Chord]


def _part(part: object, what: str) -> Part:
    if not isinstance(part, (Signature, Chain, Group, Chord)):
        raise ValueError(
            f"{what} must be a signature (app.s(...)), a chain, a group or a chord, "
            f"was {type(part).__name__}"
        )
    return part


def _signatures(part: Part) -> Iterable[Signature]:
    if isinstance(part, Signature):
        yield part
    else:
        yield from part._signatures()


def _check_ids(part: Part, part_id: str) -> None:
    """Raises ValueError when a part's derived id would be too long to be a task id."""
    if isinstance(part, Signature):
        _wire.require_id(part_id, f"the id derived for step {part.name} of this workflow")
    else:
        part._check_ids(part_id)


def _members(parts: tuple[Any, ...]) -> list[Part]:
    # group(a, b), group([a, b]) and group(x for x in ...) all mean the same, as in Celery.
    if len(parts) == 1 and not isinstance(parts[0], (Signature, Chain, Group, Chord)):
        return list(parts[0])
    return list(parts)


def chain(*steps: Any) -> Chain:
    """Steps one after the other: ``chain(app.s("fib", 10), app.s("echo"))``."""
    return Chain(_members(steps))


def group(*members: Any) -> Group:
    """Members in parallel: ``group(app.s("fib", 5), app.s("fib", 6))`` or ``group([...])``."""
    return Group(_members(members))


def chord(header: Any, body: Part) -> Chord:
    """``header`` (a group or a list of parts) in parallel, then ``body`` with their results."""
    members = header.members if isinstance(header, Group) else list(header)
    return Chord(members, body)


def workflow_message(
    root: Union[Chain, Group, Chord], workflow_id: str, route: Router, now: float
) -> bytes:
    """The value of a ``fennel.workflows`` message (``docs/schemas/workflow.schema.json``)."""
    _wire.require_workflow_id(workflow_id)
    root._check_ids(workflow_id)
    message: dict[str, Any] = {
        "v": _wire.FORMAT_VERSION,
        "id": workflow_id,
        "submittedAt": _wire.iso(now),
    }
    message.update(root._json(route, now, "workflow"))
    return _wire.encode(message, f"workflow {workflow_id}")
