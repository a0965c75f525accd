"""What improvements does when the case core announces a step (``putright.cases.hooks``): on the sweep,
alert each owner once when their improvement's review date has come (issue 14 §2, Check).

The alert is of its own kind (``improvement_review``), its text with the improvement's link. The sweep's figures (``SweepResult``, in the
case core) have no field for it, so the count is not added there; each alert is an event on the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from putright.cases import hooks
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.improvements.events import event_record
from putright.improvements.models import Improvement, Stage

REVIEW_ALERT_KIND = Alert.Kind.IMPROVEMENT_REVIEW
REVIEWED_STAGES = (Stage.APPROVED, Stage.DOING)


def reviews_alert(*, now) -> int:
    """Alert the owner of every approved or running improvement whose review date has come, once; returns
    how many. Each is claimed by a conditional update, so two sweeps at once alert once."""
    today = timezone.localdate(now)
    due = Improvement.objects.filter(
        stage__in=REVIEWED_STAGES, review_date__lte=today, review_alerted_at__isnull=True, owner__isnull=False
    ).values_list("pk", flat=True)
    alerted = 0
    for pk in list(due):
        with transaction.atomic():
            if not Improvement.objects.filter(pk=pk, review_alerted_at__isnull=True).update(
                review_alerted_at=now
            ):
                continue
            improvement = Improvement.objects.select_for_update().get(pk=pk)
            link = f"{settings.SITE_URL}{reverse('improvements:detail', args=[pk])}"
            text = (
                f"Review due: improvement #{pk} “{improvement.title}” reached its review date; run the Check."
            )
            channels.alert_create(
                recipient=improvement.owner,
                case=None,
                kind=REVIEW_ALERT_KIND,
                text=text[: 299 - len(link)] + " " + link,
            )
            event_record(
                improvement=improvement,
                actor=None,
                kind="improvement.review_alerted",
                summary=f"Review date {improvement.review_date:%d %b %Y} reached: {improvement.owner.get_username()} alerted.",
            )
            alerted += 1
    return alerted


def on_sweep(event: hooks.SweepTick) -> None:
    reviews_alert(now=event.now)


def subscribe() -> None:
    hooks.subscribe(hooks.SweepTick, on_sweep, phase=hooks.Phase.IN_TRANSACTION)
