"""A1–A2: the customer's answer to the proposal, the action plan and its delivery."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import is_staff_member
from putright.cases import hooks
from putright.cases.models import ActionStep, Agreement, Case, Option
from putright.cases.services._common import (
    _back_to_choosing,
    _clean,
    _event,
    _guard,
    _lock,
    _require_staff,
    _save,
    _set_status,
    _tell_customer,
)
from putright.cases.services.satisfaction import (
    ASK_SUBJECT,
    SATISFACTION_FIELDS,
    satisfaction_ask_stamp,
    upheld_check,
)
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import AgreementMethod, OptionStatus, Status


def option_customer_respond(
    *,
    case: Case,
    agree: bool,
    actor=None,
    method: str = AgreementMethod.PORTAL,
    comment: str = "",
    procedure_version: int | None = None,
) -> Agreement:
    """A1: the customer agrees or declines the proposed option (on their link, or recorded by an agent)."""
    if actor is not None:
        _require_staff(actor)
        if method == AgreementMethod.PORTAL:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION, "Say how the customer told you (phone, in person, email)."
            )
    elif method != AgreementMethod.PORTAL:
        raise PermissionDenied("the customer answers on their link")
    if method not in AgreementMethod.values:
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"Unknown method {method!r}.")
    comment = (comment or "").strip()[:5000]
    with transaction.atomic():
        case = _lock(case)
        if case.status == Status.AWAITING_APPROVAL:
            raise DomainError(
                ErrorCode.APPROVAL_REQUIRED,
                "This option is beyond the handler's authority and has not been approved yet.",
            )
        _guard(case, "customer_respond")
        option = Option.objects.select_for_update().get(pk=case.recommended_option_id)
        # K4 guard: an option that needed approval cannot be agreed without one.
        decision_needed = Approval.objects.filter(case=case, option=option).exists()
        if (
            decision_needed
            and not Approval.objects.filter(
                case=case, option=option, status=Approval.Status.APPROVED
            ).exists()
        ):
            raise DomainError(ErrorCode.APPROVAL_REQUIRED, "This option has not been approved.")
        agreement = Agreement.objects.create(
            case=case,
            option=option,
            agreed=agree,
            method=method,
            recorded_by=actor,
            customer_comment=comment,
            created_at=clock.now(),
        )
        before = {"status": case.status, "option_status": option.status}
        agreed = hooks.OptionAgreed()
        if agree:
            option.status = OptionStatus.AGREED
            option.save(update_fields=["status"])
            case.status = Status.IN_PROGRESS
            _save(case, "status")
            # Rooms above add to the agreement before it is recorded (G11/C3: a refund's 14-day clock).
            agreed = hooks.announce(
                hooks.OptionAgreed(case=case, option=option, agreement=agreement, actor=actor)
            )
        else:
            _back_to_choosing(case, option, OptionStatus.DECLINED)
        how = AgreementMethod(method).label.lower()
        _event(
            case,
            actor,
            "option.agreed" if agree else "option.declined",
            f"Customer {'agreed to' if agree else 'declined'} '{option.title}' ({how})"
            + agreed.summary()
            + (f": {comment}" if comment else ""),
            before=before,
            after={
                "status": case.status,
                "option_status": option.status,
                "method": method,
                "agreement": agreement.pk,
                **agreed.event_after,
            },
            customer_visible=True,
            as_customer=True,
            procedure_version=procedure_version,
        )
        if agree:
            _tell_customer(
                case,
                "Thank you: we are putting it right",
                f"You agreed to: {option.title}. We are now putting it right and will keep you updated."
                + agreed.customer(),
            )
        else:
            _tell_customer(
                case,
                "We have your answer",
                f"You told us you do not agree to: {option.title}. "
                "We will look at other ways to put this right and come back to you.",
            )
            channels.alert_create(
                recipient=case.assignee,
                case=case,
                kind=Alert.Kind.CUSTOMER_MESSAGE,
                text=f"{case.reference}: the customer declined '{option.title}'",
            )
    return agreement


def step_add(
    *,
    actor,
    case: Case,
    description: str,
    owner,
    due_date: date,
    customer_wording: str = "",
    procedure_version: int | None = None,
) -> ActionStep:
    """A2: a step of the plan. ``customer_wording`` is what the customer is told once it is done (in the
    day's progress message, ``regulation.progress_digest``); blank: an internal step, never mentioned."""
    _require_staff(actor)
    description = _clean(description, field="Step", max_len=300)
    wording = " ".join(
        _clean(customer_wording, field="What to tell the customer", required=False, max_len=300).split()
    )
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.NOT_A_COLLEAGUE, "A step's owner must be a member of staff.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "step_add")
        step = ActionStep.objects.create(
            case=case,
            description=description,
            customer_wording=wording,
            owner=owner,
            due_date=due_date,
            created_at=clock.now(),
        )
        _save(case)
        _event(
            case,
            actor,
            "plan.step_added",
            f"Step planned: {description} — {owner.get_username()} by {due_date.isoformat()}",
            after={"step": step.pk, "owner": owner.get_username(), "due_date": due_date, "wording": wording},
            procedure_version=procedure_version,
        )
    return step


def step_complete(*, actor, step: ActionStep) -> ActionStep:
    _require_staff(actor)
    with transaction.atomic():
        case = _lock(step.case)
        _guard(case, "step_add")
        step = ActionStep.objects.select_for_update().get(pk=step.pk)
        if step.done_at is not None:
            raise DomainError(ErrorCode.ALREADY_DONE, "This step is already done.")
        step.done_at = clock.now()
        step.done_by = actor
        step.save(update_fields=["done_at", "done_by"])
        _save(case)
        _event(
            case,
            actor,
            "plan.step_done",
            f"Step done: {step.description}",
            before={"done": False},
            after={"step": step.pk, "done": True},
        )  # Not the customer's: its wording (if any) goes in the day's progress message, by the sweep.
    return step


def case_mark_delivered(*, actor, case: Case, upheld: str) -> Case:
    """A2→A5: every step is done; ask the customer whether the problem is resolved.

    The agent records whether the complaint was upheld (they know what was put right): the case keeps it
    however it then closes (resolved, or resolved with no reply). The satisfaction check's clock starts.
    """
    _require_staff(actor)
    upheld = upheld_check(upheld)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "deliver")
        # The plan is the steps made for the option now agreed: after a reopen, the old plan's
        # ticked steps must not count as delivering the new one.
        agreed = Agreement.objects.filter(case=case, agreed=True).order_by("-created_at", "-pk").first()
        steps = ActionStep.objects.filter(case=case)
        if agreed is not None:
            steps = steps.filter(created_at__gte=agreed.created_at)
        steps = list(steps)
        if not steps:
            raise DomainError(ErrorCode.NO_ACTION_PLAN, "Plan at least one step before marking it delivered.")
        if any(s.done_at is None for s in steps):
            raise DomainError(ErrorCode.STEPS_NOT_DONE, "Every step of the action plan must be done first.")
        before = _set_status(case, Status.AWAITING_CONFIRMATION)
        before["upheld"] = case.upheld
        case.upheld = upheld
        satisfaction_ask_stamp(case)
        _save(case, "status", "upheld", *SATISFACTION_FIELDS)
        # Rooms add to the message (the progress not yet told: no progress message comes after this one).
        delivered = hooks.announce(hooks.CaseDelivered(case=case, actor=actor))
        _event(
            case,
            actor,
            "case.delivered",
            "Resolution delivered; asking the customer if it is resolved",
            before=before,
            after={"status": case.status, "upheld": upheld},
            customer_visible=True,
        )
        _tell_customer(
            case,
            ASK_SUBJECT,
            delivered.customer() + "We have done everything we agreed. Is your problem now resolved? "
            "Please answer on your case link — if it is not, tell us what is still wrong.",
        )
    return case
