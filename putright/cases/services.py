"""The one way in: every change to a case goes through a function here.

Each function checks who may act, locks the case row, checks the transition is
allowed, changes state, appends to the audit timeline and schedules side effects
(emails) with ``transaction.on_commit``. Web views, the API, the portal, tasks
and commands all call these; none writes case models directly.

``actor`` is a staff user, or ``None`` for the customer acting through their
signed link (only the customer-facing functions accept that) or for the system.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from putright import clock
from putright.audit.events import event_record
from putright.authority.models import Approval, Escalation
from putright.authority.selectors import approvers_for, escalation_target_for, is_staff_member, limit_for_user
from putright.cases.choices import (
    AgreementMethod,
    AssessedBy,
    Channel,
    CustomerBenefit,
    EmotionalState,
    JustificationFactor,
    OptionStatus,
    PolicyFit,
    Priority,
    PromiseStatus,
    Sentiment,
    SourceKind,
    Status,
    Understanding,
)
from putright.cases.models import (
    ActionStep,
    Agreement,
    Case,
    Category,
    Consultation,
    IdempotencyKey,
    Option,
    Promise,
    ReferenceCounter,
    new_portal_nonce,
)
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.customers.models import Customer
from putright.engines.authority import limits as authority_engine
from putright.errors import DomainError, ErrorCode, PermissionDenied

CUSTOMER_LABEL = "Customer (via their case link)"

# The lifecycle: which status each change may start from.
ALLOWED_FROM: dict[str, set[str]] = {
    "summarise": {Status.NEW, Status.OPTIONS},
    "confirm_understanding": {Status.NEW},
    "skip_understanding": {Status.NEW},
    "option_add": {Status.OPTIONS},
    "option_recommend": {Status.OPTIONS},
    "approval_decide": {Status.AWAITING_APPROVAL},
    "customer_respond": {Status.AWAITING_CUSTOMER},
    "step_add": {Status.IN_PROGRESS},
    "deliver": {Status.IN_PROGRESS},
    "satisfaction": {Status.AWAITING_CONFIRMATION},
    "reopen": {Status.NOT_RESOLVED},
    "recommendation_withdraw": {Status.AWAITING_APPROVAL, Status.AWAITING_CUSTOMER},
}
OPEN = {s for s in Status if s not in (Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED)}


# ---------------------------------------------------------------- helpers


def _require_staff(actor) -> None:
    if actor is None or not is_staff_member(actor):
        raise PermissionDenied("only staff with a role may do this")


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock (the caller is inside transaction.atomic)."""
    return Case.objects.select_for_update().select_related("customer").get(pk=case.pk)


def _guard(case: Case, action: str) -> None:
    if case.is_closed:
        raise DomainError(
            ErrorCode.CASE_CLOSED, f"{case.reference} is closed, so it can no longer be changed."
        )
    allowed = ALLOWED_FROM.get(action)
    if allowed is not None and case.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"That can't be done at this stage: the case is now '{Status(case.status).label}'. "
            "Please refresh the page to see where it stands.",
        )


def _set_status(case: Case, new: str) -> dict:
    old = case.status
    case.status = new
    return {"status": old}


def _save(case: Case, *fields: str) -> None:
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "updated_at"])


def _back_to_choosing(case: Case, option: Option | None, option_status: str | None) -> None:
    """The recommendation is off the table (rejected, withdrawn, declined, not resolved):
    mark the option and return the case to choosing a resolution."""
    if option is not None and option_status is not None:
        option.status = option_status
        option.save(update_fields=["status"])
    case.status = Status.OPTIONS
    case.recommended_option = None
    _save(case, "status", "recommended_option")


def _event(
    case: Case,
    actor,
    kind: str,
    summary: str,
    *,
    before=None,
    after=None,
    customer_visible=False,
    as_customer: bool = False,
):
    return event_record(
        case=case,
        kind=kind,
        summary=summary,
        actor=actor,
        actor_label=CUSTOMER_LABEL if (actor is None and as_customer) else None,
        before=before,
        after=after,
        customer_visible=customer_visible,
    )


def _tell_customer(case: Case, subject: str, body: str, *, author=None, requested: bool = False):
    return channels.message_create_outbound(
        case=case, subject=subject, body=body, requested=requested, author=author, automatic=author is None
    )


def _option_request(option: Option) -> authority_engine.OptionRequest:
    return authority_engine.OptionRequest(
        remedy_type=option.remedy_type, amount=Decimal(option.amount), is_exception=option.is_exception
    )


# The same steps for other apps' services (resolution, regulation, problems…) that change a case:
# they lock it, guard it, record the event and tell the customer exactly as this module does.
require_staff = _require_staff
case_lock = _lock
case_guard = _guard
case_touch = _save
case_event = _event
customer_tell = _tell_customer


def _clean(text: str | None, *, field: str, required: bool = True, max_len: int | None = None) -> str:
    value = (text or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must not be empty.")
    if max_len is not None and len(value) > max_len:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be at most {max_len} characters.")
    return value


def _next_reference(now: datetime) -> str:
    year = now.year
    # An UPDATE first takes the write lock on both databases, so two reports never share a number.
    updated = ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last=1)
        except IntegrityError:
            ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = ReferenceCounter.objects.get(year=year).last
    return f"PR-{year}-{last:06d}"


