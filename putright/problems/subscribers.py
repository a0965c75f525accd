"""What problems does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.jobs.outbox import later
from putright.problems import tasks


def on_reported(event: hooks.CaseReported) -> None:
    """S3: once the report is committed, the worker compares its words with other customers' recent cases
    (a job written with the report, so a report is never left unanalysed)."""
    later(tasks.case_analyse, event.case.pk)


def subscribe() -> None:
    hooks.subscribe(hooks.CaseReported, on_reported, phase=hooks.Phase.IN_TRANSACTION)
