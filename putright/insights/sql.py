"""The SQL the metrics share: the period as moments, filters, group expressions, durations in seconds
and business days, and percentiles by window functions — the same definitions on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case as When_,
)
from django.db.models import (
    CharField,
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from putright.engines.deadlines import ClockKind
from putright.engines.metrics import Dimension, group_label
from putright.insights.models import CalendarDay
from putright.vocab import Status


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Midnight at the start of a local date, as an aware moment."""
    return timezone.make_aware(datetime.combine(day, time.min), local_zone())


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[from, to] inclusive local dates → [start moment, moment after the end)."""
    return day_start(start), day_start(end + timedelta(days=1))


@dataclass(frozen=True)
class Filters:
    """What a measurement is narrowed to. ``team_ids``: the teams a member of staff may see (None: all)."""

    team: int | None = None
    handler: int | None = None
    category: str = ""
    channel: str = ""
    source_kind: str = ""
    team_ids: tuple[int, ...] | None = None


def apply_filters(qs: QuerySet, filters: Filters, prefix: str = "") -> QuerySet:
    """Closed duplicates are left out of every metric, then the filter is applied. ``prefix`` is the path
    from the queryset's model to the case (``case__`` for clocks, promises…)."""
    qs = qs.exclude(**{f"{prefix}status": Status.CLOSED_DUPLICATE})
    if filters.team_ids is not None:
        qs = qs.filter(**{f"{prefix}team_id__in": list(filters.team_ids)})
    if filters.team is not None:
        qs = qs.filter(**{f"{prefix}team_id": filters.team})
    if filters.handler is not None:
        qs = qs.filter(**{f"{prefix}assignee_id": filters.handler})
    if filters.category:
        qs = qs.filter(**{f"{prefix}category__slug": filters.category})
    if filters.channel:
        qs = qs.filter(**{f"{prefix}channel": filters.channel})
    if filters.source_kind:
        qs = qs.filter(**{f"{prefix}source_kind": filters.source_kind})
    return qs


REGIME_OF: dict[str, str] = {
    ClockKind.ACKNOWLEDGE: "service_levels",
    ClockKind.FIRST_UPDATE: "service_levels",
    ClockKind.RESOLVE: "service_levels",
    ClockKind.DISP_ACKNOWLEDGE: "disp",
    ClockKind.DISP_FINAL: "disp",
    ClockKind.DISP_PAYMENT_FINAL: "disp",
    ClockKind.DISP_PAYMENT_EXCEPTIONAL: "disp",
    ClockKind.REFUND: "refund",
    ClockKind.CANCELLATION_REFUND: "refund",
    ClockKind.SUBJECT_ACCESS: "subject_access",
}

# Backlog age bands: (label, at least this many whole days open).
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("0-2_days", 0),
    ("3-7_days", 3),
    ("8-14_days", 8),
    ("15-28_days", 15),
    ("29-56_days", 29),
    ("over_56_days", 57),
)


