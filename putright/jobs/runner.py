"""Running one job: claim its row, beat a heartbeat while it works, record how it ended.

``job_task`` makes a django-tasks task of a function whose work is scheduled through the outbox
(``outbox.later``). The task the queue carries holds only the job's id; the arguments are read from
the job's row, which is the truth. A job is claimed with a conditional UPDATE (pending → running), so
a task delivered twice, or a job handed over again after its worker was presumed dead, runs once at a
time and is never done twice; every job function is written to be safe to run again anyway (a worker
killed halfway leaves a job that runs again from the start).
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import F
from django_tasks import task
from django_tasks.base import Task

from putright import clock
from putright.jobs.models import Job

log = logging.getLogger(__name__)

# The import paths of the tasks made by ``job_task``: the relay hands over only these.
JOB_TASKS: set[str] = set()


def job_task(*, queue: str, priority: int = 0) -> Callable[[Callable[..., Any]], Task]:
    """A task for work scheduled with ``outbox.later``: enqueued with ``job_id``, it runs the job.

    Enqueued without a ``job_id`` (a task queued before the outbox existed, or by hand) it just calls
    the function with the arguments it was given.
    """

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def body(*args: Any, job_id: int | None = None) -> Any:
            if job_id is None:
                return func(*args)
            return job_run(func, job_id)

        made = task(queue_name=queue, priority=priority)(body)
        JOB_TASKS.add(made.module_path)
        return made

    return decorate


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def job_run(func: Callable[..., Any], job_id: int) -> Any:
    now = clock.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING,
        claimed_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        worker=worker_name(),
    )
    if not claimed:
        return "skipped"  # done already, running elsewhere, or given up
    job = Job.objects.get(pk=job_id)
    try:
        with heartbeat(job_id):
            result = func(*job.args)
    except Exception as exc:
        job_failed(job, exc)
        raise
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, claimed_at=job.claimed_at).update(
        status=Job.Status.DONE, finished_at=clock.now(), result=str(result)[:200], error=""
    )
    return result


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling to at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def job_failed(job: Job, exc: BaseException) -> None:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:500]
    running = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, claimed_at=job.claimed_at)
    if job.attempts >= settings.PUTRIGHT["JOB_MAX_ATTEMPTS"]:
        running.update(status=Job.Status.GAVE_UP, finished_at=now, error=error)
        log.error(
            "job %s (%s%s) gave up after %s attempts: %s", job.pk, job.task, job.args, job.attempts, error
        )
        return
    running.update(
        status=Job.Status.PENDING, enqueued_at=None, available_at=now + retry_delay(job.attempts), error=error
    )
    log.warning(
        "job %s (%s%s) failed, attempt %s; will retry: %s", job.pk, job.task, job.args, job.attempts, error
    )


@contextmanager
def heartbeat(job_id: int) -> Iterator[None]:
    """While the job runs, stamp ``heartbeat_at`` every JOB_HEARTBEAT_SECONDS from a thread of its own
    (with its own database connection), so a job whose worker died is told from one still working."""
    every = settings.PUTRIGHT["JOB_HEARTBEAT_SECONDS"]
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(heartbeat_at=clock.now())
                except DatabaseError as exc:  # a busy database: the next beat tries again
                    log.warning("heartbeat of job %s not recorded: %s", job_id, exc)
        finally:
            connections.close_all()  # this thread's own connections only

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
