"""Deadlines for the demo organisation: its settings, a subject access request about to fall due, a
refund overdue, then one sweep so the deadlines page and the alerts have something at risk and missed.

Called by ``demo_load`` after the demo cases are in (every case already carries the clocks its report
started, met or missed as its story went).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from putright import clock
from putright.cases.models import Case
from putright.engines.deadlines import ClockKind, add_months
from putright.regulation import services
from putright.vocab import OPEN_STATUSES


def regulation_demo_load(*, users: dict, now: datetime, organisation: str = "") -> dict[str, int]:
    """``users`` by username as demo_load makes them ("admin" an administrator, "agent" an agent).

    Returns what the sweep did: {"at_risk": n, "missed": n, "windows_ended": n}.
    """
    settings_row = services.regime_settings_get()
    if organisation:
        settings_row.organisation_name = organisation
    services.regime_settings_save(actor=users["admin"], settings_row=settings_row)

    today = services.local_day(now)
    handler = users.get("agent")
    open_cases = (
        Case.objects.filter(status__in=OPEN_STATUSES).select_related("assignee").order_by("-created_at")
    )
    recent = list(open_cases[:200])
    # The demo login "agent" sees them first in their own queue.
    candidates = sorted(recent, key=lambda c: not (handler is not None and c.assignee_id == handler.pk))
    with clock.frozen(now):
        if candidates:
            # P4: a customer asked for a copy of their data a month ago less a day: due tomorrow, at risk.
            sar_case = candidates[0]
            services.clock_start(
                actor=sar_case.assignee or users["supervisor"],
                case=sar_case,
                kind=ClockKind.SUBJECT_ACCESS.value,
                start_date=add_months(today + timedelta(days=1), -1),
                note="Customer asked for a copy of their data by email",
            )
        if len(candidates) > 1:
            # G11: a refund agreed 16 days ago and not yet recorded as paid: missed.
            refund_case = candidates[1]
            services.clock_start(
                actor=refund_case.assignee or users["supervisor"],
                case=refund_case,
                kind=ClockKind.REFUND.value,
                start_date=today - timedelta(days=16),
                note="Goodwill refund agreed on the phone",
            )
    result = services.clocks_sweep(now=now)
    return {"at_risk": result.at_risk, "missed": result.missed, "windows_ended": result.windows_ended}