# ---------------------------------------------------------------- S1 report


@dataclass(frozen=True)
class ReportInput:
    customer_name: str
    customer_email: str
    subject: str
    description: str
    channel: str
    consent: bool
    customer_phone: str = ""
    desired_outcome: str = ""
    order_reference: str = ""
    amount_in_dispute: Decimal | None = None
    source_kind: str = SourceKind.CUSTOMER_REPORTED
    category_id: int | None = None
    # E3: consent is the basis when a customer reports; a case our team opens to warn a customer
    # (S5 proactive notice) rests on legitimate interests instead, and records no consent.
    lawful_basis: str = Customer.LawfulBasis.CONSENT

    def fingerprint(self) -> str:
        data = {k: str(v) for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def case_report(*, report: ReportInput, actor=None, idempotency_key: str | None = None) -> tuple[Case, bool]:
    """S1: record a problem in the customer's own words. Returns (case, created).

    ``actor`` is None for the public form; staff logging a call, or an
    integration's user, otherwise. With an ``idempotency_key`` a retried
    request returns the case made the first time instead of a second one.
    """
    if actor is not None:
        _require_staff(actor)
    if report.lawful_basis not in Customer.LawfulBasis.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown lawful basis {report.lawful_basis!r}.")
    if not report.consent and report.lawful_basis == Customer.LawfulBasis.CONSENT:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "The customer's consent to process their data is required."
        )
    if report.channel not in Channel.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown channel {report.channel!r}.")
    if report.source_kind not in SourceKind.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown source kind {report.source_kind!r}.")
    if idempotency_key is not None and actor is not None:
        existing = (
            IdempotencyKey.objects.filter(user=actor, key=idempotency_key).select_related("case").first()
        )
        if existing:
            if existing.request_fingerprint != report.fingerprint():
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    "This idempotency key was already used for a different request.",
                )
            return existing.case, False
    category = None
    if report.category_id is not None:
        category = Category.objects.filter(pk=report.category_id).first()
        if category is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown category {report.category_id}.")
    try:
        with transaction.atomic():
            case = _case_create(report=report, actor=actor, category=category)
            if idempotency_key is not None and actor is not None:
                IdempotencyKey.objects.create(
                    key=idempotency_key,
                    user=actor,
                    case=case,
                    request_fingerprint=report.fingerprint(),
                    created_at=clock.now(),
                )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its case.
        if idempotency_key is not None and actor is not None:
            existing = (
                IdempotencyKey.objects.filter(user=actor, key=idempotency_key).select_related("case").first()
            )
            if existing:
                if existing.request_fingerprint != report.fingerprint():
                    raise DomainError(
                        ErrorCode.IDEMPOTENCY_CONFLICT,
                        "This idempotency key was already used for a different request.",
                    ) from None
                return existing.case, False
        raise
    return case, True


def _case_create(*, report: ReportInput, actor, category) -> Case:
    now = clock.now()
    customer = Customer.objects.create(
        name=report.customer_name.strip(),
        email=report.customer_email.strip(),
        phone=report.customer_phone.strip(),
        lawful_basis=report.lawful_basis,
        consent_given_at=now if report.consent else None,
        consent_text="Consent to process my details to handle this problem." if report.consent else "",
        created_at=now,
    )
    case = Case.objects.create(
        reference=_next_reference(now),
        customer=customer,
        channel=report.channel,
        source_kind=report.source_kind,
        category=category,
        subject=report.subject.strip(),
        description=report.description,
        desired_outcome=report.desired_outcome.strip(),
        order_reference=report.order_reference.strip(),
        amount_in_dispute=report.amount_in_dispute,
        created_by=actor,
        assignee=actor
        if actor is not None and report.channel in (Channel.PHONE, Channel.IN_PERSON)
        else None,
        created_at=now,
        updated_at=now,
        last_customer_update_at=now,
    )
    # K2: the first reading of their words goes on the report event itself (staff-only data).
    cues = _emotion_read(case, f"{case.subject}\n{case.description}")
    # E4: the deadlines the organisation's regimes set run from receipt; started before the
    # acknowledgement below, which then meets the acknowledgement clocks.
    from putright.regulation.services import acknowledgement_note, clocks_start

    clocks = clocks_start(case=case)
    # Customer-visible: name the team, not the colleague (the actor is recorded on the event anyway).
    how = "reported by the customer" if actor is None else "logged by our team"
    _event(
        case,
        actor,
        "case.reported",
        f"Problem {how} via {Channel(report.channel).label}",
        after={
            "status": case.status,
            "channel": case.channel,
            "source_kind": case.source_kind,
            "subject": case.subject,
            "description": case.description,
            "desired_outcome": case.desired_outcome,
            "customer_state": {**_customer_state(case), "cues": cues},
            "clocks": [{"kind": c.kind, "rule_id": c.rule_id, "due": c.due_date} for c in clocks],
        },
        customer_visible=True,
        as_customer=actor is None,
    )
    # A case our team opened to warn the customer (channel "internal") starts with that notice,
    # not with thanks for a report they never made.
    if case.channel != Channel.INTERNAL:
        _tell_customer(
            case,
            "We have your report",
            # No echo of the subject: the public form must not let anyone send their own text to any address.
            f"Thank you for telling us about your problem. Your reference is {case.reference}.\n"
            "We will first make sure we have understood it correctly, then come back to you with what we can do."
            + acknowledgement_note(clocks),
        )
    # S3: once the report is stored, the worker compares its words with other customers' recent cases.
    case_id = case.pk
    transaction.on_commit(lambda: _enqueue_problem_analysis(case_id))
    return case


