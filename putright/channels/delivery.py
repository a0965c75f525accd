"""Email delivery of stored messages and alerts (A4, A3).

Each send first *claims* its row with a conditional UPDATE (pending/failed →
sending, stamping the claim time), so two workers never send the same email; a
failure puts it back to ``failed`` for the sweep to retry. A worker that dies
mid-send leaves ``sending`` behind: the sweep returns such rows to ``failed``
(``email_recover_stuck``). After MAX_ATTEMPTS a customer message is marked
``gave_up`` and its handler is alerted, so it is never silently dropped.

The worker's tasks live here too (``deliver_message``, ``deliver_alert``), beside what they run, so
that writing an alert (``alert_create``, which enqueues its email) needs nothing above this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db.models import F

from putright import clock
from putright.authority.selectors import staff_users
from putright.channels.brand import brand_get
from putright.channels.emails import customer_email
from putright.channels.models import Alert, Message
from putright.channels.portal_links import portal_url
from putright.jobs import queues
from putright.jobs.outbox import later
from putright.jobs.runner import job_task

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
STUCK_AFTER = timedelta(minutes=10)
RETRYABLE = [Message.EmailStatus.PENDING, Message.EmailStatus.FAILED]
# What rooms above add to a customer's e-mail as it is sent (the satisfaction check's answer links): each
# takes the case and the message and returns text for the e-mail alone (never stored), or "".
EMAIL_ADDITIONS: list[Callable] = []


def email_addition_register(addition: Callable) -> None:
    """Register once, at start-up (an app's ``ready``)."""
    if addition not in EMAIL_ADDITIONS:
        EMAIL_ADDITIONS.append(addition)


# Set while work about the past is done (the demo's history analysed after it loads): see alerts_of_the_past.
_alerts_of_the_past: ContextVar[bool] = ContextVar("alerts_of_the_past", default=False)


@contextmanager
def alerts_of_the_past() -> Iterator[None]:
    """Alerts written inside are about what happened long ago: the moment to email them has passed, so
    they are recorded as delivered when written (they still show in the app), and nothing is sent."""
    token = _alerts_of_the_past.set(True)
    try:
        yield
    finally:
        _alerts_of_the_past.reset(token)


# What a mention alert's text says before the note's opening words (issue 15 §2; the note is not e-mailed).
MENTION_QUOTE_MARK = " mentioned you in a note: "


def alert_create(*, recipient, case, kind: str, text: str) -> Alert | None:
    """Store an alert for a colleague (shown in the app) and email it after commit (a job)."""
    if recipient is None:
        return None
    past = _alerts_of_the_past.get()
    alert = Alert.objects.create(
        recipient=recipient,
        case=case,
        kind=kind,
        text=text[:300],
        created_at=clock.now(),
        **({"email_status": "sent", "email_attempts": 1} if past else {}),
    )
    if not past:
        later(deliver_alert, alert.pk)
    return alert


def message_email(case, msg: Message) -> EmailMultiAlternatives:
    """The e-mail for a stored message on ``case``, as it is sent: in the organisation's name, with what
    rooms add at sending. ``message_email_preview`` makes the same e-mail for a message not yet written."""
    additions = [text for addition in EMAIL_ADDITIONS if (text := addition(case, msg))]
    return customer_email(
        brand=brand_get(),
        to=case.customer.email,
        name=case.customer.name,
        subject=f"[{case.reference}] {msg.subject}",
        body=msg.body,
        additions=additions,
        reference=case.reference,
        link=portal_url(case),
        headers={"X-Putright-Case": case.reference, "X-Putright-Message": str(msg.pk)},
    )


def message_email_preview(case, *, subject: str, body: str) -> EmailMultiAlternatives:
    """Exactly the e-mail a message with this subject and body would go out as (issue 15 §7: the review
    before closing unresolved shows it), made by ``message_email`` itself. ``case`` is as it will be when
    the message is sent (e.g. closed); nothing is stored or sent."""
    msg = Message(case=case, direction=Message.Direction.OUTBOUND, subject=subject, body=body)
    return message_email(case, msg)


def message_email_send(*, message_id: int) -> str:
    claimed = Message.objects.filter(
        pk=message_id, email_status__in=RETRYABLE, email_attempts__lt=MAX_ATTEMPTS
    ).update(
        email_status=Message.EmailStatus.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_claimed_at=clock.now(),
    )
    if not claimed:
        return "skipped"
    msg = Message.objects.select_related("case", "case__customer", "case__assignee").get(pk=message_id)
    email = message_email(msg.case, msg)
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never lost
        log.warning("email for message %s failed (attempt %s): %s", message_id, msg.email_attempts, exc)
        gave_up = msg.email_attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message_id).update(
            email_status=Message.EmailStatus.GAVE_UP if gave_up else Message.EmailStatus.FAILED,
            email_error=str(exc)[:300],
        )
        if gave_up:
            _alert_handler_email_gave_up(msg, str(exc))
        return "gave_up" if gave_up else "failed"
    Message.objects.filter(pk=message_id).update(
        email_status=Message.EmailStatus.SENT, emailed_at=clock.now(), email_error=""
    )
    return "sent"


