"""After ``demo_load`` nothing waits to be sent, and a real customer's acknowledgement is the first thing sent.

The demo's messages and alerts happened in the story's past: they are recorded as delivered and their
delivery jobs are done. What the demo does leave for the worker (comparing each report with other
customers' for repeated problems) waits at the lowest priority, behind live work. The jobs stay in
the outbox here for the worker to relay (the database task backend), and the load really commits,
as under ``make run``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks.base import TASK_MIN_PRIORITY
from django_tasks_db.models import DBTaskResult

from putright import clock
from putright.cases import services
from putright.channels.models import Alert, Message
from putright.jobs import outbox
from putright.jobs.models import Job
from putright.problems.models import ProblemCase
from tests.conftest import make_report

DELIVER_MESSAGE = "putright.channels.delivery.deliver_message"
DELIVER_ALERT = "putright.channels.delivery.deliver_alert"
ANALYSE = "putright.problems.tasks.case_analyse"
ANALYSE_PAST = "putright.problems.tasks.case_analyse_past"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["mail", "analysis"]}}


# A fixed now, as the golden test has: the demo's story, and so which reports look alike, follows the
# clock (loaded at the real time of day, the past analyses linked nothing new at some hours).
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
# Enough of the story that the past analyses find a repeated problem to link (with 30, the burst's
# repeat report, closed as a duplicate, left none).
DEMO_CASES = 32


@pytest.fixture
def loaded(settings):
    settings.TASKS = DB_TASKS
    with clock.frozen(NOW):
        call_command(
            "demo_load",
            "--cases",
            str(DEMO_CASES),
            "--history-months",
            "0",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    with clock.frozen(NOW + timedelta(minutes=5)):
        yield


@pytest.mark.django_db(transaction=True)
def test_nothing_the_demo_wrote_waits_to_be_sent(loaded):
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() > 100
    assert set(Message.objects.values_list("email_status", flat=True)) == {"sent", "none"}
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND, email_status="none").exists()
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND, emailed_at__isnull=True).exists()
    assert Alert.objects.count() > 10
    assert set(Alert.objects.values_list("email_status", flat=True)) == {"sent"}
    deliveries = Job.objects.filter(task__in=[DELIVER_MESSAGE, DELIVER_ALERT])
    assert deliveries.exists()
    assert set(deliveries.values_list("status", "result")) == {("done", "delivered in the story")}
    assert not DBTaskResult.objects.exists()  # nothing handed to the queue yet: the worker relays


@pytest.mark.django_db(transaction=True)
def test_only_the_repeated_problem_analysis_is_left_for_the_worker_at_the_lowest_priority(loaded):
    waiting = list(Job.objects.filter(status="pending").values_list("task", "priority", "queue"))
    assert len(waiting) == DEMO_CASES
    assert set(waiting) == {(ANALYSE_PAST, TASK_MIN_PRIORITY, "analysis")}


@pytest.mark.django_db(transaction=True)
def test_the_worker_s_analysis_of_the_demo_raises_problems_but_sends_nothing(loaded):
    """The analyses are of the story's past: their alerts to problem owners show in the app, and were
    delivered back then."""
    links_before = ProblemCase.objects.count()
    call_command("worker", "--queue", "analysis", "--batch")

    assert ProblemCase.objects.count() > links_before
    assert set(Job.objects.filter(task=ANALYSE_PAST).values_list("status", flat=True)) == {"done"}
    assert set(Alert.objects.values_list("email_status", flat=True)) == {"sent"}
    assert not Job.objects.filter(task=DELIVER_ALERT, status="pending").exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_report_s_acknowledgement_is_the_only_thing_to_send_and_goes_first(loaded):
    case, _ = services.case_report(report=make_report(customer_email="new.customer@example.com"))

    waiting = Message.objects.filter(email_status__in=["pending", "failed"])
    assert list(waiting.values_list("case_id", "subject")) == [(case.pk, "We have your report")]
    assert not Alert.objects.filter(email_status__in=["pending", "failed"]).exists()
    # The relay hands jobs over by priority, then age, and the worker takes ready tasks the same way:
    # the new case's two jobs go before all of the demo's analyses.
    outbox.relay()
    order = list(
        DBTaskResult.objects.ready().values_list("task_path", "args_kwargs", "priority", "queue_name")
    )
    job_of = dict(Job.objects.values_list("pk", "args"))
    new_case_work = [(path, job_of[kw["kwargs"]["job_id"]], queue) for path, kw, _, queue in order[:2]]
    assert sorted(new_case_work) == [
        (DELIVER_MESSAGE, [waiting.get().pk], "mail"),
        (ANALYSE, [case.pk], "analysis"),
    ]
    assert {(path, priority) for path, _, priority, _ in order[2:]} == {(ANALYSE_PAST, TASK_MIN_PRIORITY)}
    assert len(order) == DEMO_CASES + 2  # the new report's two, then one past analysis per demo case
