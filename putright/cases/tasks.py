"""The periodic sweep, run by the analysis queue's worker (``manage.py worker --queue analysis``); the
scheduler enqueues it."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from putright.cases import services
from putright.jobs import queues


@task(queue_name=queues.ANALYSIS)
def sweep() -> dict:
    return asdict(services.sweep_run())
