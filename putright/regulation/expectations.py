"""When a customer can expect to hear from us (issue 15 §9), read from their case's running clocks.

The clocks already hold what the organisation owes: a written reply by a time (acknowledgement, first
update, the DISP acknowledgement), the resolution or final response by a date, a refund by a date. The
customer's page says the next of each in plain words, and says so honestly when one has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from putright import clock
from putright.engines.deadlines.regimes import ClockKind, MetBy
from putright.regulation.models import CaseClock

# What the customer is told each kind of clock means.
_WRITE = {MetBy.FIRST_MESSAGE.value, MetBy.LATER_MESSAGE.value}
_RESOLVE_KINDS = {
    ClockKind.RESOLVE.value,
    ClockKind.DISP_FINAL.value,
    ClockKind.DISP_PAYMENT_FINAL.value,
    ClockKind.DISP_PAYMENT_EXCEPTIONAL.value,
}
_REFUND_KINDS = {ClockKind.REFUND.value, ClockKind.CANCELLATION_REFUND.value}


@dataclass(frozen=True)
class Expectation:
    kind: str  # "write" | "resolve" | "refund"
    due_at: datetime
    late: bool


def next_from_us(case, now: datetime | None = None) -> list[Expectation]:
    """The earliest running commitment of each kind the customer cares about (write, resolve, refund), in
    that order; empty when nothing is running (a closed case, or a case with no clocks). One query."""
    now = now or clock.now()
    rows = CaseClock.objects.filter(
        case=case, met_at__isnull=True, stopped_at__isnull=True, is_window=False
    ).order_by("due_at", "pk")
    first: dict[str, Expectation] = {}
    for row in rows.only("kind", "met_by", "due_at"):
        if row.met_by in _WRITE:
            kind = "write"
        elif row.kind in _RESOLVE_KINDS:
            kind = "resolve"
        elif row.kind in _REFUND_KINDS:
            kind = "refund"
        else:
            continue  # a subject access request is answered on its own, not on the case page
        first.setdefault(kind, Expectation(kind, row.due_at, row.due_at < now))
    return [first[k] for k in ("write", "resolve", "refund") if k in first]
