"""Reads of alerts: one place says which of a person's alerts a filter means, for the list and for
"mark all read" alike, so the button never marks anything the list did not show."""

from __future__ import annotations

from django.db.models import QuerySet

from putright.channels.models import Alert


def alerts_for(*, user, kind: str = "", case_reference: str = "") -> QuerySet[Alert]:
    """``user``'s own alerts, of ``kind`` and about the case ``case_reference`` when given."""
    alerts = Alert.objects.filter(recipient=user)
    if kind:
        alerts = alerts.filter(kind=kind)
    if case_reference:
        alerts = alerts.filter(case__reference=case_reference)
    return alerts
