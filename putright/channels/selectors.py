"""Reads of alerts: one place says which of a person's alerts a filter means, for the list and for
"mark all read" alike, so the button never marks anything the list did not show."""

from __future__ import annotations

from django.db.models import QuerySet

from putright.channels.models import Alert, Attachment


def alerts_for(*, user, kind: str = "", case_reference: str = "") -> QuerySet[Alert]:
    """``user``'s own alerts, of ``kind`` and about the case ``case_reference`` when given."""
    alerts = Alert.objects.filter(recipient=user)
    if kind:
        alerts = alerts.filter(kind=kind)
    if case_reference:
        alerts = alerts.filter(case__reference=case_reference)
    return alerts


def case_attachments(case) -> QuerySet[Attachment]:
    """Every file of one case (the report's own and each message's), oldest first, with who sent it."""
    return Attachment.objects.filter(case=case).select_related("author", "message")


def case_attachment(case, attachment_id) -> Attachment | None:
    """One file, only if it belongs to ``case`` (an id from another case is simply not found)."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        return None
    return Attachment.objects.filter(case=case, pk=attachment_id).first()


def attachments_record(case) -> list[dict]:
    """The files as the case record lists them: what they are, never their bytes."""
    return [
        {
            "id": a.pk,
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "from_customer": a.from_customer,
            "author": a.author.get_username() if a.author else None,
            "message": a.message_id,
            "created_at": a.created_at.isoformat(),
        }
        for a in case_attachments(case)
    ]


def attachments_by_message(attachments) -> dict[int | None, list[Attachment]]:
    """Files grouped by their message's id (None: the report's own)."""
    grouped: dict[int | None, list[Attachment]] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.message_id, []).append(attachment)
    return grouped
