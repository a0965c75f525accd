"""Background work for problems, run by the worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from putright.channels.delivery import alerts_of_the_past
from putright.problems import services


@task()
def case_analyse(case_id: int) -> str:
    """S3 for one new case: join an open problem or raise a suspected one. Safe to run twice."""
    return services.case_analyse(case_id=case_id)


@task()
def case_analyse_past(case_id: int) -> str:
    """S3 for a case of the past (the demo's history, analysed once it has loaded): the same grouping,
    but the owners' alerts are recorded as delivered, as they would have been back then."""
    with alerts_of_the_past():
        return services.case_analyse(case_id=case_id)
