"""The scorecard engine's input, read from one closed case's record in a fixed number of queries.

Six queries whatever the size of the case (the case row itself is given): its timeline, options, plan
steps, promises, the moments the customer heard from us, and the approvals of the option agreed.
``tests/test_quality_scoring.py`` pins it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from putright.audit.models import Event
from putright.authority.models import Approval
from putright.cases.models import ActionStep, Case, Option, Promise
from putright.channels.models import Message
from putright.engines.quality import (
    AuthorityFacts,
    CaseRecord,
    OptionFacts,
    Outcome,
    PromiseFacts,
    StepFacts,
    TimelineEvent,
)
from putright.vocab import OptionSource, OptionStatus, Status

OUTCOMES = {
    Status.CLOSED_RESOLVED: Outcome.RESOLVED,
    Status.CLOSED_NO_REPLY: Outcome.NO_REPLY,
    Status.CLOSED_UNRESOLVED: Outcome.UNRESOLVED,
}
# Closed as a duplicate: no outcome of its own (the case that carries on is scored), as the metrics do.
SCORED_STATUSES = tuple(OUTCOMES)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _ref(after: Any, key: str) -> Any:
    return after.get(key) if isinstance(after, dict) else None


def _latest(events: list[Event], *kinds: str, before: datetime | None = None) -> Event | None:
    found = None
    for ev in events:
        if before is not None and ev.created_at > before:
            break
        if ev.kind in kinds:
            found = ev
    return found


def case_record_read(case: Case) -> CaseRecord:
    """The engine's input for ``case`` (closed, not as a duplicate)."""
    events = list(
        Event.objects.filter(case=case).order_by("seq").only("pk", "seq", "kind", "created_at", "after")
    )
    by_kind_ref: dict[tuple[str, Any], Event] = {}
    for ev in events:
        for key in ("option", "step", "promise", "approval"):
            ref = _ref(ev.after, key)
            if ref is not None:
                by_kind_ref[(ev.kind, ref)] = ev  # the latest of each kind per object

    def event_id(kind: str, ref: Any) -> int | None:
        ev = by_kind_ref.get((kind, ref))
        return ev.pk if ev else None

    closed = _latest(events, "case.closed_unresolved", "case.closed_no_reply", "satisfaction.resolved")
    understanding = _latest(
        events,
        "understanding.summarised",
        "understanding.confirmed",
        "understanding.corrected",
        "understanding.skipped",
    )

    options = list(Option.objects.filter(case=case).order_by("created_at", "pk"))
    option_facts = tuple(
        OptionFacts(
            id=o.pk,
            title=o.title,
            appraised=any(
                (text or "").strip()
                for text in (
                    o.customer_advantages,
                    o.customer_disadvantages,
                    o.organisation_advantages,
                    o.organisation_disadvantages,
                )
            ),
            proposed_by_rule=o.source == OptionSource.RULE,
            withdrawn=o.status == OptionStatus.WITHDRAWN,
            added_event=event_id("option.added", o.pk),
        )
        for o in options
    )
    titles = {o.pk: o.title for o in options}

    answer = _latest(events, "option.agreed", "option.declined")
    agreed = answer is not None and answer.kind == "option.agreed"
    recommended = _latest(events, "option.recommended", before=answer.created_at if answer else None)
    agreed_option = _ref(recommended.after, "option") if (agreed and recommended) else None

    steps = []
    if agreed and answer is not None:
        # The plan for the option agreed last, as case_mark_delivered counts it.
        steps = list(
            ActionStep.objects.filter(case=case, created_at__gte=answer.created_at)
            .select_related("owner")
            .order_by("due_date", "pk")
        )
    step_facts = tuple(
        StepFacts(
            id=s.pk,
            description=s.description,
            owner=s.owner.get_username() if s.owner_id else "",
            due=s.due_date,
            added_event=event_id("plan.step_added", s.pk),
        )
        for s in steps
    )

    promise_facts = []
    for p in Promise.objects.filter(case=case).order_by("due_at", "pk"):
        broken = by_kind_ref.get(("promise.broken", p.pk))
        kept = by_kind_ref.get(("promise.kept", p.pk))
        withdrawn = by_kind_ref.get(("promise.withdrawn", p.pk))
        late_keep = kept if kept is not None and _ref(kept.after, "promise_status") == "kept_late" else None
        promise_facts.append(
            PromiseFacts(
                id=p.pk,
                description=p.description,
                due_at=_local(p.due_at),
                status=p.status,
                kept_at=_local(p.kept_at) if p.kept_at else None,
                ever_broken=broken is not None or p.broken_alerted_at is not None,
                made_event=event_id("promise.made", p.pk),
                broken_event=(broken or late_keep).pk if (broken or late_keep) else None,
                settled_at=_local(withdrawn.created_at) if withdrawn else None,
            )
        )

    updates = tuple(
        _local(t)
        for t in Message.objects.filter(case=case, direction=Message.Direction.OUTBOUND)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )

    authority: tuple[AuthorityFacts, ...] = ()
    if agreed_option is not None and recommended is not None:
        reasons = _ref(recommended.after, "authority_reasons") or []
        approvals = list(
            Approval.objects.filter(case=case, option_id=agreed_option).order_by("created_at", "pk")
        )
        approved = next((a for a in reversed(approvals) if a.status == Approval.Status.APPROVED), None)
        if approvals and not reasons:
            # Recorded before the reasons were kept on the event: the approval request says it was needed.
            reasons = list(approvals[-1].reasons) or ["it needed a second person's approval"]
        authority = (
            AuthorityFacts(
                option_id=agreed_option,
                title=titles.get(agreed_option, ""),
                beyond_reasons=tuple(str(r) for r in reasons),
                recommended_event=recommended.pk,
                approval_requested_event=event_id("approval.requested", approvals[-1].pk)
                if approvals
                else None,
                approved_event=event_id("approval.approved", approved.pk) if approved else None,
                approved_by_second_person=approved is not None
                and approved.decided_by_id != approved.requested_by_id,
            ),
        )

    delivered = _latest(events, "case.delivered")
    answered = _latest(events, "satisfaction.resolved", "satisfaction.not_resolved")
    proposed = _latest(events, "option.proposed")
    return CaseRecord(
        reference=case.reference,
        outcome=OUTCOMES[case.status],
        opened_at=_local(case.created_at),
        closed_at=_local(case.closed_at or (closed.created_at if closed else case.updated_at)),
        closed_event=closed.pk if closed else None,
        understanding=case.understanding,
        understanding_skip_reason=case.understanding_skip_reason,
        understanding_event=understanding.pk if understanding else None,
        options=option_facts,
        recommended_option=case.recommended_option_id,
        recommendation_factors=tuple(case.recommendation_factors or ()),
        recommendation_justification=case.recommendation_justification,
        recommended_event=recommended.pk if recommended else None,
        proposed_event=proposed.pk if proposed else None,
        answer_event=answer.pk if answer else None,
        agreed=agreed,
        agreed_option_title=titles.get(agreed_option, "") if agreed_option is not None else "",
        agreed_at=_local(answer.created_at) if answer else None,
        steps=step_facts,
        promises=tuple(promise_facts),
        updates=updates,
        cadence_business_days=settings.PUTRIGHT["CADENCE_BUSINESS_DAYS"],
        holiday_region=settings.PUTRIGHT["HOLIDAY_REGION"],
        delivered_event=delivered.pk if delivered else None,
        satisfaction_asked=delivered is not None or case.satisfaction_asked_at is not None,
        satisfaction_reminded=any(ev.kind == "satisfaction.reminded" for ev in events)
        or case.satisfaction_reminded_at is not None,
        satisfaction_answered_event=answered.pk if answered else None,
        unresolved_reasons=case.unresolved_reasons,
        unresolved_reason_code=str(case.unresolved_reason_id or ""),
        other_routes=tuple(str(r) for r in (case.other_routes or [])),
        authority=authority,
        timeline=tuple(TimelineEvent(ev.pk, _local(ev.created_at), ev.kind) for ev in events),
    )