def _enqueue_problem_analysis(case_id: int) -> None:
    from putright.problems.tasks import case_analyse

    case_analyse.enqueue(case_id)


# ---------------------------------------------------------------- assignment and escalation


def case_assign(*, actor, case: Case, assignee) -> Case:
    _require_staff(actor)
    if assignee is not None and not is_staff_member(assignee):
        raise DomainError(ErrorCode.ESCALATION_TARGET_INVALID, "Cases can only be assigned to staff.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "assign")
        before = {"assignee": case.assignee.get_username() if case.assignee else None}
        case.assignee = assignee
        _save(case, "assignee")
        _event(
            case,
            actor,
            "case.assigned",
            f"Assigned to {assignee.get_username()}" if assignee else "Unassigned",
            before=before,
            after={"assignee": assignee.get_username() if assignee else None},
        )
    return case


def case_escalate(*, actor, case: Case, reason: str, to_user=None, automatic: bool = False) -> Escalation:
    """K4: move the case to someone else with a reason; both see it on their escalations page.

    Without ``to_user`` the case goes to the right person automatically: the next level of
    authority up from the actor (see ``escalation_target_for``).
    """
    if not automatic:
        _require_staff(actor)
    reason = _clean(reason, field="Reason for escalating")
    if to_user is None and actor is not None:
        to_user = escalation_target_for(actor)
        if to_user is None:
            raise DomainError(
                ErrorCode.ESCALATION_TARGET_INVALID, "There is nobody with more authority to escalate to."
            )
    if to_user is None or not is_staff_member(to_user) or (actor is not None and to_user.pk == actor.pk):
        raise DomainError(ErrorCode.ESCALATION_TARGET_INVALID, "Escalate to another member of staff.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "escalate")
        before = {"assignee": case.assignee.get_username() if case.assignee else None}
        case.assignee = to_user
        _save(case, "assignee")
        esc = Escalation.objects.create(
            case=case,
            from_user=actor,
            to_user=to_user,
            reason=reason,
            automatic=automatic,
            created_at=clock.now(),
        )
        _event(
            case,
            actor,
            "case.escalated",
            f"Escalated to {to_user.get_username()}: {reason}",
            before=before,
            after={"assignee": to_user.get_username(), "reason": reason},
        )
        channels.alert_create(
            recipient=to_user,
            case=case,
            kind=Alert.Kind.ESCALATION,
            text=f"{case.reference} was escalated to you: {reason}",
        )
    return esc


def case_classify(
    *, actor, case: Case, source_kind: str, category_id: int | None, regulated: bool | None = None
) -> Case:
    """Record what kind of problem this is (source a–e), its category and, when ``regulated`` is
    given, whether it is a regulated complaint (FCA DISP, energy or communications rules).

    A customer report often turns out to be a system failure (d) or human error (e); the
    source kind drives reporting and repeated-problem detection, so it is corrected here.
    A regulated complaint is a separate fact from a statutory breach (uk-rules §1.0): marking one
    starts the regulator's clocks the organisation's regimes set, counted from receipt.
    """
    _require_staff(actor)
    if source_kind not in SourceKind.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown source kind {source_kind!r}.")
    category = None
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown category {category_id}.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "classify")
        before = {
            "source_kind": case.source_kind,
            "category": case.category.name if case.category else None,
            "regulated": case.is_regulated_complaint,
        }
        after = {
            "source_kind": source_kind,
            "category": category.name if category else None,
            "regulated": case.is_regulated_complaint if regulated is None else regulated,
        }
        if before == after:
            return case
        case.source_kind = source_kind
        case.category = category
        case.is_regulated_complaint = after["regulated"]
        _save(case, "source_kind", "category", "is_regulated_complaint")
        _event(
            case,
            actor,
            "case.classified",
            f"Classified: {SourceKind(source_kind).label}; category {after['category'] or 'none'}"
            + ("; a regulated complaint" if after["regulated"] else ""),
            before=before,
            after=after,
        )
        if after["regulated"] and not before["regulated"]:
            from putright.regulation.services import clocks_start

            clocks_start(case=case)
    return case


# ---------------------------------------------------------------- S2 understanding


def case_summarise_understanding(*, actor, case: Case, summary: str) -> Case:
    """S2: the agent's summary, sent to the customer to confirm or correct."""
    _require_staff(actor)
    summary = _clean(summary, field="Summary", max_len=5000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "summarise")
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
            after={"understanding": case.understanding, "summary": summary, "status": case.status},
            customer_visible=True,
        )
        _tell_customer(
            case,
            "Have we understood your problem?",
            f"This is how we have understood your problem:\n\n{summary}\n\n"
            "Please confirm it, or tell us what we have got wrong, using your case link.",
        )
    return case


