"""Writes for messages and alerts. Called by the case services (inside their transaction)."""

from __future__ import annotations

from django.utils import timezone

from putright import clock
from putright.channels.delivery import alert_create, deliver_alert, deliver_message
from putright.channels.models import Alert, Message
from putright.channels.selectors import alerts_for
from putright.errors import DomainError, ErrorCode
from putright.jobs.outbox import later

__all__ = [
    "alert_create",
    "alert_enqueue",
    "alert_mark_all_read",
    "alert_mark_read",
    "message_create_inbound",
    "message_create_logged",
    "message_create_outbound",
    "message_enqueue",
]


def message_create_outbound(
    *, case, subject: str, body: str, requested: bool, author=None, automatic: bool = False
) -> Message:
    """Store a message to the customer, mark the case as updated (A4) and email it after commit (a job)."""
    now = clock.now()
    msg = Message.objects.create(
        case=case,
        direction=Message.Direction.OUTBOUND,
        prompt=Message.Prompt.REQUESTED if requested else Message.Prompt.UNPROMPTED,
        subject=subject[:200],
        body=body,
        author=author,
        automatic=automatic,
        email_status=Message.EmailStatus.PENDING,
        created_at=now,
    )
    type(case).objects.filter(pk=case.pk).update(last_customer_update_at=now)
    case.last_customer_update_at = now
    message_enqueue(msg.pk)
    return msg


def message_create_inbound(*, case, body: str, subject: str = "Message from customer") -> Message:
    """Stored raw before anything else happens to it, so a customer's words are never lost."""
    return Message.objects.create(
        case=case,
        direction=Message.Direction.INBOUND,
        prompt=Message.Prompt.CUSTOMER,
        subject=subject[:200],
        body=body,
        created_at=clock.now(),
    )


def message_create_logged(
    *, case, via: str, direction: str, body: str, requested: bool, author, at=None
) -> Message:
    """Issue 15 §2: a phone call or visit a colleague logs (``at``: when it happened, between the report and
    now; now if None). Never e-mailed: the customer was there. One to the customer updates them (A4), as
    of the contact (never back in time). The caller holds the case's lock."""
    now = clock.now()
    at = timezone.make_aware(at) if at is not None and timezone.is_naive(at) else at or now
    if (
        via not in (Message.LoggedVia.PHONE, Message.LoggedVia.IN_PERSON)
        or direction not in Message.Direction
    ):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A contact is a phone call or a visit, made by us or them."
        )
    if not case.created_at <= at <= now:
        raise DomainError(ErrorCode.INVALID_INPUT, "A contact's time must be between the report and now.")
    outbound = direction == Message.Direction.OUTBOUND
    if outbound:
        prompt = Message.Prompt.REQUESTED if requested else Message.Prompt.UNPROMPTED
        subject = f"{Message.LoggedVia(via).label}: we contacted the customer ({'they asked' if requested else 'unprompted'})"
    else:
        prompt, subject = (
            Message.Prompt.CUSTOMER,
            f"{Message.LoggedVia(via).label}: the customer contacted us",
        )
    msg = Message.objects.create(
        case=case,
        direction=direction,
        prompt=prompt,
        subject=subject,
        body=body,
        author=author,
        logged_via=via,
        email_status=Message.EmailStatus.NOT_EMAILED,
        created_at=at,
    )
    if outbound and at > case.last_customer_update_at:
        type(case).objects.filter(pk=case.pk).update(last_customer_update_at=at)
        case.last_customer_update_at = at
    return msg


def alert_mark_read(*, user, alert_id: int) -> bool:
    return bool(
        Alert.objects.filter(pk=alert_id, recipient=user, read_at__isnull=True).update(read_at=clock.now())
    )


def alert_mark_all_read(*, user, kind: str = "", case_reference: str = "") -> int:
    """Mark the user's unread alerts read, only those of ``kind`` / about the case ``case_reference``
    when given (the filter the user is looking at), and return how many. Nobody else's are touched."""
    unread = alerts_for(user=user, kind=kind, case_reference=case_reference).filter(read_at__isnull=True)
    return unread.update(read_at=clock.now())


def message_enqueue(message_id: int) -> None:
    """Schedule the message's e-mail for after the commit (sending claims the row: never sent twice)."""
    later(deliver_message, message_id)


def alert_enqueue(alert_id: int) -> None:
    later(deliver_alert, alert_id)
