"""One tree's Putright stack on loopback, for bench_load.py: database, web server, workers, mail sink.

The tree runs from its own folder with this Python (``PYTHONPATH`` and the working directory are the tree),
so a baseline checked out elsewhere runs its own code. What the load test runs inside a tree (seeding,
recounting) is Python for ``manage.py shell -c`` that only uses what both designs have.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

import psycopg
from _common import Database, database_prepare
from aiosmtpd.controller import Controller

ACK_SUBJECT = "We have your report"
# django_tasks_db's DBTaskResult table (the same package and version in both trees), by name: a tree that no
# longer installs the app must still be countable.
TASK_TABLE = "django_tasks_database_dbtaskresult"
START_TIMEOUT_S = 120
# Hourly limits the tree's settings read from the environment: raised, or the load would be refused by design.
HOURLY_LIMIT = re.compile(r'envint\(\s*"(PUTRIGHT_\w+_PER_HOUR)"')

# Run in each tree with `manage.py shell -c`: a staff agent (the `agent` role the migrations create) and
# an API token for it, printed on one line. Only what both trees have: ApiToken.generate and the groups.
SEED_CODE = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from putright.authority.models import ApiToken
user = get_user_model().objects.create(username="load-agent", first_name="Load", email="load-agent@bench.example")
user.set_unusable_password()
user.save()
user.groups.add(Group.objects.get(name="agent"))
raw, prefix, key_hash = ApiToken.generate()
ApiToken.objects.create(user=user, name="load test", prefix=prefix, key_hash=key_hash)
print("BENCH-TOKEN", raw)
"""

# Run in each tree with `manage.py shell -c`: what the database holds, as JSON on one line. Raw SQL on the
# tables both designs share; the outbox's jobs_job only where that tree has it.
RECOUNT_CODE = """
import json, os
from django.db import connection
def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [list(r) for r in cursor.fetchall()]
def loaded(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value
out = {}
out["cases"] = rows(
    "SELECT c.id, c.subject, c.reference, u.email FROM cases_case c "
    "JOIN customers_customer u ON u.id = c.customer_id WHERE c.subject LIKE %s",
    [os.environ["BENCH_MARKER_PREFIX"] + "%"],
)
out["acks"] = rows(
    "SELECT case_id, email_status FROM channels_message WHERE direction = 'out' AND subject = %s",
    [os.environ["BENCH_ACK_SUBJECT"]],
)
tables = set(connection.introspection.table_names())
out["tasks"] = []
if os.environ["BENCH_TASK_TABLE"] in tables:
    out["tasks"] = [
        [path, status, loaded(args)]
        for path, status, args in rows(
            "SELECT task_path, status, args_kwargs FROM " + os.environ["BENCH_TASK_TABLE"]
        )
    ]
out["jobs"] = None
if "jobs_job" in tables:
    out["jobs"] = [[t, s, loaded(a)] for t, s, a in rows("SELECT task, status, args FROM jobs_job")]
print("BENCH-JSON", json.dumps(out, default=str))
"""


# ---------------------------------------------------------------- one tree's stack on loopback


class Sink:
    """An SMTP server on loopback (aiosmtpd, in this process) that keeps (recipient, subject) of each message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        subject = str(message_from_bytes(envelope.content)["Subject"] or "")
        with self.lock:
            self.received.extend((rcpt.lower(), subject) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def acks_by_address(self) -> Counter:
        with self.lock:
            return Counter(rcpt for rcpt, subject in self.received if subject.endswith(ACK_SUBJECT))


def free_port() -> int:
    # aiosmtpd and runserver cannot take port 0, so ask the OS for a free one and hand it over.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Tree:
    label: str  # "baseline" or "current"
    path: Path
    describe: str  # the ref and commit it runs
    db: Database | None = None
    env: dict = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    sink: Sink | None = None
    port: int = 0
    token: str = ""

    def manage(self, *args: str, timeout: float = 600) -> str:
        """``manage.py ARGS`` in this tree, with its environment; its stdout, or SystemExit with its error."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise SystemExit(
                f"bench: {self.label}: manage.py {' '.join(args[:2])} failed ({result.returncode}):\n"
                + result.stderr[-3000:]
            )
        return result.stdout

    def shell(self, code: str, tag: str, *, attempts: int = 3) -> str:
        """Run ``code`` in the tree and return what it printed after ``tag``; a failure (a database busy with
        other work, say) is tried again, twice, before the run stops."""
        for attempt in range(1, attempts + 1):
            try:
                printed = self.manage("shell", "-c", code)
            except SystemExit:
                if attempt == attempts:
                    raise
                time.sleep(5)
                continue
            for line in printed.splitlines():
                if line.startswith(tag + " "):
                    return line[len(tag) + 1 :]
        raise SystemExit(f"bench: {self.label}: the shell printed no {tag} line")

    def start(self, name: str, *args: str, folder: Path) -> Process:
        log = folder / f"{self.label}-{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [sys.executable, *args],
                cwd=self.path,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopping it stops what it started
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            signal_group(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            signal_group(process.popen.pid, signal.SIGKILL)  # also anything it left in its group
            process.popen.wait()
        self.processes = []
        if self.sink is not None:
            self.sink.controller.stop()
            self.sink = None


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


SERVERS = ("gunicorn", "runserver")
# gunicorn as production would run it on this 2-core machine: a process per core, threads for the waits.
GUNICORN = ("--workers", "2", "--threads", "4", "--backlog", "2048", "--log-level", "warning")


def tree_environment(tree: Tree, db_url: str, mail_port: int, var_dir: Path, server: str) -> dict:
    """Like `make run`, but production-like (no DEBUG) and with every hourly limit out of the way."""
    env = {k: v for k, v in os.environ.items() if k not in ("PUTRIGHT_PRODUCTION", "DJANGO_SETTINGS_MODULE")}
    settings_text = (tree.path / "putright" / "settings.py").read_text()
    env.update({name: "1000000" for name in HOURLY_LIMIT.findall(settings_text)})
    env.update(
        {
            "PYTHONPATH": str(tree.path),
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": db_url,
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mail_port),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "PUTRIGHT_VAR_DIR": str(var_dir),
            "PUTRIGHT_REPORTS_PER_IP_PER_HOUR": "1000000",
            "PUTRIGHT_REPORTS_PER_EMAIL_PER_HOUR": "1000000",
            "LOG_LEVEL": "WARNING",
            "BENCH_TASK_TABLE": TASK_TABLE,  # for RECOUNT_CODE
        }
    )
    if server == "runserver" and not db_url.startswith("sqlite"):
        # runserver serves each connection on a new thread and never closes that thread's database connection:
        # kept for PUTRIGHT_DB_CONN_MAX_AGE (60 s by default), they pile up until PostgreSQL refuses more
        # ("too many clients", 100 by default; seen within the first phase at 8 clients). A server with
        # long-lived threads (gunicorn) reuses them instead; under runserver, one connection per request.
        env["PUTRIGHT_DB_CONN_MAX_AGE"] = "0"
    return env


