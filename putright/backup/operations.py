"""``backup`` and ``restore``, start to finish; the management commands only print what these return."""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from putright import clock
from putright.audit.events import chain_verify
from putright.backup import archive, database, stored
from putright.backup.errors import BackupError

# A progress reporter: called with (done, total) as work advances; its label says what the work is.
ProgressFactory = Callable[[str], Callable[[int, int], None]]
# The tables whose rows mean "someone has used this database" (restoring over them needs a yes), with
# what their rows are called. The seed rows every migrated database has (roles, catalogue) are not data.
_DATA_MODELS = {
    "cases.Case": "cases",
    "customers.Customer": "customers",
    settings.AUTH_USER_MODEL: "staff accounts",
    "audit.Event": "timeline events",
}


def _no_progress(_label: str) -> Callable[[int, int], None]:
    return lambda _done, _total: None


def putright_version() -> str:
    try:
        return version("putright")
    except PackageNotFoundError:
        return "unknown"


def _disk_full(folder: Path) -> BackupError:
    return BackupError(f"disk full: no space left in {folder}; free some space or choose another place")


# --- backup ---------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    vendor: str
    tables: int
    rows: int
    files: int
    skipped: list[str] = field(default_factory=list)


def _output_path(output: str | None) -> Path:
    name = f"putright-backup-{clock.now().strftime('%Y%m%d-%H%M%S')}.tar.gz"
    if not output:
        return Path.cwd() / name
    path = Path(output).expanduser()
    if path.is_dir() or output.endswith(("/", "\\")):
        return path / name
    return path


