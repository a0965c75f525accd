from django.core.management.base import BaseCommand, CommandError

from putright.audit.events import case_pk_find, chain_verify


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Command(BaseCommand):
    help = "Verify the hash chain of every case timeline; exits non-zero if any event was altered or removed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--case",
            action="append",
            metavar="CASE",
            help="limit to this case: its reference (PR-2026-000241) or its id; repeat for more cases",
        )

    def handle(self, *args, **opts):
        case_ids = [self._case_pk(given) for given in opts["case"]] if opts.get("case") else None
        checked, breaks = chain_verify(case_ids)
        for b in breaks:
            self.stderr.write(f"case {b.case_id} event #{b.seq}: {b.problem}")
        if breaks:
            raise CommandError(
                f"audit chain BROKEN: {_counted(len(breaks), 'problem')} in {_counted(checked, 'event')}"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {_counted(checked, 'event')} verified"))

    def _case_pk(self, given: str) -> int:
        pk = case_pk_find(given)
        if pk is not None:
            return pk
        if given.strip().isascii() and given.strip().isdigit():  # read as an id, as case_pk_find does
            raise CommandError(f"no case with id {given.strip()}")
        raise CommandError(
            f"no case with reference {given!r} (a reference looks like PR-2026-000241; an id is a number)"
        )