def _alert_handler_email_gave_up(msg: Message, error: str) -> None:
    """A message we could not email still stands on the customer's page; the handler must reach them."""
    case = msg.case
    recipient = case.assignee or case.created_by
    if recipient is None:
        recipient = staff_users().filter(groups__name="supervisor").first()
    alert_create(
        recipient=recipient,
        case=case,
        kind=Alert.Kind.EMAIL_FAILED,
        text=f"{case.reference}: '{msg.subject}' could not be emailed to {case.customer.email} "
        f"after {MAX_ATTEMPTS} tries ({error[:120]}). Contact the customer another way.",
    )


def alert_email_send(*, alert_id: int) -> str:
    claimed = Alert.objects.filter(
        pk=alert_id, email_status__in=["pending", "failed"], email_attempts__lt=MAX_ATTEMPTS
    ).update(email_status="sending", email_attempts=F("email_attempts") + 1, email_claimed_at=clock.now())
    if not claimed:
        return "skipped"
    alert = Alert.objects.select_related("recipient", "case").get(pk=alert_id)
    if not alert.recipient.email:
        Alert.objects.filter(pk=alert_id).update(email_status="none")
        return "no-address"
    if alert.case is not None:
        subject = f"[{alert.case.reference}] {alert.get_kind_display()}"
        # An internal note stays in the app (it may hold the customer's personal data): the e-mail names who
        # mentioned you and where, never the note's words.
        text = (
            alert.text.partition(MENTION_QUOTE_MARK)[0] + " mentioned you in an internal note."
            if alert.kind == Alert.Kind.MENTION
            else alert.text
        )
        body = f"{text}\n\nOpen the case: {settings.SITE_URL}/cases/{alert.case.reference}/\n"
    else:
        subject = f"[Putright] {alert.get_kind_display()}"
        body = f"{alert.text}\n"
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[alert.recipient.email],
    )
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - retried by the sweep; the alert itself is on the page
        log.warning("email for alert %s failed: %s", alert_id, exc)
        Alert.objects.filter(pk=alert_id).update(email_status="failed")
        return "failed"
    Alert.objects.filter(pk=alert_id).update(email_status="sent")
    return "sent"


def email_recover_stuck(*, now: datetime) -> int:
    """Sends claimed by a worker that died are returned to ``failed`` so the retry picks them up."""
    cutoff = now - STUCK_AFTER
    recovered = Message.objects.filter(
        email_status=Message.EmailStatus.SENDING, email_claimed_at__lt=cutoff
    ).update(email_status=Message.EmailStatus.FAILED, email_error="worker stopped while sending")
    recovered += Alert.objects.filter(email_status="sending", email_claimed_at__lt=cutoff).update(
        email_status="failed"
    )
    return recovered


@job_task(queue=queues.MAIL)
def deliver_message(message_id: int) -> str:
    """Thin and retry-safe: the send claims the row with a conditional UPDATE first."""
    return message_email_send(message_id=message_id)


@job_task(queue=queues.MAIL)
def deliver_alert(alert_id: int) -> str:
    return alert_email_send(alert_id=alert_id)
