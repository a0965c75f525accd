"""Q1: disputing a failed check, and the manager's decision (the one way dispute rows are written).

A dispute is not a change of the case, so it is not a case event (the case core's timeline stays the
case's own story): the ``Dispute`` row is the audit trail — who disputed, when, why, what the check said
then, and who decided what, when and why. Rows are never deleted.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case
from putright.engines.quality import CHECK_IDS, CHECK_TITLES, Result
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.quality import access
from putright.quality.models import CheckResult, Dispute

MAX_NOTE = 2000


def _note(text: str | None, *, what: str, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{what} must not be empty.")
    if len(value) > MAX_NOTE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{what} must be at most {MAX_NOTE} characters.")
    return value


def dispute_raise(*, actor, case: Case, check_id: str, note: str) -> Dispute:
    """The case's handler disputes a failed check, saying why. Once per scoring: after a decision the
    check stands until the case is scored again."""
    if not access.may_dispute(actor, case):
        raise PermissionDenied("only the case's handler may dispute its scorecard")
    if check_id not in CHECK_IDS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is no check {check_id!r}.")
    note = _note(note, what="Why you dispute it", required=True)
    with transaction.atomic():
        row = CheckResult.objects.select_for_update().filter(case=case, check_id=check_id).first()
        if row is None:
            raise DomainError(ErrorCode.NOT_SCORED, f"{case.reference} has no scorecard yet.")
        title = CHECK_TITLES[check_id]
        if row.result != Result.FAIL:
            raise DomainError(
                ErrorCode.DISPUTE_NOT_ALLOWED, f"Only a failed check can be disputed: “{title}” did not fail."
            )
        earlier = Dispute.objects.filter(case=case, check_id=check_id, raised_at__gte=row.scored_at).first()
        if earlier is not None:
            raise DomainError(
                ErrorCode.DISPUTE_NOT_ALLOWED,
                f"“{title}” is already disputed ({earlier.get_status_display().lower()}).",
            )
        try:
            with transaction.atomic():
                return Dispute.objects.create(
                    case=case,
                    check_id=check_id,
                    failed_reason=row.reason,
                    engine_version=row.engine_version,
                    raised_by=actor,
                    raised_at=clock.now(),
                    note=note,
                )
        except IntegrityError:  # one open dispute per check: a second at the same moment
            raise DomainError(ErrorCode.DISPUTE_NOT_ALLOWED, f"“{title}” is already disputed.") from None


def dispute_decide(*, actor, dispute: Dispute, uphold: bool, note: str = "") -> Dispute:
    """The handler's manager upholds the dispute (the fail is overturned to a pass) or rejects it (the
    fail stands; say why)."""
    if not is_staff_member(actor) or not access.may_decide(actor, dispute):
        raise PermissionDenied("only the handler's manager may decide this dispute")
    note = _note(note, what="Why the fail stands", required=not uphold)
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status != Dispute.Status.OPEN:
            raise DomainError(ErrorCode.ALREADY_DONE, "This dispute has already been decided.")
        dispute.status = Dispute.Status.UPHELD if uphold else Dispute.Status.REJECTED
        dispute.decided_by = actor
        dispute.decided_at = clock.now()
        dispute.decision_note = note
        dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return dispute
