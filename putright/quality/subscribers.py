"""What quality does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.quality import scoring, selectors


def on_closed(event: hooks.CaseClosed) -> None:
    """Q1: score the case from its record as it closes, in the closing transaction (a failure rolls the
    close back rather than leaving a closed case unscored). A duplicate has no outcome of its own."""
    if event.duplicate:
        return
    scoring.case_score(event.case)


def on_reopened(event: hooks.CaseReopened) -> None:
    """Issue 15 §5: a closed case reopened is no longer an outcome: its scorecard is voided (kept in the
    audit event, out of the coverage) and it is scored again when it next closes."""
    if event.closed_status:
        scoring.scorecard_void(event.case, actor=event.actor, reason=event.reason)


def on_record_read(event: hooks.CaseRecordRead) -> None:
    """Q1: the handling scorecard is part of the case record (None while the case has none)."""
    card = selectors.scorecard_for(event.case)
    event.sections["scorecard"] = selectors.scorecard_data(card) if card is not None else None


def subscribe() -> None:
    hooks.subscribe(hooks.CaseClosed, on_closed, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.CaseReopened, on_reopened, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.CaseRecordRead, on_record_read, phase=hooks.Phase.IN_TRANSACTION)
