"""The metrics of the catalogue computed by the database (issue 13 §2): ``measure`` is the one way in.

``measure(metric_id, start=, end=, filters=, group_by=)`` answers a ``Measurement`` whose rows are the
total (group "") and, with ``group_by``, one row per value of each dimension (``dimension=value``). The
dashboards, the exports, the API and the improvement baselines all read these rows. Every figure is an
aggregate query (COUNT/SUM with filters, window functions for percentiles): no Python loop over cases,
and a bounded number of queries whatever the number of cases.

The figures about cases read the rollup of case facts (``insights.rollup``: one row per case, brought up
to date at the start of every measurement, so never stale); promises, clocks, approvals and options are
read from their own tables. The querysets over the cases themselves (``cases_opened``…, ``escalated``…)
stay: the click-through lists the cases behind a figure from them, and the tests hold the rollup to them.

Closed duplicates are left out of every metric. 'Resolved, no reply' is never counted as a resolution
the customer confirmed: it has its own outcome rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum, Value
from django.utils import timezone

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Approval, Escalation
from putright.cases.models import Case, Option, Promise
from putright.channels.models import Message
from putright.engines import metrics as catalogue
from putright.engines.metrics import Dimension, Metric, Period, Unit, with_statistic
from putright.engines.metrics.catalogue import (
    CLOSED_IN_PERIOD,
    MEDIAN_BUSINESS_DAYS,
    P90_BUSINESS_DAYS,
    P90_HOURS,
    PREVIOUS_PERIOD,
    RESPONSE_RATE,
)
from putright.insights import rollup, sql
from putright.insights.calendar import calendar_ensure, region
from putright.insights.models import CaseFact, InsightsSettings
from putright.insights.sql import Filters, label
from putright.problems.models import ProblemCase
from putright.regulation.models import CaseClock
from putright.vocab import CLOSED_STATUSES, OptionStatus, PromiseStatus, SourceKind, Status

EXAMPLES = 5
CLOSED_COUNTED = [s for s in CLOSED_STATUSES if s != Status.CLOSED_DUPLICATE]


class UnknownMetric(KeyError):
    pass


@dataclass(frozen=True)
class Row:
    group: str
    value: float | int | None
    numerator: int | None
    denominator: int | None


@dataclass(frozen=True)
class Measurement:
    metric_id: str
    unit: str
    period_start: date
    period_end: date
    rows: list[Row]


@dataclass(frozen=True)
class Context:
    metric: Metric
    period: Period
    lo: datetime
    hi: datetime
    filters: Filters
    now: datetime
    region: str
    repeat_days: int
    reopen_days: int
    using: str
    # measure(bucket=…): the length of a part of the period in days (0: not asked).
    bucket_days: int = 0


def _round(value: float | Decimal | int | None, unit: Unit) -> float | int | None:
    if value is None:
        return None
    if unit is Unit.COUNT:
        return int(value)
    return round(float(value), 4 if unit is Unit.RATE else 2)


def _row(ctx: Context, group: str, value, numerator, denominator, unit: Unit | None = None) -> Row:
    return Row(group, _round(value, unit or ctx.metric.unit), numerator, denominator)


def _grouped(
    ctx: Context, qs: QuerySet, dim: str | None, prefix: str = "", **aggregates
) -> list[tuple[str, dict]]:
    """One query: the aggregates for the total (``dim`` None) or per value of the dimension."""
    if dim is None:
        return [("", qs.aggregate(**aggregates))]
    if dim == sql.BUCKET:
        expression = _bucket(ctx)
    elif dim == Dimension.REGIME:
        expression = sql.regime_expression()
    elif dim == Dimension.REMEDY_TYPE:
        expression = F("remedy_type")
    else:
        expression = sql.dimension_expression(dim, prefix, at=ctx.hi)
    rows = qs.annotate(g=expression).values("g").annotate(**aggregates).order_by()
    return sorted(((label(dim, r["g"]), r) for r in rows), key=lambda item: item[0])


def _bucket(ctx: Context):
    """The part of the period a row belongs to, by the moment that puts it in the period."""
    return sql.bucket_expression(MOMENT[ctx.metric.id], ctx.period.start, ctx.period.end, ctx.bucket_days)


def _cases(ctx: Context) -> QuerySet:
    return sql.apply_filters(Case.objects.using(ctx.using), ctx.filters)


def _opened(ctx: Context) -> QuerySet:
    return _cases(ctx).filter(created_at__gte=ctx.lo, created_at__lt=ctx.hi)


def _closed(ctx: Context, statuses=CLOSED_COUNTED) -> QuerySet:
    return _cases(ctx).filter(status__in=statuses, closed_at__gte=ctx.lo, closed_at__lt=ctx.hi)


def _facts(ctx: Context) -> QuerySet:
    """The rollup's rows in scope: the same filter as ``_cases``, on the same column names."""
    return sql.apply_filters(CaseFact.objects.using(ctx.using), ctx.filters)


