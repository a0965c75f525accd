"""Business-day arithmetic on the UK bank-holiday calendars.

Business days exclude Saturdays, Sundays and the bank holidays of the GB
subdivision in force (ENG, WLS, SCT, NIR differ: e.g. 2 January and St Andrew's
Day in Scotland, St Patrick's Day in Northern Ireland). Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

REGIONS = ("ENG", "WLS", "SCT", "NIR")


@lru_cache(maxsize=64)
def _holidays_for(region: str, year: int) -> frozenset[date]:
    if region not in REGIONS:
        raise ValueError(f"unknown UK holiday region {region!r}; use one of {', '.join(REGIONS)}")
    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    region: str = "ENG"
    extra_closed_days: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if day in self.extra_closed_days:
            return False
        return day not in _holidays_for(self.region, day.year)


def add_business_days(start: date, days: int, calendar: BusinessCalendar | None = None) -> date:
    """The date ``days`` business days after ``start`` (start itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    cal = calendar or BusinessCalendar()
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if cal.is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: date, end: date, calendar: BusinessCalendar | None = None) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when end <= start)."""
    cal = calendar or BusinessCalendar()
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if cal.is_business_day(current):
            count += 1
    return count


def subtract_business_days(end: date, days: int, calendar: BusinessCalendar | None = None) -> date:
    """The latest date D with ``business_days_between(D, end) == days``."""
    if days < 0:
        raise ValueError("days must not be negative")
    cal = calendar or BusinessCalendar()
    current = end
    remaining = days
    while remaining:
        if cal.is_business_day(current):
            remaining -= 1
        current -= timedelta(days=1)
    return current
