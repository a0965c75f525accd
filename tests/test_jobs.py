"""The outbox (putright.jobs): work scheduled in a transaction, relayed to the queue, claimed with a heartbeat.

These tests use the database task backend (as production does), so nothing runs by itself: the test
relays and runs, and sees each row on the way. The worker processes are in test_worker_crash.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, transaction
from django_tasks_db.models import DBTaskResult

from putright import clock
from putright.cases import services
from putright.cases import tasks as case_tasks
from putright.cases.models import Case
from putright.channels import delivery
from putright.jobs import outbox, queues, runner
from putright.jobs.management.commands.worker import QueueWorker
from putright.jobs.models import Job
from putright.problems import tasks as problem_tasks
from tests.conftest import aware, make_report

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(queues.ALL)}}
T0 = aware(2026, 3, 2, 10)

# A job function of the tests' own: records its calls, and fails while told to.
calls: list[tuple] = []
failures: list[Exception] = []


@runner.job_task(queue=queues.ANALYSIS)
def record(*args):
    calls.append(args)
    if failures:
        raise failures.pop(0)
    return f"recorded {args}"


@pytest.fixture(autouse=True)
def _database_backend(settings):
    settings.TASKS = DB_TASKS
    calls.clear()
    failures.clear()
    with clock.frozen(T0):
        yield


def _run(task_row: DBTaskResult):
    """What the worker does with a task row: call the task with its arguments."""
    return task_row.task.call(*task_row.task_result.args, **task_row.task_result.kwargs)


# ---------------------------------------------------------------- scheduling


def test_only_a_job_task_can_be_scheduled(db):
    with pytest.raises(TypeError, match="is not a job task"):
        outbox.later(problem_tasks.services.case_analyse, 1)  # a plain function
    with pytest.raises(TypeError, match="is not a job task"):
        outbox.later(case_tasks.sweep)  # a task, but not one that claims a job
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_commits_and_rolls_back_with_the_transaction_that_scheduled_it():
    with transaction.atomic():
        kept = outbox.later(record, "kept", 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.later(record, "lost")
        raise RuntimeError("the change failed")
    assert list(Job.objects.values_list("pk", "task", "args", "queue", "status", "created_at")) == [
        (kept.pk, "tests.test_jobs.record", ["kept", 1], "analysis", "pending", T0)
    ]
    assert calls == []  # scheduled, not run: the worker relays it
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_report_is_one_transaction_and_its_work_waits_in_the_outbox():
    case, _ = services.case_report(report=make_report())
    ack = case.messages.get()
    assert list(Job.objects.order_by("pk").values_list("task", "args", "queue", "status")) == [
        ("putright.problems.tasks.case_analyse", [case.pk], "analysis", "pending"),
        ("putright.channels.delivery.deliver_message", [ack.pk], "mail", "pending"),
    ]
    assert DBTaskResult.objects.count() == 0  # the request itself enqueued nothing


# ---------------------------------------------------------------- relaying


def test_the_relay_hands_each_due_job_over_once_by_priority_and_again_only_if_its_task_was_lost(db):
    low = outbox.later(record, "low", priority=-10)
    high = outbox.later(record, "high", priority=5)
    mail = outbox.later(delivery.deliver_alert, 999)
    assert outbox.relay(queues=[queues.ANALYSIS]) == 2
    rows = list(
        DBTaskResult.objects.order_by("enqueued_at", "priority").values_list("task_path", "args_kwargs")
    )
    assert sorted(rows, key=str) == sorted(
        [
            ("tests.test_jobs.record", {"args": [], "kwargs": {"job_id": high.pk}}),
            ("tests.test_jobs.record", {"args": [], "kwargs": {"job_id": low.pk}}),
        ],
        key=str,
    )
    assert set(DBTaskResult.objects.values_list("queue_name", "priority")) == {
        ("analysis", 5),
        ("analysis", -10),
    }
    assert outbox.relay() == 1  # the mail job; the others are handed over already
    assert Job.objects.get(pk=mail.pk).enqueued_at == T0
    assert outbox.relay(now=T0 + outbox.REQUEUE_AFTER) == 0
    # Never claimed long after being handed over: its task was lost; hand it over again.
    assert outbox.relay(now=T0 + outbox.REQUEUE_AFTER + timedelta(seconds=1)) == 3
    assert DBTaskResult.objects.count() == 6


def test_a_job_naming_no_job_task_gives_up_with_the_reason(db):
    job = Job.objects.create(
        task="putright.nowhere.gone", args=[], queue="analysis", created_at=T0, available_at=T0
    )
    assert outbox.relay() == 0
    job.refresh_from_db()
    assert (job.status, job.error) == ("gave_up", "No job task 'putright.nowhere.gone' in this version.")


# ---------------------------------------------------------------- running


def test_a_job_runs_once_however_often_its_task_arrives(db):
    job = outbox.later(record, "once")
    outbox.relay()
    outbox.relay(now=T0 + outbox.REQUEUE_AFTER + timedelta(seconds=1))  # a twin task for the same job
    first, twin = DBTaskResult.objects.order_by("enqueued_at")
    assert _run(first) == "recorded ('once',)"
    assert _run(twin) == "skipped"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result, job.finished_at) == ("done", 1, "recorded ('once',)", T0)
    assert calls == [("once",)]


def test_a_failed_job_waits_longer_each_time_then_gives_up(db, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "JOB_MAX_ATTEMPTS": 3}
    job = outbox.later(record, "flaky")
    failures.extend([OperationalError("database is locked"), ValueError("bad data"), ValueError("still bad")])
    waits = []
    now = T0
    for _attempt in range(3):
        assert outbox.relay(now=now) == 1
        task_row = DBTaskResult.objects.order_by("-enqueued_at").first()
        with clock.frozen(now), pytest.raises((OperationalError, ValueError)):
            _run(task_row)
        job.refresh_from_db()
        if job.status == "pending":
            waits.append(job.available_at - now)
            assert outbox.relay(now=job.available_at - timedelta(seconds=1)) == 0  # not before its time
            now = job.available_at
    assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
    assert (job.status, job.attempts, job.error) == ("gave_up", 3, "ValueError: still bad")
    assert outbox.relay(now=now + timedelta(days=1)) == 0


def test_a_task_queued_before_the_outbox_existed_still_runs(db):
    """Deployed over a queue holding old tasks (arguments, no job id): they run as they were."""
    assert problem_tasks.case_analyse.call(123456) == "missing"
    assert record.call("direct") == "recorded ('direct',)"
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_a_heartbeat_from_its_own_thread(settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "JOB_HEARTBEAT_SECONDS": 1}
    job = outbox.later(record, "slow")
    outbox.relay()
    beaten = threading.Event()
    beat_seen_at = []

    def slow_work(*args):
        # The clock moves on while the job works; the heartbeat thread stamps the time it reads.
        with clock.frozen(T0 + timedelta(minutes=5)):
            for _ in range(50):
                row = Job.objects.get(pk=job.pk)
                if row.heartbeat_at > row.claimed_at:
                    beat_seen_at.append(row.heartbeat_at)
                    beaten.set()
                    return "worked"
                beaten.wait(0.1)
        return "no heartbeat seen"

    assert runner.job_run(slow_work, job.pk) == "worked"
    assert beat_seen_at == [T0 + timedelta(minutes=5)]
    job.refresh_from_db()
    assert (job.status, job.claimed_at) == ("done", T0)


# ---------------------------------------------------------------- recovering from a dead worker


def test_a_job_left_running_by_a_silent_worker_is_handed_back_and_runs_again(db, settings):
    stale_after = settings.PUTRIGHT["JOB_STALE_SECONDS"]
    job = outbox.later(record, "interrupted")
    outbox.relay()
    Job.objects.filter(pk=job.pk).update(status="running", claimed_at=T0, heartbeat_at=T0, attempts=1)
    assert outbox.recover_stale(now=T0 + timedelta(seconds=stale_after)) == 0  # still within the limit
    assert outbox.recover_stale(now=T0 + timedelta(seconds=stale_after + 1)) == 1
    job.refresh_from_db()
    assert (job.status, job.enqueued_at, job.error) == (
        "pending",
        None,
        "The worker stopped while running it (no heartbeat).",
    )
    assert outbox.relay(now=T0 + timedelta(seconds=stale_after + 1)) == 1
    assert _run(DBTaskResult.objects.order_by("-enqueued_at").first()) == "recorded ('interrupted',)"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)


def test_a_stale_job_out_of_attempts_gives_up(db, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "JOB_MAX_ATTEMPTS": 2}
    job = outbox.later(record, "doomed")
    Job.objects.filter(pk=job.pk).update(status="running", claimed_at=T0, heartbeat_at=T0, attempts=2)
    assert outbox.recover_stale(now=T0 + timedelta(hours=1)) == 1
    job.refresh_from_db()
    assert job.status == "gave_up"


def test_the_sweep_hands_back_stale_jobs_and_relays_what_no_worker_did(db):
    stale = outbox.later(record, "stale")
    Job.objects.filter(pk=stale.pk).update(status="running", claimed_at=T0, heartbeat_at=T0, attempts=1)
    outbox.later(record, "never relayed")
    result = services.sweep_run(now=T0 + timedelta(minutes=5))
    assert (result.jobs_recovered, result.jobs_relayed) == (1, 2)
    assert set(Job.objects.values_list("status", "enqueued_at")) == {("pending", T0 + timedelta(minutes=5))}


@pytest.mark.django_db(transaction=True)
def test_an_analysis_run_twice_links_the_case_once(alice):
    """Every job may run again (a worker killed after the work, before recording it done)."""
    reports = [
        services.case_report(report=make_report(customer_email=f"c{i}@example.com"))[0] for i in range(5)
    ]
    outbox.relay()
    for task_row in DBTaskResult.objects.filter(task_path="putright.problems.tasks.case_analyse"):
        _run(task_row)
    links = {case.pk: list(case.problem_links.values_list("problem_id", flat=True)) for case in reports}
    last = reports[-1]
    again = outbox.later(problem_tasks.case_analyse, last.pk)
    outbox.relay()
    assert _run(DBTaskResult.objects.get(args_kwargs__kwargs__job_id=again.pk)) == "already"
    assert all(links.values())  # five similar reports from five customers: one problem holds them all
    assert {
        case.pk: list(case.problem_links.values_list("problem_id", flat=True)) for case in reports
    } == links
    assert Case.objects.count() == 5


# ---------------------------------------------------------------- the worker


@pytest.mark.django_db(transaction=True)
def test_the_worker_drains_its_queue_including_work_its_jobs_schedule(mailbox):
    case, _ = services.case_report(report=make_report())
    call_command("worker", "--queue", "mail", "--batch")
    assert mailbox.subjects_to(case.customer.email) == [f"[{case.reference}] We have your report"]
    assert dict(Job.objects.values_list("queue", "status")) == {"mail": "done", "analysis": "pending"}
    call_command("worker", "--queue", "analysis", "--batch")
    assert set(Job.objects.values_list("status", flat=True)) == {"done"}


def test_the_worker_waits_out_a_locked_or_lost_database_with_growing_pauses(db):
    class FlakyTasksWorker:
        def __init__(self):
            self.errors = [OperationalError("database is locked"), OperationalError("connection refused")] * 3
            self.running_task = True

        def configure_signals(self):
            pass

        def run(self):
            if self.errors:
                raise self.errors.pop(0)

    pauses: list[float] = []
    worker = QueueWorker(queue="mail", interval=1, sleep=pauses.append)
    flaky = FlakyTasksWorker()
    worker.tasks_worker = lambda batch: flaky
    worker.relay_forever = lambda: None
    worker.serve()  # returns when the tasks worker's loop ends normally (asked to stop)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert flaky.running_task is False


def test_the_worker_refuses_an_unknown_queue_or_interval(db):
    with pytest.raises(CommandError, match="Unknown queue 'email': use one of mail, analysis"):
        call_command("worker", "--queue", "email", "--batch")
    with pytest.raises(CommandError, match="--interval must be more than 0"):
        call_command("worker", "--queue", "mail", "--interval", "0")


def test_an_administrator_sees_the_jobs_in_the_admin_and_cannot_change_them(admin_client):
    job = outbox.later(record, "shown")
    Job.objects.filter(pk=job.pk).update(status="gave_up", error="ValueError: shown in the list")
    page = admin_client.get("/admin/jobs/job/")
    assert page.status_code == 200
    assert b"tests.test_jobs.record" in page.content
    assert b"ValueError: shown in the list" in page.content
    assert admin_client.post(f"/admin/jobs/job/{job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"/admin/jobs/job/{job.pk}/change/", {"status": "done"}).status_code == 403
    assert Job.objects.get(pk=job.pk).status == "gave_up"
