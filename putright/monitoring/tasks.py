"""Signals' periodic work as a task of its own (the sweep also runs it through the case hooks)."""

from __future__ import annotations

from django_tasks import task

from putright.jobs import queues
from putright.monitoring import services


@task(queue_name=queues.ANALYSIS)
def evaluate_pending_signals() -> int:
    return services.signals_evaluate_pending()