def _f_opened(ctx: Context) -> QuerySet:
    return _facts(ctx).filter(created_at__gte=ctx.lo, created_at__lt=ctx.hi)


def _f_closed(ctx: Context, statuses=CLOSED_COUNTED) -> QuerySet:
    return _facts(ctx).filter(status__in=statuses, closed_at__gte=ctx.lo, closed_at__lt=ctx.hi)


def _f_asked(ctx: Context) -> QuerySet:
    return _facts(ctx).filter(satisfaction_asked_at__gte=ctx.lo, satisfaction_asked_at__lt=ctx.hi)


def _rate_rows(ctx: Context, grouped: list[tuple[str, dict]], num: str, den: str) -> list[Row]:
    return [
        _row(ctx, g, catalogue.ratio(r[num] or 0, r[den] or 0), r[num] or 0, r[den] or 0) for g, r in grouped
    ]


# ---------------------------------------------------------------- counts and rates of cases


def volume(ctx: Context, dim: str | None) -> list[Row]:
    return [_row(ctx, g, r["n"], r["n"], None) for g, r in _grouped(ctx, _f_opened(ctx), dim, n=Count("pk"))]


def escalated() -> Q:
    """A case that was escalated (the numerator of ``escalation_rate``)."""
    return Q(Exists(Escalation.objects.filter(case=OuterRef("pk"))))


def linked_to_problem() -> Q:
    """A case linked to a problem (the numerator of ``repeated_problem_share``)."""
    return Q(Exists(ProblemCase.objects.filter(case=OuterRef("pk"), unlinked_at__isnull=True)))


def escalation_rate(ctx: Context, dim: str | None) -> list[Row]:
    grouped = _grouped(ctx, _f_opened(ctx), dim, n=Count("pk"), k=Count("pk", filter=Q(escalated=True)))
    return _rate_rows(ctx, grouped, "k", "n")


def repeated_problem_share(ctx: Context, dim: str | None) -> list[Row]:
    grouped = _grouped(
        ctx, _f_opened(ctx), dim, n=Count("pk"), k=Count("pk", filter=Q(linked_to_problem=True))
    )
    return _rate_rows(ctx, grouped, "k", "n")


def contacted_again(ctx: Context) -> Q:
    """A closed case whose customer wrote again (on the case or in a new one) within the repeat-contact
    window: what keeps it out of ``first_contact_resolution``'s numerator."""
    window = timedelta(days=ctx.repeat_days)
    wrote_again = Exists(
        Message.objects.filter(
            case=OuterRef("pk"),
            direction=Message.Direction.INBOUND,
            created_at__gt=OuterRef("closed_at"),
            created_at__lte=OuterRef("closed_at") + window,
        )
    )
    came_back = Exists(
        Case.objects.filter(
            customer=OuterRef("customer"),
            created_at__gt=OuterRef("closed_at"),
            created_at__lte=OuterRef("closed_at") + window,
        )
    )
    return Q(wrote_again) | Q(came_back)


def _f_contacted_again(ctx: Context) -> Q:
    """``contacted_again`` on the rollup: the first contact after closing, within the window."""
    return Q(contact_gap__lte=timedelta(days=ctx.repeat_days))


