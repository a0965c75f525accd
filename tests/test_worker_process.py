"""The periodic sweep in real worker processes: the scheduler enqueues it, the analysis queue's worker
runs it, and the mail queue's worker sends the alert it raised.

Each worker is a separate `manage.py worker` process reading the test database and sending email
through the real SMTP server, exactly as in production.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from putright import clock
from putright.cases import services
from putright.vocab import PromiseStatus
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[1]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["mail", "analysis"]}}


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_runs_the_scheduled_sweep_and_emails_the_owner(
    case_with_options, alice, smtp_server
):
    mailbox, port = smtp_server
    promise = services.promise_make(
        actor=alice,
        case=case_with_options,
        description="Call you back",
        owner=alice,
        due_at=clock.now() + timedelta(hours=2),
    )
    mailbox.clear()
    with override_settings(TASKS=DB_TASKS):  # django-tasks re-reads TASKS on this signal
        call_command("scheduler", "--once")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN  # only queued so far: nothing ran in this process
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "putright.settings",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DEBUG": "false",
        # The worker reads the real clock: a promise due in 2 hours is "at risk" within 24.
        "PUTRIGHT_PROMISE_AT_RISK_HOURS": "24",
    }
    for queue in ("analysis", "mail"):
        result = subprocess.run(
            [sys.executable, "manage.py", "worker", "--queue", queue, "--batch"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        if queue == "analysis":
            promise.refresh_from_db()
            assert promise.status == PromiseStatus.AT_RISK
            assert mailbox.subjects_to("alice@putright.example") == []  # the mail worker sends it
    assert mailbox.subjects_to("alice@putright.example") == [
        f"[{case_with_options.reference}] Promise at risk"
    ]
