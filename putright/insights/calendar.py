"""The business-day calendar table (``CalendarDay``), filled from the deadlines engine.

Business-day durations are worked out by the database: the ordinal of the end day minus the ordinal of
the start day (``CalendarDay`` joined twice), which is exactly ``business_days_between`` of the
deadlines engine. The table covers the span of the data: the sweep keeps it filled to a year ahead,
and every measurement fills the span it reads first (on demand), so it is never short.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min

from putright.cases.models import Case
from putright.engines.deadlines import BusinessCalendar
from putright.engines.metrics import CALENDAR_EPOCH, calendar_rows, ordinal_before
from putright.insights.models import CalendarDay, CaseFact, CaseFactDirty
from putright.regulation.models import RegimeSettings

# The sweep keeps this many days ahead of today in the table.
DAYS_AHEAD = 366
BATCH = 1000


def region() -> str:
    """The organisation's region (whose bank holidays are closed days): regulation's setting."""
    row = RegimeSettings.objects.filter(pk=1).values_list("region", flat=True).first()
    return row or "ENG"


def calendar_ensure(start: date, end: date, *, region_code: str | None = None) -> int:
    """Make sure every day from ``start`` to ``end`` is in the table for the region; returns the rows
    added. Cheap when they are all there (one query). Ordinals count from a fixed epoch, so pieces filled
    at different times agree."""
    code = region_code or region()
    start = max(start, CALENDAR_EPOCH)
    if end < start:
        return 0
    span = CalendarDay.objects.filter(region=code).aggregate(first=Min("date"), last=Max("date"))
    first, last = span["first"], span["last"]
    if first is not None and first <= start and last >= end:
        return 0
    cal = BusinessCalendar(region=code)
    pieces: list[tuple[date, date]] = []
    if first is None:
        pieces.append((start, end))
    else:
        if start < first:
            pieces.append((start, first - timedelta(days=1)))
        if end > last:
            pieces.append((last + timedelta(days=1), end))
    added = 0
    with transaction.atomic():
        for piece_start, piece_end in pieces:
            rows = [
                CalendarDay(
                    region=code,
                    date=row.date,
                    is_business_day=row.is_business_day,
                    business_day_ordinal=row.business_day_ordinal,
                )
                for row in calendar_rows(
                    piece_start, piece_end, cal, ordinal_start=ordinal_before(piece_start, cal)
                )
            ]
            CalendarDay.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
            added += len(rows)
        if added:
            note_calendar_grew()
    return added


def note_calendar_grew() -> None:
    """New days in the calendar: the case facts that counted business days over a day it did not have
    yet are noted for a refresh (``insights.rollup``), in the same transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CaseFactDirty._meta.db_table} (case_id) "
            f"SELECT case_id FROM {CaseFact._meta.db_table} WHERE calendar_missing = %s",
            [True],
        )


def calendar_ensure_for_data(today: date) -> int:
    """The sweep's share: from the first case to a year ahead of today."""
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    start = first.date() - timedelta(days=1) if first else today - timedelta(days=1)
    return calendar_ensure(start, today + timedelta(days=DAYS_AHEAD))