def first_contact_resolution(ctx: Context, dim: str | None) -> list[Row]:
    qs = _f_closed(ctx, [Status.CLOSED_RESOLVED])
    grouped = _grouped(ctx, qs, dim, n=Count("pk"), again=Count("pk", filter=_f_contacted_again(ctx)))
    return [
        _row(ctx, g, catalogue.ratio(r["n"] - r["again"], r["n"]), r["n"] - r["again"], r["n"])
        for g, r in grouped
    ]


def reopened(ctx: Context) -> Q:
    """A case reopened within the window after it was put right (a 'delivered' event: the action plan
    done, the customer asked whether it is resolved): the numerator of ``reopen_rate``."""
    window = timedelta(days=ctx.reopen_days)
    put_right_shortly_before = Exists(
        Event.objects.filter(
            case=OuterRef("case"),
            kind="case.delivered",
            created_at__lte=OuterRef("created_at"),
            created_at__gte=OuterRef("created_at") - window,
        )
    )
    return Q(
        Exists(
            Event.objects.filter(case=OuterRef("pk"), kind="case.reopened").filter(put_right_shortly_before)
        )
    )


def reopen_rate(ctx: Context, dim: str | None) -> list[Row]:
    reopened_in_window = Q(reopen_gap__lte=timedelta(days=ctx.reopen_days))
    grouped = _grouped(ctx, _f_closed(ctx), dim, n=Count("pk"), k=Count("pk", filter=reopened_in_window))
    return _rate_rows(ctx, grouped, "k", "n")


# ---------------------------------------------------------------- durations (median and 90th percentile)


def _duration_rows(
    ctx: Context,
    qs: QuerySet,
    dim: str | None,
    start: str,
    end: str,
    prefix: str = "",
    *,
    hours: str = "",
    days: str = "",
) -> list[Row]:
    """Medians and 90th percentiles per group: of the rollup's ``hours`` and ``days`` columns when given,
    else worked out from the ``start`` and ``end`` moments."""
    if hours:
        qs = qs.annotate(x=F(hours), y=F(days))
    else:
        qs = qs.annotate(
            x=sql.EpochSeconds(F(end), F(start)) / 3600.0,
            y=sql.business_days(end, start, ctx.region),
        )
    if dim is None:
        qs = qs.annotate(g=Value(""))
    elif dim == sql.BUCKET:
        qs = qs.annotate(g=_bucket(ctx))
    elif dim == Dimension.REGIME:
        qs = qs.annotate(g=sql.regime_expression())
    else:
        qs = qs.annotate(g=sql.dimension_expression(dim, prefix, at=ctx.hi))
    found = sql.percentiles(qs, using=ctx.using)
    groups = sorted(((label(dim, g), figures) for g, figures in found.items()), key=lambda item: item[0])
    if dim is None and not groups:
        groups = [("", {})]
    rows: list[Row] = []
    for g, figures in groups:
        rows.append(_row(ctx, g, figures.get("x50"), None, None, Unit.HOURS))
        rows.append(
            _row(
                ctx,
                with_statistic(g, P90_HOURS),
                figures.get("x90"),
                None,
                None,
                Unit.HOURS,
            )
        )
        rows.append(
            _row(
                ctx,
                with_statistic(g, MEDIAN_BUSINESS_DAYS),
                figures.get("y50"),
                None,
                None,
                Unit.BUSINESS_DAYS,
            )
        )
        rows.append(
            _row(
                ctx,
                with_statistic(g, P90_BUSINESS_DAYS),
                figures.get("y90"),
                None,
                None,
                Unit.BUSINESS_DAYS,
            )
        )
    return rows


def acknowledged_at():
    """The first message or logged contact by a person: a message to the customer written by a colleague
    (the automatic 'we have your report' and other automatic updates are ``automatic``), or the report
    itself when a colleague logged the customer's call or visit (they spoke to them then). The rollup
    keeps it per case (``CaseFact.ack_at``)."""
    return rollup.acknowledged_at()


def time_to_acknowledge(ctx: Context, dim: str | None) -> list[Row]:
    return _duration_rows(ctx, _f_opened(ctx), dim, "", "", hours="ack_hours", days="ack_days")


