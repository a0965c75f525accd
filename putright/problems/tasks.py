"""Background work for problems, run by the worker (``manage.py db_worker``)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from putright.problems import services
from putright.problems.models import RegroupRun


@task()
def case_analyse(case_id: int) -> str:
    """S3 for one new case: join an open problem or raise a suspected one. Safe to run twice."""
    return services.case_analyse(case_id=case_id)


@task()
def regroup(run_id: int) -> dict:
    """The batch re-grouping a supervisor started from the board; its progress is on the RegroupRun."""
    run = RegroupRun.objects.filter(pk=run_id, status=RegroupRun.Status.QUEUED).first()
    if run is None:
        return {"skipped": True}
    return asdict(services.problems_regroup(run=run))
