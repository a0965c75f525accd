"""What feedback does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.feedback import services


def on_satisfaction(event: hooks.SatisfactionRecorded) -> None:
    """A5 → S4: the answer joins the feedback feed (in its own savepoint: it never undoes the answer)."""
    services.feedback_from_satisfaction(
        case=event.case,
        resolved=event.resolved,
        comment=event.comment,
        csat=event.csat,
        ces=event.ces,
        nps=event.nps,
    )


def subscribe() -> None:
    hooks.subscribe(hooks.SatisfactionRecorded, on_satisfaction, phase=hooks.Phase.IN_TRANSACTION)
