import sys

from django.core.management.base import BaseCommand, CommandError

from putright.backup.console import progress_for
from putright.backup.errors import BackupError
from putright.backup.operations import restore


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def ask(question: str) -> bool:
    """Ask on the terminal; only a typed "yes" goes ahead."""
    return input(f"{question} Type yes to go on: ").strip().lower() == "yes"


class Command(BaseCommand):
    help = (
        "Restore a backup archive: verify it (manifest, checksums, database kind, migrations), replace the "
        "database and the stored files, recount the rows and verify the audit chain. Exits non-zero on any "
        "mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="the archive written by `putright backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that holds data without asking (needed when not on a terminal)",
        )

    def handle(self, *args, **opts):
        # Asking needs someone to answer: from cron or a pipe, a database with data is refused instead.
        confirm = ask if sys.stdin.isatty() else None
        try:
            result = restore(opts["path"], yes=opts["yes"], confirm=confirm, progress=progress_for(self))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"restored the backup made {manifest.get('created_at')} by Putright "
            f"{manifest.get('putright_version')}: {result.tables} tables, {result.rows} rows, "
            f"{_counted(result.files, 'stored file')}"
        )
        for line in manifest.get("skipped", []):
            self.stdout.write(f"not in the backup: {line}")
        for line in result.count_mismatches:
            self.stderr.write(f"count mismatch: {line}")
        for line in result.audit_problems:
            self.stderr.write(f"audit chain: {line}")
        if result.pending_migrations:
            self.stdout.write(
                f"the restored database is older than this code ({_counted(result.pending_migrations, 'migration')} to "
                "apply): run `putright migrate` before starting Putright"
            )
        if not result.ok:
            raise CommandError(
                f"restore finished with problems: {len(result.count_mismatches)} count mismatches, "
                f"{len(result.audit_problems)} audit chain problems"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"row counts match the manifest; audit chain intact: {result.audit_events} events verified"
            )
        )