def time_to_resolve(ctx: Context, dim: str | None) -> list[Row]:
    statuses = CLOSED_COUNTED if dim == Dimension.OUTCOME else [Status.CLOSED_RESOLVED]
    qs = _f_closed(ctx, statuses)
    return _duration_rows(ctx, qs, dim, "", "", hours="resolve_hours", days="resolve_days")


def approval_turnaround(ctx: Context, dim: str | None) -> list[Row]:
    qs = sql.apply_filters(Approval.objects.using(ctx.using), ctx.filters, "case__").filter(
        status__in=[Approval.Status.APPROVED, Approval.Status.REJECTED],
        decided_at__gte=ctx.lo,
        decided_at__lt=ctx.hi,
    )
    return _duration_rows(ctx, qs, dim, "created_at", "decided_at", "case__")


# ---------------------------------------------------------------- satisfaction


def _asked(ctx: Context) -> QuerySet:
    return _cases(ctx).filter(satisfaction_asked_at__gte=ctx.lo, satisfaction_asked_at__lt=ctx.hi)


def _score_rows(
    ctx: Context, grouped, value_of: Callable[[dict], float | None], num: str, den: str
) -> list[Row]:
    rows: list[Row] = []
    for g, r in grouped:
        answered = r[den] or 0
        too_few = answered < ctx.metric.min_answers
        rows.append(_row(ctx, g, None if too_few or not answered else value_of(r), r[num] or 0, answered))
        rows.append(
            _row(
                ctx,
                with_statistic(g, RESPONSE_RATE),
                catalogue.ratio(answered, r["asked"] or 0),
                answered,
                r["asked"] or 0,
                Unit.RATE,
            )
        )
    return rows


def csat(ctx: Context, dim: str | None) -> list[Row]:
    grouped = _grouped(
        ctx,
        _f_asked(ctx),
        dim,
        asked=Count("pk"),
        answered=Count("csat"),
        satisfied=Count("pk", filter=Q(csat__gte=4)),
    )
    return _score_rows(ctx, grouped, lambda r: r["satisfied"] / r["answered"], "satisfied", "answered")


def ces(ctx: Context, dim: str | None) -> list[Row]:
    grouped = _grouped(ctx, _f_asked(ctx), dim, asked=Count("pk"), answered=Count("ces"), total=Sum("ces"))
    return _score_rows(ctx, grouped, lambda r: r["total"] / r["answered"], "total", "answered")


def nps(ctx: Context, dim: str | None) -> list[Row]:
    grouped = _grouped(
        ctx,
        _f_asked(ctx),
        dim,
        asked=Count("pk"),
        answered=Count("nps"),
        promoters=Count("pk", filter=Q(nps__gte=9)),
        detractors=Count("pk", filter=Q(nps__lte=6)),
    )
    for _, r in grouped:
        r["net"] = (r["promoters"] or 0) - (r["detractors"] or 0)
    return _score_rows(ctx, grouped, lambda r: 100.0 * r["net"] / r["answered"], "net", "answered")


def service_recovery(ctx: Context, dim: str | None) -> list[Row]:
    qs = _f_asked(ctx).filter(status=Status.CLOSED_RESOLVED)
    grouped = _grouped(ctx, qs, dim, answered=Count("csat"), satisfied=Count("pk", filter=Q(csat__gte=4)))
    rows = []
    for g, r in grouped:
        answered = r["answered"] or 0
        value = None if answered < ctx.metric.min_answers else r["satisfied"] / answered
        rows.append(_row(ctx, g, value, r["satisfied"] or 0, answered))
    if dim is None:
        # The surveys issue adds the satisfaction of customers who never complained; until then, say so.
        rows.append(Row("baseline=none_yet", None, None, None))
    return rows


# ---------------------------------------------------------------- promises, clocks, approvals


