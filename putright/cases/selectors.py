"""Reads that pages and the API share, each checking who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Expression
from django.utils import timezone

from putright import clock
from putright.audit.events import chain_verify
from putright.authority import teams
from putright.authority.models import Approval, Escalation, Team
from putright.authority.selectors import is_staff_member, limit_for_user
from putright.cases import hooks
from putright.cases.models import Case, Promise
from putright.channels import selectors as channel_selectors
from putright.engines.authority import limits as authority_engine
from putright.engines.deadlines import BusinessCalendar, subtract_business_days
from putright.errors import PermissionDenied
from putright.vocab import (
    OPEN_STATUSES,
    QUEUE_SORTS,
    EmotionalState,
    Priority,
    PromiseStatus,
    Status,
    Understanding,
)


def case_get_for_user(*, user, reference: str) -> Case:
    """The case, if ``user`` may see it. Raises PermissionDenied for outsiders, Case.DoesNotExist if absent."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may open cases")
    return Case.objects.select_related("customer", "category", "assignee", "recommended_option", "team").get(
        reference=reference
    )


@dataclass(frozen=True)
class QueueFilters:
    # "mine" | "team" (the teams the user is in or leads; every case for someone in no team) | "unassigned" |
    # "all"
    scope: str = "team"
    status: str = ""
    source_kind: str = ""
    category: str = ""  # category slug
    overdue_promises: bool = False
    awaiting_customer: bool = False
    needs_update: bool = False
    include_closed: bool = False
    priority: str = ""
    upset: bool = False  # K2: angry or distressed customers
    sort: str = "newest"  # a key of vocab.QUEUE_SORTS
    team: int | None = None  # one team's cases (any team's: queues are open to all staff)
    # Only these cases (a queryset of case ids from the page: e.g. the cases behind a figure on the
    # insights dashboard, which that room works out; this one does not know it).
    within: QuerySet | None = None


QUEUE_SCOPES = ("mine", "team", "unassigned", "all")


def queue_team_ids(user) -> list[int]:
    """The teams whose cases ``scope="team"`` shows ``user``: those they are in or lead. None: every case."""
    return teams.team_ids_of(user)


def _overdue_promise_exists(now: datetime):
    return Exists(
        Promise.objects.filter(case=OuterRef("pk")).filter(
            Q(status=PromiseStatus.BROKEN)
            | Q(status__in=[PromiseStatus.OPEN, PromiseStatus.AT_RISK], due_at__lt=now)
        )
    )


def cadence_cutoff(now: datetime) -> datetime:
    """A4: customers last updated before this moment have waited too many business days.

    Only whole business days count: with 3 days, a customer last updated on Thursday is flagged
    once Friday, Monday and Tuesday have all passed — from Wednesday morning.
    """
    days = settings.PUTRIGHT["CADENCE_BUSINESS_DAYS"]
    cal = BusinessCalendar(region=settings.PUTRIGHT["HOLIDAY_REGION"])
    yesterday = timezone.localtime(now).date() - timedelta(days=1)
    last_ok = subtract_business_days(yesterday, days, cal)
    return timezone.make_aware(datetime.combine(last_ok + timedelta(days=1), time.min))


def cases_needing_update(*, now: datetime | None = None) -> QuerySet:
    now = now or clock.now()
    return Case.objects.filter(status__in=OPEN_STATUSES, last_customer_update_at__lt=cadence_cutoff(now))


