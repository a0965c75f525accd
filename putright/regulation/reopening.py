"""Issue 15 §5: what a closed case's clocks do when it is reopened within the window.

The complaint is the same one, so the regulators' clocks keep their original start: a final response
clock the close met (DISP's 8 weeks, F7's 15 business days) runs again to its original date. Only the
organisation's own resolve clock starts afresh from the reopening (a new clock row: the met one stays in
the record). Acknowledgement and first-update clocks were met long ago and stay so; a refund or a subject
access answer never stopped.
"""

from __future__ import annotations

from putright import clock
from putright.engines.deadlines import ClockKind, MetBy, add_business_days
from putright.engines.deadlines.regimes import clock_spec
from putright.regulation import services
from putright.regulation.models import CaseClock

FINAL_RESPONSE_KINDS = (
    ClockKind.DISP_FINAL.value,
    ClockKind.DISP_PAYMENT_FINAL.value,
    ClockKind.DISP_PAYMENT_EXCEPTIONAL.value,
)


def clocks_on_reopen(*, case, actor) -> dict:
    """Resume the final response clocks the close met and restart the own resolve clock (inside the
    reopening's transaction). Returns what changed, for the reopening's event and message."""
    now = clock.now()
    row = services.regime_settings_get()
    resumed = CaseClock.objects.filter(
        case=case, kind__in=FINAL_RESPONSE_KINDS, met_by=MetBy.CLOSED.value, met_at__isnull=False
    )
    resumed_labels = [f"{c.label} ({c.rule_id}), due {services.day_text(c.due_date)}" for c in resumed]
    resumed.update(met_at=None, met_note="")
    restarted = None
    if row.service_levels_on and row.resolve_days:
        # A resolve clock somehow still running (never met by the close) gives way to the new one.
        CaseClock.objects.filter(
            case=case, kind=ClockKind.RESOLVE.value, met_at__isnull=True, stopped_at__isnull=True
        ).update(stopped_at=now, stop_reason="Replaced: the case was reopened")
        today = services.local_day(now)
        due = add_business_days(today, row.resolve_days, services.calendar_for(row))
        spec = clock_spec(
            ClockKind.RESOLVE, due, f"{row.resolve_days} business days after the case was reopened"
        )
        restarted = services._clock_create(
            case, spec, counts_from=today, started_at=now, started_by=actor, settings_row=row
        )
    return {
        "resolve_due": restarted.due_date.isoformat() if restarted else None,
        "resumed": resumed_labels,
        "customer": f" We aim to put it right by {services.day_text(restarted.due_date)}."
        if restarted
        else "",
    }