def promises_kept(ctx: Context, dim: str | None) -> list[Row]:
    qs = sql.apply_filters(Promise.objects.using(ctx.using), ctx.filters, "case__").filter(
        due_at__gte=ctx.lo, due_at__lt=min(ctx.hi, ctx.now)
    )
    qs = qs.exclude(status=PromiseStatus.WITHDRAWN)
    grouped = _grouped(
        ctx, qs, dim, "case__", n=Count("pk"), k=Count("pk", filter=Q(status=PromiseStatus.KEPT))
    )
    return _rate_rows(ctx, grouped, "k", "n")


def deadline_compliance(ctx: Context, dim: str | None) -> list[Row]:
    qs = sql.apply_filters(CaseClock.objects.using(ctx.using), ctx.filters, "case__").filter(
        kind__in=list(sql.REGIME_OF),
        is_window=False,
        stopped_at__isnull=True,
        due_at__gte=ctx.lo,
        due_at__lt=ctx.hi,
    )
    # Due: met (in time or late), or its time has passed.
    qs = qs.filter(Q(met_at__isnull=False) | Q(due_at__lt=ctx.now))
    grouped = _grouped(
        ctx,
        qs,
        dim,
        "case__",
        n=Count("pk"),
        k=Count("pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
    )
    return _rate_rows(ctx, grouped, "k", "n")


# ---------------------------------------------------------------- outcomes and money


def unresolved_outcomes(ctx: Context, dim: str | None) -> list[Row]:
    closed = _f_closed(ctx)
    unresolved = Q(status=Status.CLOSED_UNRESOLVED)
    if dim not in (Dimension.REASON, Dimension.ROUTE):
        grouped = _grouped(ctx, closed, dim, n=Count("pk"), k=Count("pk", filter=unresolved))
        return [_row(ctx, g, r["k"] or 0, r["k"] or 0, r["n"] or 0) for g, r in grouped]
    total_closed = closed.count()
    if dim == Dimension.REASON:
        grouped = _grouped(ctx, closed.filter(unresolved), dim, k=Count("pk"))
        return [_row(ctx, g, r["k"], r["k"], total_closed) for g, r in grouped]
    inner, params = (
        _closed(ctx)
        .filter(unresolved)
        .annotate(rid=F("pk"), routes=F("other_routes"))
        .values("rid", "routes")
        .query.get_compiler(using=ctx.using)
        .as_sql()
    )
    if connections[ctx.using].vendor == "postgresql":
        query = (
            f"SELECT route, COUNT(DISTINCT base.rid) FROM ({inner}) base "
            "CROSS JOIN LATERAL jsonb_array_elements_text(base.routes) AS route GROUP BY route"
        )
    else:
        query = f"SELECT je.value, COUNT(DISTINCT base.rid) FROM ({inner}) base, json_each(base.routes) je GROUP BY je.value"
    with connections[ctx.using].cursor() as cursor:
        cursor.execute(query, params)
        found = sorted((label(dim, route), int(n)) for route, n in cursor.fetchall())
    return [_row(ctx, g, n, n, total_closed) for g, n in found]


def upheld(ctx: Context, dim: str | None) -> list[Row]:
    qs = _f_closed(ctx, [Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED])
    if dim == Dimension.UPHELD:
        total = qs.count()
        grouped = _grouped(ctx, qs, dim, k=Count("pk"))
        return [_row(ctx, g, catalogue.ratio(r["k"], total), r["k"], total) for g, r in grouped]
    grouped = _grouped(ctx, qs, dim, n=Count("pk"), k=Count("pk", filter=Q(upheld__in=["upheld", "partly"])))
    return _rate_rows(ctx, grouped, "k", "n")


def remedy_cost(ctx: Context, dim: str | None) -> list[Row]:
    qs = sql.apply_filters(Option.objects.using(ctx.using), ctx.filters, "case__").filter(
        status=OptionStatus.AGREED,
        case__status__in=CLOSED_COUNTED,
        case__closed_at__gte=ctx.lo,
        case__closed_at__lt=ctx.hi,
    )
    grouped = _grouped(ctx, qs, dim, "case__", n=Count("pk"), money=Sum("amount"))
    return [_row(ctx, g, r["money"] or Decimal("0"), r["n"] or 0, None) for g, r in grouped]


# ---------------------------------------------------------------- the open book


def _open_at(moment: datetime) -> Q:
    return Q(created_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))


