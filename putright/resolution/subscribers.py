"""What resolution does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.resolution import selectors


def on_record_read(event: hooks.CaseRecordRead) -> None:
    """K3: the negotiation's offers and counter-offers are part of the case record."""
    event.sections["offers"] = [
        selectors.offer_record_data(o) for o in selectors.case_offers(case=event.case)
    ]


def subscribe() -> None:
    hooks.subscribe(hooks.CaseRecordRead, on_record_read, phase=hooks.Phase.IN_TRANSACTION)
