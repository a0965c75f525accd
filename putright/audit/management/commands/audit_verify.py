from django.core.management.base import BaseCommand, CommandError

from putright.audit.events import chain_verify


class Command(BaseCommand):
    help = "Verify the hash chain of every case timeline; exits non-zero if any event was altered or removed."

    def add_arguments(self, parser):
        parser.add_argument("--case", action="append", type=int, help="limit to these case ids")

    def handle(self, *args, **opts):
        checked, breaks = chain_verify(opts.get("case"))
        for b in breaks:
            self.stderr.write(f"case {b.case_id} event #{b.seq}: {b.problem}")
        if breaks:
            raise CommandError(f"audit chain BROKEN: {len(breaks)} problem(s) in {checked} events")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))
