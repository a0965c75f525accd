"""Reads that the case page, the deadlines page and the API share, each checking who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Least

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case, Promise
from putright.engines import routes as routes_engine
from putright.errors import PermissionDenied
from putright.regulation import services
from putright.regulation.models import CaseClock
from putright.vocab import OPEN_STATUSES, PromiseStatus

STATE_LABELS = {
    "running": "Running",
    "at_risk": "At risk",
    "missed": "Missed",
    "met": "Met",
    "met_late": "Met late",
    "stopped": "Stopped",
    "ended": "Window ended",
}
STATE_COLOURS = {
    "running": "blue",
    "at_risk": "amber",
    "missed": "red",
    "met": "green",
    "met_late": "amber",
    "stopped": "dark",
    "ended": "grey",
}
WITHIN_CHOICES = [(0, "Due today"), (3, "Within 3 days"), (7, "Within 7 days")]
SHOW_CHOICES = [("all", "Due soon and missed"), ("due", "Due soon"), ("missed", "Missed")]
MAX_WITHIN_DAYS = 60


# A promise still owed: open, at risk, or already broken (then it is overdue, and still owed).
OWED_PROMISE_STATUSES = [PromiseStatus.OPEN, PromiseStatus.AT_RISK, PromiseStatus.BROKEN]


def next_deadline_at() -> Expression:
    """Each case's next deadline, for ``cases.selectors.case_queue(next_deadline=…)``: the earliest due
    time among its running regulatory clocks (not met, not stopped) and the promises still owed; NULL
    when there is none. Summary-resolution windows are left out, as on the deadlines page: they end,
    they cannot be missed. Two correlated subqueries, so a page of cases costs no extra query.
    """
    clock_due = CaseClock.objects.filter(
        case=OuterRef("pk"), met_at__isnull=True, stopped_at__isnull=True, is_window=False
    ).order_by("due_at")
    promise_due = Promise.objects.filter(case=OuterRef("pk"), status__in=OWED_PROMISE_STATUSES).order_by(
        "due_at"
    )
    clock_first = Subquery(clock_due.values("due_at")[:1])
    promise_first = Subquery(promise_due.values("due_at")[:1])
    # LEAST is NULL on SQLite when either side is; coalescing each with the other keeps the one there is.
    return Least(Coalesce(clock_first, promise_first), Coalesce(promise_first, clock_first))


def next_clock_due(case: Case) -> datetime | None:
    """The nearest running clock's due time for one case (not met, not stopped, not a window), or None:
    what a saved reply's ``{next_deadline}`` says."""
    return (
        CaseClock.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True, is_window=False)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def _require_staff(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see deadlines")


def clock_state(row: CaseClock, now: datetime) -> str:
    """Where a clock stands at ``now``: worked out from the row, so it is right between sweeps too."""
    if row.met_at is not None:
        return "met_late" if row.met_at > row.due_at else "met"
    if row.stopped_at is not None:
        return "ended" if row.is_window else "stopped"
    if now > row.due_at:
        return "ended" if row.is_window else "missed"
    if now >= row.warn_at and not row.is_window:
        return "at_risk"
    return "running"


def _decorate(row: CaseClock, now: datetime) -> CaseClock:
    row.state = clock_state(row, now)
    row.state_label = STATE_LABELS[row.state]
    row.colour = STATE_COLOURS[row.state]
    row.is_open = row.state in ("running", "at_risk", "missed")
    return row


def case_clocks(*, user, case: Case, now: datetime | None = None) -> list[CaseClock]:
    """The case's clocks, earliest due first, each with ``state``, ``state_label`` and ``colour``."""
    _require_staff(user)
    now = now or clock.now()
    return [_decorate(row, now) for row in CaseClock.objects.filter(case=case).order_by("due_at", "pk")]


@dataclass(frozen=True)
class DeadlineFilters:
    within_days: int = 7
    scope: str = "team"  # "team" | "mine"
    kind: str = ""
    show: str = "all"  # "all" | "due" | "missed"


def deadlines(*, user, filters: DeadlineFilters, now: datetime | None = None) -> QuerySet:
    """Running deadlines due within ``within_days`` calendar days (0: today) and those already missed.

    Summary-resolution windows are left out: they end, they cannot be missed. Refund and subject
    access clocks stay listed after their case closes, as the duty does.
    """
    _require_staff(user)
    now = now or clock.now()
    within = max(0, min(filters.within_days, MAX_WITHIN_DAYS))
    horizon = services.end_of_day(services.local_day(now) + timedelta(days=within))
    qs = CaseClock.objects.filter(met_at__isnull=True, stopped_at__isnull=True, is_window=False).filter(
        Q(case__status__in=OPEN_STATUSES) | Q(met_by__in=services.OUTLIVE_THE_CASE)
    )
    if filters.show == "missed":
        qs = qs.filter(due_at__lt=now)
    elif filters.show == "due":
        qs = qs.filter(due_at__gte=now, due_at__lte=horizon)
    else:
        qs = qs.filter(due_at__lte=horizon)
    if filters.scope == "mine":
        qs = qs.filter(case__assignee=user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.select_related("case", "case__assignee").order_by("due_at", "pk")


def decorate_page(rows, now: datetime | None = None) -> list[CaseClock]:
    now = now or clock.now()
    return [_decorate(row, now) for row in rows]


def final_letter_draft(
    *,
    actor,
    case: Case,
    reasons: str,
    choices: services.LetterChoices,
    extra_routes: list[str] | tuple[str, ...] = (),
) -> routes_engine.Letter:
    """P5/A6: the customer letter drafted from the rules, for the agent to edit before sending."""
    _require_staff(actor)
    return routes_engine.draft_letter(
        services.letter_input(
            actor=actor, case=case, reasons=reasons, choices=choices, extra_routes=extra_routes
        )
    )
