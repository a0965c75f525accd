from django.core.management.base import BaseCommand, CommandError

from putright.audit.events import case_model, case_pk_find, chain_check
from putright.audit.keys import key_current
from putright.progress import ProgressBar

# Fewer cases than this are checked in a blink: a bar would only clutter the output.
PROGRESS_MIN_CASES = 200


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every case timeline (plain SHA-256, and HMAC-SHA256 with AUDIT_KEY_FILE and "
        "AUDIT_OLD_KEY_FILES); exits non-zero if any event was altered or removed, or cannot be checked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--case",
            action="append",
            metavar="CASE",
            help="limit to this case: its reference (PR-2026-000241) or its id; repeat for more cases",
        )

    def handle(self, *args, **opts):
        case_ids = [self._case_pk(given) for given in opts["case"]] if opts.get("case") else None
        check = chain_check(case_ids, progress=self._progress(case_ids))
        references = dict(
            case_model()
            .objects.filter(pk__in={b.case_id for b in check.breaks})
            .values_list("pk", "reference")
        )
        for b in check.breaks:
            self.stderr.write(
                f"case {references.get(b.case_id, '?')} (id {b.case_id}) event #{b.seq}: {b.problem}"
            )
        if check.breaks:
            cases = len({b.case_id for b in check.breaks})
            raise CommandError(
                f"audit chain BROKEN: {_counted(len(check.breaks), 'problem')} in {_counted(cases, 'case')}, "
                f"{_counted(check.checked, 'event')} checked"
            )
        summary = f"audit chain intact: {_counted(check.checked, 'event')} verified"
        if check.keyed_events:
            keyed = ", ".join(
                f"{n} with audit key {key_id}" for key_id, n in sorted(check.keyed_events.items())
            )
            summary += f" ({check.plain_events} plain SHA-256; keyed: {keyed})"
        self.stdout.write(self.style.SUCCESS(summary))
        current = key_current()
        if current is not None and (check.cases_not_keyed or not check.keyed_events) and check.checked:
            unkeyed = len(check.cases_not_keyed) if check.keyed_events else check.cases
            self.stdout.write(
                self.style.WARNING(
                    f"{_counted(unkeyed, 'case')} not keyed yet (plain SHA-256 only): run audit_rekey to key "
                    f"them with audit key {current.key_id}. After it has run, a case listed here again had its "
                    "timeline cut back by someone with the database."
                )
            )

    def _progress(self, case_ids):
        total = (
            len(case_ids) if case_ids is not None else case_model().objects.filter(audit_seq__gt=0).count()
        )
        if total < PROGRESS_MIN_CASES:
            return None
        bar = ProgressBar(
            total,
            write=lambda s: self.stderr.write(s, style_func=lambda m: m, ending=""),
            flush=self.stderr.flush,
            label="Verifying case timelines ",
            interactive=self.stderr.isatty(),
        )

        finished = []

        def update(done: int) -> None:
            if finished:
                return
            if done >= total:
                bar.finish()
                finished.append(True)
            else:
                bar.update(done)

        return update

    def _case_pk(self, given: str) -> int:
        pk = case_pk_find(given)
        if pk is not None:
            return pk
        if given.strip().isascii() and given.strip().isdigit():  # read as an id, as case_pk_find does
            raise CommandError(f"no case with id {given.strip()}")
        raise CommandError(
            f"no case with reference {given!r} (a reference looks like PR-2026-000241; an id is a number)"
        )
