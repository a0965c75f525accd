"""Real worker processes, killed and starved: nothing they were doing is lost or done twice.

- A mail worker killed with SIGKILL in the middle of sending leaves its job "running" with a heartbeat
  that stops; the sweep hands it back and the message is e-mailed once by the next worker. The task
  library's own row of the killed run is left as it was: we never edit it.
- A worker whose database cannot be reached stays up, logs and waits longer each time.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from putright.cases import services
from putright.jobs.models import Job
from tests.conftest import database_url, make_report

ROOT = Path(__file__).resolve().parents[1]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["mail", "analysis"]}}
DELIVER_MESSAGE = "putright.channels.delivery.deliver_message"


def _worker_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "putright.settings",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DEBUG": "false",
        "PUTRIGHT_JOB_HEARTBEAT_SECONDS": "1",
        "PUTRIGHT_JOB_STALE_SECONDS": "3",
        **extra,
    }


def _worker(queue: str, env: dict[str, str], *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue", queue, "--interval", "0.2", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the kill reaches it alone
    )


class SilentSmtpServer:
    """Accepts connections and never says a word: a send hangs on it until its timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_mail_worker_killed_mid_send_loses_nothing_and_sends_once(settings, smtp_server):
    mailbox, smtp_port = smtp_server
    settings.TASKS = DB_TASKS
    case, _ = services.case_report(report=make_report(customer_email="kill.nine@example.com"))
    ack = case.messages.get()
    job = Job.objects.get(task=DELIVER_MESSAGE)

    silent = SilentSmtpServer()
    worker = _worker("mail", _worker_env(EMAIL_PORT=str(silent.port), EMAIL_TIMEOUT="120"))
    try:
        # Claimed, sending (hung on the silent server), and beating: the heartbeat moves past the claim.
        _wait_for(
            lambda: Job.objects.filter(pk=job.pk, status="running").exclude(heartbeat_at=None).first(),
            timeout=60,
            what="the worker to claim the job",
        )
        beating = _wait_for(
            lambda: (row := Job.objects.get(pk=job.pk)).heartbeat_at > row.claimed_at and row,
            timeout=30,
            what="a heartbeat",
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate(timeout=30)
        silent.close()
    assert worker.returncode == -signal.SIGKILL

    job.refresh_from_db()
    ack.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert job.heartbeat_at == beating.heartbeat_at or job.heartbeat_at > beating.heartbeat_at
    assert ack.email_status == "sending"
    killed_run = DBTaskResult.objects.get(args_kwargs__kwargs__job_id=job.pk)
    assert killed_run.status == "RUNNING"  # the library's row: left exactly as the dead worker left it

    # The sweep, a while later: the job's heartbeat is stale and the send stuck; both are handed back.
    result = services.sweep_run(now=timezone.now() + timedelta(minutes=11))
    assert result.jobs_recovered == 1
    job.refresh_from_db()
    assert job.status == "pending"

    drained = _worker("mail", _worker_env(EMAIL_PORT=str(smtp_port)), "--batch")
    output, _ = drained.communicate(timeout=120)
    assert drained.returncode == 0, output[-2000:]

    ack.refresh_from_db()
    assert ack.email_status == "sent"
    assert mailbox.subjects_to("kill.nine@example.com") == [f"[{case.reference}] We have your report"]
    assert set(Job.objects.filter(queue="mail").values_list("status", flat=True)) == {"done"}
    assert Job.objects.get(pk=job.pk).attempts == 2
    killed_run.refresh_from_db()
    assert killed_run.status == "RUNNING"


def test_a_worker_without_its_database_stays_up_and_waits_longer_each_time_at_the_priority_asked():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = _worker_env(DATABASE_URL=f"postgres://putright:putright@127.0.0.1:{closed_port}/putright")
    worker = _worker("analysis", env, "--nice", "7")
    lines: list[str] = []

    def read() -> None:
        for line in worker.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    pauses = re.compile(r"^worker: database unavailable \(.+\); trying again in (\d+) s$")
    try:
        _wait_for(
            lambda: (
                [m.group(1) for line in lines if (m := pauses.match(line.strip()))][:3] == ["1", "2", "4"]
            ),
            timeout=120,  # the worker starts Django first: slow on a busy machine
            what="three growing pauses",
        )
        assert worker.poll() is None  # still running
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(os.getpriority(os.PRIO_PROCESS, 0) + 7, 19)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        reader.join(timeout=10)
    relay_lines = [line for line in lines if line.startswith("relay: database unavailable")]
    assert relay_lines, "".join(lines)[-2000:]
    assert not any("Traceback" in line for line in lines), "".join(lines)[-2000:]
