"""The periodic sweep the worker runs: promises, cadence, the rooms' own periodic work, email retries,
and the outbox's safety net (jobs never handed to the queue, or left running by a dead worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q

from putright import clock
from putright.cases import hooks
from putright.cases.models import Case
from putright.cases.presence import presence_sweep
from putright.cases.services.closing import case_close_no_reply
from putright.cases.services.promises import cadence_sweep, promises_sweep
from putright.cases.services.satisfaction import satisfaction_remind, satisfaction_settings_get
from putright.channels.delivery import MAX_ATTEMPTS, email_recover_stuck
from putright.channels.models import Alert, Message
from putright.channels.services import alert_enqueue, message_enqueue
from putright.jobs import outbox
from putright.vocab import Status


@dataclass(frozen=True)
class SweepResult:
    at_risk: int
    broken: int
    cadence_flagged: int
    emails_retried: int
    # E4: regulatory and service-level deadlines (putright.regulation.services.clocks_sweep).
    deadlines_at_risk: int = 0
    deadlines_missed: int = 0
    signals_evaluated: int = 0
    # The outbox: jobs handed back from a worker that stopped beating, and jobs handed to the queue.
    jobs_recovered: int = 0
    jobs_relayed: int = 0
    # A5: the satisfaction check's one reminder, and the cases then closed as resolved with no reply.
    satisfaction_reminded: int = 0
    closed_no_reply: int = 0
    # Issue 15 §6: the day's progress messages (steps done, in their customer wording).
    progress_sent: int = 0


def sweep_run(*, now: datetime | None = None) -> SweepResult:
    """The periodic sweep the worker runs: promises, cadence, the rooms' own periodic work (deadlines,
    signals, through the sweep hook) and email retries."""
    now = now or clock.now()
    at_risk, broken = promises_sweep(now=now)
    flagged = cadence_sweep(now=now)
    satisfaction = satisfaction_sweep(now=now)
    tick = hooks.announce(hooks.SweepTick(now=now))
    email_recover_stuck(now=now)
    retried = 0
    # Failed sends are retried; one still pending after half an hour lost its task (a crash
    # between commit and enqueue) and is enqueued again. Sending claims the row, so never twice.
    retry = Q(email_status="failed", created_at__lt=now - timedelta(minutes=2)) | Q(
        email_status="pending", created_at__lt=now - timedelta(minutes=30)
    )
    for pk in Message.objects.filter(retry, email_attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        message_enqueue(pk)
        retried += 1
    for pk in Alert.objects.filter(retry, email_attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        alert_enqueue(pk)
        retried += 1
    # The workers relay their own queues every second; this catches what a stopped worker left behind.
    jobs_recovered = outbox.recover_stale(now=now)
    jobs_relayed = outbox.relay(now=now, limit=10_000)
    presence_sweep(now)  # who had a case open more than a day ago: nobody reads it any more
    if connection.vendor == "sqlite":
        # SQLite gathers planner statistics only when asked; without them the queue query sorts
        # every open case (measured: 25 ms instead of 3 ms at 100,000 cases).
        # analysis_limit samples each index, so this stays fast however large the database grows.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    return SweepResult(
        at_risk=at_risk,
        broken=broken,
        cadence_flagged=flagged,
        emails_retried=retried,
        deadlines_at_risk=tick.figures.get("deadlines_at_risk", 0),
        deadlines_missed=tick.figures.get("deadlines_missed", 0),
        signals_evaluated=tick.figures.get("signals_evaluated", 0),
        jobs_recovered=jobs_recovered,
        jobs_relayed=jobs_relayed,
        satisfaction_reminded=satisfaction.reminded,
        closed_no_reply=satisfaction.closed_no_reply,
        progress_sent=tick.figures.get("progress_sent", 0),
    )


@dataclass(frozen=True)
class SatisfactionSweepResult:
    reminded: int
    closed_no_reply: int


def satisfaction_sweep(*, now: datetime | None = None) -> SatisfactionSweepResult:
    """Remind the customers due a reminder, then close the cases due to close. Idempotent: each case is
    re-checked under its lock, so a second sweep (or two at once) sends nothing and closes nothing twice."""
    now = now or clock.now()
    row = satisfaction_settings_get()
    waiting = Case.objects.filter(status=Status.AWAITING_CONFIRMATION)  # those waiting since before: from now
    waiting.filter(satisfaction_asked_at__isnull=True).update(satisfaction_asked_at=now)
    due_reminder = waiting.filter(
        satisfaction_reminded_at__isnull=True,
        satisfaction_asked_at__lte=now - timedelta(days=row.remind_after_days),
    ).order_by("pk")
    reminded = sum(satisfaction_remind(case=c, now=now) for c in due_reminder.only("pk"))
    due_close = waiting.filter(
        satisfaction_answered_at__isnull=True,
        satisfaction_reminded_at__lte=now - timedelta(days=row.close_no_reply_after_days),
    ).order_by("pk")
    closed = sum(case_close_no_reply(case=c, now=now) for c in due_close.only("pk"))
    return SatisfactionSweepResult(reminded=reminded, closed_no_reply=closed)
