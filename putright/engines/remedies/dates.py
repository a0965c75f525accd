"""Date arithmetic as uk-rules.md states it, in one place so every rule counts the same way.

- "X days beginning with day D": D is day 1, so the last day is D + (X - 1).
- "X days after D": the last day is D + X.
- "N months beginning with the day after D" and "N years from D" end on the corresponding date N months
  (or years) after D; when that month is too short, on its last day (31 August + 6 months is 28 or
  29 February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)


def days_beginning_with(day: date, days: int) -> date:
    return day + timedelta(days=days - 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def spoken(day: date) -> str:
    """A date the way a letter writes it: "2 April 2026"."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"
