"""Issue 15 §1: reply drafts, kept per case and author as they type, so a reload loses nothing.

One draft per case and author (a unique constraint). The case services discard it inside the send's
transaction, so a message sent is never offered again as a draft, and a send that fails keeps it."""

from __future__ import annotations

from django.db import transaction

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.channels.models import ReplyDraft
from putright.errors import DomainError, ErrorCode, PermissionDenied

SUBJECT_MAX = 200
BODY_MAX = 10000


def draft_get(*, user, case) -> ReplyDraft | None:
    """The user's own draft on this case (nobody reads another's)."""
    return ReplyDraft.objects.filter(case=case, author=user).first()


def draft_save(*, actor, case, subject: str, body: str) -> ReplyDraft | None:
    """Keep what ``actor`` is writing to the customer on ``case``; an empty composer deletes the draft.

    The caller has checked that ``actor`` may see the case (``case_or_404``)."""
    if actor is None or not is_staff_member(actor):
        raise PermissionDenied("only staff with a role keep reply drafts")
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"A draft keeps at most {SUBJECT_MAX} characters of subject and {BODY_MAX} of message.",
        )
    if not subject.strip() and not body.strip():
        draft_discard(case=case, author=actor)
        return None
    with transaction.atomic():
        draft, _ = ReplyDraft.objects.update_or_create(
            case=case,
            author=actor,
            defaults={"subject": subject, "body": body, "updated_at": clock.now()},
        )
    return draft


def draft_discard(*, case, author) -> None:
    """Forget ``author``'s draft on ``case`` (after a send, in its transaction; or an emptied composer)."""
    ReplyDraft.objects.filter(case=case, author=author).delete()