def age_band(created: str, at: datetime) -> Expression:
    """The band of a case open at ``at``: comparisons of ``created`` with fixed moments, no arithmetic."""
    whens = [
        When(**{f"{created}__gt": at - timedelta(days=next_days)}, then=Value(label))
        for (label, _), (_, next_days) in zip(AGE_BANDS, AGE_BANDS[1:], strict=False)
    ]
    return When_(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def dimension_expression(dimension: str, prefix: str = "", *, at: datetime | None = None) -> Expression:
    """The SQL value of a dimension for one row (a case, or a row whose case is at ``prefix``)."""
    p = prefix
    if dimension == Dimension.TEAM:
        return F(f"{p}team__name")
    if dimension == Dimension.HANDLER:
        return F(f"{p}assignee__username")
    if dimension == Dimension.CATEGORY:
        return F(f"{p}category__slug")
    if dimension in (Dimension.CHANNEL, Dimension.SOURCE_KIND, Dimension.PRIORITY):
        return F(f"{p}{dimension}")
    if dimension == Dimension.OUTCOME:
        return F(f"{p}status")
    if dimension == Dimension.REASON:
        return F(f"{p}unresolved_reason__code")
    if dimension == Dimension.UPHELD:
        return When_(
            When(**{f"{p}upheld": ""}, then=Value("not_recorded")),
            default=F(f"{p}upheld"),
            output_field=CharField(),
        )
    if dimension == Dimension.AGE_BAND:
        assert at is not None
        return age_band(f"{p}created_at", at)
    raise ValueError(f"dimension {dimension!r} has no expression here")


def regime_expression() -> Expression:
    return When_(
        *[When(kind=kind, then=Value(regime)) for kind, regime in REGIME_OF.items()],
        default=Value("other"),
        output_field=CharField(),
    )


class EpochSeconds(Func):
    """Seconds from ``start`` to ``end`` (two datetimes) as a float, on both databases."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            sql = f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision)"
        else:
            sql = f"((julianday({end}) - julianday({start})) * 86400.0)"
        return sql, (*end_params, *start_params)


def ordinal_of(moment: str | Expression, region_code: str) -> Subquery:
    """The business-day ordinal of a moment's local date (``CalendarDay``, the region's)."""
    moment_expr = ExpressionWrapper(
        OuterRef(moment) if isinstance(moment, str) else moment, output_field=DateTimeField()
    )
    return Subquery(
        CalendarDay.objects.filter(
            region=region_code, date=TruncDate(moment_expr, tzinfo=local_zone())
        ).values("business_day_ordinal")[:1]
    )


def business_days(end: str, start: str, region_code: str) -> Expression:
    """Business days after ``start``'s local date up to and including ``end``'s (the deadlines engine's
    ``business_days_between``): the difference of two ordinals."""
    return Coalesce(ordinal_of(end, region_code), Value(0)) - Coalesce(
        ordinal_of(start, region_code), Value(0)
    )


# Quantiles as (numerator, denominator) so the rank is exact integer arithmetic on both databases.
MEDIAN = (1, 2)
P90 = (9, 10)


def _quantile_sql(value: str, rank: str, q: tuple[int, int]) -> str:
    """Linear interpolation between closest ranks (numpy's default, percentile_cont), per group, from a
    row_number() ``rank`` (1-based) and count() ``n`` window: rank low+1 weighs (1 - f), rank low+2 f."""
    num, den = q
    scaled = f"((n - 1) * {num})"
    low = f"({scaled} / {den})"
    frac = f"(({scaled} - {low} * {den}) / {float(den)})"
    return (
        f"SUM(CASE WHEN {rank} = {low} + 1 THEN {value} * (1.0 - {frac}) "
        f"WHEN {rank} = {low} + 2 THEN {value} * {frac} ELSE 0 END)"
    )


def percentiles(qs: QuerySet, *, using: str) -> dict[str, dict[str, float | int]]:
    """Per group ``g``: n and the median and 90th percentile of ``x`` (hours) and ``y`` (business days).

    ``qs`` selects ``g``, ``x`` and ``y``. One query, window functions only: SQLite has no percentile_cont,
    so both databases rank the rows and interpolate the same way.
    """
    compiler = qs.values("g", "x", "y").query.get_compiler(using=using)
    inner, params = compiler.as_sql()
    # The rows are computed once (MATERIALIZED): inlined, each row's durations (two calendar look-ups and a
    # time-zone conversion each) were worked out again for the WHERE, both window orderings and the sums.
    sql = (
        f"WITH base AS MATERIALIZED ({inner}) "
        "SELECT g, MAX(n), "
        f"{_quantile_sql('x', 'rx', MEDIAN)}, {_quantile_sql('x', 'rx', P90)}, "
        f"{_quantile_sql('y', 'ry', MEDIAN)}, {_quantile_sql('y', 'ry', P90)} "
        "FROM (SELECT g, x, y, "
        "ROW_NUMBER() OVER (PARTITION BY g ORDER BY x) AS rx, "
        "ROW_NUMBER() OVER (PARTITION BY g ORDER BY y) AS ry, "
        "COUNT(*) OVER (PARTITION BY g) AS n "
        "FROM base WHERE x IS NOT NULL AND y IS NOT NULL) ranked "
        "GROUP BY g ORDER BY g"
    )
    out: dict[str, dict[str, float | int]] = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for g, n, x50, x90, y50, y90 in cursor.fetchall():
            out[g or ""] = {"n": int(n), "x50": x50, "x90": x90, "y50": y50, "y90": y90}
    return out


# measure(bucket=…): parts of the period counted from its first day (the dashboard's trend buckets); the
# last part may be shorter. A "month" is 30 days, so every part but the last has the same length.
BUCKET_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30}
BUCKET = "bucket"


def bucket_starts(start: date, end: date, size: int) -> list[date]:
    """The first day of each part of [start, end] of ``size`` days."""
    out = []
    day = start
    while day <= end:
        out.append(day)
        day += timedelta(days=size)
    return out


def bucket_expression(moment: str, start: date, end: date, size: int) -> Expression:
    """The part of the period a row's ``moment`` falls in, as the ISO date the part begins: comparisons
    with the parts' first moments (local midnights), so no time-zone arithmetic per row."""
    starts = bucket_starts(start, end, size)
    whens = [
        When(**{f"{moment}__lt": day_start(following)}, then=Value(first.isoformat()))
        for first, following in zip(starts, starts[1:], strict=False)
    ]
    last = Value(starts[-1].isoformat()) if starts else Value("")
    if not whens:
        return ExpressionWrapper(last, output_field=CharField())
    return When_(*whens, default=last, output_field=CharField())


def label(dimension: str | None, value: object) -> str:
    if dimension == BUCKET:
        return f"{BUCKET}={value}"
    return "" if dimension is None else group_label(dimension, value)
