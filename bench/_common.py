"""What the benchmarks share: a throwaway database, and percentiles.

Imported by the scripts beside it (``bench/`` is on ``sys.path`` when one of them runs), never by Putright.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dj_database_url


@dataclass
class Database:
    url: str
    vendor: str
    cleanup: Callable[[], None]
    where: str


def database_prepare(url: str | None, name: str) -> Database:
    """A fresh, empty database called ``name`` for this run, and how to get rid of it afterwards.

    Without a URL (or with an SQLite one): a file ``name``.sqlite3 in a new temporary folder. With a
    PostgreSQL URL: a database ``name`` on that server, dropped first if a run left it behind; the database
    the URL names is only used to connect for ``CREATE``/``DROP DATABASE`` (the role needs ``CREATEDB``).
    """
    if not url or url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="putright-bench-")
        path = Path(folder) / f"{name}.sqlite3"
        return Database(
            f"sqlite:///{path}", "sqlite", lambda: shutil.rmtree(folder, ignore_errors=True), str(path)
        )
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"bench: only SQLite and PostgreSQL are supported, not {config['ENGINE']}")
    import psycopg
    from psycopg import sql

    server = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }

    def admin(statement) -> None:
        # CREATE/DROP DATABASE cannot run in a transaction, so autocommit on the server's maintenance database.
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin(drop)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    bench_url = url.rsplit("/", 1)[0] + "/" + name
    host = f"{server['host'] or 'localhost'}:{server['port'] or 5432}"
    return Database(bench_url, "postgresql", lambda: admin(drop), f"database {name} on {host}")


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile ``p`` (0-100) of ``values``; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run_on_throwaway_database(url: str | None, name: str, run: Callable[[Database], int]) -> int:
    """Point Django (production settings, DEBUG off) at a fresh database and a scratch PUTRIGHT_VAR_DIR,
    run ``run`` (which sets Django up), and drop both afterwards, whatever happened."""
    db = database_prepare(url, name)
    scratch = tempfile.mkdtemp(prefix="putright-bench-var-")
    os.environ["DATABASE_URL"] = db.url
    os.environ["PUTRIGHT_VAR_DIR"] = scratch
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory, which would slow and skew the figures
    os.environ["DJANGO_SETTINGS_MODULE"] = "putright.settings"
    try:
        return run(db)
    finally:
        from django.db import connections

        connections.close_all()
        db.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)
