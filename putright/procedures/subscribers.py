"""What the procedures room does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from putright.cases import hooks
from putright.procedures.reviews import reviews_alert_overdue


def on_sweep(event: hooks.SweepTick) -> None:
    """Alert each owner, once, whose procedure's review date has passed."""
    reviews_alert_overdue(now=event.now)


def subscribe() -> None:
    hooks.subscribe(hooks.SweepTick, on_sweep, phase=hooks.Phase.IN_TRANSACTION)
