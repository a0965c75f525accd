"""The database half of a backup: a consistent copy, its row counts and migration state, and putting it back.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``), page by page under a read
lock, so the copy is consistent while the app keeps running. PostgreSQL is dumped with ``pg_dump
--format=custom`` inside a repeatable-read snapshot that the counts are taken in too, so the manifest
describes exactly the rows in the dump. Credentials reach pg_dump and pg_restore through the environment
(``PGPASSWORD``), never the command line, where any user on the machine could read them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from putright.backup.errors import BackupError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# The archive member holding the database, by vendor.
DATABASE_MEMBERS = {SQLITE: "database/putright.sqlite3", POSTGRESQL: "database/putright.pgdump"}
# Where Debian and Ubuntu install the PostgreSQL client tools when they are not on PATH.
_DEBIAN_PG_BIN = Path("/usr/lib/postgresql")

# A page-count callback: (pages done, pages in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Snapshot:
    """What a dump holds: the rows of each table and the latest migration applied per app."""

    row_counts: dict[str, int]
    migrations: dict[str, str]


def vendor_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(cursor: Any, vendor: str, only: set[str] | None = None) -> dict[str, int]:
    """Rows in every table of the database (SQLite's own statistics tables aside), or in those of ``only``
    that exist, by table name."""
    if vendor == SQLITE:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    names = sorted(row[0] for row in cursor.fetchall() if only is None or row[0] in only)
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")  # noqa: S608 - a quoted table name
        counts[name] = int(cursor.fetchone()[0])
    return counts


def latest_migrations(cursor: Any) -> dict[str, str]:
    """The last migration recorded for each app (the highest id: the order they were applied in)."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return dict(sorted(latest.items()))


def _snapshot(cursor: Any, vendor: str) -> Snapshot:
    try:
        return Snapshot(row_counts=table_counts(cursor, vendor), migrations=latest_migrations(cursor))
    except (sqlite3.DatabaseError, DatabaseError) as exc:
        raise BackupError(f"the database has no Putright tables to back up ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- SQLite ---------------------------------------------------------------------------------------------


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    return Path(connection.settings_dict["NAME"])


def _sqlite_open_existing(path: Path) -> sqlite3.Connection:
    # mode=rw: a missing file is an error here, not a new empty database created by the attempt.
    try:
        return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=20)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the SQLite database {path}: {_first_line(exc)}") from exc


def sqlite_dump(connection: BaseDatabaseWrapper, target: Path, progress: Progress) -> Snapshot:
    source_path = _sqlite_path(connection)
    if not source_path.is_file():
        raise BackupError(f"database unreachable: there is no SQLite database at {source_path}")
    source = _sqlite_open_existing(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=256, progress=lambda _status, left, total: progress(total - left, total))
        # The copy stands alone: no write-ahead log beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _snapshot(copy.cursor(), SQLITE)
    except sqlite3.Error as exc:
        raise BackupError(f"copying the SQLite database {source_path} failed: {_first_line(exc)}") from exc
    finally:
        copy.close()
        source.close()


def sqlite_snapshot_of_file(path: Path) -> Snapshot:
    """The counts and migrations of a SQLite file (the archived copy, or the database just restored)."""
    db = _sqlite_open_existing(path)
    try:
        return _snapshot(db.cursor(), SQLITE)
    finally:
        db.close()


def sqlite_check(path: Path) -> None:
    """Refuse a copy SQLite itself finds damaged, before it replaces anything."""
    db = _sqlite_open_existing(path)
    try:
        result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"the archived database is not a readable SQLite file: {_first_line(exc)}") from exc
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"the archived database failed SQLite's check: {result}")


