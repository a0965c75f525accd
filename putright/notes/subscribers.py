"""What notes does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.notes import selectors


def on_record_read(event: hooks.CaseRecordRead) -> None:
    """The staff's case record (printable and JSON) carries the internal notes; the customer's copy is
    built apart (``portal``) and never reads them."""
    event.sections["notes"] = [
        {**selectors.note_data(n), "created_at": n.created_at.isoformat()}
        for n in selectors.case_notes(case=event.case)
    ]


def subscribe() -> None:
    hooks.subscribe(hooks.CaseRecordRead, on_record_read, phase=hooks.Phase.IN_TRANSACTION)
