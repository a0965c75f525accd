"""After ``demo_load`` the outbox is empty, and a real customer's acknowledgement is the first thing sent.

The demo's messages and alerts happened in the story's past: they are recorded as delivered and no
delivery task is queued for them. What the demo does leave for the worker (comparing each report
with other customers' for repeated problems) waits at the lowest priority, behind live work. The
tasks go to the real database queue here, and the load really commits, as under ``make run``.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_tasks.base import TASK_MIN_PRIORITY
from django_tasks_db.models import DBTaskResult

from putright.cases import services
from putright.channels.models import Alert, Message
from putright.problems.models import ProblemCase
from putright.problems.tasks import case_analyse_past
from tests.conftest import make_report

DELIVER_MESSAGE = "putright.channels.delivery.deliver_message"
DELIVER_ALERT = "putright.channels.delivery.deliver_alert"
ANALYSE = "putright.problems.tasks.case_analyse_past"


@pytest.fixture
def loaded(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("demo_load", "--cases", "30", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_nothing_the_demo_wrote_waits_to_be_sent(loaded):
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() > 100
    assert set(Message.objects.values_list("email_status", flat=True)) == {"sent", "none"}
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND, email_status="none").exists()
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND, emailed_at__isnull=True).exists()
    assert Alert.objects.count() > 10
    assert set(Alert.objects.values_list("email_status", flat=True)) == {"sent"}
    assert not DBTaskResult.objects.filter(task_path__in=[DELIVER_MESSAGE, DELIVER_ALERT]).exists()


@pytest.mark.django_db(transaction=True)
def test_only_the_repeated_problem_analysis_is_left_for_the_worker_at_the_lowest_priority(loaded):
    queued = list(DBTaskResult.objects.values_list("task_path", "priority"))
    assert len(queued) == 30
    assert set(queued) == {(ANALYSE, TASK_MIN_PRIORITY)}


@pytest.mark.django_db(transaction=True)
def test_the_worker_s_analysis_of_the_demo_raises_problems_but_sends_nothing(loaded):
    """The analyses are of the story's past: their alerts to problem owners show in the app, and were
    delivered back then."""
    links_before = ProblemCase.objects.count()
    for result in DBTaskResult.objects.ready().filter(task_path=ANALYSE):
        case_analyse_past.call(*result.args_kwargs["args"])

    assert ProblemCase.objects.count() > links_before
    assert set(Alert.objects.values_list("email_status", flat=True)) == {"sent"}
    assert not DBTaskResult.objects.filter(task_path=DELIVER_ALERT).exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_report_s_acknowledgement_is_the_only_thing_to_send_and_goes_first(loaded):
    case, _ = services.case_report(report=make_report(customer_email="new.customer@example.com"))

    waiting = Message.objects.filter(email_status__in=["pending", "failed"])
    assert list(waiting.values_list("case_id", "subject")) == [(case.pk, "We have your report")]
    assert not Alert.objects.filter(email_status__in=["pending", "failed"]).exists()
    # The worker takes ready tasks by priority, then age (django_tasks_db's ordering): before the
    # acknowledgement there may be the new case's own work, never the demo's.
    order = list(DBTaskResult.objects.ready().values_list("task_path", "args_kwargs", "priority"))
    acknowledgement = order.index((DELIVER_MESSAGE, {"args": [waiting.get().pk], "kwargs": {}}, 0))
    assert all(args["args"] == [case.pk] for _, args, _ in order[:acknowledgement])
    assert [path for path, _, _ in order].count(DELIVER_MESSAGE) == 1
