"""Writes for messages and alerts. Called by the case services (inside their transaction)."""

from __future__ import annotations

from putright import clock
from putright.channels.delivery import alert_create, deliver_alert, deliver_message
from putright.channels.models import Alert, Message
from putright.channels.selectors import alerts_for
from putright.jobs.outbox import later

__all__ = [
    "alert_create",
    "alert_enqueue",
    "alert_mark_all_read",
    "alert_mark_read",
    "message_create_inbound",
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