def sqlite_restore(connection: BaseDatabaseWrapper, source: Path, progress: Progress) -> None:
    """Copy the archived database over the configured one with the backup API, in one locked step.

    Other processes see the old database or the new one, never half of each; Django's own connections
    are closed first so none keeps reading the replaced pages.
    """
    target_path = _sqlite_path(connection)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    copy = _sqlite_open_existing(source)
    try:
        target = sqlite3.connect(target_path, timeout=20)
    except sqlite3.Error as exc:
        copy.close()
        raise BackupError(f"cannot open the SQLite database {target_path}: {_first_line(exc)}") from exc
    try:
        copy.backup(target, progress=lambda _status, left, total: progress(total - left, total))
    except sqlite3.Error as exc:
        raise BackupError(f"restoring into {target_path} failed: {_first_line(exc)}") from exc
    finally:
        target.close()
        copy.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: PUTRIGHT_PG_BIN_DIR if set, else PATH, else the newest
    /usr/lib/postgresql/<version>/bin (Debian installs the versioned tools there)."""
    configured = getattr(settings, "PG_BIN_DIR", "")
    if configured:
        candidate = Path(configured) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(
            f"{name} was not found in PUTRIGHT_PG_BIN_DIR={configured}: install the PostgreSQL client "
            "tools (e.g. apt-get install postgresql-client-15) or point the setting at them"
        )
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        (p for p in _DEBIAN_PG_BIN.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()),
        key=lambda p: int(p.parent.parent.name),
    )
    if versions:
        return str(versions[-1])
    raise BackupError(
        f"{name} was not found on PATH: install the PostgreSQL client tools "
        "(e.g. apt-get install postgresql-client-15) or set PUTRIGHT_PG_BIN_DIR"
    )


def _pg_environment(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's environment for the configured database; the password travels only here."""
    conf = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if conf.get(key):
            env[var] = str(conf[key])
    env["PGDATABASE"] = str(conf["NAME"])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _pg_where(connection: BaseDatabaseWrapper) -> str:
    conf = connection.settings_dict
    return f"{conf.get('HOST') or 'localhost'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def pg_reach(connection: BaseDatabaseWrapper) -> None:
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(
            f"database unreachable: cannot connect to PostgreSQL at {_pg_where(connection)} ({_first_line(exc)})"
        ) from exc


def _run_tool(argv: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit status {done.returncode}'}")


def pg_dump(connection: BaseDatabaseWrapper, target: Path) -> Snapshot:
    """pg_dump the configured database, counting its rows in the very snapshot pg_dump reads."""
    tool = pg_tool("pg_dump")
    pg_reach(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The first statement of the transaction fixes its snapshot; pg_dump then reads the same one.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        snapshot = _snapshot(cursor, POSTGRESQL)
        _run_tool(
            [tool, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", "--no-password"],
            _pg_environment(connection),
            "pg_dump",
        )
    return snapshot


def pg_restore(connection: BaseDatabaseWrapper, source: Path) -> None:
    """Replace the configured database's tables with the dump's, in one transaction: on any error the
    database is left as it was."""
    tool = pg_tool("pg_restore")
    pg_reach(connection)
    connection.close()  # our own session must not hold a lock the restore waits for
    _run_tool(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        _pg_environment(connection),
        "pg_restore",
    )


def pg_snapshot(connection: BaseDatabaseWrapper) -> Snapshot:
    pg_reach(connection)
    with connection.cursor() as cursor:
        return _snapshot(cursor, POSTGRESQL)


# --- Either ---------------------------------------------------------------------------------------------


def dump(connection: BaseDatabaseWrapper, target: Path, progress: Progress) -> Snapshot:
    if vendor_of(connection) == SQLITE:
        return sqlite_dump(connection, target, progress)
    return pg_dump(connection, target)


def restore(connection: BaseDatabaseWrapper, source: Path, progress: Progress) -> None:
    if vendor_of(connection) == SQLITE:
        sqlite_check(source)
        sqlite_restore(connection, source, progress)
    else:
        pg_restore(connection, source)


def current_snapshot(connection: BaseDatabaseWrapper) -> Snapshot:
    if vendor_of(connection) == SQLITE:
        path = _sqlite_path(connection)
        if not path.is_file():
            return Snapshot(row_counts={}, migrations={})
        return sqlite_snapshot_of_file(path)
    return pg_snapshot(connection)


def rows_in(connection: BaseDatabaseWrapper, tables: list[str]) -> dict[str, int]:
    """The rows of those of ``tables`` that exist in the configured database (a missing database: none)."""
    if vendor_of(connection) == SQLITE:
        path = _sqlite_path(connection)
        if not path.is_file():
            return {}
        db = _sqlite_open_existing(path)
        try:
            return table_counts(db.cursor(), SQLITE, set(tables))
        finally:
            db.close()
    pg_reach(connection)
    with connection.cursor() as cursor:
        return table_counts(cursor, POSTGRESQL, set(tables))
