from django.core.management.base import BaseCommand, CommandError

from putright.backup.console import progress_for, size_text
from putright.backup.errors import BackupError
from putright.backup.operations import backup


class Command(BaseCommand):
    help = (
        "Write one archive (putright-backup-YYYYMMDD-HHMMSS.tar.gz, mode 0600) holding the database, the "
        "stored files (MEDIA_ROOT) and a manifest with row counts, migration state and checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="the archive to write, or a folder to write it in (default: the current folder)",
        )

    def handle(self, *args, **opts):
        try:
            result = backup(opts.get("output"), progress=progress_for(self))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.skipped:
            self.stderr.write(line)
        self.stdout.write(
            f"database: {result.vendor}, {result.tables} tables, {result.rows} rows; "
            f"stored files: {result.files}"
        )
        self.stdout.write(self.style.SUCCESS(f"backup written: {result.path} ({size_text(result.size)})"))
