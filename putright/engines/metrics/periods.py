"""Periods, the business-day calendar table's rows, percentiles and the CSV's number formats. Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from putright.engines.deadlines.business_days import BusinessCalendar
from putright.engines.metrics.catalogue import STATISTIC, Unit

# Business-day ordinals count from this day, so a table filled in pieces, in any order, agrees with itself.
CALENDAR_EPOCH = date(1990, 1, 1)
RATE_DECIMALS = 4
NUMBER_DECIMALS = 2
HALF_RE = re.compile(r"^(\d{4})H([12])$")


@dataclass(frozen=True)
class Period:
    """Inclusive local dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


def half_year(text: str) -> Period:
    """``2026H1`` → 1 January to 30 June 2026; ``2026H2`` → 1 July to 31 December."""
    found = HALF_RE.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a half-year like 2026H2")
    year, half = int(found.group(1)), int(found.group(2))
    if not 1990 <= year <= 9998:
        raise ValueError(f"{text!r}: the year must be from 1990")
    return (
        Period(date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else Period(date(year, 7, 1), date(year, 12, 31))
    )


def parse_date(text: str, *, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{name} must be a date like 2026-07-01, not {text!r}") from None


@dataclass(frozen=True)
class CalendarRow:
    date: date
    is_business_day: bool
    business_day_ordinal: int


def ordinal_before(day: date, calendar: BusinessCalendar) -> int:
    """Business days from the epoch up to and including the day before ``day``."""
    count = 0
    current = CALENDAR_EPOCH
    while current < day:
        if calendar.is_business_day(current):
            count += 1
        current += timedelta(days=1)
    return count


def calendar_rows(
    start: date, end: date, calendar: BusinessCalendar, *, ordinal_start: int
) -> Iterator[CalendarRow]:
    """One row per day from ``start`` to ``end``; ``ordinal_start`` is ``ordinal_before(start)``. The
    business days between two dates (after the first, up to and including the second, as
    ``business_days_between``) are the difference of their ordinals."""
    ordinal = ordinal_start
    current = start
    while current <= end:
        business = calendar.is_business_day(current)
        if business:
            ordinal += 1
        yield CalendarRow(current, business, ordinal)
        current += timedelta(days=1)


def percentile(values: Sequence[float], numerator: int, denominator: int) -> float | None:
    """The (numerator/denominator) quantile by linear interpolation between closest ranks: numpy's
    default and PostgreSQL's percentile_cont. The SQL side computes exactly this with window functions."""
    if not values:
        return None
    ordered = sorted(values)
    scaled = (len(ordered) - 1) * numerator
    low = scaled // denominator
    fraction = (scaled - low * denominator) / denominator
    if low + 1 >= len(ordered):
        return float(ordered[low])
    return float(ordered[low]) + fraction * (float(ordered[low + 1]) - float(ordered[low]))


def group_label(dimension: str, value: object) -> str:
    text = "none" if value is None or value == "" else str(value)
    return f"{dimension}={text}"


def with_statistic(group: str, statistic: str) -> str:
    return f"{group};{STATISTIC}={statistic}" if group else f"{STATISTIC}={statistic}"


def ratio(numerator: int, denominator: int) -> float | None:
    """A rate, or None when there is nothing to divide by."""
    return None if not denominator else numerator / denominator


def format_value(value: float | Decimal | int | None, unit: Unit) -> str:
    """The CSV's value column: rates a fraction 0–1 with 4 decimals, counts whole, others 2 decimals;
    empty when there is no value (nothing to divide by, too few answers, no baseline)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit is Unit.COUNT:
        return str(int(value))
    places = RATE_DECIMALS if unit is Unit.RATE else NUMBER_DECIMALS
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_integer(value: int | None) -> str:
    return "" if value is None else str(int(value))


def row_unit(unit: Unit, group: str) -> Unit:
    """The unit of one row's value: a secondary figure may differ from its metric's (a response rate
    beside a score, business days beside hours)."""
    statistic = group.rpartition(f"{STATISTIC}=")[2] if f"{STATISTIC}=" in group else ""
    if statistic == "response_rate":
        return Unit.RATE
    if statistic.endswith("business_days"):
        return Unit.BUSINESS_DAYS
    if statistic in ("closed_in_period", "previous_period"):
        return Unit.COUNT
    return unit
