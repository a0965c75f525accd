"""Plain data for the response schemas, built from models (reads only)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from putright.authority.models import Approval, Escalation
from putright.cases.models import ActionStep, Case, Consultation, Option, Promise
from putright.vocab import OPEN_STATUSES, Status


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def option_data(o: Option) -> dict:
    return {
        "id": o.pk,
        "title": o.title,
        "description": o.description,
        "remedy_type": o.remedy_type,
        "amount": _money(o.amount),
        "cost_to_organisation": _money(o.cost_to_organisation),
        "days_to_deliver": o.days_to_deliver,
        "customer_advantages": o.customer_advantages,
        "customer_disadvantages": o.customer_disadvantages,
        "organisation_advantages": o.organisation_advantages,
        "organisation_disadvantages": o.organisation_disadvantages,
        "is_exception": o.is_exception,
        "source": o.source,
        "rule_ids": list(o.rule_ids or []),
        "status": o.status,
    }


def consultation_data(c: Consultation) -> dict:
    return {
        "id": c.pk,
        "asked_by": _name(c.asked_by),
        "colleague": _name(c.colleague),
        "question": c.question,
        "answer": c.answer,
        "asked_at": c.asked_at,
        "answered_at": c.answered_at,
    }


def step_data(s: ActionStep) -> dict:
    return {
        "id": s.pk,
        "description": s.description,
        "owner": _name(s.owner),
        "due_date": s.due_date,
        "done_at": s.done_at,
        "done_by": _name(s.done_by),
        "customer_wording": s.customer_wording,
        "customer_told_at": s.customer_told_at,
    }


def promise_data(p: Promise) -> dict:
    return {
        "id": p.pk,
        "description": p.description,
        "owner": _name(p.owner),
        "due_at": p.due_at,
        "status": p.status,
        "kept_at": p.kept_at,
    }


def approval_summary_data(a: Approval) -> dict:
    return {
        "id": a.pk,
        "option_id": a.option_id,
        "status": a.status,
        "requested_by": _name(a.requested_by),
        "assigned_to": _name(a.assigned_to),
        "decided_by": _name(a.decided_by),
        "reasons": [str(r) for r in (a.reasons or [])],
        "rule_ids": [str(r) for r in (a.rule_ids or [])],
        "note": a.decision_note,
        "created_at": a.created_at,
        "decided_at": a.decided_at,
    }


def approval_data(a: Approval) -> dict:
    option = a.option
    return {
        **approval_summary_data(a),
        "case_reference": a.case.reference,
        "case_subject": a.case.subject,
        "option": {
            "id": option.pk,
            "title": option.title,
            "remedy_type": option.remedy_type,
            "amount": _money(option.amount),
            "is_exception": option.is_exception,
        },
    }


def escalation_data(e: Escalation) -> dict:
    return {
        "id": e.pk,
        "from_user": _name(e.from_user),
        "to_user": _name(e.to_user),
        "reason": e.reason,
        "automatic": e.automatic,
        "created_at": e.created_at,
    }


def message_data(m) -> dict:
    return {
        "id": m.pk,
        "direction": m.direction,
        "prompt": m.prompt,
        "subject": m.subject,
        "body": m.body,
        "author": _name(m.author),
        "email_status": m.email_status,
        "created_at": m.created_at,
    }


def case_summary_data(case: Case, *, cutoff: datetime) -> dict:
    """One queue row. ``cutoff`` is ``selectors.cadence_cutoff(now)``, worked out once per page."""
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "status_label": Status(case.status).label,
        "channel": case.channel,
        "source_kind": case.source_kind,
        "category": case.category.slug if case.category else None,
        "customer_name": case.customer.name,
        "assignee": _name(case.assignee),
        "has_overdue_promise": bool(getattr(case, "has_overdue_promise", False)),
        "needs_update": case.status in OPEN_STATUSES and case.last_customer_update_at < cutoff,
        "priority": case.priority,
        "emotion": case.emotion,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "last_customer_update_at": case.last_customer_update_at,
        "next_deadline_at": getattr(case, "next_deadline_at", None),
        "team": case.team.name if case.team_id else None,
    }


def case_detail_data(case: Case) -> dict:
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "status_label": Status(case.status).label,
        "channel": case.channel,
        "source_kind": case.source_kind,
        "category": case.category.slug if case.category else None,
        "customer": {"name": case.customer.name, "email": case.customer.email, "phone": case.customer.phone},
        "description": case.description,
        "desired_outcome": case.desired_outcome,
        "statutory_breach": case.is_statutory_breach,
        "regulated_complaint": case.is_regulated_complaint,
        "customer_state": {
            "sentiment": case.sentiment,
            "emotion": case.emotion,
            "assessed_by": case.emotion_assessed_by,
            "cues": [str(c) for c in (case.emotion_cues or [])],
            "priority": case.priority,
        },
        "order_reference": case.order_reference,
        "amount_in_dispute": _money(case.amount_in_dispute),
        "assignee": _name(case.assignee),
        "understanding": {
            "state": case.understanding,
            "summary": case.understanding_summary,
            "correction": case.understanding_correction,
            "skip_reason": case.understanding_skip_reason,
        },
        "recommendation": {
            "option_id": case.recommended_option_id,
            "justification": case.recommendation_justification,
            "factors": [str(f) for f in (case.recommendation_factors or [])],
        },
        "options": [option_data(o) for o in case.options.all()],
        "consultations": [
            consultation_data(c) for c in case.consultations.select_related("asked_by", "colleague")
        ],
        "steps": [step_data(s) for s in case.steps.select_related("owner", "done_by")],
        "promises": [promise_data(p) for p in case.promises.select_related("owner")],
        "approvals": [
            approval_summary_data(a)
            for a in case.approvals.select_related("requested_by", "assigned_to", "decided_by")
        ],
        "satisfaction_comment": case.satisfaction_comment,
        "unresolved_reasons": case.unresolved_reasons,
        "other_routes": [str(r) for r in (case.other_routes or [])],
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "duplicate_of": case.duplicate_of.reference if case.duplicate_of_id else None,
        "csat": case.csat,
        "ces": case.ces,
        "nps": case.nps,
        "satisfaction_answered_at": case.satisfaction_answered_at,
        "upheld": case.upheld,
        "unresolved_reason": case.unresolved_reason.code if case.unresolved_reason_id else None,
        "duplicates": list(case.duplicates.order_by("created_at", "pk").values_list("reference", flat=True)),
    }


def event_data(e) -> dict:
    return {
        "seq": e.seq,
        "at": e.created_at,
        "actor": e.actor_label,
        "kind": e.kind,
        "summary": e.summary,
        "before": e.before or {},
        "after": e.after or {},
        "customer_visible": e.customer_visible,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }
