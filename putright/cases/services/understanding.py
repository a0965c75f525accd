"""S2: the agent's summary, confirmed or corrected by the customer, or skipped with a reason."""

from __future__ import annotations

from django.db import transaction

from putright.cases import hooks
from putright.cases.models import Case
from putright.cases.services._common import (
    _clean,
    _event,
    _guard,
    _lock,
    _require_staff,
    _save,
    _tell_customer,
)
from putright.channels import reply_check
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.errors import DomainError, ErrorCode
from putright.vocab import AgreementMethod, Status, Understanding


def case_summarise_understanding(
    *, actor, case: Case, summary: str, procedure_version: int | None = None, send_anyway_reason: str = ""
) -> Case:
    """S2: the agent's summary, sent to the customer to confirm or correct (K5-checked: send_anyway_reason)."""
    _require_staff(actor)
    summary = _clean(summary, field="Summary", max_len=5000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "summarise")
        checked = reply_check.acknowledge(actor, case, summary, send_anyway_reason, "summary")
        before = {
            "understanding": case.understanding,
            "summary": case.understanding_summary,
            "status": case.status,
        }
        case.understanding_summary = summary
        case.understanding = Understanding.AWAITING_CUSTOMER
        case.status = Status.NEW
        if case.assignee is None:
            case.assignee = actor
        _save(case, "understanding_summary", "understanding", "status", "assignee")
        _event(
            case,
            actor,
            "understanding.summarised",
            "Summary of the problem recorded for the customer to check",
            before=before,
            after={"understanding": case.understanding, "summary": summary, "status": case.status, **checked},
            customer_visible=True,
            procedure_version=procedure_version,
        )
        _tell_customer(
            case,
            "Have we understood your problem?",
            f"This is how we have understood your problem:\n\n{summary}\n\n"
            "Please confirm it, or tell us what we have got wrong, using your case link.",
        )
    return case


def case_confirm_understanding(
    *, actor, case: Case, method: str = AgreementMethod.PORTAL, procedure_version: int | None = None
) -> Case:
    """S2: the customer confirms (on their link: actor None; or an agent records it from a call)."""
    if actor is not None:
        _require_staff(actor)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "confirm_understanding")
        if case.understanding != Understanding.AWAITING_CUSTOMER:
            raise DomainError(
                ErrorCode.NO_UNDERSTANDING_SUMMARY, "There is no summary awaiting confirmation."
            )
        before = {"understanding": case.understanding, "status": case.status}
        case.understanding = Understanding.CONFIRMED
        case.status = Status.OPTIONS
        _save(case, "understanding", "status")
        how = "on their case link" if actor is None else AgreementMethod(method).label.lower()
        _event(
            case,
            actor,
            "understanding.confirmed",
            f"Customer confirmed our understanding ({how})",
            before=before,
            after={"understanding": case.understanding, "status": case.status, "method": method},
            customer_visible=True,
            as_customer=True,
            procedure_version=procedure_version,
        )
        if actor is not None:  # on their link the page says this: an e-mail too would tell them nothing new
            _tell_customer(
                case,
                "Thank you for confirming",
                "Thank you for confirming we have understood your problem. "
                "We are now working out the best way to put it right and will come back to you.",
            )
        hooks.announce(hooks.UnderstandingConfirmed(case=case, actor=actor))
    return case


def case_correct_understanding(*, case: Case, correction: str, actor=None) -> Case:
    """S2: the customer says the summary is wrong; the agent must summarise again."""
    if actor is not None:
        _require_staff(actor)
    correction = _clean(correction, field="Correction", max_len=5000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "confirm_understanding")
        if case.understanding != Understanding.AWAITING_CUSTOMER:
            raise DomainError(
                ErrorCode.NO_UNDERSTANDING_SUMMARY, "There is no summary awaiting confirmation."
            )
        before = {"understanding": case.understanding}
        case.understanding = Understanding.CORRECTED
        case.understanding_correction = correction
        _save(case, "understanding", "understanding_correction")
        _event(
            case,
            actor,
            "understanding.corrected",
            "Customer corrected our understanding",
            before=before,
            after={"understanding": case.understanding, "correction": correction},
            customer_visible=True,
            as_customer=True,
        )
        _tell_customer(
            case,
            "Thank you for putting us right",
            f"Thank you for correcting us. You told us:\n\n{correction}\n\n"
            "We will look at your problem again and send you a new summary to check.",
        )
        channels.alert_create(
            recipient=case.assignee,
            case=case,
            kind=Alert.Kind.CUSTOMER_MESSAGE,
            text=f"{case.reference}: the customer corrected your summary",
        )
    return case


def case_skip_understanding(*, actor, case: Case, reason: str, procedure_version: int | None = None) -> Case:
    """S2: move on without the customer's confirmation; the reason is on the record."""
    _require_staff(actor)
    reason = _clean(reason, field="Reason for skipping confirmation", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "skip_understanding")
        before = {"understanding": case.understanding, "status": case.status}
        case.understanding = Understanding.SKIPPED
        case.understanding_skip_reason = reason
        case.status = Status.OPTIONS
        _save(case, "understanding", "understanding_skip_reason", "status")
        _event(
            case,
            actor,
            "understanding.skipped",
            f"Confirmation of understanding skipped: {reason}",
            before=before,
            after={"understanding": case.understanding, "status": case.status, "reason": reason},
            procedure_version=procedure_version,
        )
    return case
