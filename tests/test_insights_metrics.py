"""Every metric of the catalogue pinned against hand-counted fixtures (issue 13 §2), on whichever
database the run uses (SQLite by default, PostgreSQL with DATABASE_URL). July 2026 is the period; London
is on BST (UTC+1), so "1 July" begins at 23:00 UTC on 30 June."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from putright import clock
from putright.authority.models import Approval, Escalation, Team
from putright.cases.models import Promise, UnresolvedReason
from putright.cases.services.sweep import sweep_run
from putright.engines.deadlines import BusinessCalendar, business_days_between
from putright.engines.metrics import METRICS, percentile
from putright.insights.calendar import calendar_ensure
from putright.insights.metrics import Row, UnknownMetric, measure
from putright.insights.models import CalendarDay, InsightsSettings
from putright.insights.sql import Filters
from putright.problems.models import Problem, ProblemCase
from putright.regulation.models import CaseClock
from putright.vocab import Channel, OptionStatus, PromiseStatus, RemedyType, SourceKind, Status, Upheld
from tests.insights_fixtures import JULY, at, case, customer, event, message, option

pytestmark = pytest.mark.django_db
NOW = at(2026, 8, 15, 12)


def rows(metric_id, group_by=None, filters=None, period=JULY):
    return measure(
        metric_id, start=period[0], end=period[1], group_by=group_by, filters=filters, now=NOW
    ).rows


def by_group(found):
    return {r.group: (r.value, r.numerator, r.denominator) for r in found}


# ---------------------------------------------------------------- volume and the period's edges


def test_volume_counts_cases_opened_in_local_dates_without_duplicates(alice):
    case(at(2026, 7, 1, 0, 30), channel=Channel.WEB, category_slug="delivery")  # 23:30 UTC on 30 June: July
    case(at(2026, 7, 10), channel=Channel.EMAIL, category_slug="delivery")
    case(at(2026, 7, 31, 23, 30), channel=Channel.PHONE, source_kind=SourceKind.EXPECTATION_GAP)  # still July
    case(at(2026, 8, 1, 0, 30))  # August
    case(at(2026, 6, 30, 23, 30))  # June
    case(at(2026, 7, 12), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 13))  # never counted
    # By hand: 3 in July.
    assert rows("volume") == [Row("", 3, 3, None)]
    assert by_group(rows("volume", "channel")) == {
        "": (3, 3, None),
        "channel=email": (1, 1, None),
        "channel=phone": (1, 1, None),
        "channel=web": (1, 1, None),
    }
    assert by_group(rows("volume", ["source_kind", "category"])) == {
        "": (3, 3, None),
        "source_kind=a": (2, 2, None),
        "source_kind=c": (1, 1, None),
        "category=delivery": (2, 2, None),
        "category=none": (1, 1, None),
    }
    # Filters narrow every figure.
    assert rows("volume", filters=Filters(channel=Channel.EMAIL)) == [Row("", 1, 1, None)]
    assert rows("volume", filters=Filters(category="delivery")) == [Row("", 2, 2, None)]


def test_an_empty_period_divides_by_nothing():
    # Nothing at all: counts are 0, rates and scores have no value (and no division by zero), medians none.
    for m in METRICS:
        found = measure(m.id, start=date(2026, 7, 1), end=date(2026, 7, 31), now=NOW).rows
        total = found[0]
        assert total.group == ""
        if m.unit.value == "count":
            assert total.value == 0, m.id
        elif m.unit.value == "money":
            assert total.value == 0.0, m.id
        else:
            assert total.value is None, m.id
        if m.unit.value == "rate":
            assert total.denominator == 0, m.id


def test_unknown_metric_and_dimension():
    with pytest.raises(UnknownMetric):
        measure("nope", start=date(2026, 7, 1), end=date(2026, 7, 31))
    with pytest.raises(ValueError, match="cannot be grouped by 'regime'"):
        measure("volume", start=date(2026, 7, 1), end=date(2026, 7, 31), group_by="regime")
    with pytest.raises(ValueError, match="after it ends"):
        measure("volume", start=date(2026, 7, 31), end=date(2026, 7, 1))


# ---------------------------------------------------------------- durations


def test_time_to_acknowledge_counts_people_not_the_automatic_acknowledgement(alice):
    # Monday 6 July 2026, 09:00.
    a = case(at(2026, 7, 6, 9))
    message(a, at(2026, 7, 6, 9), automatic=True)  # "we have your report": does not count
    message(a, at(2026, 7, 6, 11), author=alice)  # 2 hours, 0 business days
    b = case(at(2026, 7, 6, 9))
    message(b, at(2026, 7, 6, 9), automatic=True)
    message(b, at(2026, 7, 7, 11), author=alice)  # 26 hours, 1 business day
    message(b, at(2026, 7, 8, 11), author=alice)  # a later message: not the first
    case(at(2026, 7, 6, 9), channel=Channel.PHONE, created_by=alice)  # a logged call: 0 hours
    c = case(at(2026, 7, 6, 9))
    message(c, at(2026, 7, 6, 9), automatic=True)  # not acknowledged by a person yet: not measured
    # Hours [0, 2, 26]: median 2; p90 at rank 0.9 × 2 = 1.8 → 2 + 0.8 × 24 = 21.2.
    # Business days [0, 0, 1]: median 0; p90 0 + 0.8 × 1 = 0.8.
    assert by_group(rows("time_to_acknowledge")) == {
        "": (2.0, None, None),
        "statistic=p90_hours": (21.2, None, None),
        "statistic=median_business_days": (0.0, None, None),
        "statistic=p90_business_days": (0.8, None, None),
    }
    grouped = by_group(rows("time_to_acknowledge", "channel"))
    assert grouped["channel=phone"] == (0.0, None, None)
    assert grouped["channel=web"] == (14.0, None, None)  # [2, 26]
    assert grouped["channel=web;statistic=p90_hours"] == (23.6, None, None)  # 2 + 0.9 × 24


def test_time_to_resolve_keeps_no_reply_apart():
    # Friday 3 July 10:00 → Monday 6 July 10:00: 72 hours, 1 business day.
    case(at(2026, 7, 3, 10), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 6, 10))
    # Monday 6 July 10:00 → 14:00: 4 hours, 0 business days.
    case(at(2026, 7, 6, 10), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 6, 14))
    # No reply: 1 → 21 July, 480 hours, 14 business days (2, 3, 6–10, 13–17, 20, 21 July).
    case(at(2026, 7, 1, 10), status=Status.CLOSED_NO_REPLY, closed=at(2026, 7, 21, 10))
    case(at(2026, 7, 1, 10), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 2, 10))
    # Resolved only: [4, 72] → median 38, p90 4 + 0.9 × 68 = 65.2; business days [0, 1] → 0.5, 0.9.
    total = by_group(rows("time_to_resolve"))
    assert total == {
        "": (38.0, None, None),
        "statistic=p90_hours": (65.2, None, None),
        "statistic=median_business_days": (0.5, None, None),
        "statistic=p90_business_days": (0.9, None, None),
    }
    outcome = by_group(rows("time_to_resolve", "outcome"))
    assert outcome["outcome=closed_no_reply"] == (480.0, None, None)
    assert outcome["outcome=closed_no_reply;statistic=median_business_days"] == (14.0, None, None)
    assert outcome["outcome=closed_resolved"] == (38.0, None, None)
    assert "outcome=closed_duplicate" not in outcome


def test_percentiles_match_numpy_on_fixed_data():
    rng = random.Random(13)
    hours = [round(rng.uniform(0.5, 900.0), 2) for _ in range(37)]
    expected_days = []
    for i, h in enumerate(hours):
        start = at(2026, 7, 1 + i % 28, 8)
        end = start + timedelta(hours=h)
        case(start, status=Status.CLOSED_RESOLVED, closed=end, category_slug="odd" if i % 2 else "even")
        # The local dates, as the calendar table counts them.
        expected_days.append(business_days_between(start.date(), end.astimezone(start.tzinfo).date()))
    # Only cases closed in July count: measure over a wide period so every one of them does.
    found = by_group(
        measure(
            "time_to_resolve", start=date(2026, 7, 1), end=date(2026, 12, 31), group_by="category", now=NOW
        ).rows
    )
    median, p90 = np.percentile(hours, [50, 90])
    assert found[""][0] == pytest.approx(round(median, 2), abs=0.011)
    assert found["statistic=p90_hours"][0] == pytest.approx(round(p90, 2), abs=0.011)
    d50, d90 = np.percentile(expected_days, [50, 90])
    assert found["statistic=median_business_days"][0] == pytest.approx(d50, abs=0.006)
    assert found["statistic=p90_business_days"][0] == pytest.approx(d90, abs=0.006)
    odd = [h for i, h in enumerate(hours) if i % 2]
    assert found["category=odd"][0] == pytest.approx(round(float(np.percentile(odd, 50)), 2), abs=0.011)
    # The pure definition the SQL follows is numpy's too.
    assert percentile(hours, 9, 10) == pytest.approx(p90)


def test_approval_turnaround(alice, bob):
    c = case(at(2026, 7, 6, 8))
    o = option(c, "10.00", status=OptionStatus.PROPOSED)
    common = dict(case=c, option=o, requested_by=alice)
    Approval.objects.create(
        **common, status="approved", created_at=at(2026, 7, 6, 9), decided_at=at(2026, 7, 6, 13)
    )
    Approval.objects.create(
        **common, status="rejected", created_at=at(2026, 7, 6, 9), decided_at=at(2026, 7, 8, 9)
    )
    Approval.objects.create(**common, status="pending", created_at=at(2026, 7, 6, 9))
    Approval.objects.create(
        **common, status="approved", created_at=at(2026, 6, 1, 9), decided_at=at(2026, 6, 2, 9)
    )
    # [4, 48] hours → median 26, p90 4 + 0.9 × 44 = 43.6; business days [0, 2] → 1, 1.8.
    assert by_group(rows("approval_turnaround")) == {
        "": (26.0, None, None),
        "statistic=p90_hours": (43.6, None, None),
        "statistic=median_business_days": (1.0, None, None),
        "statistic=p90_business_days": (1.8, None, None),
    }


# ---------------------------------------------------------------- rates


def test_first_contact_resolution_with_the_repeat_contact_window():
    closed = dict(status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 10, 12))
    case(at(2026, 7, 1), **closed)  # no further contact: first contact resolution
    wrote = case(at(2026, 7, 1), **closed)
    message(wrote, at(2026, 7, 13, 9), inbound=True)  # wrote again 3 days later: not
    late = customer("Late Return")
    case(at(2026, 7, 1), who=late, **closed)
    case(at(2026, 7, 20, 12), who=late)  # a new case 10 days later: outside the 7-day window, so still FCR
    soon = customer("Soon Back")
    case(at(2026, 7, 1), who=soon, **closed)
    case(at(2026, 7, 12, 12), who=soon)  # a new case 2 days later: not
    case(
        at(2026, 7, 1), status=Status.CLOSED_NO_REPLY, closed=at(2026, 7, 10, 12)
    )  # not a confirmed resolution
    # By hand: 2 of 4 resolved.
    assert rows("first_contact_resolution") == [Row("", 0.5, 2, 4)]
    # A 14-day window (the administrator's setting) catches the return 10 days later too: 1 of 4.
    InsightsSettings.objects.create(pk=1, repeat_contact_window_days=14)
    assert rows("first_contact_resolution") == [Row("", 0.25, 1, 4)]


def test_reopen_rate_within_the_window():
    a = case(at(2026, 6, 20), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 20))
    event(a, "case.delivered", at(2026, 7, 2))
    event(a, "case.reopened", at(2026, 7, 10))  # 8 days after it was put right: a reopen
    b = case(at(2026, 5, 20), status=Status.CLOSED_UNRESOLVED, closed=at(2026, 7, 20))
    event(b, "case.delivered", at(2026, 6, 1))
    event(b, "case.reopened", at(2026, 7, 5))  # 34 days: outside the 28-day window
    case(at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 3))
    # By hand: 1 of 3 closed → 0.3333.
    assert rows("reopen_rate") == [Row("", 0.3333, 1, 3)]
    # A 40-day window counts the second one too: 2 of 3.
    InsightsSettings.objects.create(pk=1, reopen_window_days=40)
    assert rows("reopen_rate") == [Row("", 0.6667, 2, 3)]


def test_escalation_and_repeated_problem_share(alice, bob):
    cases = [case(at(2026, 7, d)) for d in (1, 2, 3, 4)]
    Escalation.objects.create(
        case=cases[0], from_user=alice, to_user=bob, reason="Beyond me", created_at=at(2026, 7, 2)
    )
    problem = Problem.objects.create(
        title="Leaks", origin="manual", created_at=at(2026, 7, 1), updated_at=at(2026, 7, 1)
    )
    ProblemCase.objects.create(problem=problem, case=cases[1], linked_at=at(2026, 7, 2))
    ProblemCase.objects.create(
        problem=problem, case=cases[2], linked_at=at(2026, 7, 3), unlinked_at=at(2026, 7, 4)
    )
    # By hand: 1 of 4 escalated; 1 of 4 linked (the unlinked one does not count).
    assert rows("escalation_rate") == [Row("", 0.25, 1, 4)]
    assert rows("repeated_problem_share") == [Row("", 0.25, 1, 4)]


def test_promises_kept_by_their_due_time(alice):
    c = case(at(2026, 7, 1))

    def promise(status, due, kept=None):
        Promise.objects.create(
            case=c,
            description="Call back",
            owner=alice,
            due_at=due,
            status=status,
            kept_at=kept,
            created_at=at(2026, 7, 1),
        )

    promise(PromiseStatus.KEPT, at(2026, 7, 5), kept=at(2026, 7, 4))
    promise(PromiseStatus.KEPT_LATE, at(2026, 7, 5), kept=at(2026, 7, 6))
    promise(PromiseStatus.BROKEN, at(2026, 7, 6))
    promise(PromiseStatus.OPEN, at(2026, 7, 7))  # past due and still open: not kept
    promise(PromiseStatus.WITHDRAWN, at(2026, 7, 8))  # withdrawn: not counted
    promise(PromiseStatus.KEPT, at(2026, 8, 2), kept=at(2026, 8, 1))  # due in August
    # By hand: 1 kept of 4 due.
    assert rows("promises_kept") == [Row("", 0.25, 1, 4)]


def test_deadline_compliance_per_regime():
    c = case(at(2026, 7, 1))

    def clock_row(kind, due, met=None, missed=None, stopped=None, window=False):
        CaseClock.objects.create(
            case=c,
            kind=kind,
            rule_id="X",
            label=kind,
            met_by="closed",
            is_window=window,
            started_at=at(2026, 7, 1),
            counts_from=date(2026, 7, 1),
            due_date=due.date(),
            due_at=due,
            warn_at=due,
            met_at=met,
            missed_at=missed,
            stopped_at=stopped,
        )

    clock_row("acknowledge", at(2026, 7, 2, 23), met=at(2026, 7, 1, 12))  # met in time
    clock_row("resolve", at(2026, 7, 15, 23), met=at(2026, 7, 16, 12))  # met late: missed
    clock_row("disp_final_response", at(2026, 7, 20, 23), missed=at(2026, 7, 21))  # missed
    clock_row("refund", at(2026, 7, 25, 23))  # still running past its due time: missed
    clock_row("subject_access", at(2026, 7, 25, 23), stopped=at(2026, 7, 2))  # stopped: not counted
    clock_row("disp_summary_resolution", at(2026, 7, 6, 23), window=True)  # a window, never missed
    clock_row("first_update", at(2026, 8, 3, 23))  # due in August
    # By hand: 1 of 4; service levels 1 of 2, DISP 0 of 1, refund 0 of 1.
    assert by_group(rows("deadline_compliance", "regime")) == {
        "": (0.25, 1, 4),
        "regime=disp": (0.0, 0, 1),
        "regime=refund": (0.0, 0, 1),
        "regime=service_levels": (0.5, 1, 2),
    }


# ---------------------------------------------------------------- satisfaction


def test_csat_ces_nps_with_response_rate_and_too_few():
    asked = at(2026, 7, 10)
    answers = [  # (csat, ces, nps, channel)
        (5, 1, 10, Channel.WEB),
        (4, 2, 9, Channel.WEB),
        (3, 3, 9, Channel.WEB),
        (2, 4, 8, Channel.WEB),
        (5, 5, 3, Channel.EMAIL),
        (None, None, None, Channel.EMAIL),
        (None, None, None, Channel.EMAIL),
    ]
    for csat, ces, nps, channel in answers:
        case(
            at(2026, 7, 1),
            status=Status.CLOSED_RESOLVED if csat else Status.CLOSED_NO_REPLY,
            closed=at(2026, 7, 12),
            channel=channel,
            csat=csat,
            ces=ces,
            nps=nps,
            satisfaction_asked_at=asked,
        )
    case(at(2026, 6, 1), csat=1, satisfaction_asked_at=at(2026, 6, 10))  # asked in June
    # CSAT: 3 of 5 answers are 4–5 → 0.6; 5 answered of 7 asked → 0.7143.
    csat = by_group(rows("csat", "channel"))
    assert csat[""] == (0.6, 3, 5)
    assert csat["statistic=response_rate"] == (0.7143, 5, 7)
    # Web has 4 answers: too few for a score (no value), its counts still shown.
    assert csat["channel=web"] == (None, 2, 4)
    assert csat["channel=web;statistic=response_rate"] == (1.0, 4, 4)
    assert csat["channel=email"] == (None, 1, 1)
    # CES: mean of 1..5 = 3.0 (sum 15 of 5).
    assert rows("ces")[0] == Row("", 3.0, 15, 5)
    # NPS: promoters 10, 9, 9 (3), detractors 3 (1), passive 8: (3 − 1) / 5 × 100 = 40.
    assert rows("nps")[0] == Row("", 40.0, 2, 5)


def test_service_recovery_says_there_is_no_baseline_yet():
    for score in (5, 4, 4, 2, 5):
        case(
            at(2026, 7, 1),
            status=Status.CLOSED_RESOLVED,
            closed=at(2026, 7, 3),
            csat=score,
            satisfaction_asked_at=at(2026, 7, 2),
        )
    # Resolved complainants: 4 of 5 satisfied → 0.8; no survey baseline: the row says so.
    assert rows("service_recovery") == [Row("", 0.8, 4, 5), Row("baseline=none_yet", None, None, None)]


# ---------------------------------------------------------------- outcomes and money


def test_unresolved_outcomes_by_reason_and_route():
    reason = UnresolvedReason.objects.order_by("position", "pk").first()
    closed = dict(status=Status.CLOSED_UNRESOLVED, closed=at(2026, 7, 20))
    case(at(2026, 7, 1), unresolved_reason=reason, other_routes=["Ombudsman", "Court"], **closed)
    case(at(2026, 7, 1), unresolved_reason=reason, other_routes=["Ombudsman"], **closed)
    case(at(2026, 7, 1), other_routes=["Court"], **closed)
    case(at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 20))
    # By hand: 3 unresolved of 4 closed; reasons: the code twice, none once; routes: Court 2, Ombudsman 2.
    assert by_group(rows("unresolved_outcomes", ["reason", "route"])) == {
        "": (3, 3, 4),
        f"reason={reason.code}": (2, 2, 4),
        "reason=none": (1, 1, 4),
        "route=Court": (2, 2, 4),
        "route=Ombudsman": (2, 2, 4),
    }


def test_upheld_shares():
    closed = dict(status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 20))
    case(at(2026, 7, 1), upheld=Upheld.UPHELD, **closed)
    case(at(2026, 7, 1), upheld=Upheld.PARTLY, **closed)
    case(at(2026, 7, 1), upheld=Upheld.NOT_UPHELD, status=Status.CLOSED_UNRESOLVED, closed=at(2026, 7, 20))
    case(at(2026, 7, 1), **closed)  # not recorded
    case(at(2026, 7, 1), status=Status.CLOSED_NO_REPLY, closed=at(2026, 7, 20))  # no finding: kept apart
    # By hand: (1 + 1) of 4 → 0.5; each finding of the 4.
    assert by_group(rows("upheld", "upheld")) == {
        "": (0.5, 2, 4),
        "upheld=not_recorded": (0.25, 1, 4),
        "upheld=not_upheld": (0.25, 1, 4),
        "upheld=partly": (0.25, 1, 4),
        "upheld=upheld": (0.25, 1, 4),
    }


def test_remedy_cost_of_cases_closed_in_the_period():
    x = case(at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 20), category_slug="delivery")
    option(x, "100.00")
    option(x, "25.50", remedy_type=RemedyType.GOODWILL_CREDIT)
    option(x, "999.00", status=OptionStatus.DECLINED)  # not agreed
    y = case(at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 8, 2))
    option(y, "50.00")  # closed in August
    # By hand: 125.50 over 2 agreed options.
    assert by_group(rows("remedy_cost", ["remedy_type", "category"])) == {
        "": (125.5, 2, None),
        "remedy_type=goodwill_credit": (25.5, 1, None),
        "remedy_type=refund": (100.0, 1, None),
        "category=delivery": (125.5, 2, None),
    }


# ---------------------------------------------------------------- the open book


def test_backlog_age_bands_at_the_end_of_the_period():
    case(at(2026, 7, 31, 12))  # half a day: 0–2 days
    case(at(2026, 7, 20, 12))  # 11.5 days: 8–14
    case(at(2026, 5, 1))  # three months: over 56
    case(
        at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 8, 5)
    )  # open on 31 July: 29–56 (31 days)
    case(at(2026, 6, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 15))  # closed before the end
    case(at(2026, 8, 2))  # opened after the end
    assert by_group(rows("backlog_age", "age_band")) == {
        "": (4, 4, None),
        "age_band=0-2_days": (1, 1, None),
        "age_band=29-56_days": (1, 1, None),
        "age_band=8-14_days": (1, 1, None),
        "age_band=over_56_days": (1, 1, None),
    }


def test_workload_per_handler(alice, bob):
    case(at(2026, 7, 1), assignee=alice)
    case(at(2026, 6, 1), assignee=alice)
    case(at(2026, 7, 1), assignee=alice, status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 9))
    case(at(2026, 7, 1), assignee=bob, status=Status.CLOSED_UNRESOLVED, closed=at(2026, 7, 9))
    case(at(2026, 6, 1), assignee=bob, status=Status.CLOSED_RESOLVED, closed=at(2026, 6, 9))  # before July
    assert by_group(rows("workload", "handler")) == {
        "": (2, 2, None),
        "statistic=closed_in_period": (2, 2, None),
        "handler=alice": (2, 2, None),
        "handler=alice;statistic=closed_in_period": (1, 1, None),
        "handler=bob": (0, 0, None),
        "handler=bob;statistic=closed_in_period": (1, 1, None),
    }


def test_expectation_gaps_count_trend_and_examples():
    gap = SourceKind.EXPECTATION_GAP
    first = case(at(2026, 7, 3), source_kind=gap)
    second = case(at(2026, 7, 9), source_kind=gap)
    case(at(2026, 6, 15), source_kind=gap)  # the previous period (31 May – 30 June)
    case(at(2026, 7, 9))  # another kind
    assert rows("expectation_gaps") == [
        Row("", 2, 2, None),
        Row("statistic=previous_period", 1, 1, None),
        Row(f"example={second.reference}", None, None, None),
        Row(f"example={first.reference}", None, None, None),
    ]


# ---------------------------------------------------------------- scope, calendar, query counts


def test_team_scope_narrows_every_figure(alice):
    red = Team.objects.create(name="Red")
    blue = Team.objects.create(name="Blue")
    case(at(2026, 7, 1), team=red)
    case(at(2026, 7, 2), team=blue)
    case(at(2026, 7, 3))
    assert rows("volume", filters=Filters(team_ids=(red.pk,))) == [Row("", 1, 1, None)]
    assert by_group(rows("volume", "team")) == {
        "": (3, 3, None),
        "team=Blue": (1, 1, None),
        "team=Red": (1, 1, None),
        "team=none": (1, 1, None),
    }


@pytest.mark.parametrize("region", ["ENG", "SCT", "NIR"])
def test_the_calendar_table_agrees_with_the_deadlines_engine(region):
    calendar_ensure(date(2026, 12, 1), date(2027, 1, 10), region_code=region)
    calendar_ensure(date(2026, 11, 20), date(2027, 1, 20), region_code=region)  # filled both ways, in pieces
    ordinals = dict(CalendarDay.objects.filter(region=region).values_list("date", "business_day_ordinal"))
    business = dict(CalendarDay.objects.filter(region=region).values_list("date", "is_business_day"))
    cal = BusinessCalendar(region=region)
    days = sorted(ordinals)
    assert days[0] == date(2026, 11, 20) and days[-1] == date(2027, 1, 20) and len(days) == 62
    for day in days:
        assert business[day] == cal.is_business_day(day)
    for start in days[::5]:
        for end in days[::3]:
            if end >= start:
                assert ordinals[end] - ordinals[start] == business_days_between(start, end, cal)
    # Already filled: nothing added, one query.
    assert calendar_ensure(date(2026, 12, 1), date(2027, 1, 10), region_code=region) == 0


def _queries(metric_id, group_by):
    measure(metric_id, start=JULY[0], end=JULY[1], group_by=group_by, now=NOW)  # the calendar filled first
    with CaptureQueriesContext(connection) as ctx:
        measure(metric_id, start=JULY[0], end=JULY[1], group_by=group_by, now=NOW)
    return len(ctx.captured_queries)


def test_a_metric_costs_the_same_queries_whatever_the_number_of_cases(alice):
    def some(n):
        for i in range(n):
            c = case(
                at(2026, 7, 1 + i % 20),
                status=Status.CLOSED_RESOLVED,
                closed=at(2026, 7, 21 + i % 5),
                category_slug=f"cat{i % 3}",
                assignee=alice,
                csat=1 + i % 5,
                satisfaction_asked_at=at(2026, 7, 21),
                other_routes=["Ombudsman"],
            )
            option(c, "10.00")
            message(c, at(2026, 7, 1 + i % 20, 12), author=alice)

    some(3)
    small = {m.id: _queries(m.id, [d.value for d in m.natural_dimensions]) for m in METRICS}
    some(12)
    large = {m.id: _queries(m.id, [d.value for d in m.natural_dimensions]) for m in METRICS}
    assert small == large
    # Pinned: the settings and region (2), the rollup's refresh (1 when nothing is noted: the first metric
    # measured after the changes rolled them up), then one query per total and per dimension; durations first check the calendar covers the
    # data (first case, region, span: 3); reason and route add a count each.
    assert large["volume"] == 2 + 1 + 1 + 3
    assert large["time_to_resolve"] == 3 + 2 + 1 + 1 + 2
    assert large["unresolved_outcomes"] == 2 + 1 + 1 + 2 + 2


def test_every_metric_answers_for_every_dimension_it_declares(alice):
    c = case(at(2026, 7, 1), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 3), assignee=alice, csat=5)
    message(c, at(2026, 7, 1, 12), author=alice)
    for m in METRICS:
        for d in m.dimensions:
            found = measure(m.id, start=JULY[0], end=JULY[1], group_by=d.value, now=NOW).rows
            assert found[0].group == "" and all(
                r.group == "" or r.group.startswith(("statistic=", "example=", "baseline=", f"{d.value}="))
                for r in found
            ), (m.id, d)


def test_the_sweep_keeps_the_calendar_filled_a_year_ahead():
    case(at(2026, 3, 2))
    with clock.frozen(at(2026, 7, 1, 12)):
        sweep_run()
    days = CalendarDay.objects.filter(region="ENG")
    assert days.order_by("date").first().date == date(2026, 3, 1)
    assert days.order_by("date").last().date == date(2027, 7, 2)  # 366 days after 1 July 2026
    # 25 December 2026 is closed, 24 December open; ordinals step only on business days.
    christmas = {d.date: d for d in days.filter(date__range=(date(2026, 12, 24), date(2026, 12, 29)))}
    assert [christmas[date(2026, 12, d)].is_business_day for d in (24, 25, 28, 29)] == [
        True,
        False,
        False,
        True,
    ]
    assert (
        christmas[date(2026, 12, 29)].business_day_ordinal
        - christmas[date(2026, 12, 24)].business_day_ordinal
        == 1
    )


def test_pinned_query_counts(django_assert_num_queries):
    for day in (1, 2, 3):
        case(at(2026, 7, day), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, day + 5))
    measure("time_to_resolve", start=JULY[0], end=JULY[1])  # fills the calendar
    # Settings, region, the rollup's refresh (nothing noted: 1), the total: 4. Grouped by channel: one more.
    with django_assert_num_queries(5):
        measure("volume", start=JULY[0], end=JULY[1], group_by="channel")
    # The calendar check (first case, region, span), settings, region, the refresh, the percentiles: 7.
    with django_assert_num_queries(7):
        measure("time_to_resolve", start=JULY[0], end=JULY[1])
