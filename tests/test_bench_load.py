"""A small run of the load test (bench/bench_load.py) on this tree: a real web server, worker and mail sink.

It runs on the database the suite runs on: on PostgreSQL the bench makes (and drops) a database of its own
on the same server; on SQLite a file in a temporary folder.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CLIENTS, REQUESTS = 4, 8
RETRY_EVERY = 10  # as in bench_load.py: the API's 1st, 11th, 21st… report is sent twice with the same key


def _server_url() -> str | None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return None
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
def test_a_small_load_on_this_tree_loses_nothing_duplicates_nothing_and_answers_no_error():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    url = _server_url()
    command = [
        sys.executable,
        "bench/bench_load.py",
        "--no-baseline",
        "--clients",
        str(CLIENTS),
        "--requests",
        str(REQUESTS),
        "--drain-timeout",
        "240",
    ]
    if url:
        command += ["--database-url", url]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]

    vendor = "postgresql" if url else "sqlite"
    per_kind = REQUESTS  # --requests is per client count and per kind, one client count here
    resent = math.ceil(REQUESTS / RETRY_EVERY)
    rows = {
        kind: re.search(rf"^current +{kind} +{CLIENTS} +(\d+) +(\d+) +(\S+) ", out, re.MULTILINE)
        for kind in ("form", "api")
    }
    assert rows["form"].groups() == (str(per_kind), str(per_kind), "0")
    assert rows["api"].groups() == (str(per_kind + resent), str(per_kind + resent), "0")
    assert f"{resent}/{resent} answered 200 with the same case" in out
    assert re.search(
        rf"^Recount, current \({vendor}\): {2 * per_kind} reports sent, {2 * per_kind} answered as created, "
        rf"{2 * per_kind} cases in the database; drained after each phase ",
        out,
        re.MULTILINE,
    ), out
    assert (
        "  errors 0, lost 0, duplicated 0, committed behind an error 0, unfinished work 0, e-mailed twice 0\n"
        in out
    )
    assert "EXITED" not in out  # no web server or worker died during the run
    assert out.rstrip().endswith("PASS: current tree: 0 errors, 0 lost, 0 duplicated, no unfinished work")
