"""Reads of signals, breaches and affected customers shared by the pages and the API (staff only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from putright.authority.selectors import is_staff_member
from putright.cases.models import Case
from putright.errors import PermissionDenied
from putright.monitoring.models import AffectedCustomer, Signal, SignalBreach, SignalThreshold
from putright.vocab import OPEN_STATUSES


def _require_staff(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see operational signals")


@dataclass(frozen=True)
class SignalFilters:
    name: str = ""
    date_from: date | None = None
    date_to: date | None = None
    breached_only: bool = False


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def breaches_recent(*, user) -> QuerySet:
    """Breaches, newest first, each with its counts of affected and notified customers."""
    _require_staff(user)
    return (
        SignalBreach.objects.select_related("threshold", "problem")
        .annotate(
            affected_count=Count("affected", distinct=True),
            notified_count=Count("affected", filter=Q(affected__notified_at__isnull=False), distinct=True),
        )
        .order_by("-last_breached_at", "-pk")
    )


def signals_recent(*, user, filters: SignalFilters) -> QuerySet:
    _require_staff(user)
    qs = Signal.objects.select_related("sender")
    if filters.name:
        qs = qs.filter(name=filters.name)
    if filters.date_from:
        qs = qs.filter(observed_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(observed_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.breached_only:
        qs = qs.filter(breaches__isnull=False).distinct()
    return qs.annotate(breach_count=Count("breaches", distinct=True)).order_by("-observed_at", "-pk")


def signal_names(*, user) -> list[str]:
    _require_staff(user)
    names = set(Signal.objects.values_list("name", flat=True).distinct()[:200])
    names |= set(SignalThreshold.objects.values_list("measurement", flat=True))
    return sorted(names)


def thresholds(*, user) -> QuerySet:
    _require_staff(user)
    return SignalThreshold.objects.select_related("category").order_by("-enabled", "measurement", "name")


def breach_get_for_user(*, user, pk: int) -> SignalBreach:
    """Raises PermissionDenied for outsiders, SignalBreach.DoesNotExist if absent."""
    _require_staff(user)
    return SignalBreach.objects.select_related(
        "threshold", "threshold__category", "problem", "problem__owner", "notice_requested_by"
    ).get(pk=pk)


def breach_affected(*, breach: SignalBreach) -> list[AffectedCustomer]:
    """The affected customers with, for those not yet told, the open case the notice would go on."""
    rows = list(
        breach.affected.select_related("customer", "case", "message", "notified_by").order_by(
            "customer__name", "pk"
        )
    )
    waiting = {row.email_key for row in rows if row.notified_at is None}
    open_cases: dict[str, Case] = {}
    if waiting:
        for case in (
            Case.objects.annotate(email_key=Lower("customer__email"))
            .filter(email_key__in=waiting, status__in=OPEN_STATUSES)
            .order_by("created_at", "pk")
        ):
            open_cases[case.email_key] = case  # the newest wins
    for row in rows:
        row.open_case = open_cases.get(row.email_key) if row.notified_at is None else row.case
    return rows


def breach_signals(*, breach: SignalBreach, limit: int = 50) -> list[Signal]:
    return list(breach.signals.order_by("-observed_at", "-pk")[:limit])
