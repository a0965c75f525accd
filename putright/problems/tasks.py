"""Background work for problems, run by the worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from putright.problems import services


@task()
def case_analyse(case_id: int) -> str:
    """S3 for one new case: join an open problem or raise a suspected one. Safe to run twice."""
    return services.case_analyse(case_id=case_id)