def case_queue(
    *, user, filters: QueueFilters, now: datetime | None = None, next_deadline: Expression | None = None
) -> QuerySet:
    """Agent and team queues (9). Annotates ``has_overdue_promise`` and ``needs_update`` for the list.

    ``next_deadline``: the expression for each case's next deadline, from the room that keeps the clocks
    (``regulation.selectors.next_deadline_at``); annotated as ``next_deadline_at`` and needed to sort by it.
    Searching is the ``search`` room's: the interfaces narrow this queue with ``search.query.cases_matching``.
    """
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see queues")
    if filters.scope not in QUEUE_SCOPES:
        raise ValueError(f"unknown queue scope {filters.scope!r}")
    now = now or clock.now()
    qs = Case.objects.select_related("customer", "category", "assignee", "team")
    if filters.scope == "mine":
        qs = qs.filter(assignee=user)
    elif filters.scope == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif filters.scope == "team":
        # Issue 12 §3: the cases of the user's teams; someone in no team sees every case (as "all").
        # One query either way: the teams are a subquery.
        mine = Team.objects.filter(Q(members=user) | Q(lead=user))
        qs = qs.filter(Q(team__in=mine.values("pk")) | ~Exists(mine))
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.within is not None:
        qs = qs.filter(pk__in=filters.within)
    if filters.status:
        qs = qs.filter(status=filters.status)
    elif not filters.include_closed:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.source_kind:
        qs = qs.filter(source_kind=filters.source_kind)
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    qs = qs.annotate(has_overdue_promise=_overdue_promise_exists(now))
    if filters.overdue_promises:
        qs = qs.filter(has_overdue_promise=True)
    if filters.awaiting_customer:
        qs = qs.filter(
            Q(status__in=[Status.AWAITING_CUSTOMER, Status.AWAITING_CONFIRMATION])
            | Q(status=Status.NEW, understanding=Understanding.AWAITING_CUSTOMER)
        )
    if filters.needs_update:
        qs = qs.filter(status__in=OPEN_STATUSES, last_customer_update_at__lt=cadence_cutoff(now))
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.upset:
        qs = qs.filter(emotion__in=[EmotionalState.ANGRY, EmotionalState.DISTRESSED])
    if next_deadline is not None:
        qs = qs.annotate(next_deadline_at=next_deadline)
    return queue_sort(qs, filters.sort)


_PRIORITY_RANK = DbCase(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    default=Value(2),
)
_SORT_FIELDS = {
    "priority": _PRIORITY_RANK,  # K2: urgent (distressed) first, then high (angry)
    "deadline": F("next_deadline_at"),
    "activity": F("updated_at"),
    "assignee": F("assignee__first_name"),
    "reference": F("reference"),
}


def queue_sort(qs: QuerySet, sort: str) -> QuerySet:
    """The queue in one of ``vocab.QUEUE_SORTS``' orders; ties newest first. Cases without a value (no
    deadline, nobody assigned) come last either way. Sorting by deadline needs ``next_deadline_at``."""
    if sort not in QUEUE_SORTS:
        raise ValueError(f"unknown queue sort {sort!r}")
    _, column, direction = QUEUE_SORTS[sort]
    if column == "deadline" and "next_deadline_at" not in qs.query.annotations:
        raise ValueError("sorting by deadline needs the next_deadline expression")
    # Ages run the other way from the times they were created; priority ranks run from the most urgent.
    ascending = (direction == "ascending") != (column in ("age", "priority"))
    sign = "" if ascending else "-"
    if column == "age":  # as it always was: the plain index order
        return qs.order_by(f"{sign}created_at", f"{sign}pk")
    field = _SORT_FIELDS[column]
    # Only a deadline or an assignee can be missing: the other columns keep the order an index can give.
    nulls = {"nulls_last": True} if column in ("deadline", "assignee") else {}
    first = field.asc(**nulls) if ascending else field.desc(**nulls)
    rest = (f"{sign}assignee__last_name", f"{sign}assignee__username") if column == "assignee" else ()
    return qs.order_by(first, *rest, "-created_at", "-pk")


