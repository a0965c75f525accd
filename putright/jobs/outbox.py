"""Scheduling work for after the commit, and relaying it to the task queue (see ``putright.jobs``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

from putright import clock
from putright.jobs.models import Job
from putright.jobs.runner import JOB_TASKS

log = logging.getLogger(__name__)

# A job handed to the queue this long ago and still not claimed lost its task (the task row never
# committed, or was pruned): hand it over again. Claiming is conditional, so a late twin is harmless.
REQUEUE_AFTER = timedelta(minutes=15)
RELAY_BATCH = 200


def later(task: Task, *args: object, priority: int = 0) -> Job:
    """Schedule ``task(*args)`` to run once the current transaction commits (and never if it rolls back).

    Only a row is written here. With the database task backend, the worker relays it; a backend
    that runs tasks in this process (the test suite's) gets it straight after the commit.
    """
    if not isinstance(task, Task) or task.module_path not in JOB_TASKS:
        raise TypeError(f"{task!r} is not a job task: decorate it with putright.jobs.runner.job_task")
    now = clock.now()
    job = Job.objects.create(
        task=task.module_path,
        args=list(args),
        queue=task.queue_name,
        priority=priority,
        created_at=now,
        available_at=now,
    )
    if not _relayed_by_worker():
        transaction.on_commit(partial(relay_one, job.pk))
    return job


def _relayed_by_worker() -> bool:
    """Job tasks use the default backend: the database one has a worker; any other runs them in-process."""
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def relay(
    *, queues: Iterable[str] | None = None, now: datetime | None = None, limit: int = RELAY_BATCH
) -> int:
    """Hand pending jobs that are due to the task queue; returns how many were handed over.

    With the database task backend a round is one transaction: each job's stamp and its task row
    commit together, so a job is handed over exactly when its task exists (and the database takes
    one short write for the round, not one per job).
    """
    now = now or clock.now()
    due = Job.objects.filter(status=Job.Status.PENDING, available_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    )
    if queues is not None:
        due = due.filter(queue__in=list(queues))
    jobs = list(due.order_by("-priority", "pk")[:limit])
    if not jobs:
        return 0
    if _relayed_by_worker():
        with transaction.atomic():
            return sum(_hand_over(job, now) for job in jobs)
    return sum(_hand_over(job, now) for job in jobs)


def relay_one(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id, status=Job.Status.PENDING, enqueued_at__isnull=True).first()
    if job is not None:
        _hand_over(job, clock.now())


def _hand_over(job: Job, now: datetime) -> bool:
    """Stamp the job and enqueue its task. Inside the relay's transaction with the database backend;
    an in-process backend runs the job inside enqueue(), so there it is not in a transaction of ours."""
    task = _task_of(job)
    if task is None:
        Job.objects.filter(pk=job.pk, status=Job.Status.PENDING).update(
            status=Job.Status.GAVE_UP, finished_at=now, error=f"No job task {job.task!r} in this version."
        )
        log.error("job %s names no job task (%s); gave up", job.pk, job.task)
        return False
    stamped = Job.objects.filter(pk=job.pk, status=Job.Status.PENDING, enqueued_at=job.enqueued_at).update(
        enqueued_at=now
    )
    if not stamped:  # another relay took it meanwhile
        return False
    task.using(queue_name=job.queue, priority=job.priority).enqueue(job_id=job.pk)
    return True


def _task_of(job: Job) -> Task | None:
    try:
        task = import_string(job.task)
    except ImportError:
        return None
    if not isinstance(task, Task) or task.module_path not in JOB_TASKS:
        return None
    return task


def recover_stale(*, now: datetime | None = None) -> int:
    """Jobs whose worker stopped beating (killed, or its machine lost) go back to pending, or are given
    up once out of attempts. Returns how many were recovered."""
    now = now or clock.now()
    stale = Job.objects.filter(
        status=Job.Status.RUNNING,
        heartbeat_at__lt=now - timedelta(seconds=settings.PUTRIGHT["JOB_STALE_SECONDS"]),
    )
    error = "The worker stopped while running it (no heartbeat)."
    gave_up = stale.filter(attempts__gte=settings.PUTRIGHT["JOB_MAX_ATTEMPTS"]).update(
        status=Job.Status.GAVE_UP, finished_at=now, error=error
    )
    if gave_up:
        log.error("%s stale jobs were out of attempts and gave up", gave_up)
    recovered = stale.update(status=Job.Status.PENDING, enqueued_at=None, available_at=now, error=error)
    if recovered:
        log.warning("%s jobs left running by a stopped worker were handed back", recovered)
    return recovered + gave_up
