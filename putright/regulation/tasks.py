"""The deadline part of the periodic sweep, as a task of its own (``cases.tasks.sweep`` runs it too)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from putright.jobs import queues
from putright.regulation import services


@task(queue_name=queues.ANALYSIS)
def clocks_sweep() -> dict:
    return asdict(services.clocks_sweep())