def backlog_age(ctx: Context, dim: str | None) -> list[Row]:
    qs = _facts(ctx).filter(_open_at(ctx.hi))
    return [_row(ctx, g, r["n"], r["n"], None) for g, r in _grouped(ctx, qs, dim, n=Count("pk"))]


def workload(ctx: Context, dim: str | None) -> list[Row]:
    qs = (
        _facts(ctx).filter(created_at__lt=ctx.hi).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.lo))
    )
    closed_here = Q(status__in=CLOSED_COUNTED, closed_at__gte=ctx.lo, closed_at__lt=ctx.hi)
    grouped = _grouped(
        ctx, qs, dim, open=Count("pk", filter=_open_at(ctx.hi)), closed=Count("pk", filter=closed_here)
    )
    rows = []
    for g, r in grouped:
        rows.append(_row(ctx, g, r["open"], r["open"], None))
        rows.append(_row(ctx, with_statistic(g, CLOSED_IN_PERIOD), r["closed"], r["closed"], None))
    return rows


def expectation_gaps(ctx: Context, dim: str | None) -> list[Row]:
    previous = ctx.period.previous()
    prev_lo = sql.day_start(previous.start)
    qs = _facts(ctx).filter(
        source_kind=SourceKind.EXPECTATION_GAP, created_at__gte=prev_lo, created_at__lt=ctx.hi
    )
    grouped = _grouped(
        ctx,
        qs,
        dim,
        now=Count("pk", filter=Q(created_at__gte=ctx.lo)),
        before=Count("pk", filter=Q(created_at__lt=ctx.lo)),
    )
    rows = []
    for g, r in grouped:
        if not r["now"] and not r["before"] and g:
            continue
        rows.append(_row(ctx, g, r["now"], r["now"], None))
        rows.append(_row(ctx, with_statistic(g, PREVIOUS_PERIOD), r["before"], r["before"], None))
    if dim is None:
        latest = (
            qs.filter(created_at__gte=ctx.lo)
            .order_by("-created_at", "-pk")
            .values_list("case__reference", flat=True)
        )
        rows.extend(Row(f"example={reference}", None, None, None) for reference in latest[:EXAMPLES])
    return rows


COMPUTE: dict[str, Callable[[Context, str | None], list[Row]]] = {
    "volume": volume,
    "time_to_acknowledge": time_to_acknowledge,
    "time_to_resolve": time_to_resolve,
    "first_contact_resolution": first_contact_resolution,
    "reopen_rate": reopen_rate,
    "csat": csat,
    "ces": ces,
    "nps": nps,
    "promises_kept": promises_kept,
    "deadline_compliance": deadline_compliance,
    "escalation_rate": escalation_rate,
    "approval_turnaround": approval_turnaround,
    "unresolved_outcomes": unresolved_outcomes,
    "upheld": upheld,
    "remedy_cost": remedy_cost,
    "backlog_age": backlog_age,
    "workload": workload,
    "repeated_problem_share": repeated_problem_share,
    "expectation_gaps": expectation_gaps,
    "service_recovery": service_recovery,
}
DURATIONS = frozenset({"time_to_acknowledge", "time_to_resolve", "approval_turnaround"})
# The moment that puts a row in the period, per metric (what measure(bucket=…) divides the period by). The
# open book (backlog_age, workload) and expectation_gaps (a period and the one before) have no such moment.
MOMENT: dict[str, str] = {
    "volume": "created_at",
    "escalation_rate": "created_at",
    "repeated_problem_share": "created_at",
    "time_to_acknowledge": "created_at",
    "time_to_resolve": "closed_at",
    "first_contact_resolution": "closed_at",
    "reopen_rate": "closed_at",
    "unresolved_outcomes": "closed_at",
    "upheld": "closed_at",
    "csat": "satisfaction_asked_at",
    "ces": "satisfaction_asked_at",
    "nps": "satisfaction_asked_at",
    "service_recovery": "satisfaction_asked_at",
    "promises_kept": "due_at",
    "deadline_compliance": "due_at",
    "approval_turnaround": "decided_at",
    "remedy_cost": "case__closed_at",
}


