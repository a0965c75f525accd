"""Enqueue the periodic sweep on a fixed interval; the analysis queue's worker runs it.

Django's task framework has no scheduler of its own. This loop only enqueues,
so any number of workers can share the work; run one scheduler per deployment.
A database that cannot take the sweep now (locked, restarting) is logged and tried
again at the next interval: the scheduler itself never stops for it.
"""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from putright.cases.tasks import sweep

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the periodic sweep every PUTRIGHT_SWEEP_INTERVAL_SECONDS (default 300) for the worker to run."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=None, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="enqueue one sweep and exit")

    def handle(self, *args, **opts):
        interval = opts["interval"] or settings.PUTRIGHT["SWEEP_INTERVAL_SECONDS"]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            try:
                result = sweep.enqueue()
                self.stdout.write(f"sweep enqueued (task {result.id}); next in {interval}s")
            except DatabaseError as exc:
                if opts["once"]:
                    raise
                log.warning("sweep not enqueued, database unavailable (%s); next try in %ss", exc, interval)
                connections.close_all()
            if opts["once"]:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)
            if stopping:
                self.stdout.write("scheduler stopped")
                return