def approvals_for_user(*, user) -> list[Approval]:
    """Pending approvals this user may decide: their own authority covers the option and they did not ask."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see approvals")
    limit = limit_for_user(user)
    pending = (
        Approval.objects.filter(status=Approval.Status.PENDING, case__status=Status.AWAITING_APPROVAL)
        .exclude(requested_by=user)
        .select_related("case", "option", "requested_by", "assigned_to")
        .order_by("created_at")
    )
    result = []
    for approval in pending:
        request = authority_engine.OptionRequest(
            remedy_type=approval.option.remedy_type,
            amount=approval.option.amount,
            is_exception=approval.option.is_exception,
        )
        if authority_engine.may_approve(limit, request):
            result.append(approval)
    return result


def approvals_requested_by(*, user) -> QuerySet:
    return (
        Approval.objects.filter(requested_by=user)
        .select_related("case", "option", "decided_by")
        .order_by("-created_at")
    )


# Before approvals stopped doubling as escalations, every approval request also stored an automatic
# escalation with this reason. Those rows stay in the case's record (it is history) but are not listed
# as escalations: the approval itself is listed on the approvals page, once.
APPROVAL_SHADOW_REASON = "Approval needed:"
ESCALATION_STATES = ("open", "closed", "all")


def escalations_for_user(*, user, state: str = "all", case_reference: str = "") -> dict[str, QuerySet]:
    """Escalations to and by ``user``, newest first: of open or closed cases only when ``state`` says,
    and of one case when ``case_reference`` is given (matched exactly, ignoring case)."""
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see escalations")
    if state not in ESCALATION_STATES:
        raise ValueError(f"unknown escalation state {state!r}")
    base = Escalation.objects.select_related("case", "from_user", "to_user").exclude(
        automatic=True, reason__startswith=APPROVAL_SHADOW_REASON
    )
    if state == "open":
        base = base.filter(case__status__in=OPEN_STATUSES)
    elif state == "closed":
        base = base.exclude(case__status__in=OPEN_STATUSES)
    if case_reference:
        base = base.filter(case__reference__iexact=case_reference)
    return {
        "received": base.filter(to_user=user).order_by("-created_at", "-pk"),
        "sent": base.filter(from_user=user).order_by("-created_at", "-pk"),
    }


def case_timeline(*, case: Case, customer_view: bool = False) -> QuerySet:
    qs = case.events.select_related("actor").order_by("seq")
    if customer_view:
        # A ticked step's event names the internal step: events before issue 15 were marked customer-visible.
        qs = qs.filter(customer_visible=True).exclude(kind="plan.step_done")
    return qs


def case_record(*, case: Case) -> dict:
    """The whole case record, as plain data (the JSON download and the printable page)."""

    def user_name(u):
        return u.get_username() if u else None

    return {
        "reference": case.reference,
        "status": case.status,
        "status_label": Status(case.status).label,
        "channel": case.channel,
        "source_kind": case.source_kind,
        "source_kind_label": case.get_source_kind_display(),
        "category": case.category.name if case.category else None,
        "subject": case.subject,
        "description": case.description,
        "desired_outcome": case.desired_outcome,
        "order_reference": case.order_reference,
        "amount_in_dispute": str(case.amount_in_dispute) if case.amount_in_dispute is not None else None,
        "customer": {
            "name": case.customer.name,
            "email": case.customer.email,
            "phone": case.customer.phone,
            "lawful_basis": case.customer.lawful_basis,
            "consent_given_at": case.customer.consent_given_at.isoformat()
            if case.customer.consent_given_at
            else None,
        },
        "assignee": user_name(case.assignee),
        "understanding": {
            "state": case.understanding,
            "summary": case.understanding_summary,
            "correction": case.understanding_correction,
            "skip_reason": case.understanding_skip_reason,
        },
        "options": [
            {
                "id": o.pk,
                "title": o.title,
                "description": o.description,
                "remedy_type": o.remedy_type,
                "amount": str(o.amount),
                "cost_to_organisation": str(o.cost_to_organisation),
                "days_to_deliver": o.days_to_deliver,
                "customer_advantages": o.customer_advantages,
                "customer_disadvantages": o.customer_disadvantages,
                "organisation_advantages": o.organisation_advantages,
                "organisation_disadvantages": o.organisation_disadvantages,
                "is_exception": o.is_exception,
                "source": o.source,
                "rule_ids": o.rule_ids,
                "status": o.status,
            }
            for o in case.options.all()
        ],
        "recommendation": {
            "option": case.recommended_option_id,
            "justification": case.recommendation_justification,
            "factors": case.recommendation_factors,
        },
        # E4/K3: the facts the statutory remedies were worked out from, and the negotiation history.
        "purchase_facts": case.purchase_facts or {},
        "is_statutory_breach": case.is_statutory_breach,
        # Sections other rooms keep (K3's offers, from resolution), in the order they subscribed.
        **hooks.announce(hooks.CaseRecordRead(case=case)).sections,
        "consultations": [
            {
                "asked_by": user_name(c.asked_by),
                "colleague": user_name(c.colleague),
                "question": c.question,
                "answer": c.answer,
                "asked_at": c.asked_at.isoformat(),
                "answered_at": c.answered_at.isoformat() if c.answered_at else None,
            }
            for c in case.consultations.select_related("asked_by", "colleague")
        ],
        "approvals": [
            {
                "option": a.option_id,
                "status": a.status,
                "requested_by": user_name(a.requested_by),
                "assigned_to": user_name(a.assigned_to),
                "decided_by": user_name(a.decided_by),
                "reasons": a.reasons,
                "rule_ids": a.rule_ids,
                "note": a.decision_note,
            }
            for a in case.approvals.select_related("requested_by", "assigned_to", "decided_by")
        ],
        "agreements": [
            {
                "option": a.option_id,
                "agreed": a.agreed,
                "method": a.method,
                "recorded_by": user_name(a.recorded_by),
                "comment": a.customer_comment,
                "at": a.created_at.isoformat(),
            }
            for a in case.agreements.select_related("recorded_by")
        ],
        "action_plan": [
            {
                "description": s.description,
                "owner": user_name(s.owner),
                "due_date": s.due_date.isoformat(),
                "done_at": s.done_at.isoformat() if s.done_at else None,
                "customer_wording": s.customer_wording,
                "customer_told_at": s.customer_told_at.isoformat() if s.customer_told_at else None,
            }
            for s in case.steps.select_related("owner")
        ],
        "promises": [
            {
                "description": p.description,
                "owner": user_name(p.owner),
                "due_at": p.due_at.isoformat(),
                "status": p.status,
                "kept_at": p.kept_at.isoformat() if p.kept_at else None,
            }
            for p in case.promises.select_related("owner")
        ],
        "messages": [
            {
                "direction": m.direction,
                "prompt": m.prompt,
                "subject": m.subject,
                "body": m.body,
                "author": user_name(m.author),
                "email_status": m.email_status,
                "logged_via": m.logged_via,
                "at": m.created_at.isoformat(),
            }
            for m in case.messages.select_related("author")
        ],
        "attachments": channel_selectors.attachments_record(case),  # issue 15 §4: what they are, not bytes
        "escalations": [
            {
                "from": user_name(e.from_user),
                "to": user_name(e.to_user),
                "reason": e.reason,
                "automatic": e.automatic,
                "at": e.created_at.isoformat(),
            }
            for e in case.escalations.select_related("from_user", "to_user")
        ],
        # Issue 12 §3: the case this one repeats (closed as its duplicate), and those that repeat this one.
        "duplicate_of": case.duplicate_of.reference if case.duplicate_of_id else None,
        "duplicates": list(case.duplicates.order_by("created_at", "pk").values_list("reference", flat=True)),
        "outcome": {
            "status": case.status,
            "status_label": case.get_status_display(),
            "upheld": case.upheld,
            "upheld_label": case.get_upheld_display(),
            "unresolved_reason": case.unresolved_reason.code if case.unresolved_reason_id else None,
            "unresolved_reason_label": case.unresolved_reason.label if case.unresolved_reason_id else None,
            "csat": case.csat,
            "ces": case.ces,
            "nps": case.nps,
            "satisfaction_asked_at": case.satisfaction_asked_at.isoformat()
            if case.satisfaction_asked_at
            else None,
            "satisfaction_reminded_at": case.satisfaction_reminded_at.isoformat()
            if case.satisfaction_reminded_at
            else None,
            "satisfaction_answered_at": case.satisfaction_answered_at.isoformat()
            if case.satisfaction_answered_at
            else None,
            "satisfaction_comment": case.satisfaction_comment,
            "unresolved_reasons": case.unresolved_reasons,
            "other_routes": case.other_routes,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        },
        "timeline": [
            {
                "seq": e.seq,
                "at": e.created_at.isoformat(),
                "actor": e.actor_label,
                "kind": e.kind,
                "summary": e.summary,
                "before": e.before,
                "after": e.after,
                "customer_visible": e.customer_visible,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in case_timeline(case=case)
        ],
        "created_at": case.created_at.isoformat(),
        "audit_chain": _chain_status(case),
    }


def _chain_status(case: Case) -> dict:
    """Recomputed on every export, so a printed or downloaded record says whether it was tampered with."""
    checked, breaks = chain_verify([case.pk])
    return {
        "events_verified": checked,
        "intact": not breaks,
        "problems": [{"seq": b.seq, "problem": b.problem} for b in breaks],
    }
