"""What monitoring does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from datetime import timedelta

from putright.cases import hooks
from putright.monitoring import services


def on_sweep(event: hooks.SweepTick) -> None:
    """S5: a reading stored but never evaluated (the web process died in between) is not lost."""
    event.figures["signals_evaluated"] = services.signals_evaluate_pending(
        received_before=event.now - timedelta(minutes=2)
    )


def subscribe() -> None:
    hooks.subscribe(hooks.SweepTick, on_sweep, phase=hooks.Phase.IN_TRANSACTION)
