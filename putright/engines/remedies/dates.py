"""Date arithmetic as uk-rules.md states it, in one place so every rule counts the same way.

- "X days beginning with day D": D is day 1, so the last day is D + (X - 1).
- "X days after D": the last day is D + X.
- "N months beginning with day D" (``months_beginning_with``): D is the first day, and the period ends
  the day before the same-numbered day N months later; when that month has no such day, it ends on that
  month's last day (15 January + 6 months ends on 14 July; 31 August + 6 months on 28 or 29 February).
- "N months after D" and "N years from D" (``add_months``, ``add_years``) end on the corresponding date
  N months (or years) after D; when that month is too short, on its last day.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)


def days_beginning_with(day: date, days: int) -> date:
    return day + timedelta(days=days - 1)


def _month_shift(day: date, months: int) -> tuple[int, int, int]:
    """The year and month ``months`` after ``day``'s month, and that month's number of days."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return year, month, calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    year, month, length = _month_shift(day, months)
    return date(year, month, min(day.day, length))


def months_beginning_with(day: date, months: int) -> date:
    """The last day of the ``months`` months beginning with ``day`` (``day`` itself is the first day).

    The day before the same-numbered day ``months`` later; when that month has no such day, its last
    day: 30 April + 6 months ends on 29 October, 1 May + 6 on 31 October, 31 August + 6 on 28 (or, in a
    leap year, 29) February.
    """
    if months < 1:
        raise ValueError("a period of months has at least one month")
    year, month, length = _month_shift(day, months)
    if day.day > length:
        return date(year, month, length)
    return date(year, month, day.day) - timedelta(days=1)


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def spoken(day: date) -> str:
    """A date the way a letter writes it: "2 April 2026"."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def spoken_period(first: date, last: date) -> str:
    """A period from its first to its last day: "1 May – 31 October 2026", "1 September 2025 – 28 February 2026"."""
    if first.year == last.year:
        return f"{first.day} {calendar.month_name[first.month]} – {spoken(last)}"
    return f"{spoken(first)} – {spoken(last)}"
