"""P2–P4 and K4: options listed, weighed and recommended; approvals beyond authority; consulting a
colleague; renewing the customer's case link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import approvers_for, is_staff_member, limit_for_user
from putright.cases.models import Case, Consultation, Option, new_portal_nonce
from putright.cases.services._common import (
    _back_to_choosing,
    _clean,
    _event,
    _guard,
    _lock,
    _require_staff,
    _save,
    _tell_customer,
    option_request,
)
from putright.cases.services.entitlement import entitled_request
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.engines.authority import limits as authority_engine
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import CustomerBenefit, JustificationFactor, OptionStatus, PolicyFit, Status


@dataclass(frozen=True)
class OptionInput:
    title: str
    remedy_type: str
    description: str = ""
    amount: Decimal = Decimal("0")
    cost_to_organisation: Decimal = Decimal("0")
    days_to_deliver: int = 0
    customer_advantages: str = ""
    customer_disadvantages: str = ""
    organisation_advantages: str = ""
    organisation_disadvantages: str = ""
    is_exception: bool = False
    customer_benefit: int = 3
    policy_fit: str = "standard"
    # Set only by the statutory-remedies action (putright.resolution.services), never typed by a person.
    statutory_remedy: str = ""


def option_add(
    *,
    actor,
    case: Case,
    option: OptionInput,
    source: str = "agent",
    rule_ids: list[str] | None = None,
    procedure_version: int | None = None,
) -> Option:
    """P2/P3: list an option with its appraisal. Rules engines add theirs with ``source='rule'``."""
    _require_staff(actor)
    if option.policy_fit not in PolicyFit.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown policy fit {option.policy_fit!r}.")
    if option.customer_benefit not in CustomerBenefit.values:
        raise DomainError(ErrorCode.INVALID_INPUT, "The benefit to the customer must be from 0 to 5.")
    if option.is_exception or option.policy_fit == PolicyFit.EXCEPTION:
        # One fact, two fields: an exception to usual practice always needs a second person (K4).
        option = replace(option, is_exception=True, policy_fit=PolicyFit.EXCEPTION)
    with transaction.atomic():
        case = _lock(case)
        if case.status == Status.NEW and not case.understanding_settled:
            raise DomainError(
                ErrorCode.UNDERSTANDING_NOT_CONFIRMED,
                "Confirm the customer's problem (or record why not) before proposing options.",
            )
        _guard(case, "option_add")
        created = Option.objects.create(
            case=case,
            created_by=actor,
            created_at=clock.now(),
            source=source,
            rule_ids=rule_ids or [],
            **option.__dict__,
        )
        _save(case)
        _event(
            case,
            actor,
            "option.added",
            f"Option listed: {created.title}",
            after={"option": created.pk, **{k: v for k, v in option.__dict__.items()}},
            procedure_version=procedure_version,
        )
    return created


def option_withdraw(*, actor, option: Option, reason: str) -> Option:
    _require_staff(actor)
    reason = _clean(reason, field="Reason")
    with transaction.atomic():
        case = _lock(option.case)
        _guard(case, "option_add")
        option = Option.objects.select_for_update().get(pk=option.pk)
        if option.status != OptionStatus.PROPOSED:
            raise DomainError(ErrorCode.INVALID_TRANSITION, "Only a listed option can be withdrawn.")
        option.status = OptionStatus.WITHDRAWN
        option.save(update_fields=["status"])
        _save(case)
        _event(
            case,
            actor,
            "option.withdrawn",
            f"Option withdrawn: {option.title} ({reason})",
            before={"option_status": OptionStatus.PROPOSED},
            after={"option_status": option.status},
        )
    return option


def recommendation_withdraw(*, actor, case: Case, reason: str) -> Case:
    """Take back a recommendation awaiting approval or the customer's answer (e.g. the customer has
    gone quiet, or the facts changed): back to choosing, with any pending approval withdrawn."""
    _require_staff(actor)
    reason = _clean(reason, field="Reason", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "recommendation_withdraw")
        option = Option.objects.select_for_update().get(pk=case.recommended_option_id)
        was_proposed = case.status == Status.AWAITING_CUSTOMER
        before = {"status": case.status, "option_status": option.status}
        for approval in Approval.objects.filter(case=case, option=option, status=Approval.Status.PENDING):
            Approval.objects.filter(pk=approval.pk).update(
                status=Approval.Status.WITHDRAWN, decided_at=clock.now(), decision_note=reason
            )
        _back_to_choosing(case, option, OptionStatus.WITHDRAWN)
        _event(
            case,
            actor,
            "option.recommendation_withdrawn",
            f"Recommendation withdrawn: {option.title} ({reason})",
            before=before,
            after={"status": case.status, "option_status": option.status, "reason": reason},
            customer_visible=was_proposed,
        )
        if was_proposed:
            _tell_customer(
                case,
                "We have withdrawn our proposal",
                f"We have withdrawn our proposal ({option.title}): {reason}\n"
                "We will come back to you with another way to put things right.",
                author=actor,
            )
    return case


def case_portal_link_renew(*, actor, case: Case, reason: str) -> Case:
    """Revoke every link the customer was sent (e.g. a forwarded email) and send them a new one."""
    _require_staff(actor)
    reason = _clean(reason, field="Reason", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        case.portal_nonce = new_portal_nonce()
        _save(case, "portal_nonce")
        _event(
            case,
            actor,
            "portal.link_renewed",
            f"Customer's case link renewed: {reason}",
            after={"reason": reason},
        )
        _tell_customer(
            case,
            "Your new case link",
            "For your security we have replaced the link to your case; the old one no longer works. "
            "Please use the link below from now on.",
            author=actor,
        )
    return case


def consultation_request(*, actor, case: Case, colleague, question: str) -> Consultation:
    """P2: ask a colleague for input; they are alerted and their answer is kept on the case."""
    _require_staff(actor)
    question = _clean(question, field="Question", max_len=5000)
    if colleague is None or not is_staff_member(colleague) or colleague.pk == actor.pk:
        raise DomainError(ErrorCode.NOT_A_COLLEAGUE, "Ask another member of staff.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "consult")
        consultation = Consultation.objects.create(
            case=case, asked_by=actor, colleague=colleague, question=question, asked_at=clock.now()
        )
        _save(case)
        _event(
            case,
            actor,
            "consultation.requested",
            f"Asked {colleague.get_username()} for input",
            after={"consultation": consultation.pk, "question": question},
        )
        channels.alert_create(
            recipient=colleague,
            case=case,
            kind=Alert.Kind.CONSULTATION,
            text=f"{actor.get_username()} asks about {case.reference}: {question[:200]}",
        )
    return consultation


def consultation_answer(*, actor, consultation: Consultation, answer: str) -> Consultation:
    _require_staff(actor)
    answer = _clean(answer, field="Answer", max_len=5000)
    if consultation.colleague_id != actor.pk:
        raise PermissionDenied("only the colleague asked can answer")
    with transaction.atomic():
        case = _lock(consultation.case)
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.answered_at is not None:
            raise DomainError(ErrorCode.ALREADY_DONE, "This question has already been answered.")
        consultation.answer = answer
        consultation.answered_at = clock.now()
        consultation.save(update_fields=["answer", "answered_at"])
        _save(case)
        _event(
            case,
            actor,
            "consultation.answered",
            f"{actor.get_username()} gave their input",
            after={"consultation": consultation.pk, "answer": answer},
        )
    return consultation


def option_recommend(
    *,
    actor,
    option: Option,
    justification: str,
    factors: list[str],
    suggested_option: Option | None = None,
    override_reason: str = "",
    procedure_version: int | None = None,
) -> Case:
    """P4: pick the recommended option, with a justification naming at least two factors.

    K4: if the option is beyond the handler's authority, or an exception to
    usual practice, it goes to an approver (the case is escalated to them
    automatically); otherwise it is proposed to the customer straight away.

    ``suggested_option`` is the appraisal's best option when the agent chose another, and
    ``override_reason`` why (``putright.resolution.services.option_recommend_weighed`` requires it);
    both go on the record.
    """
    _require_staff(actor)
    justification = _clean(justification, field="Justification", max_len=5000)
    factors = sorted(set(factors or []))
    unknown = [f for f in factors if f not in JustificationFactor.values]
    if unknown:
        raise DomainError(ErrorCode.JUSTIFICATION_TOO_WEAK, f"Unknown factor(s): {', '.join(unknown)}.")
    if len(factors) < 2:
        raise DomainError(
            ErrorCode.JUSTIFICATION_TOO_WEAK, "Name at least two factors that justify the choice."
        )
    with transaction.atomic():
        case = _lock(option.case)
        _guard(case, "option_recommend")
        option = Option.objects.select_for_update().get(pk=option.pk)
        if option.case_id != case.pk:
            raise DomainError(ErrorCode.OPTION_NOT_ON_CASE, "That option belongs to another case.")
        if option.status != OptionStatus.PROPOSED:
            raise DomainError(ErrorCode.OPTION_WITHDRAWN, "Only a listed option can be recommended.")
        Option.objects.filter(case=case, status=OptionStatus.RECOMMENDED).update(status=OptionStatus.PROPOSED)
        option.status = OptionStatus.RECOMMENDED
        option.save(update_fields=["status"])
        case.recommended_option = option
        case.recommendation_justification = justification
        case.recommendation_factors = factors
        decision = authority_engine.decide(limit_for_user(actor), entitled_request(case, option))
        before = {"status": case.status}
        summary = f"Recommended: {option.title}"
        after = {
            "option": option.pk,
            "justification": justification,
            "factors": factors,
            "authority_rule_ids": list(decision.rule_ids),
            "authority_reasons": list(decision.reasons),
        }
        if decision.statutory_rule:
            # K4.statutory: the record says which rule made it the customer's right, not an exception.
            summary += f" (the customer's legal right under {decision.statutory_rule}, so the money limit does not apply)"
            after |= {
                "statutory_rule": decision.statutory_rule,
                "authority_rule_ids": [*decision.rule_ids, "K4.statutory"],
            }
        if suggested_option is not None and suggested_option.pk != option.pk:
            override_reason = (override_reason or "").strip()
            summary += f" instead of the suggested “{suggested_option.title}”: {override_reason}"
            after |= {"suggested_option": suggested_option.pk, "override_reason": override_reason}
        _event(case, actor, "option.recommended", summary, after=after, procedure_version=procedure_version)
        if decision.needs_approval:
            case.status = Status.AWAITING_APPROVAL
            _save(
                case, "recommended_option", "recommendation_justification", "recommendation_factors", "status"
            )
            _approval_request(actor=actor, case=case, option=option, decision=decision, before=before)
        else:
            case.status = Status.AWAITING_CUSTOMER
            _save(
                case, "recommended_option", "recommendation_justification", "recommendation_factors", "status"
            )
            _propose_to_customer(actor=actor, case=case, option=option, before=before)
    return case


def statutory_proposal_recheck(*, actor, case: Case) -> Case:
    """K4.statutory: the purchase facts changed while a proposal that rested on the customer's statutory
    right waits for their answer. The right is weighed again; if it no longer carries the option past the
    handler's limit, the proposal goes back for approval (the customer is told we are checking it), so it
    cannot be agreed until a second person looks. The caller holds the case lock (inside its transaction).
    """
    _require_staff(actor)
    if case.status != Status.AWAITING_CUSTOMER or case.recommended_option_id is None:
        return case
    option = Option.objects.select_for_update().get(pk=case.recommended_option_id)
    if Approval.objects.filter(case=case, option=option, status=Approval.Status.APPROVED).exists():
        return case  # a second person has already approved it as it stands
    decision = authority_engine.decide(limit_for_user(actor), entitled_request(case, option))
    if not decision.needs_approval:
        return case
    before = {"status": case.status}
    case.status = Status.AWAITING_APPROVAL
    _save(case, "status")
    _approval_request(actor=actor, case=case, option=option, decision=decision, before=before)
    _tell_customer(
        case,
        "We are checking our proposal again",
        f"Some details of your purchase have changed, so a colleague is checking our proposal ({option.title}) "
        "again before you answer. We will come back to you shortly.",
    )
    return case


def _approval_request(*, actor, case: Case, option: Option, decision, before: dict) -> Approval:
    approvers = approvers_for(option_request(option), exclude_user_id=actor.pk)
    if not approvers:
        # Refuse rather than park the case where nobody's approvals page would ever show it.
        raise DomainError(
            ErrorCode.NO_APPROVER,
            "Nobody else has the authority to approve this option. Choose another option, or ask an "
            "administrator to review the authority limits.",
        )
    assigned = approvers[0]
    approval = Approval.objects.create(
        case=case,
        option=option,
        requested_by=actor,
        assigned_to=assigned,
        reasons=list(decision.reasons),
        rule_ids=list(decision.rule_ids),
        created_at=clock.now(),
    )
    _event(
        case,
        actor,
        "approval.requested",
        f"Approval needed: {'; '.join(decision.reasons)}",
        before=before,
        after={
            "status": case.status,
            "approval": approval.pk,
            "assigned_to": assigned.get_username() if assigned else None,
            "rule_ids": list(decision.rule_ids),
        },
    )
    if assigned is not None:
        # One entry per event: the approval (and this alert) is the request. It is not also stored as an
        # automatic escalation, which listed every approval a second time on the escalations page.
        channels.alert_create(
            recipient=assigned,
            case=case,
            kind=Alert.Kind.APPROVAL_REQUESTED,
            text=f"{case.reference}: approve '{option.title}'? {'; '.join(decision.reasons)}",
        )
    return approval


def _propose_to_customer(*, actor, case: Case, option: Option, before: dict) -> None:
    _event(
        case,
        actor,
        "option.proposed",
        f"Proposed to the customer: {option.title}",
        before=before,
        after={"status": case.status, "option": option.pk},
        customer_visible=True,
    )
    lines = [f"We propose to put this right as follows: {option.title}."]
    if option.description:
        lines.append(option.description)
    if option.amount:
        lines.append(f"Value: £{option.amount:,.2f}.")
    if option.days_to_deliver:
        lines.append(f"We expect to complete it within {option.days_to_deliver} day(s) of your agreement.")
    lines.append("Please tell us on your case link whether you agree.")
    _tell_customer(case, "Our proposal to put things right", "\n".join(lines))


def approval_decide(*, actor, approval: Approval, approve: bool, note: str = "") -> Approval:
    """K4: a second person whose own authority covers the option approves or rejects it."""
    _require_staff(actor)
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(ErrorCode.REASONS_REQUIRED, "Say why the option is not approved.")
    with transaction.atomic():
        case = _lock(approval.case)
        approval = Approval.objects.select_for_update().select_related("option").get(pk=approval.pk)
        if approval.status != Approval.Status.PENDING:
            raise DomainError(ErrorCode.APPROVAL_ALREADY_DECIDED, "This approval has already been decided.")
        _guard(case, "approval_decide")
        if approval.requested_by_id == actor.pk:
            raise DomainError(
                ErrorCode.SECOND_PERSON_REQUIRED, "A second person must approve; you requested it."
            )
        option = approval.option
        if not authority_engine.may_approve(limit_for_user(actor), option_request(option)):
            raise DomainError(
                ErrorCode.APPROVER_LACKS_AUTHORITY, "Your authority does not cover this option."
            )
        now = clock.now()
        approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
        approval.decided_by = actor
        approval.decided_at = now
        approval.decision_note = note
        approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        before = {"status": case.status}
        if approve:
            case.status = Status.AWAITING_CUSTOMER
            _save(case, "status")
            _event(
                case,
                actor,
                "approval.approved",
                f"Approved: {option.title}" + (f" ({note})" if note else ""),
                before=before,
                after={"status": case.status, "approval": approval.pk},
            )
            _propose_to_customer(actor=actor, case=case, option=option, before=before)
        else:
            _back_to_choosing(case, option, OptionStatus.REJECTED)
            _event(
                case,
                actor,
                "approval.rejected",
                f"Not approved: {option.title} ({note})",
                before=before,
                after={"status": case.status, "approval": approval.pk, "note": note},
            )
        channels.alert_create(
            recipient=approval.requested_by,
            case=case,
            kind=Alert.Kind.APPROVAL_REQUESTED,
            text=f"{case.reference}: '{option.title}' was {'approved' if approve else 'not approved'}"
            f" by {actor.get_username()}",
        )
    return approval