def case_confirm_understanding(*, actor, case: Case, method: str = AgreementMethod.PORTAL) -> Case:
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
        )
        _tell_customer(
            case,
            "Thank you for confirming",
            "Thank you for confirming we have understood your problem. "
            "We are now working out the best way to put it right and will come back to you.",
        )
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


def case_skip_understanding(*, actor, case: Case, reason: str) -> Case:
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
        )
    return case


# ---------------------------------------------------------------- P2–P4 options


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
    *, actor, case: Case, option: OptionInput, source: str = "agent", rule_ids: list[str] | None = None
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
        decision = authority_engine.decide(limit_for_user(actor), _option_request(option))
        before = {"status": case.status}
        summary = f"Recommended: {option.title}"
        after = {
            "option": option.pk,
            "justification": justification,
            "factors": factors,
            "authority_rule_ids": list(decision.rule_ids),
            "authority_reasons": list(decision.reasons),
        }
        if suggested_option is not None and suggested_option.pk != option.pk:
            override_reason = (override_reason or "").strip()
            summary += f" instead of the suggested “{suggested_option.title}”: {override_reason}"
            after |= {"suggested_option": suggested_option.pk, "override_reason": override_reason}
        _event(case, actor, "option.recommended", summary, after=after)
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


def _approval_request(*, actor, case: Case, option: Option, decision, before: dict) -> Approval:
    approvers = approvers_for(_option_request(option), exclude_user_id=actor.pk)
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
        Escalation.objects.create(
            case=case,
            from_user=actor,
            to_user=assigned,
            automatic=True,
            reason=f"Approval needed: {'; '.join(decision.reasons)}",
            created_at=clock.now(),
        )
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
        if not authority_engine.may_approve(limit_for_user(actor), _option_request(option)):
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


# ---------------------------------------------------------------- A1 agree


def option_customer_respond(
    *, case: Case, agree: bool, actor=None, method: str = AgreementMethod.PORTAL, comment: str = ""
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
        refund = None
        if agree:
            option.status = OptionStatus.AGREED
            option.save(update_fields=["status"])
            case.status = Status.IN_PROGRESS
            _save(case, "status")
            # G11/C3: an agreed refund must be paid within 14 days; its clock starts now, on this event.
            from putright.regulation.services import clock_record, day_text, refund_clock_on_agreement

            refund = refund_clock_on_agreement(case=case, option=option, agreed_at=agreement.created_at)
        else:
            _back_to_choosing(case, option, OptionStatus.DECLINED)
        how = AgreementMethod(method).label.lower()
        refund_by = day_text(refund.due_date) if refund is not None else ""
        _event(
            case,
            actor,
            "option.agreed" if agree else "option.declined",
            f"Customer {'agreed to' if agree else 'declined'} '{option.title}' ({how})"
            + (f"; refund due by {refund_by}" if refund is not None else "")
            + (f": {comment}" if comment else ""),
            before=before,
            after={
                "status": case.status,
                "option_status": option.status,
                "method": method,
                "agreement": agreement.pk,
                **({"clock": clock_record(refund)} if refund is not None else {}),
            },
            customer_visible=True,
            as_customer=True,
        )
        if agree:
            _tell_customer(
                case,
                "Thank you: we are putting it right",
                f"You agreed to: {option.title}. We are now putting it right and will keep you updated."
                + (f" We will pay your refund by {refund_by} at the latest." if refund is not None else ""),
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


# ---------------------------------------------------------------- A2 action plan


def step_add(*, actor, case: Case, description: str, owner, due_date: date) -> ActionStep:
    _require_staff(actor)
    description = _clean(description, field="Step", max_len=300)
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.NOT_A_COLLEAGUE, "A step's owner must be a member of staff.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "step_add")
        step = ActionStep.objects.create(
            case=case, description=description, owner=owner, due_date=due_date, created_at=clock.now()
        )
        _save(case)
        _event(
            case,
            actor,
            "plan.step_added",
            f"Step planned: {description} — {owner.get_username()} by {due_date.isoformat()}",
            after={"step": step.pk, "owner": owner.get_username(), "due_date": due_date},
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
            customer_visible=True,
        )
        _tell_customer(case, "Progress on your case", f"Done: {step.description}.")
    return step


def case_mark_delivered(*, actor, case: Case) -> Case:
    """A2→A5: every step is done; ask the customer whether the problem is resolved."""
    _require_staff(actor)
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
        _save(case, "status")
        _event(
            case,
            actor,
            "case.delivered",
            "Resolution delivered; asking the customer if it is resolved",
            before=before,
            after={"status": case.status},
            customer_visible=True,
        )
        _tell_customer(
            case,
            "Is your problem resolved?",
            "We have done everything we agreed. Is your problem now resolved? "
            "Please answer on your case link — if it is not, tell us what is still wrong.",
        )
    return case


# ---------------------------------------------------------------- A3 promises


def promise_make(*, actor, case: Case, description: str, owner, due_at: datetime) -> Promise:
    _require_staff(actor)
    description = _clean(description, field="Promise", max_len=300)
    if owner is None or not is_staff_member(owner):
        raise DomainError(ErrorCode.NOT_A_COLLEAGUE, "A promise's owner must be a member of staff.")
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)  # a wall-clock time in the organisation's time zone
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "promise")
        if due_at <= clock.now():
            raise DomainError(ErrorCode.INVALID_TRANSITION, "A promise must be due in the future.")
        promise = Promise.objects.create(
            case=case,
            description=description,
            owner=owner,
            due_at=due_at,
            created_by=actor,
            created_at=clock.now(),
        )
        _save(case)
        local_due = timezone.localtime(due_at)
        _event(
            case,
            actor,
            "promise.made",
            f"Promise: {description} (by {local_due:%a %d %b %Y, %H:%M})",
            after={"promise": promise.pk, "owner": owner.get_username(), "due_at": due_at},
            customer_visible=True,
        )
        _tell_customer(
            case, "Our promise to you", f"We promise: {description}, by {local_due:%A %d %B %Y at %H:%M}."
        )
    return promise


