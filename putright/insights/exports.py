"""The exports (issue 13 §4): a metric's rows as CSV, the cases of a period (streamed), and the
complaints return for a half-year (DISP 1 Annex 1-like). The console, the API and the pages share them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from putright.cases.models import Case, Option
from putright.engines.metrics import Period, Unit, format_integer, format_value, row_unit
from putright.insights import rollup, sql
from putright.insights.calendar import calendar_ensure, region
from putright.insights.metrics import CLOSED_COUNTED, Measurement
from putright.insights.models import CaseFact
from putright.vocab import OptionStatus, Status, Upheld

METRIC_COLUMNS = ["metric_id", "period_start", "period_end", "group", "value", "numerator", "denominator"]
CHUNK = 2000


def metric_csv_rows(measurement: Measurement) -> list[list[str]]:
    """The rows of ``METRIC_ID.csv`` (without the header): exactly what the API answers, as text."""
    unit = Unit(measurement.unit)
    return [
        [
            measurement.metric_id,
            measurement.period_start.isoformat(),
            measurement.period_end.isoformat(),
            row.group,
            format_value(row.value, row_unit(unit, row.group)),
            format_integer(row.numerator),
            format_integer(row.denominator),
        ]
        for row in measurement.rows
    ]


# ---------------------------------------------------------------- the cases of a period

CASE_COLUMNS = [
    "reference",
    "opened_at",
    "closed_at",
    "status",
    "outcome",
    "category",
    "channel",
    "source_kind",
    "team",
    "handler",
    "priority",
    "regulated",
    "upheld",
    "unresolved_reason",
    "money_agreed",
    "csat",
    "ces",
    "nps",
    "hours_to_acknowledge",
    "business_days_to_acknowledge",
    "hours_to_resolve",
    "business_days_to_resolve",
    "escalated",
]

OUTCOMES = {
    Status.CLOSED_RESOLVED: "resolved",
    Status.CLOSED_NO_REPLY: "resolved_no_reply",
    Status.CLOSED_UNRESOLVED: "unresolved",
}


def cases_for_export(start: date, end: date) -> QuerySet:
    """Every case opened in the period (duplicates left out), with what a manager filters on: the rollup
    of case facts (``insights.rollup``, brought up to date first by ``export_case_rows``) joined to the
    case and the names it refers to, one query, read in chunks."""
    lo, hi = sql.bounds(start, end)
    return (
        sql.apply_filters(CaseFact.objects.all(), sql.Filters())
        .filter(created_at__gte=lo, created_at__lt=hi)
        .order_by("created_at", "case_id")
    )


_CASE_VALUES = (
    "case__reference",
    "created_at",
    "closed_at",
    "status",
    "category__slug",
    "channel",
    "source_kind",
    "team__name",
    "assignee__username",
    "priority",
    "case__is_regulated_complaint",
    "upheld",
    "unresolved_reason__code",
    "money_agreed",
    "csat",
    "ces",
    "nps",
    "ack_hours",
    "ack_days",
    "resolve_hours",
    "resolve_days",
    "escalated",
)


def _moment(value: datetime | None) -> str:
    return "" if value is None else timezone.localtime(value, sql.local_zone()).strftime("%Y-%m-%d %H:%M")


class LocalMinutes:
    """A moment as the database driver hands it over (UTC: naive from SQLite, aware from PostgreSQL) → its
    local time as ``YYYY-MM-DD HH:MM``, fast: the organisation's offset from UTC is worked out once per
    UTC day and cached; a day the clocks change on is converted moment by moment."""

    def __init__(self) -> None:
        self.zone = sql.local_zone()
        self.days: dict[tuple[int, int, int], timedelta | None] = {}

    def _offset(self, key: tuple[int, int, int]) -> timedelta | None:
        start = datetime(*key, tzinfo=UTC)
        first = start.astimezone(self.zone).utcoffset()
        last = (start + timedelta(days=1, microseconds=-1)).astimezone(self.zone).utcoffset()
        offset = self.days[key] = first if first == last else None
        return offset

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        key = (value.year, value.month, value.day)
        offset = self.days[key] if key in self.days else self._offset(key)
        if offset is None:
            local = value.replace(tzinfo=UTC).astimezone(self.zone)
        else:
            local = value + offset
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def _number(value, places: int = 2) -> str:
    return "" if value is None else f"{float(value):.{places}f}"


def _whole(value) -> str:
    return "" if value is None else str(int(value))


def case_count(start: date, end: date) -> int:
    rollup.refresh()
    lo, hi = sql.bounds(start, end)
    return (
        sql.apply_filters(CaseFact.objects.all(), sql.Filters())
        .filter(created_at__gte=lo, created_at__lt=hi)
        .count()
    )


def export_case_rows(start: date, end: date, *, chunk: int = CHUNK) -> Iterator[list[str]]:
    """The rows of the cases CSV, streamed from the rollup: a server-side cursor on PostgreSQL and chunks
    read from the cursor on SQLite, so 100,000 cases never sit in memory at once. The values are read as
    the database driver gives them (no per-value conversion by the ORM) and formatted here."""
    calendar_ensure(start - timedelta(days=1), max(end, timezone.localdate()) + timedelta(days=1))
    rollup.refresh()
    query, params = (
        cases_for_export(start, end).values_list(*_CASE_VALUES).query.get_compiler(using="default").as_sql()
    )
    local = LocalMinutes()
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(query, params)
        while True:
            rows = cursor.fetchmany(chunk)
            if not rows:
                break
            for (
                reference,
                created_at,
                closed_at,
                status,
                category,
                channel,
                source_kind,
                team,
                handler,
                priority,
                regulated,
                upheld_value,
                reason,
                money,
                csat,
                ces,
                nps,
                ack_hours,
                ack_days,
                resolve_hours,
                resolve_days,
                escalated,
            ) in rows:
                closed = status in CLOSED_COUNTED
                yield [
                    reference,
                    local(created_at),
                    local(closed_at) if closed else "",
                    status,
                    OUTCOMES.get(status, "open"),
                    category or "",
                    channel,
                    source_kind,
                    team or "",
                    handler or "",
                    priority,
                    "yes" if regulated else "no",
                    upheld_value or "",
                    reason or "",
                    f"{float(money or 0):.2f}",
                    "" if csat is None else str(csat),
                    "" if ces is None else str(ces),
                    "" if nps is None else str(nps),
                    "" if ack_hours is None else f"{ack_hours:.2f}",
                    "" if ack_hours is None or ack_days is None else str(ack_days),
                    "" if resolve_hours is None or not closed else f"{resolve_hours:.2f}",
                    "" if resolve_hours is None or resolve_days is None or not closed else str(resolve_days),
                    "yes" if escalated else "no",
                ]


# ---------------------------------------------------------------- the complaints return (DISP 1 Annex 1-like)

RETURN_COLUMNS = [
    "category",
    "opened",
    "closed",
    "upheld",
    "partly_upheld",
    "not_upheld",
    "not_recorded",
    "upheld_percent",
    "closed_within_3_business_days",
    "closed_within_8_weeks",
    "closed_later",
    "redress",
]
SUMMARY_BUSINESS_DAYS = 3
EIGHT_WEEKS = timedelta(weeks=8)
ALL = "All categories"
NO_CATEGORY = "(no category)"


@dataclass
class ReturnLine:
    category: str
    opened: int = 0
    closed: int = 0
    upheld: int = 0
    partly_upheld: int = 0
    not_upheld: int = 0
    not_recorded: int = 0
    within_3_business_days: int = 0
    within_8_weeks: int = 0
    later: int = 0
    redress: Decimal = field(default_factory=lambda: Decimal("0.00"))

    @property
    def upheld_percent(self) -> float | None:
        """Upheld or partly upheld, of the complaints closed (DISP's 'upheld %'); None with none closed."""
        return None if not self.closed else round(100.0 * (self.upheld + self.partly_upheld) / self.closed, 1)

    def csv(self) -> list[str]:
        percent = self.upheld_percent
        return [
            self.category,
            str(self.opened),
            str(self.closed),
            str(self.upheld),
            str(self.partly_upheld),
            str(self.not_upheld),
            str(self.not_recorded),
            "" if percent is None else f"{percent:.1f}",
            str(self.within_3_business_days),
            str(self.within_8_weeks),
            str(self.later),
            f"{self.redress:.2f}",
        ]


@dataclass
class ComplaintsReturn:
    period: Period
    label: str
    total: ReturnLine
    lines: list[ReturnLine]


def complaints_return(period: Period, label: str) -> ComplaintsReturn:
    """Complaints opened and closed in the half-year, what was found, how fast they were closed
    (within 3 business days; after that within 8 weeks; later) and the redress agreed on those closed,
    by category. Duplicates left out; 'resolved, no reply' counts as closed. Three queries."""
    lo, hi = sql.bounds(period.start, period.end)
    today = timezone.localdate()
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    calendar_ensure(
        min(period.start, timezone.localdate(first) if first else period.start) - timedelta(days=1),
        max(period.end, today) + timedelta(days=1),
    )
    code = region()
    opened = Q(created_at__gte=lo, created_at__lt=hi)
    closed = Q(status__in=CLOSED_COUNTED, closed_at__gte=lo, closed_at__lt=hi)
    base = sql.apply_filters(Case.objects.all(), sql.Filters()).filter(opened | closed)
    days = sql.business_days("closed_at", "created_at", code)
    quick = Q(closed) & Q(closed_at__lte=F("created_at") + EIGHT_WEEKS)
    figures = (
        base.annotate(cat=F("category__name"), bd=days)
        .values("cat")
        .annotate(
            opened=Count("pk", filter=opened),
            closed=Count("pk", filter=closed),
            n_upheld=Count("pk", filter=closed & Q(upheld=Upheld.UPHELD)),
            n_partly=Count("pk", filter=closed & Q(upheld=Upheld.PARTLY)),
            n_not_upheld=Count("pk", filter=closed & Q(upheld=Upheld.NOT_UPHELD)),
            n_not_recorded=Count("pk", filter=closed & Q(upheld="")),
            within_3=Count("pk", filter=closed & Q(bd__lte=SUMMARY_BUSINESS_DAYS)),
            within_8_weeks=Count("pk", filter=quick),
        )
        .order_by()
    )
    redress = (
        Option.objects.filter(
            status=OptionStatus.AGREED,
            case__status__in=CLOSED_COUNTED,
            case__closed_at__gte=lo,
            case__closed_at__lt=hi,
        )
        .values("case__category__name")
        .annotate(money=Coalesce(Sum("amount"), Value(Decimal("0")), output_field=DecimalField()))
        .order_by()
    )
    money = {row["case__category__name"]: row["money"] for row in redress}
    lines: dict[str, ReturnLine] = {}
    for row in figures:
        name = row["cat"] or NO_CATEGORY
        line = lines.setdefault(name, ReturnLine(name))
        line.opened += row["opened"]
        line.closed += row["closed"]
        line.upheld += row["n_upheld"]
        line.partly_upheld += row["n_partly"]
        line.not_upheld += row["n_not_upheld"]
        line.not_recorded += row["n_not_recorded"]
        line.within_3_business_days += row["within_3"]
        # Within 8 weeks but not within 3 business days: each complaint is in exactly one band.
        line.within_8_weeks += row["within_8_weeks"] - row["within_3"]
        line.later += row["closed"] - row["within_8_weeks"]
    for name, amount in money.items():
        lines.setdefault(name or NO_CATEGORY, ReturnLine(name or NO_CATEGORY)).redress += Decimal(amount)
    ordered = sorted(lines.values(), key=lambda line: (line.category == NO_CATEGORY, line.category.lower()))
    total = ReturnLine(ALL)
    for line in ordered:
        for name in (
            "opened",
            "closed",
            "upheld",
            "partly_upheld",
            "not_upheld",
            "not_recorded",
            "within_3_business_days",
            "within_8_weeks",
            "later",
            "redress",
        ):
            setattr(total, name, getattr(total, name) + getattr(line, name))
    return ComplaintsReturn(period=period, label=label, total=total, lines=ordered)


def return_csv_rows(report: ComplaintsReturn) -> list[list[str]]:
    return [report.total.csv(), *(line.csv() for line in report.lines)]
