"""Email delivery of stored messages and alerts (A4, A3).

Each send first *claims* its row with a conditional UPDATE (pending/failed →
sending), so two workers never send the same message twice; a failure puts it
back to ``failed`` for the sweep to retry.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F

from putright import clock
from putright.channels.models import Alert, Message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def portal_url_for(case) -> str:
    from putright.channels.portal_links import portal_url

    return portal_url(case)


def message_email_send(*, message_id: int) -> str:
    claimed = Message.objects.filter(
        pk=message_id,
        email_status__in=[Message.EmailStatus.PENDING, Message.EmailStatus.FAILED],
        email_attempts__lt=MAX_ATTEMPTS,
    ).update(email_status="sending", email_attempts=F("email_attempts") + 1)
    if not claimed:
        return "skipped"
    msg = Message.objects.select_related("case", "case__customer").get(pk=message_id)
    case = msg.case
    body = (
        f"Dear {case.customer.name},\n\n{msg.body}\n\n"
        f"Your reference: {case.reference}\n"
        f"Follow your case and reply here: {portal_url_for(case)}\n\n"
        "Putright customer care"
    )
    email = EmailMessage(
        subject=f"[{case.reference}] {msg.subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[case.customer.email],
        headers={"X-Putright-Case": case.reference, "X-Putright-Message": str(msg.pk)},
    )
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never lost
        log.warning("email for message %s failed: %s", message_id, exc)
        Message.objects.filter(pk=message_id).update(
            email_status=Message.EmailStatus.FAILED, email_error=str(exc)[:300]
        )
        return "failed"
    Message.objects.filter(pk=message_id).update(
        email_status=Message.EmailStatus.SENT, emailed_at=clock.now(), email_error=""
    )
    return "sent"


def alert_email_send(*, alert_id: int) -> str:
    claimed = Alert.objects.filter(pk=alert_id, email_status__in=["pending", "failed"]).update(
        email_status="sending"
    )
    if not claimed:
        return "skipped"
    alert = Alert.objects.select_related("recipient", "case").get(pk=alert_id)
    if not alert.recipient.email:
        Alert.objects.filter(pk=alert_id).update(email_status="none")
        return "no-address"
    link = f"{settings.SITE_URL}/cases/{alert.case.reference}/"
    email = EmailMessage(
        subject=f"[{alert.case.reference}] {alert.get_kind_display()}",
        body=f"{alert.text}\n\nOpen the case: {link}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[alert.recipient.email],
    )
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001
        log.warning("email for alert %s failed: %s", alert_id, exc)
        Alert.objects.filter(pk=alert_id).update(email_status="failed")
        return "failed"
    Alert.objects.filter(pk=alert_id).update(email_status="sent")
    return "sent"