def promise_keep(*, actor, promise: Promise) -> Promise:
    _require_staff(actor)
    with transaction.atomic():
        case = _lock(promise.case)
        _guard(case, "promise")
        promise = Promise.objects.select_for_update().get(pk=promise.pk)
        if not promise.is_outstanding:
            raise DomainError(ErrorCode.ALREADY_DONE, "This promise is already settled.")
        now = clock.now()
        before = {"promise_status": promise.status}
        promise.status = PromiseStatus.KEPT if now <= promise.due_at else PromiseStatus.KEPT_LATE
        promise.kept_at = now
        promise.save(update_fields=["status", "kept_at"])
        _save(case)
        _event(
            case,
            actor,
            "promise.kept",
            f"Promise {'kept' if promise.status == PromiseStatus.KEPT else 'kept late'}:"
            f" {promise.description}",
            before=before,
            after={"promise": promise.pk, "promise_status": promise.status},
            customer_visible=True,
        )
        _tell_customer(case, "We kept our promise", f"Done, as we promised: {promise.description}.")
    return promise


@dataclass(frozen=True)
class SweepResult:
    at_risk: int
    broken: int
    cadence_flagged: int
    emails_retried: int
    # E4: regulatory and service-level deadlines (putright.regulation.services.clocks_sweep).
    deadlines_at_risk: int = 0
    deadlines_missed: int = 0
    signals_evaluated: int = 0


def promises_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """A3: mark open promises at risk (due soon) or broken (past due) and alert their owners once.

    Claims each promise with a conditional UPDATE so concurrent sweeps alert once.
    """
    now = now or clock.now()
    at_risk_window = timedelta(hours=settings.PUTRIGHT["PROMISE_AT_RISK_HOURS"])
    open_cases = list(OPEN)
    broken = 0
    for promise in Promise.objects.filter(
        status__in=[PromiseStatus.OPEN, PromiseStatus.AT_RISK], due_at__lt=now, case__status__in=open_cases
    ).select_related("case", "owner"):
        broken += _promise_mark(
            promise,
            PromiseStatus.BROKEN,
            now=now,
            stamp="broken_alerted_at",
            alert_kind=Alert.Kind.PROMISE_BROKEN,
            summary=f"Promise broken: {promise.description}",
            alert_text=f"promise broken — {promise.description}",
        )
    at_risk = 0
    for promise in Promise.objects.filter(
        status=PromiseStatus.OPEN,
        due_at__gte=now,
        due_at__lte=now + at_risk_window,
        case__status__in=open_cases,
    ).select_related("case", "owner"):
        due = timezone.localtime(promise.due_at)
        at_risk += _promise_mark(
            promise,
            PromiseStatus.AT_RISK,
            now=now,
            stamp="at_risk_alerted_at",
            alert_kind=Alert.Kind.PROMISE_AT_RISK,
            summary=f"Promise at risk: {promise.description}",
            alert_text=f"promise due {due:%d %b %H:%M} — {promise.description}",
        )
    return at_risk, broken


def _promise_mark(
    promise: Promise,
    new_status: str,
    *,
    now: datetime,
    stamp: str,
    alert_kind: str,
    summary: str,
    alert_text: str,
) -> int:
    """Move one promise on, once: the conditional UPDATE claims it, so concurrent sweeps alert once."""
    with transaction.atomic():
        # Case first, then promise: the same lock order as promise_keep, so the two never deadlock.
        case = _lock(promise.case)
        claimed = Promise.objects.filter(pk=promise.pk, status=promise.status).update(
            status=new_status, **{stamp: now}
        )
        if not claimed:
            return 0
        _event(
            case,
            None,
            f"promise.{new_status}",
            summary,
            before={"promise_status": promise.status},
            after={"promise": promise.pk, "promise_status": new_status},
        )
        channels.alert_create(
            recipient=promise.owner, case=case, kind=alert_kind, text=f"{case.reference}: {alert_text}"
        )
    return 1


