"""S1 and triage: a report becomes a case; assignment, escalation (K4), classification and the
agent's own reading of how the customer is (K2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from putright import clock
from putright.authority.models import Escalation
from putright.authority.selectors import escalation_target_for, is_staff_member
from putright.cases import hooks
from putright.cases.models import Case, Category, IdempotencyKey, ReferenceCounter
from putright.cases.services import routing
from putright.cases.services._common import (
    _PRIORITY_FOR_EMOTION,
    _clean,
    _customer_state,
    _emotion_read,
    _event,
    _guard,
    _lock,
    _require_staff,
    _save,
    _tell_customer,
)
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.customers import selectors as customer_selectors
from putright.customers import services as customer_services
from putright.customers.models import Customer
from putright.engines.text import sentiment_of
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import AssessedBy, Channel, EmotionalState, Priority, SourceKind

# E3: what the customer agreed to when they reported, recorded with their consent.
CONSENT_TEXT = "Consent to process my details to handle this problem."


def reference_next(now: datetime) -> str:
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
    # Staff who picked an existing customer (logging a call, or an integration that knows its id).
    customer_id: int | None = None
    follow_up_of: Case | None = None  # issue 15 §5: the closed case it follows (its team, its handler)

    def fingerprint(self) -> str:
        data = {k: str(v) for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def case_report(
    *, report: ReportInput, actor=None, idempotency_key: str | None = None, files=()
) -> tuple[Case, bool]:
    """S1: record a problem in the customer's own words (and checked ``files``). Returns (case, created).

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
    if report.customer_id is not None and actor is None:
        raise PermissionDenied("only staff may attach a report to an existing customer")
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
    # Read the customer's words before the transaction: it holds the database's write lock, so it
    # should only insert what was worked out beforehand.
    reading = sentiment_of(f"{report.subject.strip()}\n{report.description}")
    try:
        with channels.attachments_guard(), transaction.atomic():
            case = _case_create(report=report, actor=actor, category=category, reading=reading, files=files)
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


def _customer_for(report: ReportInput, now: datetime) -> Customer:
    """The customer a report belongs to: the one staff picked, the same person's record, or a new one.

    A report only ever adds a customer or attaches to one: it never changes a stored name, phone or
    consent (anyone can type anyone's address into the public form). What the person wrote this time
    stays on the case's report event. The same e-mail under another name is a new customer with a merge
    suggestion (families share addresses): a supervisor decides, never the name alone.
    """
    if report.customer_id is not None:
        picked = Customer.objects.filter(pk=report.customer_id).first()
        if picked is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown customer {report.customer_id}.")
        return customer_selectors.customer_live(picked)
    if not report.customer_name.strip() or not report.customer_email.strip():
        raise DomainError(ErrorCode.INVALID_INPUT, "The customer's name and e-mail are required.")
    customer, _how = customer_services.customer_find_or_add(
        Customer(
            name=report.customer_name.strip(),
            email=report.customer_email.strip(),
            phone=report.customer_phone.strip(),
            lawful_basis=report.lawful_basis,
            consent_given_at=now if report.consent else None,
            consent_text=CONSENT_TEXT if report.consent else "",
            created_at=now,
        )
    )
    return customer


def _case_create(*, report: ReportInput, actor, category, reading, files=()) -> Case:
    now = clock.now()
    customer = _customer_for(report, now)
    follow = report.follow_up_of
    handler = follow.assignee if follow and follow.assignee and is_staff_member(follow.assignee) else None
    case = Case.objects.create(
        reference=reference_next(now),
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
        assignee=handler
        or (actor if actor is not None and report.channel in (Channel.PHONE, Channel.IN_PERSON) else None),
        follow_up_of=follow,
        team=follow.team if follow is not None else None,
        created_at=now,
        updated_at=now,
        last_customer_update_at=now,
    )
    # K2: the first reading of their words goes on the report event itself (staff-only data).
    cues = _emotion_read(case, f"{case.subject}\n{case.description}", reading=reading)
    stored = channels.attachments_store(
        case=case, message=None, files=files, from_customer=actor is None, author=actor
    )
    # Rooms above add to the report before it is recorded: E4's clocks start from receipt, before the
    # acknowledgement below, which then meets the acknowledgement clocks (and says when we will reply).
    reported = hooks.announce(hooks.CaseReported(case=case, actor=actor))
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
            # What the person gave this time, kept even when the stored record says otherwise.
            "reported_as": {
                "name": report.customer_name.strip(),
                "email": report.customer_email.strip(),
                "phone": report.customer_phone.strip(),
                "consent": report.consent,
            },
            **reported.event_after,
            **channels.attachments_audit(stored),
            **({"follow_up_of": follow.reference} if follow else {}),
        },
        customer_visible=True,
        as_customer=actor is None,
    )
    # A case our team opened to warn the customer (channel "internal") starts with that notice,
    # not with thanks for a report they never made.
    if case.channel != Channel.INTERNAL:
        _tell_customer(
            case,
            "We have opened a new case" if follow else "We have your report",
            # No echo of the subject: the public form must not let anyone send their own text to any address.
            (
                f"We have opened a new case, {case.reference}, to look at this: it follows up your case "
                f"{follow.reference}, which stays closed.\n"
                if follow
                else f"Thank you for telling us about your problem. Your reference is {case.reference}.\n"
            )
            + "We will first make sure we have understood it correctly, then come back to you with what we can do."
            + reported.customer(),
        )
    # Issue 12 §3: the assignment rules give it a team and, round-robin, a handler (same transaction).
    if follow is None or follow.team_id is None:
        routing.route(case)
    return case


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
        hooks.announce(
            hooks.CaseClassified(
                case=case, actor=actor, became_regulated=after["regulated"] and not before["regulated"]
            )
        )
        # A case classified before anyone took it is routed as a new one would be, by its category now.
        if case.team_id is None and case.assignee_id is None:
            routing.route(case)
    return case


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