def insights_settings() -> InsightsSettings:
    found = InsightsSettings.objects.filter(pk=1).first()
    return found or InsightsSettings(pk=1)


def calendar_ready(start: date, end: date, today: date) -> None:
    """Business-day durations reach back to the first case and forward to today."""
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    begin = min(start, timezone.localdate(first) if first else start) - timedelta(days=1)
    calendar_ensure(begin, max(end, today) + timedelta(days=1))


def context(
    definition: Metric,
    period: Period,
    *,
    filters: Filters | None = None,
    now: datetime | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Context:
    """What one measurement reads: the period as moments, the filter, the windows (one query)."""
    settings_row = insights_settings()
    lo, hi = sql.bounds(period.start, period.end)
    return Context(
        metric=definition,
        period=period,
        lo=lo,
        hi=hi,
        filters=filters or Filters(),
        now=now or clock.now(),
        region=region(),
        repeat_days=settings_row.repeat_contact_window_days,
        reopen_days=settings_row.reopen_window_days,
        using=using,
    )


def measure(
    metric_id: str,
    *,
    start: date,
    end: date,
    filters: Filters | None = None,
    group_by: str | Sequence[str] | None = None,
    now: datetime | None = None,
    using: str = DEFAULT_DB_ALIAS,
    bucket: str | None = None,
) -> Measurement:
    """One metric for the inclusive local dates [start, end]: the total, then each group of ``group_by``
    (one dimension or several), then with ``bucket`` ("day", "week" or "month": parts of 1, 7 or 30 days
    counted from ``start``, the last one shorter) the rows of each part that has any, grouped as
    ``bucket=YYYY-MM-DD`` (the part's first day), in one query. Raises ``UnknownMetric`` for an id not in
    the catalogue and ValueError for a period that ends before it starts, a dimension the metric cannot be
    grouped by or a metric that cannot be divided into parts.

    First the rollup of case facts is brought up to date (``rollup.refresh``: one statement, three when
    cases changed)."""
    if metric_id not in COMPUTE:
        raise UnknownMetric(metric_id)
    definition = catalogue.metric(metric_id)
    period = Period(start, end)
    dimensions = [group_by] if isinstance(group_by, str) else list(group_by or [])
    for dim in dimensions:
        if dim not in definition.dimensions:
            raise ValueError(
                f"{metric_id} cannot be grouped by {dim!r}; it can by: "
                + ", ".join(d.value for d in definition.dimensions)
            )
    if bucket is not None:
        if bucket not in sql.BUCKET_DAYS:
            raise ValueError(f"bucket must be one of: {', '.join(sql.BUCKET_DAYS)}")
        if metric_id not in MOMENT:
            raise ValueError(f"{metric_id} cannot be divided into parts of its period")
    now = now or clock.now()
    if metric_id in DURATIONS:
        calendar_ready(start, end, timezone.localdate(now))
    ctx = context(definition, period, filters=filters, now=now, using=using)
    rollup.refresh(using=using, region_code=ctx.region)
    compute = COMPUTE[metric_id]
    rows = compute(ctx, None)
    for dim in dimensions:
        rows.extend(compute(ctx, dim))
    if bucket is not None:
        rows.extend(compute(replace(ctx, bucket_days=sql.BUCKET_DAYS[bucket]), sql.BUCKET))
    return Measurement(metric_id, definition.unit.value, start, end, rows)


def measure_natural(
    metric_id: str, *, start: date, end: date, filters: Filters | None = None, now=None
) -> Measurement:
    """The total and the metric's natural dimensions: what the export writes."""
    definition = catalogue.metric(metric_id)
    return measure(
        metric_id,
        start=start,
        end=end,
        filters=filters,
        group_by=[d.value for d in definition.natural_dimensions],
        now=now,
    )


# The case sets behind the figures, by their public names: the dashboard's click-through lists the cases
# behind a number from these same querysets (``insights.behind``), so the two cannot drift apart.
cases_in_scope = _cases
cases_opened = _opened
cases_closed = _closed
cases_asked = _asked
open_at = _open_at
