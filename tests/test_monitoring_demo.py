"""``demo_load`` includes S5 and S4: a signal breach that opened a problem (source kind d) and a
proactive notice to six customers, and a feedback feed with a rising theme."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from putright.audit.models import Event
from putright.channels.models import Message
from putright.demo import content
from putright.feedback.models import FeedbackItem
from putright.feedback.selectors import FeedFilters, feedback_themes
from putright.monitoring.models import Signal, SignalBreach
from putright.problems.models import ProblemCase
from putright.vocab import OPEN_STATUSES

CASES = 40
SIGNALS = content.extras()["signals"]
AFFECTED, NOTICE_SUBJECT, THRESHOLD_NAME = (
    SIGNALS["affected"],
    SIGNALS["notice_subject"],
    SIGNALS["threshold_name"],
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    out = io.StringIO()
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command(
                "demo_load",
                "--cases",
                str(CASES),
                "--history-months",
                "0",
                stdout=out,
                stderr=io.StringIO(),
            )
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_delivery_delays_breach_once_and_open_one_problem_of_source_kind_d(demo):
    [breach] = SignalBreach.objects.filter(threshold__name=THRESHOLD_NAME)
    problem = breach.problem
    assert (problem.origin, problem.source_kind) == ("signal", "d")
    assert problem.category.slug == "delivery"
    assert breach.readings == 7  # every south-west reading above 48 joined the one breach
    assert breach.first_value == 49
    assert Signal.objects.filter(evaluated_at__isnull=True).count() == 0
    assert f"/signals/breaches/{breach.pk}/" in demo
    assert "6 customers told unprompted" in demo


@pytest.mark.django_db
def test_six_customers_were_told_unprompted_on_their_open_cases_linked_to_the_problem(demo):
    breach = SignalBreach.objects.get(threshold__name=THRESHOLD_NAME)
    affected = list(breach.affected.select_related("case", "message"))
    assert len(affected) == AFFECTED
    assert all(a.notified_at is not None and not a.case_opened for a in affected)
    assert {a.case.status for a in affected} <= set(OPEN_STATUSES)
    notices = Message.objects.filter(subject=NOTICE_SUBJECT)
    assert notices.count() == AFFECTED
    assert set(notices.values_list("prompt", flat=True)) == {Message.Prompt.UNPROMPTED}
    assert set(notices.values_list("case_id", flat=True)) == {a.case_id for a in affected}
    for a in affected:
        assert Event.objects.filter(case=a.case, kind="message.sent", after__breach=breach.pk).count() == 1
    linked = set(ProblemCase.objects.filter(problem=breach.problem).values_list("case_id", flat=True))
    assert linked == {a.case_id for a in affected}
    assert breach.unmatched == [{"postcode_prefix": "TR1"}]


@pytest.mark.django_db
def test_the_feed_has_satisfaction_answers_survey_responses_notes_and_a_rising_theme(demo, django_user_model):
    sources = set(FeedbackItem.objects.values_list("source", flat=True))
    assert sources == {"satisfaction", "survey", "colleague"}
    assert FeedbackItem.objects.filter(source="colleague").count() == 3
    manager = django_user_model.objects.get(username="manager")
    report = feedback_themes(user=manager, filters=FeedFilters())
    assert "left outside" in [t.term for t in report.themes[:5]]
