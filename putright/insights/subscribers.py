"""What insights does when the case core announces a step (``putright.cases.hooks``)."""

from __future__ import annotations

from django.utils import timezone

from putright.cases import hooks
from putright.insights import rollup
from putright.insights.calendar import calendar_ensure_for_data
from putright.insights.digest import digest_schedule


def on_sweep(event: hooks.SweepTick) -> None:
    """Keep the business-day calendar filled over the span of the data, a year ahead; once the week's
    moment has come, schedule the weekly digests (one job per recipient, once a week); bring the rollup of
    case facts up to date, so a measurement rarely finds changes to roll up itself."""
    calendar_ensure_for_data(timezone.localdate(event.now))
    rollup.refresh()
    digest_schedule(now=event.now)


def subscribe() -> None:
    hooks.subscribe(hooks.SweepTick, on_sweep, phase=hooks.Phase.IN_TRANSACTION)