def cadence_sweep(*, now: datetime | None = None) -> int:
    """A4: alert the handler of each open case whose customer has not heard from us for too long (once a day)."""
    from putright.cases.selectors import cases_needing_update

    now = now or clock.now()
    flagged = 0
    for case in cases_needing_update(now=now).select_related("assignee"):
        if case.assignee is None:
            continue
        already = Alert.objects.filter(
            case=case, kind=Alert.Kind.CADENCE, created_at__gte=now - timedelta(days=1)
        )
        if already.exists():
            continue
        channels.alert_create(
            recipient=case.assignee,
            case=case,
            kind=Alert.Kind.CADENCE,
            text=f"{case.reference}: the customer has not heard from us since "
            f"{timezone.localtime(case.last_customer_update_at):%d %b}",
        )
        flagged += 1
    return flagged


def sweep_run(*, now: datetime | None = None) -> SweepResult:
    """The periodic sweep the worker runs: promises, cadence, deadlines and email retries."""
    from putright.channels.delivery import MAX_ATTEMPTS, email_recover_stuck
    from putright.channels.models import Message
    from putright.channels.services import _enqueue_alert, _enqueue_message

    now = now or clock.now()
    at_risk, broken = promises_sweep(now=now)
    flagged = cadence_sweep(now=now)
    from putright.regulation.services import clocks_sweep

    deadlines = clocks_sweep(now=now)
    from putright.monitoring.services import signals_evaluate_pending

    # S5: a reading stored but never evaluated (the web process died in between) is not lost.
    signals_retried = signals_evaluate_pending(received_before=now - timedelta(minutes=2))
    email_recover_stuck(now=now)
    retried = 0
    # Failed sends are retried; one still pending after half an hour lost its task (a crash
    # between commit and enqueue) and is enqueued again. Sending claims the row, so never twice.
    retry = Q(email_status="failed", created_at__lt=now - timedelta(minutes=2)) | Q(
        email_status="pending", created_at__lt=now - timedelta(minutes=30)
    )
    for pk in Message.objects.filter(retry, email_attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        _enqueue_message(pk)
        retried += 1
    for pk in Alert.objects.filter(retry, email_attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        _enqueue_alert(pk)
        retried += 1
    if connection.vendor == "sqlite":
        # SQLite gathers planner statistics only when asked; without them the queue query sorts
        # every open case (measured: 25 ms instead of 3 ms at 100,000 cases).
        # analysis_limit samples each index, so this stays fast however large the database grows.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    return SweepResult(
        at_risk=at_risk,
        broken=broken,
        cadence_flagged=flagged,
        emails_retried=retried,
        deadlines_at_risk=deadlines.at_risk,
        deadlines_missed=deadlines.missed,
        signals_evaluated=signals_retried,
    )


# ---------------------------------------------------------------- A4 messages


def message_send(*, actor, case: Case, body: str, requested: bool, subject: str = "") -> object:
    """A4: a message to the customer, recorded as requested by them or sent unprompted."""
    _require_staff(actor)
    body = _clean(body, field="Message", max_len=10000)
    with transaction.atomic():
        case = _lock(case)
        msg = _tell_customer(
            case, subject.strip() or "An update on your case", body, author=actor, requested=requested
        )
        _save(case)
        _event(
            case,
            actor,
            "message.sent",
            f"Message to customer ({'they asked' if requested else 'unprompted'})",
            after={"message": msg.pk, "requested": requested, "body": body},
            customer_visible=True,
        )
    return msg


def message_receive(*, case: Case, body: str) -> object:
    """A4: the customer writes on their link. Stored first; the handler is alerted."""
    body = _clean(body, field="Message", max_len=10000)
    with transaction.atomic():
        case = _lock(case)
        msg = channels.message_create_inbound(case=case, body=body)
        _save(case)
        _event(
            case,
            None,
            "message.received",
            "Customer wrote a message",
            after={"message": msg.pk, "body": body},
            customer_visible=True,
            as_customer=True,
        )
        _emotion_assess(case, msg)
        channels.alert_create(
            recipient=case.assignee,
            case=case,
            kind=Alert.Kind.CUSTOMER_MESSAGE,
            text=f"{case.reference}: the customer wrote: {body[:200]}",
        )
    return msg


# ---------------------------------------------------------------- K2 emotional state

# A distressed customer may be vulnerable: they come first. An angry one comes next.
_PRIORITY_FOR_EMOTION = {
    EmotionalState.DISTRESSED: Priority.URGENT,
    EmotionalState.ANGRY: Priority.HIGH,
    EmotionalState.CALM: Priority.NORMAL,
    EmotionalState.UNKNOWN: Priority.NORMAL,
}
_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


def _emotion_read(case: Case, text: str, message=None) -> list[str]:
    """K2: read the customer's latest words into the case (locked by the caller); returns the cues.

    An agent's own judgement is never overwritten by the detector, and the detector only ever
    raises priority: a calmer message does not quietly push a distressed customer down the queue.
    """
    from putright.engines.text import sentiment_of  # the text engine loads its lexicon on first use

    result = sentiment_of(text)
    if message is not None:
        message.sentiment = result.label
        message.save(update_fields=["sentiment"])
    if result.distress:
        emotion = EmotionalState.DISTRESSED
    elif result.anger:
        emotion = EmotionalState.ANGRY
    else:
        emotion = EmotionalState.CALM
    case.sentiment = result.label
    if case.emotion_assessed_by != AssessedBy.AGENT:
        case.emotion = emotion
        case.emotion_cues = list(result.cues)
        case.emotion_assessed_by = AssessedBy.AUTOMATIC
    derived = _PRIORITY_FOR_EMOTION[EmotionalState(case.emotion)]
    if _PRIORITY_RANK[derived] > _PRIORITY_RANK[Priority(case.priority)]:
        case.priority = derived
    _save(case, "sentiment", "emotion", "emotion_cues", "emotion_assessed_by", "priority")
    return list(result.cues)


def _customer_state(case: Case) -> dict:
    return {"sentiment": case.sentiment, "emotion": case.emotion, "priority": case.priority}


def _emotion_assess(case: Case, message) -> None:
    """K2 on a later message: re-read, and put a change of emotional state or priority on the
    (staff-only) timeline. How each message reads is kept on the message itself."""
    before = _customer_state(case)
    cues = _emotion_read(case, message.body, message)
    after = _customer_state(case)
    if (after["emotion"], after["priority"]) != (before["emotion"], before["priority"]):
        _event(
            case,
            None,
            "case.emotion_detected",
            f"Customer's words read as {Sentiment(case.sentiment).label.lower()}"
            + (f", {EmotionalState(case.emotion).label.lower()}" if case.emotion else "")
            + f"; priority {Priority(case.priority).label.lower()}",
            before=before,
            after={**after, "cues": cues},
        )


def case_emotion_set(*, actor, case: Case, emotion: str, reason: str, priority: str = "") -> Case:
    """K2: the agent's own judgement of how the customer is (from a call, say), which the detector
    then leaves alone. Priority follows the emotional state unless the agent sets it too."""
    _require_staff(actor)
    if emotion not in EmotionalState.values or emotion == EmotionalState.UNKNOWN:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown emotional state {emotion!r}.")
    if priority and priority not in Priority.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown priority {priority!r}.")
    reason = _clean(reason, field="Reason", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "emotion_set")
        before = {"emotion": case.emotion, "priority": case.priority, "assessed_by": case.emotion_assessed_by}
        case.emotion = emotion
        case.emotion_assessed_by = AssessedBy.AGENT
        case.priority = priority or _PRIORITY_FOR_EMOTION[EmotionalState(emotion)]
        _save(case, "emotion", "emotion_assessed_by", "priority")
        _event(
            case,
            actor,
            "case.emotion_set",
            f"Customer judged {EmotionalState(emotion).label.lower()}; priority {Priority(case.priority).label.lower()} "
            f"({reason})",
            before=before,
            after={
                "emotion": emotion,
                "priority": case.priority,
                "assessed_by": AssessedBy.AGENT,
                "reason": reason,
            },
        )
    return case


# ---------------------------------------------------------------- A5/A6 close


def case_satisfaction_record(
    *, case: Case, resolved: bool, comment: str = "", actor=None, method: str = AgreementMethod.PORTAL
) -> Case:
    """A5: 'resolved' closes the case; 'not resolved' puts it on the agent's desk to reopen or close unresolved."""
    if actor is not None:
        _require_staff(actor)
    comment = (comment or "").strip()[:5000]
    if not resolved and not comment and actor is None:
        raise DomainError(ErrorCode.REASONS_REQUIRED, "Please tell us what is still wrong.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "satisfaction")
        before = {"status": case.status}
        case.satisfaction_comment = comment
        if resolved:
            case.status = Status.CLOSED_RESOLVED
            case.closed_at = clock.now()
        else:
            case.status = Status.NOT_RESOLVED
        _save(case, "status", "satisfaction_comment", "closed_at")
        how = "on their case link" if actor is None else f"{AgreementMethod(method).label.lower()}"
        _event(
            case,
            actor,
            "satisfaction.resolved" if resolved else "satisfaction.not_resolved",
            f"Customer says the problem is {'resolved' if resolved else 'NOT resolved'} ({how})"
            + (f": {comment}" if comment else ""),
            before=before,
            after={"status": case.status, "comment": comment},
            customer_visible=True,
            as_customer=True,
        )
        # S4: the answer joins the feedback feed (in its own savepoint: it never undoes the answer).
        from putright.feedback.services import feedback_from_satisfaction

        feedback_from_satisfaction(case=case, resolved=resolved, comment=comment)
        if resolved:
            _settle_on_close(case, actor)
            _tell_customer(
                case,
                "Your case is closed",
                "Thank you for confirming your problem is resolved. We have closed your case.",
            )
        else:
            _tell_customer(
                case,
                "We are sorry it is not resolved",
                "Thank you for telling us the problem is not resolved. "
                "The person handling your case will look at what else we can do and come back to you.",
            )
            channels.alert_create(
                recipient=case.assignee,
                case=case,
                kind=Alert.Kind.CUSTOMER_MESSAGE,
                text=f"{case.reference}: the customer says it is not resolved",
            )
    return case


def _settle_on_close(case: Case, actor) -> None:
    """A closed case leaves nothing dangling: outstanding promises are withdrawn (the final
    message tells the customer where things stand) and pending approvals are withdrawn, so
    they leave approvers' queues."""
    for promise in Promise.objects.filter(
        case=case, status__in=[PromiseStatus.OPEN, PromiseStatus.AT_RISK, PromiseStatus.BROKEN]
    ):
        before = {"promise_status": promise.status}
        Promise.objects.filter(pk=promise.pk).update(status=PromiseStatus.WITHDRAWN)
        _event(
            case,
            actor,
            "promise.withdrawn",
            f"Promise withdrawn as the case closed: {promise.description}",
            before=before,
            after={"promise": promise.pk, "promise_status": PromiseStatus.WITHDRAWN},
        )
    for approval in Approval.objects.filter(case=case, status=Approval.Status.PENDING):
        Approval.objects.filter(pk=approval.pk).update(
            status=Approval.Status.WITHDRAWN, decided_at=clock.now(), decision_note="The case was closed."
        )
        _event(
            case,
            actor,
            "approval.withdrawn",
            "Approval request withdrawn as the case closed",
            before={"approval_status": Approval.Status.PENDING},
            after={"approval": approval.pk, "approval_status": Approval.Status.WITHDRAWN},
        )


def case_reopen(*, actor, case: Case, reason: str) -> Case:
    """A5: after 'not resolved', look for another way to put it right."""
    _require_staff(actor)
    reason = _clean(reason, field="Reason for reopening", max_len=2000)
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "reopen")
        before = {"status": case.status}
        _back_to_choosing(case, None, None)
        _event(
            case,
            actor,
            "case.reopened",
            f"Reopened to find another way: {reason}",
            before=before,
            after={"status": case.status, "reason": reason},
            customer_visible=True,
        )
        _tell_customer(
            case,
            "We are looking at this again",
            f"We are sorry the problem is not resolved. We are looking at it again: {reason}",
        )
    return case


def case_close_unresolved(
    *,
    actor,
    case: Case,
    reasons: str,
    other_routes: list[str],
    letter: str | None = None,
    letter_choices=None,
) -> Case:
    """A6: close without resolution. Clear reasons and other routes are required and sent to the customer.

    With ``letter`` (drafted from the rules by ``regulation``, then edited by the agent) exactly that
    text is sent as the final response, and the routes and rule ids it was drafted from are recorded;
    ``other_routes`` are then the agent's own additions. ``letter_choices`` is a
    ``regulation.services.LetterChoices`` (decision, customer's nation, what was supplied).
    """
    _require_staff(actor)
    reasons = (reasons or "").strip()
    routes = [r.strip() for r in (other_routes or []) if r and r.strip()]
    if len(reasons) < 20:
        raise DomainError(
            ErrorCode.REASONS_REQUIRED, "Give the customer clear reasons (at least a sentence)."
        )
    final = None
    if letter is not None and letter.strip():
        from putright.regulation.services import LetterChoices, final_letter_prepare

        final = final_letter_prepare(
            actor=actor,
            case=case,
            reasons=reasons,
            letter=letter,
            choices=letter_choices or LetterChoices(),
            extra_routes=routes,
        )
        routes = final.route_lines
    if not routes:
        raise DomainError(
            ErrorCode.OTHER_ROUTES_REQUIRED, "Give the customer at least one other route to resolve it."
        )
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "close_unresolved")
        before = _set_status(case, Status.CLOSED_UNRESOLVED)
        case.unresolved_reasons = reasons
        case.other_routes = routes
        case.closed_at = clock.now()
        _save(case, "status", "unresolved_reasons", "other_routes", "closed_at")
        after = {"status": case.status, "reasons": reasons, "other_routes": routes}
        if final is not None:
            after["letter"] = {"subject": final.subject, "body": final.body, "rule_ids": final.rule_ids}
        _event(
            case,
            actor,
            "case.closed_unresolved",
            "Closed unresolved; reasons and other routes sent"
            + (f" in our final response letter ({', '.join(final.rule_ids)})" if final is not None else ""),
            before=before,
            after=after,
            customer_visible=True,
        )
        _settle_on_close(case, actor)
        if final is not None:
            _tell_customer(case, final.subject, final.body, author=actor)
        else:
            route_lines = "\n".join(f"  • {r}" for r in routes)
            _tell_customer(
                case,
                "Our final response",
                f"We are sorry we have not been able to resolve your problem.\n\nWhy:\n{reasons}\n\n"
                f"Other ways you can take this forward:\n{route_lines}",
                author=actor,
            )
    return case
