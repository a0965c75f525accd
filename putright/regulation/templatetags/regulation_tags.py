"""``{% load regulation_tags %}{% case_clocks case %}``: the case's deadlines panel, one line in a page."""

from __future__ import annotations

from django import template

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.engines.deadlines import ClockKind, MetBy
from putright.regulation import selectors
from putright.regulation.forms import ClockExtendForm, ClockMetForm, ClockStartForm, ClockStopForm

register = template.Library()


@register.inclusion_tag("regulation/_clocks.html", takes_context=True)
def case_clocks(context, case) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_staff_member(user):
        return {"visible": False}
    now = clock.now()
    rows = selectors.case_clocks(user=user, case=case, now=now)
    can_stop = has_role_at_least(user, Role.SUPERVISOR)
    for row in rows:
        row.done_form = (
            ClockMetForm(auto_id=f"id_done{row.pk}_%s")
            if row.is_open and row.met_by in (MetBy.STAFF.value, MetBy.DELIVERED.value)
            else None
        )
        row.stop_form = ClockStopForm(auto_id=f"id_stop{row.pk}_%s") if row.is_open and can_stop else None
        row.extend_form = (
            ClockExtendForm(auto_id=f"id_extend{row.pk}_%s")
            if row.is_open
            and row.state != "missed"
            and row.kind == ClockKind.SUBJECT_ACCESS.value
            and "extended" not in row.basis
            else None
        )
    return {
        "visible": True,
        "case": case,
        "clocks": rows,
        "start_form": ClockStartForm(auto_id="id_clockstart_%s"),
        "csrf_token": context.get("csrf_token"),
    }
