"""The demo's year of history (issue 13 §5) and the two changes planted in it (issue 14 §5).

The full demo (``manage.py demo_load``: 240 cases of the story's present, seed 2026, and its default
twelve months of history) is loaded once for this module at a fixed now, and rolled back at the end.
Every figure is computed from the loaded database through ``putright.insights.metrics.measure``, the
way the dashboards, the exports and an improvement's baseline read it; the planted effects are tested
with scipy, never written into the test.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from putright import clock
from putright.audit.events import chain_verify
from putright.audit.models import Event
from putright.authority.models import Team
from putright.cases.models import Case, Promise
from putright.channels.models import Alert, Message
from putright.demo import history
from putright.engines.metrics.catalogue import METRICS, Unit
from putright.improvements.models import Improvement
from putright.insights.metrics import measure
from putright.insights.sql import Filters
from putright.jobs.models import Job
from putright.problems.models import Problem, ProblemCase, ProblemStatus
from putright.regulation.models import CaseClock
from putright.vocab import CLOSED_STATUSES, PromiseStatus, Status

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# A Monday morning, after the clocks went back (as the golden test's).
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SEED = 2026


def _months() -> list[tuple[date, date]]:
    """The twelve whole local months before NOW's month (Nov 2025 – Oct 2026: the history's year)."""
    first = timezone.localdate(NOW).replace(day=1)
    months = []
    for _ in range(12):
        end = first - timedelta(days=1)
        first = end.replace(day=1)
        months.append((first, end))
    return months[::-1]


MONTHS = _months()
# The first of them starts before the history does (a year back from now, mid-month): whole months after it.
FULL_MONTHS = MONTHS[1:]
# The months whose reports are all history (it ends END_DAYS_BEFORE before now; the present is younger).
HISTORY_MONTHS = [
    m for m in FULL_MONTHS if m[1] < timezone.localdate(NOW) - timedelta(days=history.END_DAYS_BEFORE)
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    out, err = io.StringIO(), io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with clock.frozen(NOW):
            call_command("demo_load", "--seed", str(SEED), stdout=out, stderr=err)
            yield {"stdout": out.getvalue(), "stderr": err.getvalue()}
        transaction.set_rollback(True)


def _history():
    """The history's cases: closed, and in a team (the present's closed cases predate the teams)."""
    return Case.objects.filter(status__in=CLOSED_STATUSES, team__isnull=False)


def _measure(metric_id: str, span: tuple[date, date], **filters):
    return measure(metric_id, start=span[0], end=span[1], filters=Filters(**filters), now=NOW).rows[0]


def _two_proportion_p(a, b) -> float:
    """Two-sided p of the pooled two-proportion z-test, from the numerators and denominators of two rows."""
    k1, n1, k2, n2 = a.numerator, a.denominator, b.numerator, b.denominator
    pooled = (k1 + k2) / (n1 + n2)
    z = (k2 / n2 - k1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(z)))


# ---------------------------------------------------------------- the load


def test_it_loads_a_year_of_history_after_the_present_and_says_so(demo):
    history_cases = _history().count()
    assert 1000 <= history_cases <= 1400
    assert f"History: {history_cases} closed cases" in demo["stdout"]
    assert "240 cases loaded" in demo["stdout"]
    # Its own progress bar, after the present's.
    lines = demo["stderr"].splitlines()
    assert lines[-1].startswith("Loading demo history [" + "#" * 30 + "]")
    # Written after the present: the present's 240 cases keep the first references of their year.
    present = Case.objects.exclude(pk__in=_history()).order_by("pk")
    assert present.count() == 240
    assert _history().order_by("pk").first().pk > present.last().pk


def test_every_timeline_verifies_and_runs_forwards(demo):
    case_ids = list(Case.objects.values_list("pk", flat=True))
    checked, breaks = chain_verify(case_ids)
    assert breaks == []
    assert checked == Event.objects.count()
    previous = (None, None)
    for case_id, at in (
        Event.objects.filter(case__in=_history())
        .order_by("case_id", "seq")
        .values_list("case_id", "created_at")
    ):
        if previous[0] == case_id:
            assert at >= previous[1], case_id
        previous = (case_id, at)
    assert not Event.objects.filter(created_at__gt=NOW).exists()
    assert not _history().filter(closed_at__gt=NOW).exists()


def test_every_month_has_a_hundred_or_so_cases_in_every_team(demo):
    teams = list(Team.objects.values_list("name", flat=True))
    assert len(teams) == 3
    for start, end in HISTORY_MONTHS:
        opened = _history().filter(created_at__date__gte=start, created_at__date__lte=end)
        assert 70 <= opened.count() <= 160, (start, opened.count())
        by_team = Counter(opened.values_list("team__name", flat=True))
        assert all(by_team[team] >= 3 for team in teams), (start, by_team)


def test_the_history_is_closed_resolved_unresolved_and_resolved_with_no_reply(demo):
    statuses = Counter(_history().values_list("status", flat=True))
    total = sum(statuses.values())
    assert set(statuses) == {Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED, Status.CLOSED_NO_REPLY}
    assert 0.12 <= statuses[Status.CLOSED_UNRESOLVED] / total <= 0.22
    assert 0.3 <= statuses[Status.CLOSED_NO_REPLY] / total <= 0.5
    # Closed unresolved: a reason code and routes; every close records whether it was upheld.
    unresolved = _history().filter(status=Status.CLOSED_UNRESOLVED)
    assert not unresolved.filter(unresolved_reason__isnull=True).exists()
    assert not unresolved.filter(other_routes=[]).exists()
    assert len(set(unresolved.values_list("unresolved_reason__code", flat=True))) >= 5
    assert set(_history().values_list("upheld", flat=True)) >= {"upheld", "partly", "not_upheld"}


def test_satisfaction_is_answered_by_under_half_with_all_three_scores(demo):
    asked = _history().filter(satisfaction_asked_at__isnull=False)
    answered = asked.filter(csat__isnull=False)
    assert 0.38 <= answered.count() / asked.count() <= 0.52
    assert answered.filter(ces__isnull=False).exists() and answered.filter(nps__isnull=False).exists()
    # Some answered only after the reminder; those never answering were reminded, then closed with no reply.
    reminded = asked.filter(satisfaction_reminded_at__isnull=False)
    assert reminded.filter(satisfaction_answered_at__isnull=False).count() >= 50
    no_reply = _history().filter(status=Status.CLOSED_NO_REPLY)
    assert no_reply.filter(satisfaction_reminded_at__isnull=True).count() == 0
    assert no_reply.filter(satisfaction_answered_at__isnull=False).count() == 0
    assert Event.objects.filter(case__in=no_reply, kind="case.closed_no_reply").count() == no_reply.count()


def test_clocks_are_met_met_late_and_missed_with_the_sweeps_marks(demo):
    clocks = CaseClock.objects.filter(case__in=_history())
    met = clocks.filter(met_at__isnull=False, met_at__lte=F("due_at")).count()
    late = clocks.filter(met_at__gt=F("due_at")).count()
    missed = clocks.filter(missed_at__isnull=False)
    assert met > 3 * late > 0
    assert missed.count() >= late
    assert Event.objects.filter(case__in=_history(), kind="clock.missed").count() == missed.count()
    assert Event.objects.filter(case__in=_history(), kind="clock.at_risk").exists()
    for start, end in FULL_MONTHS:
        row = _measure("deadline_compliance", (start, end))
        assert 0.5 < row.value < 1, (start, row)
    # DISP where regulated: the finance complaints, marked regulated by their handler, have the FCA's clocks.
    regulated = _history().filter(is_regulated_complaint=True)
    assert regulated.count() >= 12
    disp = clocks.filter(kind__startswith="disp_")
    assert set(disp.values_list("case_id", flat=True)) == set(regulated.values_list("pk", flat=True))
    assert Event.objects.filter(case__in=regulated, kind="case.classified").count() == regulated.count()
    regimes = measure(
        "deadline_compliance", start=MONTHS[0][0], end=MONTHS[-1][1], group_by="regime", now=NOW
    ).rows[1:]
    by_regime = {row.group: row for row in regimes}
    assert {"regime=disp", "regime=service_levels", "regime=refund"} <= set(by_regime)
    assert all(0 < row.value < 1 for row in by_regime.values() if row.denominator >= 30), by_regime


def test_promises_are_kept_kept_late_and_were_broken_on_the_way(demo):
    promises = Promise.objects.filter(case__in=_history())
    statuses = Counter(promises.values_list("status", flat=True))
    assert statuses[PromiseStatus.KEPT] > statuses[PromiseStatus.KEPT_LATE] > 100
    # A promise kept late had been marked broken by the sweep when it fell due (unless it was kept before the
    # sweep's next run).
    broken = Event.objects.filter(case__in=_history(), kind="promise.broken").count()
    assert 0.9 * statuses[PromiseStatus.KEPT_LATE] <= broken <= statuses[PromiseStatus.KEPT_LATE]


def test_people_acknowledge_hours_after_the_report(demo):
    hours = []
    for span in HISTORY_MONTHS:
        row = _measure("time_to_acknowledge", span)
        assert row.value is not None
        hours.append(row.value)
    assert all(1 < h < 30 for h in hours), hours


def test_customers_come_back_some_within_the_repeat_contact_window(demo):
    returning = _history().values("customer").annotate(n=Count("pk")).filter(n__gt=1).count()
    assert returning >= 50
    fcr = [_measure("first_contact_resolution", span) for span in HISTORY_MONTHS]
    assert all(0.7 < row.value <= 1 for row in fcr), fcr
    assert sum(row.value < 1 for row in fcr) >= len(fcr) - 2, fcr
    reopened = sum(_measure("reopen_rate", span).numerator for span in FULL_MONTHS)
    assert reopened >= 20


def test_the_problems_of_the_year_are_linked_and_resolved(demo):
    problems = Problem.objects.filter(links__case__in=_history()).distinct()
    assert problems.count() == len(history.problem_specs())
    assert set(problems.values_list("status", flat=True)) == {ProblemStatus.RESOLVED}
    for problem in problems:
        links = ProblemCase.objects.filter(problem=problem)
        assert links.count() >= 5, problem.title
        assert problem.first_seen == min(link.case.created_at for link in links.select_related("case"))
        assert not links.filter(case__created_at__gt=problem.resolved_at).exists()
    assert (
        Event.objects.filter(case__in=_history(), kind="problem.linked").count()
        == ProblemCase.objects.filter(case__in=_history()).count()
    )


def test_the_words_vary_like_real_complaints(demo):
    subjects = Counter(_history().values_list("subject", flat=True))
    descriptions = Counter(_history().values_list("description", flat=True))
    assert len(subjects) >= 200
    assert len(descriptions) >= 0.95 * _history().count()
    assert max(descriptions.values()) <= 3


def test_every_metric_has_a_figure_in_every_month_of_the_year(demo):
    empty = []
    for metric in METRICS:
        for span in FULL_MONTHS:
            row = _measure(metric.id, span)
            if metric.unit is Unit.RATE:
                ok = (
                    row.value is not None
                    and row.denominator
                    and (row.value > 0 or metric.id == "reopen_rate")
                )
            else:
                ok = row.value is not None and (row.value != 0 or metric.id == "nps")
            if not ok:
                empty.append(f"{metric.id} {span[0]:%b %Y}: {row}")
    assert empty == []


def test_each_team_and_the_busy_categories_have_their_figures_every_month(demo):
    teams = list(Team.objects.values_list("pk", flat=True))
    for span in FULL_MONTHS:
        for team in teams:
            assert _measure("volume", span, team=team).value > 0
            assert _measure("time_to_resolve", span, team=team).value is not None
            assert _measure("csat", span, team=team).denominator > 0
        for category in ("delivery", "faulty-goods", "billing-payments", "installation"):
            assert _measure("volume", span, category=category).value > 0, (span, category)
            assert _measure("upheld", span, category=category).denominator > 0, (span, category)


def test_the_history_leaves_nothing_to_send_or_analyse(demo):
    outbound = Message.objects.filter(case__in=_history(), direction=Message.Direction.OUTBOUND)
    assert outbound.count() > 10 * _history().count()
    assert not outbound.exclude(email_status=Message.EmailStatus.SENT).exists()
    alerts = Alert.objects.filter(case__in=_history())
    assert alerts.exists() and not alerts.exclude(email_status="sent").exists()
    history_ids = set(_history().values_list("pk", flat=True))
    # Its cases were linked to their problems as they came in: no analysis is left for the worker.
    analysed = {args[0] for task, args in Job.objects.values_list("task", "args") if "case_analyse" in task}
    assert not analysed & history_ids


# ---------------------------------------------------------------- the planted changes (issue 14 §5)


def test_the_promise_change_in_deliveries_is_a_significant_rise(demo):
    marks = history.planted(NOW)
    before_span, after_span = marks.windows(marks.promise_change_date)
    before = _measure(history.PROMISE_METRIC, before_span, category=history.PROMISE_CATEGORY)
    after = _measure(history.PROMISE_METRIC, after_span, category=history.PROMISE_CATEGORY)
    assert before.denominator >= 80 and after.denominator >= 80
    assert before.value == pytest.approx(history.PROMISE_KEPT_BEFORE, abs=0.06)
    assert after.value == pytest.approx(history.PROMISE_KEPT_AFTER, abs=0.06)
    assert after.value - before.value > 0.15
    assert _two_proportion_p(before, after) < 0.01
    table = [
        [before.numerator, before.denominator - before.numerator],
        [after.numerator, after.denominator - after.numerator],
    ]
    assert stats.fisher_exact(table).pvalue < 0.01
    # Elsewhere, nothing changed that day.
    for category in ("faulty-goods", "installation"):
        a = _measure(history.PROMISE_METRIC, before_span, category=category)
        b = _measure(history.PROMISE_METRIC, after_span, category=category)
        if a.denominator >= 30 and b.denominator >= 30:
            assert _two_proportion_p(a, b) > 0.05


def test_the_acknowledgement_change_makes_no_detectable_difference(demo):
    marks = history.planted(NOW)
    before_span, after_span = marks.windows(marks.ack_change_date)
    before = _measure(history.ACK_METRIC, before_span)
    after = _measure(history.ACK_METRIC, after_span)
    assert before.denominator >= 30 and after.denominator >= 30
    assert _two_proportion_p(before, after) > 0.05
    table = [
        [before.numerator, before.denominator - before.numerator],
        [after.numerator, after.denominator - after.numerator],
    ]
    assert stats.chi2_contingency(table, correction=False).pvalue > 0.05
    # The change did happen: the new acknowledgement says what happens next, and only after that day.
    change = marks.ack_change_at
    new_words = (
        Q(body__contains="What happens next")
        | Q(body__contains="Next steps")
        | Q(body__contains="then offer you options")
    )
    acks = Message.objects.filter(case__in=_history(), subject="We are looking into your complaint")
    assert acks.filter(new_words, created_at__gte=change).count() > 100
    assert not acks.filter(new_words, case__created_at__lt=change).exists()


# ---------------------------------------------------------------- what a manager sees


def test_the_dashboard_shows_a_year_of_trends_to_a_manager(demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    start, end = MONTHS[0][0], MONTHS[-1][1]
    params = {"period": "custom", "from": start.isoformat(), "to": end.isoformat()}
    with clock.frozen(NOW):
        response = client.get(reverse("insights_section", kwargs={"name": "volume"}), params)
    assert response.status_code == 200
    html = response.content.decode()
    # The trend's table: one row per 30-day bucket of the year, each with its cases.
    assert html.count("<tr") >= 12
    assert "delivery" in html and "Reported by the customer" in html


# ---------------------------------------------------------------- issue 14 §5: the improvement cycles


def _improvement(title_start: str) -> Improvement:
    return Improvement.objects.select_related("owner", "approver", "proposer").get(
        title__startswith=title_start
    )


def test_the_courier_slot_improvement_ran_a_whole_cycle_and_was_adopted_on_a_significant_rise(demo):
    marks = history.planted(NOW)
    slots = _improvement("Book the courier's slot")
    assert (slots.stage, slots.act_decision, slots.verdict) == ("acted", "adopt", "improved")
    assert (slots.metric_id, slots.baseline_filter) == ("promises_kept", {"category": "delivery"})
    assert (slots.proposer.username, slots.owner.username, slots.approver.username) == (
        "supervisor",
        "supervisor",
        "manager",
    )
    change = marks.promise_change_date
    assert (slots.baseline_start, slots.baseline_end) == (
        change - timedelta(days=57),
        change - timedelta(days=2),
    )
    assert (slots.after_start, slots.after_end) == (change, change + timedelta(days=55))
    # The frozen figures are the catalogue's own, over the same windows, and the test is scipy's.
    before = _measure("promises_kept", (slots.baseline_start, slots.baseline_end), category="delivery")
    after = _measure("promises_kept", (slots.after_start, slots.after_end), category="delivery")
    assert (slots.baseline_numerator, slots.baseline_denominator) == (before.numerator, before.denominator)
    assert (slots.after_numerator, slots.after_denominator) == (after.numerator, after.denominator)
    assert slots.test_used == "two_proportion_z"
    assert slots.p_value == pytest.approx(_two_proportion_p(before, after), rel=1e-9)
    assert slots.p_value < 0.01 and slots.effect > 0
    assert slots.effect == pytest.approx(
        after.numerator / after.denominator - before.numerator / before.denominator
    )
    # Its "update a procedure" step published the procedure's second version, on the day before the change.
    step = slots.steps.get(kind="procedure")
    assert (step.procedure_version.procedure.title, step.procedure_version.number) == (
        "Promising a delivery date",
        2,
    )
    assert timezone.localdate(step.procedure_version.created_at) == change - timedelta(days=1)
    told = slots.steps.get(kind="communicate")
    assert (told.done_by.username, told.done_at is not None) == ("supervisor", True)
    assert slots.evidence.filter(kind="problem").exists()


def test_the_acknowledgement_improvement_honestly_found_no_difference_and_was_abandoned(demo):
    marks = history.planted(NOW)
    ack = _improvement("Say what happens next")
    assert (ack.stage, ack.act_decision, ack.verdict) == ("acted", "abandon", "no detectable difference")
    assert ack.metric_id == "csat"
    assert (ack.after_start, ack.after_end) == (
        marks.ack_change_date,
        marks.ack_change_date + timedelta(days=55),
    )
    before = _measure("csat", (ack.baseline_start, ack.baseline_end))
    after = _measure("csat", (ack.after_start, ack.after_end))
    assert ack.p_value == pytest.approx(_two_proportion_p(before, after), rel=1e-9)
    assert ack.p_value >= 0.05
    # Enough answers each side that "no difference" is a finding, not "too few to tell".
    assert min(before.denominator, after.denominator) >= 30
