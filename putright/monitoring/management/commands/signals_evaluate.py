"""``putright signals_evaluate``: evaluate readings that were stored but never evaluated.

A reading is stored before it is evaluated, so a crash in between leaves it pending, never lost;
this command (or the worker's task of the same name) finishes the job. Safe to run at any time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from putright.monitoring import services
from putright.monitoring.models import Signal


class Command(BaseCommand):
    help = "Evaluate operational signals stored but not yet checked against the thresholds."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many readings (default 500)")

    def handle(self, *args, **opts):
        pending = Signal.objects.filter(evaluated_at__isnull=True).count()
        done = services.signals_evaluate_pending(limit=max(opts["limit"], 1))
        self.stdout.write(f"{done} of {pending} pending reading(s) evaluated.")
