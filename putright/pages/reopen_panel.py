"""Issue 15 §5 on the staff case page: the links between a case and its follow-ups, and the Reopen button
with a reason on a closed case, saying beforehand what it will do (reopen, or open a follow-up case)."""

from __future__ import annotations

from putright.authority.selectors import may_reopen_closed
from putright.cases import services
from putright.cases.models import Case
from putright.vocab import OPEN_STATUSES


def workspace_context(request, case: Case) -> dict:
    plan = services.reopen_plan(case)
    # Follow-ups are only ever opened from a closed case: an open one asks nothing more.
    follow_ups = list(case.follow_ups.order_by("pk").only("reference", "status")) if case.is_closed else []
    if any(f.status in OPEN_STATUSES for f in follow_ups):
        plan = ""  # an open follow-up carries it on: it is handled there
    return {
        "reopen_plan": plan,
        "reopen_window_days": services.satisfaction_settings_get().reopen_window_days if plan else None,
        "can_reopen_closed": bool(plan) and may_reopen_closed(request.user, case),
        "follow_up_of": case.follow_up_of,
        "follow_ups": follow_ups,
    }
