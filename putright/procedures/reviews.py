"""Overdue reviews (issue 14 §3): the sweep alerts a procedure's owner once when its review date has passed.

The alert is the channels room's ``Alert`` of kind ``deadline_missed`` (a review date passed is a missed
deadline; a kind of its own would need a channels migration, which is that room's to make). It has no case:
its text names the procedure and its page. ``review_alerted_at`` is claimed with a conditional UPDATE
before the alert is written, so two sweeps running at once alert the owner once; reviewing the procedure
(or moving its date) clears it, so the next overdue period alerts again.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from putright.channels import services as channels
from putright.channels.models import Alert
from putright.procedures.models import Procedure


def reviews_alert_overdue(*, now: datetime) -> int:
    """Alert the owners of active procedures whose review date is before today, not yet alerted; returns
    how many were alerted."""
    today = timezone.localdate(now)
    alerted = 0
    overdue = Procedure.objects.filter(active=True, review_due__lt=today, review_alerted_at__isnull=True)
    for procedure in overdue.select_related("owner").order_by("review_due", "pk"):
        claimed = Procedure.objects.filter(pk=procedure.pk, review_alerted_at__isnull=True).update(
            review_alerted_at=now
        )
        if not claimed:
            continue  # another sweep got there first
        url = reverse("procedures:detail", args=[procedure.pk])
        channels.alert_create(
            recipient=procedure.owner,
            case=None,
            kind=Alert.Kind.PROCEDURE_REVIEW,
            text=f"Procedure review overdue since {procedure.review_due:%-d %b %Y}: "
            f"“{procedure.title}” {settings.SITE_URL}{url}",
        )
        alerted += 1
    return alerted
