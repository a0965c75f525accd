from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from putright.cases import services


class Command(BaseCommand):
    help = (
        "Run the periodic sweep once: promises at risk/broken, customers not updated, deadlines at risk/missed, "
        "signal readings left unevaluated, email retries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="pretend it is this moment (ISO 8601), for replaying a day")

    def handle(self, *args, **opts):
        now = None
        if opts.get("now"):
            try:
                now = datetime.fromisoformat(opts["now"])
            except ValueError as exc:
                raise CommandError(f"--now {opts['now']!r} is not an ISO 8601 date-time") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = services.sweep_run(now=now)
        self.stdout.write(
            f"promises at risk: {result.at_risk}; broken: {result.broken}; "
            f"customers not updated: {result.cadence_flagged}; deadlines at risk: {result.deadlines_at_risk}; "
            f"missed: {result.deadlines_missed}; signals evaluated: {result.signals_evaluated}; "
            f"progress messages: {result.progress_sent}; emails retried: {result.emails_retried}"
        )
