"""``putright attachments check [--delete-orphans] [--orphan-hours N]``: the stored files and their rows agree.

Every attachment row must have its file (and an image its preview) in storage, with the SHA-256 recorded
when it was sent; every file under ``attachments/`` must belong to a row. The services store files in the
report's or message's own transaction and remove them if it fails, but a process killed between writing a
file and committing (a power cut, ``kill -9``) can still leave one behind: this finds it. A file younger
than ``--orphan-hours`` (default 24) is left alone, as its transaction may still be running.

Prints one JSON object: ``{"rows", "files", "missing": [...], "damaged": [...], "orphans": [...],
"deleted"}`` (``missing``/``damaged``: ``{"id", "case", "name", "path"}``; ``orphans``: storage paths).
Exits 0 when all agree (orphans deleted with ``--delete-orphans`` count as agreeing), 1 when something
is missing, damaged or orphaned, 2 on bad arguments.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from putright import clock
from putright.channels.models import Attachment

ROOT = "attachments"


def _stored(storage, folder: str):
    """Every file under ``folder`` in storage (any backend: local folder or S3), as its storage name."""
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored(storage, f"{folder}/{sub}")


def _sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Check that stored attachment files and their rows agree: `attachments check [--delete-orphans]`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        check = subcommands.add_parser("check", help="every row has its file, every file its row")
        check.add_argument("--delete-orphans", action="store_true", help="remove files no row refers to")
        check.add_argument(
            "--orphan-hours", default="24", help="leave files younger than this alone (default 24)"
        )

    def handle(self, *args, **options):
        try:
            hours = int(str(options["orphan_hours"]).strip())
        except ValueError:
            hours = -1
        if hours < 0:
            raise CommandError(
                f"--orphan-hours {options['orphan_hours']!r} is not a whole number of hours, 0 or more",
                returncode=2,
            )
        storage = Attachment._meta.get_field("file").storage
        known: set[str] = set()
        missing, damaged = [], []
        rows = 0
        for attachment in Attachment.objects.select_related("case").order_by("pk").iterator():
            rows += 1
            where = {"id": attachment.pk, "case": attachment.case.reference, "name": attachment.original_name}
            for field in (attachment.file, attachment.preview):
                if not field.name:
                    continue
                known.add(field.name)
                if not storage.exists(field.name):
                    missing.append({**where, "path": field.name})
            if (
                storage.exists(attachment.file.name)
                and _sha256(storage, attachment.file.name) != attachment.sha256
            ):
                damaged.append({**where, "path": attachment.file.name})
        files = list(_stored(storage, ROOT)) if storage.exists(ROOT) else []
        cutoff = clock.now() - timedelta(hours=hours)
        orphans = [name for name in files if name not in known and storage.get_modified_time(name) <= cutoff]
        deleted = 0
        if options["delete_orphans"]:
            for name in orphans:
                storage.delete(name)
                deleted += 1
        report = {
            "rows": rows,
            "files": len(files),
            "missing": missing,
            "damaged": damaged,
            "orphans": orphans,
            "deleted": deleted,
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if missing or damaged or (orphans and not options["delete_orphans"]):
            raise CommandError(
                f"{len(missing)} missing, {len(damaged)} damaged, {len(orphans) - deleted} orphaned",
                returncode=1,
            )
