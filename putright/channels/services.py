"""Writes for messages and alerts. Called by the case services (inside their transaction)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.base import ContentFile
from django.utils import timezone

from putright import clock
from putright.channels.attachments import IncomingFile
from putright.channels.delivery import alert_create, deliver_alert, deliver_message
from putright.channels.models import Alert, Attachment, Message
from putright.channels.selectors import alerts_for
from putright.errors import DomainError, ErrorCode
from putright.jobs.outbox import later

__all__ = [
    "alert_create",
    "alert_enqueue",
    "alert_mark_all_read",
    "alert_mark_read",
    "attachments_audit",
    "attachments_guard",
    "attachments_store",
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


# ---------------------------------------------------------------- attachments (issue 15 §4)

logger = logging.getLogger(__name__)

# The storage names written under the innermost guard, to delete if its transaction rolls back.
_written: ContextVar[list[str] | None] = ContextVar("attachments_written", default=None)


@contextmanager
def attachments_guard() -> Iterator[None]:
    """Wrap the transaction that stores attachments: files are written to storage before it commits, and
    deleted again if it fails, so a failed report or message leaves no orphan file (and a stored row always
    has its file). ``with channels.attachments_guard(), transaction.atomic():`` in the case services.

    A guard inside another shares the outer one's list: the files go only when the outermost fails.
    """
    if _written.get() is not None:
        yield
        return
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in written:
            try:
                storage.delete(name)
            except OSError:
                # Never hide the failure that rolled the transaction back; the name is logged to remove by hand.
                logger.exception("could not remove the stored file %s after a rollback", name)
        raise
    finally:
        _written.reset(token)


def attachments_store(
    *, case, message: Message | None, files: Sequence[IncomingFile], from_customer: bool, author=None
) -> list[Attachment]:
    """Store checked files (``putright.channels.attachments``) with a case or one of its messages.

    Called by the case services inside their transaction and under :func:`attachments_guard`.
    """
    if not files:
        return []
    written = _written.get()
    if written is None:
        raise RuntimeError("attachments_store must run inside attachments_guard()")
    stored = []
    for incoming in files:
        # created_at first: the storage name's folder (attachments/YYYY/MM/) comes from it.
        attachment = Attachment(
            case=case,
            message=message,
            from_customer=from_customer,
            author=author,
            original_name=incoming.name,
            content_type=incoming.content_type,
            size=incoming.size,
            sha256=incoming.sha256,
            created_at=clock.now(),
        )
        attachment.file.save("file", ContentFile(incoming.content), save=False)
        written.append(attachment.file.name)
        if incoming.preview:
            attachment.preview.save("preview", ContentFile(incoming.preview), save=False)
            written.append(attachment.preview.name)
        attachment.save()
        stored.append(attachment)
    return stored


def attachments_audit(stored: Sequence[Attachment]) -> dict:
    """What the audit event records of the files (never their bytes): nothing when there are none."""
    if not stored:
        return {}
    return {
        "attachments": [
            {"name": a.original_name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in stored
        ]
    }
