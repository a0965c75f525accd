"""The periodic sweep, run by the worker (``manage.py db_worker``); the scheduler enqueues it."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from putright.cases import services


@task()
def sweep() -> dict:
    return asdict(services.sweep_run())
