"""The new procedure version an "update a procedure" step creates (issue 14 §2 Do, §3).

``version_create`` is the one function in this room that writes a ``procedures.ProcedureVersion``: the
procedures room's own pages (helper PROC) may later route it through their service; until then this keeps
the version rules — the number is the last one + 1 under the procedure's row lock, a change note always,
versions never edited.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.procedures.models import Procedure, ProcedureVersion

MAX_BODY = 100_000


def version_create(*, actor, procedure: Procedure, body: str, change_note: str) -> ProcedureVersion:
    """A new version of ``procedure`` with ``body`` (Markdown) and ``change_note``; returns it. The caller
    checks that ``actor`` may make this change (the step's owner, the improvement's owner or a manager)."""
    if not is_staff_member(actor):
        raise PermissionDenied("only staff may change a procedure")
    body = (body or "").strip()
    change_note = " ".join((change_note or "").split())
    if not body:
        raise DomainError(ErrorCode.INVALID_INPUT, "Write the procedure's new text.")
    if len(body) > MAX_BODY:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Keep the procedure to {MAX_BODY:,} characters.")
    if not change_note:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A new version needs a change note: say what changed and why."
        )
    if len(change_note) > 500:
        raise DomainError(ErrorCode.INVALID_INPUT, "Keep the change note to 500 characters.")
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if not procedure.active:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"The procedure “{procedure.title}” is no longer in use."
            )
        last = procedure.versions.aggregate(last=Max("number"))["last"] or 0
        latest = procedure.versions.filter(number=last).first()
        if latest is not None and latest.body.strip() == body:
            raise DomainError(ErrorCode.INVALID_INPUT, "The text is the same as the current version's.")
        return ProcedureVersion.objects.create(
            procedure=procedure,
            number=last + 1,
            body=body,
            change_note=change_note,
            author=actor,
            created_at=clock.now(),
        )
