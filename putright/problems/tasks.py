"""Background work for problems, run by the analysis queue's worker (``manage.py worker --queue analysis``)."""

from __future__ import annotations

from putright.channels.delivery import alerts_of_the_past
from putright.jobs import queues
from putright.jobs.runner import job_task
from putright.problems import services


@job_task(queue=queues.ANALYSIS)
def case_analyse(case_id: int) -> str:
    """S3 for one new case: join an open problem or raise a suspected one. Safe to run twice."""
    return services.case_analyse(case_id=case_id)


@job_task(queue=queues.ANALYSIS)
def case_analyse_past(case_id: int) -> str:
    """S3 for a case of the past (the demo's history, analysed once it has loaded): the same grouping,
    but the owners' alerts are recorded as delivered, as they would have been back then."""
    with alerts_of_the_past():
        return services.case_analyse(case_id=case_id)
