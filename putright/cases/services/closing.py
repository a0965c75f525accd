"""A5–A6: the customer's satisfaction, reopening, and closing without resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import is_staff_member, may_reopen_closed
from putright.cases import hooks
from putright.cases.models import Case, Promise
from putright.cases.services import intake, routing
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
    satisfaction_settings_get,
    scores_check,
    unresolved_reason_get,
    upheld_check,
)
from putright.channels import reply_check
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.engines.text import sentiment_of
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import OPEN_STATUSES, AgreementMethod, Channel, PromiseStatus, Status, Upheld


def case_satisfaction_record(
    *,
    case: Case,
    resolved: bool,
    comment: str = "",
    actor=None,
    method: str = AgreementMethod.PORTAL,
    csat: int | None = None,
    ces: int | None = None,
    nps: int | None = None,
    procedure_version: int | None = None,
) -> Case:
    """A5: 'resolved' closes the case; 'not resolved' puts it on the agent's desk to reopen or close unresolved.

    The scores (CSAT 1–5, CES 1–7, NPS 0–10) are each optional to the customer and checked when given; they
    are kept on the case (the answer to the check now asked) and in the event, with when it was answered.
    """
    if actor is not None:
        _require_staff(actor)
    scores = scores_check(csat=csat, ces=ces, nps=nps)
    comment = (comment or "").strip()[:5000]
    if not resolved and not comment and actor is None:
        raise DomainError(ErrorCode.REASONS_REQUIRED, "Please tell us what is still wrong.")
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "satisfaction")
        before = {"status": case.status}
        now = clock.now()
        case.satisfaction_comment = comment
        case.csat, case.ces, case.nps = scores["csat"], scores["ces"], scores["nps"]
        case.satisfaction_answered_at = now
        if resolved:
            case.status = Status.CLOSED_RESOLVED
            case.closed_at = now
        else:
            case.status = Status.NOT_RESOLVED
        _save(
            case,
            "status",
            "satisfaction_comment",
            "closed_at",
            "csat",
            "ces",
            "nps",
            "satisfaction_answered_at",
        )
        how = "on their case link" if actor is None else f"{AgreementMethod(method).label.lower()}"
        given = ", ".join(f"{name.upper()} {value}" for name, value in scores.items() if value is not None)
        _event(
            case,
            actor,
            "satisfaction.resolved" if resolved else "satisfaction.not_resolved",
            f"Customer says the problem is {'resolved' if resolved else 'NOT resolved'} ({how})"
            + (f"; {given}" if given else "")
            + (f": {comment}" if comment else ""),
            before=before,
            after={"status": case.status, "comment": comment, **scores},
            customer_visible=True,
            as_customer=True,
            procedure_version=procedure_version,
        )
        # S4: the answer joins the feedback feed, among what rooms above do with it.
        hooks.announce(
            hooks.SatisfactionRecorded(case=case, actor=actor, resolved=resolved, comment=comment, **scores)
        )
        if resolved:
            _settle_on_close(case, actor)
            hooks.announce(hooks.CaseClosed(case=case, actor=actor, resolved=True))
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
        # The check was answered ('not resolved'): no reminder or no-reply close until it is asked again.
        case.satisfaction_asked_at = case.satisfaction_reminded_at = None
        _save(case, "satisfaction_asked_at", "satisfaction_reminded_at")
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
        hooks.announce(hooks.CaseReopened(case=case, actor=actor, reason=reason))
    return case


def reopen_plan(case: Case, now: datetime | None = None) -> str:
    """Issue 15 §5: "reopen" (closed resolved or with no reply, within the window: back to choosing a
    resolution); "follow_up" (closed unresolved, or past the window: a linked new case); "" (open, duplicate)."""
    if case.status not in (Status.CLOSED_RESOLVED, Status.CLOSED_NO_REPLY, Status.CLOSED_UNRESOLVED):
        return ""
    if case.status == Status.CLOSED_UNRESOLVED or case.closed_at is None:
        return "follow_up"
    days = satisfaction_settings_get().reopen_window_days
    return "reopen" if (now or clock.now()) <= case.closed_at + timedelta(days=days) else "follow_up"


def case_reopen_closed(*, actor, case: Case, reason: str) -> tuple[Case, Case | None]:
    """Issue 15 §5: the customer says a closed case is not put right (``actor`` None, ``reason`` their
    message) or staff reopen it with a reason, as ``reopen_plan`` says. Returns (case, follow-up or None).
    Under the lock: a second answer at once finds it reopened (or its follow-up open) and adds nothing."""
    reason = _clean(reason, field="Reason for reopening", max_len=10000)
    with transaction.atomic():
        case = _lock(case)
        if actor is not None and not may_reopen_closed(actor, case):
            raise PermissionDenied("only the case's handler or a supervisor may reopen a closed case")
        plan, now, closed_at, new = reopen_plan(case), clock.now(), case.closed_at, None
        if not plan and actor is None and not case.is_closed:
            return case, case.follow_ups.order_by("-pk").first()  # reopened a moment ago
        if not plan:
            raise DomainError(ErrorCode.INVALID_TRANSITION, f"{case.reference} is open or a duplicate.")
        by, days = ("customer" if actor is None else "staff"), satisfaction_settings_get().reopen_window_days
        facts = {"by": by, "closed_status": case.status, "outcome": plan, "window_days": days}
        facts.update(closed_at=closed_at.isoformat(), days_since_close=(now - closed_at).days)
        who = "the customer (not put right)" if actor is None else "our team"
        before, hook = {"status": case.status}, hooks.Additions()
        if plan == "follow_up":
            if existing := case.follow_ups.filter(status__in=OPEN_STATUSES).order_by("pk").first():
                return case, existing
            customer = case.customer
            report = intake.ReportInput(
                customer.name, customer.email, f"Follow-up to {case.reference}: {case.subject}"[:200], reason,
                Channel.WEB if actor is None else case.channel, customer.consent_given_at is not None,
                lawful_basis=customer.lawful_basis, category_id=case.category_id, customer_id=customer.pk,
                follow_up_of=case,
            )  # fmt: skip
            new = intake._case_create(
                report=report, actor=actor, category=case.category, reading=sentiment_of(reason)
            )
            _save(case)
        else:
            before.update(closed_at=closed_at.isoformat(), upheld=case.upheld)
            if case.assignee is not None and not is_staff_member(case.assignee):
                case.assignee = None  # left the organisation: routed as a new case would be
            case.closed_at, case.upheld = None, ""
            case.satisfaction_asked_at = case.satisfaction_reminded_at = None
            _save(
                case, "assignee", "closed_at", "upheld", "satisfaction_asked_at", "satisfaction_reminded_at"
            )
            _back_to_choosing(case, None, None)
            if case.assignee_id is None:
                routing.route(case)
            hook = hooks.announce(
                hooks.CaseReopened(
                    case=case, actor=actor, reason=reason, closed_status=before["status"], by=by
                )
            )
        _event(
            case,
            actor,
            "case.reopened",
            (f"Followed up in {new.reference}, asked by {who}" if new else f"Reopened by {who}")
            + f": {reason}",
            before=before,
            after={"status": case.status, "reason": reason, "follow_up": new and new.reference, **facts}
            | hook.event_after,
            customer_visible=True,
            as_customer=actor is None,
        )
        if new is None:
            _tell_customer(
                case,
                "We have reopened your case",
                "We have reopened your case: the person handling it will look at what else we can do to put it "
                "right and come back to you." + hook.customer(),
            )
        text = f"{new.reference}: follow-up to {case.reference}" if new else f"{case.reference}: reopened"
        on = new or case
        channels.alert_create(
            recipient=on.assignee, case=on, kind=Alert.Kind.CUSTOMER_MESSAGE, text=f"{text} by {who}"
        )
    return case, new


@dataclass(frozen=True)
class FinalResponse:
    """A final response letter prepared from the rules (``regulation.services.final_letter_prepare``)
    and edited by the agent: sent exactly as written, with the routes and rule ids it was drafted from."""

    subject: str
    body: str
    rule_ids: list[str]
    route_lines: list[str]


def close_reasons_check(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if len(reasons) < 20:
        raise DomainError(
            ErrorCode.REASONS_REQUIRED, "Give the customer clear reasons (at least a sentence)."
        )
    return reasons


def unresolved_message(reasons: str, routes: list[str]) -> tuple[str, str]:
    """A6: the subject and text sent on closing unresolved without a drafted letter (the review shows it)."""
    lines = "\n".join(f"  • {r}" for r in routes)
    why = f"We are sorry we have not been able to resolve your problem.\n\nWhy:\n{reasons}\n\n"
    return "Our final response", f"{why}Other ways you can take this forward:\n{lines}"


def case_close_unresolved(
    *,
    actor,
    case: Case,
    reasons: str,
    other_routes: list[str],
    reason_code: str,
    upheld: str,
    final: FinalResponse | None = None,
    procedure_version: int | None = None,
    send_anyway_reason: str = "",
) -> Case:
    """A6: close without resolution. Clear reasons and other routes are required and sent to the customer;
    a reason code from the administrator's list (active ones only) and whether the complaint was upheld are
    required and kept for the metrics.

    With a ``final`` response letter (drafted by ``regulation`` and edited by the agent: use
    ``regulation.services.case_close_unresolved``, which prepares it) exactly that text is sent, and the
    routes and rule ids it was drafted from are recorded in place of ``other_routes``.
    """
    _require_staff(actor)
    reasons = close_reasons_check(reasons)
    reason = unresolved_reason_get(reason_code)
    upheld = upheld_check(upheld)
    routes = [r.strip() for r in (other_routes or []) if r and r.strip()]
    if final is not None:
        routes = list(final.route_lines)
    if not routes:
        raise DomainError(
            ErrorCode.OTHER_ROUTES_REQUIRED, "Give the customer at least one other route to resolve it."
        )
    with transaction.atomic():
        case = _lock(case)
        _guard(case, "close_unresolved")
        # K5: the letter (or the reasons in ours) is checked as any reply before it is sent.
        checked = reply_check.acknowledge(
            actor, case, final.body if final else reasons, send_anyway_reason, "letter"
        )
        before = _set_status(case, Status.CLOSED_UNRESOLVED)
        before.update(unresolved_reason=None, upheld=case.upheld)
        case.unresolved_reasons = reasons
        case.unresolved_reason = reason
        case.upheld = upheld
        case.other_routes = routes
        case.closed_at = clock.now()
        _save(
            case, "status", "unresolved_reasons", "unresolved_reason", "upheld", "other_routes", "closed_at"
        )
        after = {
            "status": case.status,
            "reasons": reasons,
            "reason_code": reason.code,
            "upheld": upheld,
            "other_routes": routes,
            **checked,
        }
        if final is not None:
            after["letter"] = {"subject": final.subject, "body": final.body, "rule_ids": final.rule_ids}
        _event(
            case,
            actor,
            "case.closed_unresolved",
            f"Closed unresolved ({reason.label}; {Upheld(upheld).label.lower()}); reasons and other routes sent"
            + (f" in our final response letter ({', '.join(final.rule_ids)})" if final is not None else ""),
            before=before,
            after=after,
            customer_visible=True,
            procedure_version=procedure_version,
        )
        _settle_on_close(case, actor)
        hooks.announce(hooks.CaseClosed(case=case, actor=actor, resolved=False))
        subject, body = (
            (final.subject, final.body) if final is not None else unresolved_message(reasons, routes)
        )
        _tell_customer(case, subject, body, author=actor)
    return case


def case_close_duplicate(*, actor, case: Case, original: Case, note: str = "") -> Case:
    """Close ``case`` as a duplicate of ``original``, which carries on (issue 12 §3).

    No final letter: one message tells the customer which case carries on. The case's clocks stop with
    that reason (``regulation`` does it as the status changes) and the metrics leave it out. Both cases
    record the link. Only before anything is agreed, and only for another open case of the same customer
    (two people with the same problem are linked through a problem group instead, never through each
    other's cases). Both rows are locked, the lower id first, so two closings cannot deadlock.
    """
    _require_staff(actor)
    note = _clean(note, field="The note", required=False, max_len=1000)
    if original.pk == case.pk:
        raise DomainError(ErrorCode.DUPLICATE_INVALID, "A case cannot be a duplicate of itself.")
    with transaction.atomic():
        first, second = sorted([case, original], key=lambda c: c.pk)
        locked = {c.pk: _lock(c) for c in (first, second)}
        case, original = locked[case.pk], locked[original.pk]
        _guard(case, "close_duplicate")
        if original.is_closed:
            raise DomainError(
                ErrorCode.DUPLICATE_INVALID,
                f"{original.reference} is closed: a duplicate can only point to a case that carries on.",
            )
        if original.customer_id != case.customer_id:
            raise DomainError(
                ErrorCode.DUPLICATE_INVALID,
                f"{original.reference} is another customer's case. Merge the two customers first if they "
                "are one person; otherwise link the cases through a problem.",
            )
        before = _set_status(case, Status.CLOSED_DUPLICATE)
        before["duplicate_of"] = None
        case.duplicate_of = original
        case.closed_at = clock.now()
        _save(case, "status", "duplicate_of", "closed_at")
        # The customer sees this event: the staff note stays in ``after`` and on the original's timeline.
        _event(
            case,
            actor,
            "case.closed_duplicate",
            f"Closed as a duplicate of {original.reference}, which carries on",
            before=before,
            after={"status": case.status, "duplicate_of": original.reference, "note": note},
            customer_visible=True,
        )
        _event(
            original,
            actor,
            "case.duplicate_linked",
            f"{case.reference} was closed as a duplicate of this case" + (f": {note}" if note else ""),
            after={"duplicate": case.reference, "note": note},
        )
        _save(original)
        _settle_on_close(case, actor)
        hooks.announce(hooks.CaseClosed(case=case, actor=actor, resolved=False, duplicate=True))
        _tell_customer(
            case,
            f"Your report continues as {original.reference}",
            f"Thank you for your report {case.reference}. It is about the same problem as your case "
            f"{original.reference}, so we have joined them: everything now carries on as "
            f"{original.reference}, and you will hear from us there. You do not need to do anything.",
            author=actor,
        )
    return case


def case_close_no_reply(*, case: Case, now: datetime | None = None) -> bool:
    """A5: asked, reminded once, and a further period with no answer: closed as resolved with no reply.

    The system acts (no actor). What was recorded as upheld stays; promises and approvals settle as on any
    close; the clocks stop as for a resolved close (``regulation``). False when it is not (or no longer) due.
    """
    now = now or clock.now()
    row = satisfaction_settings_get()
    with transaction.atomic():
        case = _lock(case)
        if (
            case.status != Status.AWAITING_CONFIRMATION
            or case.satisfaction_reminded_at is None
            or case.satisfaction_answered_at is not None
            or case.satisfaction_reminded_at > now - timedelta(days=row.close_no_reply_after_days)
        ):
            return False
        before = {"status": case.status}
        case.status = Status.CLOSED_NO_REPLY
        case.closed_at = now
        _save(case, "status", "closed_at")
        _event(
            case,
            None,
            "case.closed_no_reply",
            "Closed as resolved with no reply: the customer was asked and reminded, and did not answer",
            before=before,
            after={"status": case.status, "reminded_at": case.satisfaction_reminded_at.isoformat()},
            customer_visible=True,
        )
        _settle_on_close(case, None)
        hooks.announce(hooks.CaseClosed(case=case, actor=None, resolved=True, no_reply=True))
        _tell_customer(
            case,
            "Your case is closed",
            "We did everything we agreed and asked whether your problem is resolved, but have not heard "
            "back, so we have closed your case as resolved. If it is not resolved, reply to this e-mail or "
            "write to us on your case link and we will look at it again.",
        )
    return True
