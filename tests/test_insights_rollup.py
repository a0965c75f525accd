"""The rollup of case facts (insights.rollup) is always consistent with the cases: every metric measured over
it equals the figures of the direct definitions over the case record (tests/insights_reference.py), for
every filter and grouping, after changes through the services, plain saves, raw SQL and bulk inserts, and
when the business-day calendar grows; ``measure(bucket=…)`` equals a measurement per part."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from putright.authority.models import Escalation, Team
from putright.cases.models import Case, UnresolvedReason
from putright.cases.services.routing import case_team_set
from putright.engines.metrics import METRICS
from putright.insights import rollup
from putright.insights.exports import LocalMinutes, _moment
from putright.insights.metrics import measure
from putright.insights.models import CalendarDay, CaseFact
from putright.insights.sql import Filters
from putright.problems.services.lifecycle import problem_link_case, problem_open, problem_unlink_case
from putright.regulation.models import RegimeSettings
from putright.vocab import Channel, SourceKind, Status, Upheld
from tests import insights_reference as reference
from tests.insights_fixtures import at, case, customer, event, message, option

pytestmark = pytest.mark.django_db

NOW = at(2026, 8, 15, 12)
PERIODS = [(date(2026, 7, 1), date(2026, 7, 31)), (date(2026, 7, 6), date(2026, 8, 15))]


def _rows(measurement) -> list[tuple]:
    return [(r.group, r.value, r.numerator, r.denominator) for r in measurement.rows]


def _filters(book) -> list[Filters]:
    return [
        Filters(),
        Filters(team=book["red"].pk),
        Filters(handler=book["alice"].pk),
        Filters(category="delivery"),
        Filters(channel=Channel.PHONE),
        Filters(source_kind=SourceKind.EXPECTATION_GAP),
        Filters(team_ids=(book["blue"].pk,)),
    ]


def assert_same_as_reference(book) -> int:
    """Every metric, both periods, every filter: the total and the natural dimensions (every dimension
    without a filter). Returns the measurements compared."""
    compared = 0
    for start, end in PERIODS:
        for filters in _filters(book):
            for m in METRICS:
                dims = m.dimensions if filters == Filters() else m.natural_dimensions
                group_by = [d.value for d in dims]
                ours = measure(m.id, start=start, end=end, filters=filters, group_by=group_by, now=NOW)
                theirs = reference.measure(
                    m.id, start=start, end=end, filters=filters, group_by=group_by, now=NOW
                )
                assert _rows(ours) == _rows(theirs), (m.id, start, filters)
                compared += 1
    assert rollup.pending() == 0
    return compared


@pytest.fixture
def book(alice, carol):
    red, blue = Team.objects.create(name="Red"), Team.objects.create(name="Blue")
    reason = UnresolvedReason.objects.create(code="out_of_scope", label="Out of scope")
    priya, sam = customer("Priya"), customer("Sam")
    c1 = case(
        at(2026, 7, 1, 9),
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 3, 15),
        team=red,
        assignee=alice,
        category_slug="delivery",
        upheld=Upheld.UPHELD,
        csat=5,
        ces=2,
        nps=9,
        satisfaction_asked_at=at(2026, 7, 3, 16),
    )
    message(c1, at(2026, 7, 1, 9), automatic=True)
    message(c1, at(2026, 7, 1, 13), author=alice)
    option(c1, "100.00")
    # A call logged by a colleague (acknowledged as it was logged); the customer writes again after closing.
    c2 = case(
        at(2026, 7, 2, 10),
        channel=Channel.PHONE,
        created_by=alice,
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 8, 11),
        team=blue,
        csat=2,
        satisfaction_asked_at=at(2026, 7, 8, 12),
    )
    message(c2, at(2026, 7, 10, 9), inbound=True)
    # Priya comes back with a new case two days after the first was closed.
    c3 = case(
        at(2026, 7, 6, 9), who=priya, status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 10, 9), team=red
    )
    message(c3, at(2026, 7, 7, 9), author=alice)
    case(at(2026, 7, 12, 9), who=priya, team=red, category_slug="delivery")
    # Put right, reopened within the window, closed unresolved with a reason and another route.
    c5 = case(
        at(2026, 7, 9, 9),
        who=sam,
        status=Status.CLOSED_UNRESOLVED,
        closed=at(2026, 7, 20, 9),
        team=blue,
        assignee=alice,
        unresolved_reason=reason,
        upheld=Upheld.NOT_UPHELD,
        other_routes=["Ombudsman"],
        priority="high",
    )
    event(c5, "case.delivered", at(2026, 7, 15, 9))
    event(c5, "case.reopened", at(2026, 7, 18, 9))
    option(c5, "25.50")
    c6 = case(at(2026, 7, 25, 9), team=red, assignee=alice, source_kind=SourceKind.EXPECTATION_GAP)
    Escalation.objects.create(
        case=c6, from_user=alice, to_user=carol, reason="Large refund", created_at=at(2026, 7, 26, 9)
    )
    case(at(2026, 7, 14, 9), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 15, 9), team=red)
    case(at(2026, 7, 5, 9), status=Status.CLOSED_NO_REPLY, closed=at(2026, 7, 30, 9), channel=Channel.EMAIL)
    c9 = case(at(2026, 7, 5, 14), source_kind=SourceKind.EXPECTATION_GAP, channel=Channel.EMAIL, team=blue)
    message(c9, at(2026, 7, 5, 14), automatic=True)
    for day in range(1, 29, 3):  # enough answers to be more than "too few"
        c = case(
            at(2026, 7, day, 11),
            status=Status.CLOSED_RESOLVED,
            closed=at(2026, 7, day + 2, 10),
            team=red if day % 2 else blue,
            assignee=alice,
            category_slug="billing",
            upheld=Upheld.PARTLY,
            csat=1 + day % 5,
            nps=day % 11,
            satisfaction_asked_at=at(2026, 7, day + 2, 11),
        )
        message(c, at(2026, 7, day, 11 + day % 5), author=alice)
    return {"red": red, "blue": blue, "alice": alice, "carol": carol, "c1": c1, "c5": c5, "c6": c6, "c9": c9}


def test_every_metric_over_the_rollup_equals_the_direct_definitions(book):
    assert rollup.pending() > 0  # the fixtures' saves were noted
    assert assert_same_as_reference(book) == len(PERIODS) * len(_filters(book)) * len(METRICS)
    assert rollup.size() == Case.objects.count()


def test_after_changes_through_the_services_and_plain_saves(book):
    assert_same_as_reference(book)
    alice, carol = book["alice"], book["carol"]
    case_team_set(actor=carol, case=book["c6"], team=book["blue"])
    problem = problem_open(
        actor=None, title="Late parcels", description="", origin="signal", source_kind="a", cases=[book["c6"]]
    )
    problem_link_case(actor=carol, problem=problem, case=book["c1"])
    problem_unlink_case(actor=carol, problem=problem, case=book["c6"], reason="Not the same problem")
    message(book["c9"], at(2026, 7, 6, 10), author=alice)  # now acknowledged
    event(book["c1"], "case.delivered", at(2026, 7, 3, 10))
    event(book["c1"], "case.reopened", at(2026, 7, 4, 10))
    c6 = Case.objects.get(pk=book["c6"].pk)
    c6.status, c6.closed_at = Status.CLOSED_RESOLVED, at(2026, 7, 28, 9)
    c6.save(update_fields=["status", "closed_at"])
    assert rollup.pending() > 0
    assert_same_as_reference(book)
    assert CaseFact.objects.get(case=book["c1"]).linked_to_problem
    assert not CaseFact.objects.get(case=book["c6"]).linked_to_problem


def test_after_raw_sql_and_bulk_inserts(book):
    assert_same_as_reference(book)
    template = Case.objects.get(pk=book["c9"].pk)
    bulk = []
    for i in range(6):
        template.pk = None
        template.reference = f"PR-2026-9{i:05d}"
        template.created_at = at(2026, 7, 10 + i, 8)
        template.status = Status.CLOSED_RESOLVED if i % 2 else Status.NEW
        template.closed_at = at(2026, 7, 20 + i, 8) if i % 2 else None
        bulk.append(Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}))
    Case.objects.bulk_create(bulk)
    ids = list(Case.objects.filter(reference__startswith="PR-2026-9").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for i, case_id in enumerate(ids):
            cursor.execute(
                "INSERT INTO channels_message (case_id, direction, prompt, subject, body, sentiment, automatic,"
                " email_status, email_attempts, email_error, created_at)"
                " VALUES (%s, 'out', 'requested', 'm', 'b', '', %s, '', 0, '', %s)",
                [case_id, False, at(2026, 7, 11 + i, 16)],
            )
        cursor.execute(
            "UPDATE cases_case SET priority = 'urgent', csat = 4, satisfaction_asked_at = closed_at"
            " WHERE closed_at IS NOT NULL AND id IN (" + ", ".join(str(i) for i in ids) + ")"
        )
        cursor.execute(
            "DELETE FROM channels_message WHERE case_id = %s AND automatic = %s", [book["c1"].pk, False]
        )
    assert_same_as_reference(book)


def test_facts_counted_before_their_calendar_days_existed_are_counted_again(book):
    CalendarDay.objects.all().delete()
    # A metric without durations leaves the calendar as it is: the facts note the days they missed.
    measure("volume", start=PERIODS[0][0], end=PERIODS[0][1], now=NOW)
    assert CaseFact.objects.filter(calendar_missing=True).count() == Case.objects.count()
    # A duration fills the calendar first; the facts that missed days are computed again.
    assert_same_as_reference(book)
    assert not CaseFact.objects.filter(calendar_missing=True).exists()
    assert CaseFact.objects.get(case=book["c1"]).resolve_days == 2


def test_a_new_region_notes_every_case():
    settings_row = RegimeSettings.objects.get(pk=1)
    case(at(2026, 7, 1))
    rollup.refresh()
    settings_row.region = "SCT" if settings_row.region != "SCT" else "ENG"
    settings_row.save()
    assert rollup.pending() == Case.objects.count()


def test_parts_of_a_period_equal_a_measurement_per_part(book):
    start, end = date(2026, 7, 1), date(2026, 7, 31)
    for metric_id in (
        "volume",
        "time_to_acknowledge",
        "time_to_resolve",
        "csat",
        "reopen_rate",
        "remedy_cost",
    ):
        for bucket, days in (("day", 1), ("week", 7), ("month", 30)):
            rows = _rows(measure(metric_id, start=start, end=end, bucket=bucket, now=NOW))
            total = _rows(reference.measure(metric_id, start=start, end=end, now=NOW))
            assert rows[: len(total)] == total
            expected = []
            first = start
            while first <= end:
                last = min(first + timedelta(days=days - 1), end)
                if _has_rows(metric_id, first, last):
                    part = f"bucket={first.isoformat()}"
                    for group, *figures in _rows(
                        reference.measure(metric_id, start=first, end=last, now=NOW)
                    ):
                        expected.append((f"{part};{group}" if group else part, *figures))
                first = last + timedelta(days=1)
            assert rows[len(total) :] == expected, (metric_id, bucket)


def _has_rows(metric_id: str, first: date, last: date) -> bool:
    """Whether a part has anything in it (a part with nothing in it has no rows when bucketed)."""
    lo, hi = (
        at(first.year, first.month, first.day, 0),
        at(last.year, last.month, last.day, 0) + timedelta(days=1),
    )
    if metric_id in ("time_to_acknowledge", "time_to_resolve"):  # something to take a median of
        return reference.measure(metric_id, start=first, end=last, now=NOW).rows[0].value is not None
    cases = Case.objects.exclude(status=Status.CLOSED_DUPLICATE)
    if metric_id == "volume":
        return cases.filter(created_at__gte=lo, created_at__lt=hi).exists()
    if metric_id == "csat":
        return cases.filter(satisfaction_asked_at__gte=lo, satisfaction_asked_at__lt=hi).exists()
    closed = cases.filter(closed_at__gte=lo, closed_at__lt=hi)
    if metric_id == "remedy_cost":
        return closed.filter(options__status="agreed").exists()
    return closed.exists()


def test_bucket_refuses_what_it_cannot_divide():
    with pytest.raises(ValueError, match="bucket must be one of: day, week, month"):
        measure("volume", start=date(2026, 7, 1), end=date(2026, 7, 31), bucket="year")
    with pytest.raises(ValueError, match="backlog_age cannot be divided into parts of its period"):
        measure("backlog_age", start=date(2026, 7, 1), end=date(2026, 7, 31), bucket="week")


def test_the_rollup_command(book):
    out, err = io.StringIO(), io.StringIO()
    call_command("insights", "rollup", stdout=out, stderr=err)
    assert out.getvalue().strip().startswith("Rollup up to date: ")
    assert out.getvalue().strip().endswith(f", {Case.objects.count():,} cases")
    CaseFact.objects.filter(case=book["c1"]).update(csat=1)  # damage a fact behind the triggers' back
    out = io.StringIO()
    call_command("insights", "rollup", "--rebuild", stdout=out, stderr=err)
    assert out.getvalue().strip() == f"Rollup rebuilt: {Case.objects.count():,} cases"
    assert "Rebuilding the rollup " in err.getvalue()
    assert CaseFact.objects.get(case=book["c1"]).csat == 5
    assert_same_as_reference(book)


def test_the_cases_export_writes_local_minutes_right_across_the_clock_changes():
    local = LocalMinutes()
    for first in (datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC)):
        for step in range(0, 3 * 24 * 60, 7):
            moment = first + timedelta(minutes=step, seconds=59)
            expected = _moment(moment)
            assert local(moment) == expected  # as PostgreSQL gives it
            assert local(moment.replace(tzinfo=None)) == expected  # as SQLite does (UTC, naive)
    assert local(None) == ""