def tree_up(tree: Tree, database_url: str | None, scratch: Path, db_name: str, say, *, server: str) -> None:
    """A fresh database, migrated and seeded, and the tree's web server, workers and mail sink running."""
    tree.db = database_prepare(database_url, db_name)
    tree.sink = Sink()
    tree.sink.controller.start()
    var_dir = scratch / f"{tree.label}-var"
    var_dir.mkdir()
    tree.env = tree_environment(tree, tree.db.url, tree.sink.controller.port, var_dir, server)
    t0 = time.perf_counter()
    tree.manage("migrate", "--no-input", "-v0")
    tree.token = tree.shell(SEED_CODE, "BENCH-TOKEN", attempts=1)  # not again: it may have half-written
    say(
        f"{tree.label}: migrated and seeded a fresh {tree.db.vendor} database in {time.perf_counter() - t0:.1f}s"
    )
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, putright, putright.supervise as s; print(json.dumps([putright.__file__, s.WORKERS]))",
        ],
        cwd=tree.path,
        env=tree.env,
        capture_output=True,
        text=True,
        check=True,
    )
    where, workers = json.loads(found.stdout)
    if not Path(where).resolve().is_relative_to(tree.path.resolve()):
        raise SystemExit(f"bench: {tree.label} imported putright from {where}, not from {tree.path}")
    tree.port = free_port()
    for name, args in workers:
        tree.start(name, "manage.py", *args, folder=scratch)
    if server == "gunicorn":
        web = tree.start(
            "web",
            "-m",
            "gunicorn",
            "putright.wsgi",
            "--bind",
            f"127.0.0.1:{tree.port}",
            *GUNICORN,
            folder=scratch,
        )
    else:
        web = tree.start(
            "web", "manage.py", "runserver", f"127.0.0.1:{tree.port}", "--noreload", folder=scratch
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if web.popen.poll() is not None:
            raise SystemExit(f"bench: {tree.label}: the web server exited:\n{log_tail(web.log)}")
        try:
            if answers(tree.port, "/report/"):
                break
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise SystemExit(
                f"bench: {tree.label}: the web server did not answer /report/ in {START_TIMEOUT_S}s"
            )
        time.sleep(0.3)
    say(
        f"{tree.label}: {server} on 127.0.0.1:{tree.port}, workers: "
        + ", ".join(f"{name} ({' '.join(args)})" for name, args in workers)
        + f", mail sink on 127.0.0.1:{tree.sink.controller.port}"
    )


def answers(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    finally:
        conn.close()


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def work_left(db: Database) -> int:
    """Tasks ``READY`` or ``RUNNING``, and outbox jobs ``pending`` or ``running``, in whichever of the two
    tables the tree has.

    Counted straight from the database, without starting Django: cheap enough to poll every second while
    the workers drain, so the polling does not slow what it waits for.
    """
    counts = {
        TASK_TABLE: f"SELECT count(*) FROM {TASK_TABLE} WHERE status IN ('READY', 'RUNNING')",
        "jobs_job": "SELECT count(*) FROM jobs_job WHERE status IN ('pending', 'running')",
    }
    if db.vendor == "sqlite":
        with closing(sqlite3.connect(db.where, timeout=30)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            return sum(conn.execute(sql).fetchone()[0] for table, sql in counts.items() if table in tables)
    with psycopg.connect(db.url, autocommit=True) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        return sum(conn.execute(sql).fetchone()[0] for table, sql in counts.items() if table in tables)


def listen_overflows() -> int | None:
    """The kernel's count of connections its listen queues had no room for (Linux; None elsewhere).

    runserver listens with a queue of 10 (gunicorn here: 2048): past that, connections wait or are reset
    before Django sees them. The count is the whole machine's.
    """
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split(), strict=True)).get("ListenOverflows", 0))
    return None
