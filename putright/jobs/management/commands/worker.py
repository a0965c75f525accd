"""``manage.py worker --queue mail|analysis``: relay this queue's jobs and run its tasks, whatever the database does.

It wraps django-tasks' database worker. Beside it a thread relays the queue's pending jobs every
``--interval`` seconds and hands back jobs whose worker died. A locked, restarting or unreachable
database is logged and waited out, with a pause that doubles up to 30 s: the worker never exits for it.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from putright import clock
from putright.jobs import outbox, queues
from putright.jobs.models import Job

log = logging.getLogger("putright.jobs.worker")
MAX_PAUSE_SECONDS = 30.0
# How often the relay thread also looks for jobs left running by a dead worker.
STALE_CHECK_SECONDS = 30.0


class Backoff:
    """A pause after each failure that doubles up to MAX_PAUSE_SECONDS; reset by a success."""

    def __init__(self) -> None:
        self.pause = 1.0

    def failed(self, what: str, exc: BaseException) -> float:
        pause = self.pause
        reason = " ".join(str(exc).split())  # one line in the log, whatever the driver's message
        log.warning("%s: database unavailable (%s); trying again in %.0f s", what, reason, pause)
        connections.close_all()
        self.pause = min(self.pause * 2, MAX_PAUSE_SECONDS)
        return pause

    def succeeded(self) -> None:
        self.pause = 1.0


class QueueWorker:
    def __init__(self, *, queue: str, interval: float, sleep=time.sleep) -> None:
        self.queue = queue
        self.interval = interval
        self.sleep = sleep
        self.worker_id = f"{queue}-{get_random_string(20)}"
        self.stopping = threading.Event()

    def tasks_worker(self, *, batch: bool) -> Worker:
        return Worker(
            queue_names=[self.queue],
            interval=self.interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )

    def relay_once(self, *, recover: bool) -> int:
        recovered = outbox.recover_stale() if recover else 0
        return outbox.relay(queues=[self.queue]) + recovered

    def relay_forever(self) -> None:
        """The relay thread: never dies, whatever the database does."""
        backoff, last_stale_check = Backoff(), 0.0
        try:
            while not self.stopping.is_set():
                pause = self.interval
                try:
                    recover = time.monotonic() - last_stale_check >= STALE_CHECK_SECONDS
                    self.relay_once(recover=recover)
                    if recover:
                        last_stale_check = time.monotonic()
                    backoff.succeeded()
                except DatabaseError as exc:
                    pause = backoff.failed("relay", exc)
                except Exception:  # noqa: BLE001 - logged; the next round tries again
                    log.exception("relay failed")
                self.stopping.wait(pause)
        finally:
            connections.close_all()

    def serve(self) -> None:
        worker = self.tasks_worker(batch=False)
        worker.configure_signals()
        threading.Thread(target=self.relay_forever, name="relay", daemon=True).start()
        log.info("worker %s serving queue %s", self.worker_id, self.queue)
        backoff = Backoff()
        while True:
            try:
                worker.run()  # returns only when asked to stop
                return
            except DatabaseError as exc:
                worker.running_task = False
                self.sleep(backoff.failed("worker", exc))
                close_old_connections()

    def drain(self) -> int:
        """Relay and run until this queue has nothing left to do; returns the rounds it took."""
        backoff, rounds = Backoff(), 0
        while True:
            try:
                self.relay_once(recover=True)
                self.tasks_worker(batch=True).run()
                backoff.succeeded()
            except DatabaseError as exc:
                self.sleep(backoff.failed("worker", exc))
                continue
            rounds += 1
            # Jobs the last tasks scheduled (an alert raised by an analysis, say) are work for this round too.
            waiting = Job.objects.filter(
                queue=self.queue,
                status=Job.Status.PENDING,
                enqueued_at__isnull=True,
                available_at__lte=clock.now(),
            )
            if not waiting.exists():
                return rounds


class Command(BaseCommand):
    help = "Run the worker of one task queue (mail or analysis): relays its jobs and runs them."

    def add_arguments(self, parser):
        parser.add_argument("--queue", required=True, help=f"one of: {', '.join(queues.ALL)}")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks for new work (default 1)"
        )
        parser.add_argument(
            "--batch", action="store_true", help="do everything this queue has to do, then exit"
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=0,
            choices=range(20),
            metavar="N",
            help="run at a lower CPU priority (0-19): background analysis then yields to web requests",
        )

    def handle(self, *args, queue: str, interval: float, batch: bool, nice: int, **options):
        if queue not in queues.ALL:
            raise CommandError(f"Unknown queue {queue!r}: use one of {', '.join(queues.ALL)}.")
        if not 0 < interval <= 60:
            raise CommandError("--interval must be more than 0 and at most 60 seconds.")
        # The task library logs every task it runs at INFO: worth seeing only when asked for (-v 2).
        for name in ("django_tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(logging.DEBUG if options["verbosity"] >= 2 else logging.WARNING)
        if nice:
            os.nice(nice)
        worker = QueueWorker(queue=queue, interval=interval)
        if batch:
            worker.drain()
        else:
            worker.serve()
