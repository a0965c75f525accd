"""Lifecycle hooks: how the case core tells the rooms above it what happened, without importing them.

The core (``putright.cases.services``) announces each step of a case's life with ``announce(...)``.
Rooms that extend the case (regulation, problems, feedback, monitoring, and later insights,
improvements, surveys) subscribe in their ``AppConfig.ready()``; the core never imports a subscriber.

Each subscriber runs in ``Phase.IN_TRANSACTION``: at once, inside the core's transaction and under the
case row lock. It may record events and add to what the core records (``event_after``), writes in its
summary (``summary_notes``) and tells the customer (``customer_notes``). If it raises, the whole change
rolls back: use it for what must be true together with the change (a regulator's clock starting).

There is deliberately no after-commit phase: work after a commit that failed would fail a request whose
change had already been made (seen under load as a 500 for a report that was in fact recorded). Work for
later is a job, scheduled inside the transaction (``putright.jobs.outbox.later``): it commits with the
change, and the worker does it.

Subscribers of one hook run in the order they subscribed, which is the order of ``INSTALLED_APPS``
(Django calls ``ready()`` in that order); ``tests/test_house.py`` pins the whole list.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar


class Phase(enum.Enum):
    # The only phase, named at each subscription so the reader sees the subscriber runs under the lock.
    IN_TRANSACTION = "in transaction"  # at once, inside the caller's transaction when there is one


@dataclass
class Additions:
    """What in-transaction subscribers may add to the core's own record of the step."""

    event_after: dict[str, Any] = field(default_factory=dict)
    summary_notes: list[str] = field(default_factory=list)
    customer_notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "".join(self.summary_notes)

    def customer(self) -> str:
        return "".join(self.customer_notes)


@dataclass
class CaseReported(Additions):
    """S1: a case was created from a report, before its ``case.reported`` event and acknowledgement."""

    case: Any = None
    actor: Any = None


@dataclass
class CaseClassified:
    """The source kind, category or regulated flag changed (after the ``case.classified`` event)."""

    case: Any
    actor: Any
    became_regulated: bool


@dataclass
class UnderstandingConfirmed:
    """S2: the customer confirmed (or the agent recorded) that we understood the problem."""

    case: Any
    actor: Any


@dataclass
class OptionAgreed(Additions):
    """A1: the customer agreed to the recommended option, before the ``option.agreed`` event."""

    case: Any = None
    option: Any = None
    agreement: Any = None
    actor: Any = None


@dataclass
class CaseDelivered(Additions):
    """A2: the agreed resolution was delivered, before the message asking the customer whether it is
    resolved (``customer_notes`` open it); the case waits for the customer's confirmation."""

    case: Any = None
    actor: Any = None


@dataclass
class SatisfactionRecorded:
    """A5: the customer's answer to "is it resolved?" (after its event, before the case settles)."""

    case: Any
    actor: Any
    resolved: bool
    comment: str
    # The scores given with the answer (None where not asked or not given): CSAT 1–5, CES 1–7, NPS 0–10.
    csat: int | None = None
    ces: int | None = None
    nps: int | None = None


@dataclass
class CaseClosed:
    """A5/A6: the case closed, resolved or not (after its event and the settling of promises)."""

    case: Any
    actor: Any
    resolved: bool
    # Closed as a duplicate of another case (issue 12 §3): no outcome of its own, left out of the metrics.
    duplicate: bool = False
    no_reply: bool = False  # closed as resolved: the customer never answered (asked, reminded once)


@dataclass
class CaseReopened(Additions):
    """A5: back to choosing a resolution after 'not resolved', or (issue 15 §5) from a closed case."""

    case: Any = None
    actor: Any = None
    reason: str = ""
    closed_status: str = ""  # the status it was closed with ("" after 'not resolved': it was never closed)
    by: str = "staff"  # "customer" (on their case link) or "staff"


@dataclass
class CaseRecordRead:
    """The case record is being put together (a read, not a change): rooms add the sections they keep,
    by name, to ``sections``. Subscribers run at once (``IN_TRANSACTION``) and must not write."""

    case: Any
    sections: dict[str, Any] = field(default_factory=dict)


@dataclass
class SweepTick:
    """The worker's periodic sweep. Subscribers do their own periodic work and put their counts in
    ``figures`` (names are ``SweepResult`` fields)."""

    now: datetime
    figures: dict[str, int] = field(default_factory=dict)


HOOKS: tuple[type, ...] = (
    CaseReported,
    CaseClassified,
    UnderstandingConfirmed,
    OptionAgreed,
    CaseDelivered,
    SatisfactionRecorded,
    CaseClosed,
    CaseReopened,
    CaseRecordRead,
    SweepTick,
)

E = TypeVar("E")


@dataclass(frozen=True)
class Subscriber:
    hook: type
    handler: Callable[[Any], None]
    phase: Phase

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscribers: dict[type, list[Subscriber]] = {hook: [] for hook in HOOKS}


def subscribe(hook: type[E], handler: Callable[[E], None], *, phase: Phase) -> None:
    """Run ``handler`` whenever the core announces ``hook``. Called from ``AppConfig.ready()``;
    subscribing the same handler twice (a second ``ready()`` in tests) is ignored."""
    if hook not in _subscribers:
        raise ValueError(f"{hook!r} is not a lifecycle hook")
    if not isinstance(phase, Phase):
        raise TypeError(
            "subscribers run IN_TRANSACTION; work for after the commit is a job (putright.jobs.outbox.later)"
        )
    entry = Subscriber(hook=hook, handler=handler, phase=phase)
    if entry not in _subscribers[hook]:
        _subscribers[hook].append(entry)


def unsubscribe(hook: type, handler: Callable[[Any], None]) -> None:
    """Stop running ``handler`` for ``hook`` (a test's temporary subscriber); unknown ones are ignored."""
    _subscribers[hook][:] = [entry for entry in _subscribers[hook] if entry.handler is not handler]


def subscribers(hook: type) -> list[Subscriber]:
    return list(_subscribers[hook])


def announce(event: E) -> E:
    """Tell every subscriber of ``type(event)``; returns the event with what in-transaction
    subscribers added to it."""
    for entry in _subscribers[type(event)]:
        entry.handler(event)
    return event
