"""Thin, retry-safe tasks: each affected customer is claimed before their notice is sent."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from putright.monitoring import services


@task()
def deliver_breach_notice(breach_id: int) -> dict:
    return asdict(services.breach_notice_deliver(breach_id=breach_id))


@task()
def evaluate_pending_signals() -> int:
    return services.signals_evaluate_pending()