def _output_check(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        raise BackupError(f"output folder {folder} does not exist")
    if not folder.is_dir():
        raise BackupError(f"output folder {folder} is not a folder")
    if path.exists():
        raise BackupError(f"{path} already exists: choose another --output (a backup never overwrites one)")
    if folder.resolve().is_relative_to(stored.root().resolve()):
        raise BackupError(
            f"{folder} is inside MEDIA_ROOT ({stored.root()}), whose files the archive holds: "
            "choose an --output outside it"
        )


def backup(output: str | None = None, *, progress: ProgressFactory = _no_progress) -> BackupResult:
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = database.vendor_of(connection)
    path = _output_path(output).absolute()
    _output_check(path)
    try:
        writer = archive.ArchiveWriter(path)
    except PermissionError as exc:
        raise BackupError(f"cannot write to the output folder {path.parent}: permission denied") from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(path.parent) from exc
        raise BackupError(f"cannot write to the output folder {path.parent}: {exc.strerror}") from exc
    try:
        with tempfile.TemporaryDirectory(prefix=".putright-backup-", dir=path.parent) as work:
            result = _backup_into(writer, connection, vendor, Path(work), progress)
        writer.commit()
    except OSError as exc:
        writer.discard()
        if exc.errno == errno.ENOSPC:
            raise _disk_full(path.parent) from exc
        raise BackupError(f"writing {path} failed: {exc}") from exc
    except BaseException:
        writer.discard()
        raise
    result.size = path.stat().st_size
    return result


def _backup_into(writer, connection, vendor: str, work: Path, progress: ProgressFactory) -> BackupResult:
    member = database.DATABASE_MEMBERS[vendor]
    dumped = work / Path(member).name
    snapshot = database.dump(connection, dumped, progress("Copying the database "))
    writer.add_file(member, dumped)
    dumped.unlink()  # its space is needed for the files that follow
    files, skipped = stored.collect()
    files_progress = progress("Archiving stored files ")
    for done, stored_file in enumerate(files, start=1):
        writer.add_file(stored_file.member, stored_file.path)
        files_progress(done, len(files))
    created = clock.now()
    writer.add_manifest(
        {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": created.isoformat(),
            "putright_version": putright_version(),
            "database": {"vendor": vendor, "member": member},
            "migrations": snapshot.migrations,
            "row_counts": snapshot.row_counts,
            "stored_files": {"root": "MEDIA_ROOT", "count": len(files)},
            "skipped": skipped,
            "members": writer.members,
        },
        mtime=int(created.timestamp()),
    )
    return BackupResult(
        path=writer.final,
        size=0,
        vendor=vendor,
        tables=len(snapshot.row_counts),
        rows=sum(snapshot.row_counts.values()),
        files=len(files),
        skipped=skipped,
    )


# --- restore --------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int = 0
    rows: int = 0
    files: int = 0
    count_mismatches: list[str] = field(default_factory=list)
    audit_events: int = 0
    audit_problems: list[str] = field(default_factory=list)
    pending_migrations: int = 0

    @property
    def ok(self) -> bool:
        return not self.count_mismatches and not self.audit_problems


def _code_check(manifest: dict[str, Any], vendor: str) -> None:
    archived_vendor = manifest["database"].get("vendor")
    if archived_vendor != vendor:
        raise BackupError(
            f"this backup is of a {archived_vendor} database and the configured database is {vendor}: "
            "restore it where DATABASE_URL names the same kind of database"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"the backup's schema is newer than this code (it has migration {unknown[0]}, which this "
            f"Putright does not know): install Putright {manifest.get('putright_version', 'unknown')} or "
            "later to restore it"
        )


def _data_present(connection) -> dict[str, int]:
    """Rows of each kind of data the configured database holds, by what they are called (none: empty)."""
    tables = {apps.get_model(label)._meta.db_table: noun for label, noun in _DATA_MODELS.items()}
    counts = database.rows_in(connection, list(tables))
    return {noun: counts[table] for table, noun in tables.items() if counts.get(table)}


def _describe(present: dict[str, int]) -> str:
    return ", ".join(f"{noun}: {n}" for noun, n in present.items())


def restore(
    path: str,
    *,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    progress: ProgressFactory = _no_progress,
) -> RestoreResult:
    """Verify ``path``, then replace the database and the stored files with its contents and check them.

    Nothing is changed until the archive has passed every check and, over a database holding data, the
    operator said yes (``yes``, or ``confirm`` answering True; no ``confirm``: refused).
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = database.vendor_of(connection)
    work_parent = stored.root().parent
    work_parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".putright-restore-", dir=work_parent) as work:
            return _restore_from(source, Path(work), connection, vendor, yes, confirm, progress)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(work_parent) from exc
        raise BackupError(f"restoring {source} failed: {exc}") from exc


def _restore_from(source: Path, work: Path, connection, vendor, yes, confirm, progress) -> RestoreResult:
    staging = work / "archive"
    manifest = archive.read(source, staging, progress("Checking the archive "))
    _code_check(manifest, vendor)
    present = _data_present(connection)
    if present and not yes:
        question = (
            f"The configured database holds data ({_describe(present)}). Replace it, and the stored files, "
            f"with the backup made {manifest.get('created_at')}?"
        )
        if confirm is None:
            raise BackupError(
                f"the configured database holds data ({_describe(present)}); nothing was changed. "
                "Run again with --yes to replace it with the backup"
            )
        if not confirm(question):
            raise BackupError("restore cancelled; nothing was changed")
    connections.close_all()
    database.restore(
        connection, staging / manifest["database"]["member"], progress("Restoring the database ")
    )
    try:
        stored.swap_in(staging / stored.FILES_PREFIX, work)
    except OSError as exc:
        raise BackupError(
            f"the database was restored, but the stored files could not be put into {stored.root()} ({exc}): "
            "put that right and run the restore again"
        ) from exc
    connections.close_all()
    return _check_restored(manifest, connection)


def _check_restored(manifest: dict[str, Any], connection) -> RestoreResult:
    result = RestoreResult(manifest=manifest)
    expected: dict[str, int] = manifest["row_counts"]
    found = database.current_snapshot(connection)
    result.tables, result.rows = len(found.row_counts), sum(found.row_counts.values())
    result.files = sum(1 for name in manifest["members"] if name.startswith(f"{stored.FILES_PREFIX}/"))
    for table, count in sorted(expected.items()):
        if table not in found.row_counts:
            result.count_mismatches.append(f"{table}: missing (the backup had {count} rows)")
        elif found.row_counts[table] != count:
            result.count_mismatches.append(f"{table}: {found.row_counts[table]} rows, the backup had {count}")
    if found.migrations != manifest["migrations"]:
        result.count_mismatches.append("django_migrations: the migration state differs from the backup's")
    executor = MigrationExecutor(connection)
    result.pending_migrations = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    try:
        result.audit_events, breaks = chain_verify()
    except DatabaseError as exc:
        result.audit_problems.append(
            f"the timeline could not be read ({str(exc).strip().splitlines()[0]}): run `putright migrate`, "
            "then `putright audit_verify`"
        )
    else:
        result.audit_problems.extend(f"case {b.case_id} event #{b.seq}: {b.problem}" for b in breaks)
    return result
