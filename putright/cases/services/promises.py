"""A3–A4: promises made, kept or broken; keeping the customer informed; messages both ways."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases.models import Case, Promise
from putright.cases.selectors import cases_needing_update
from putright.cases.services._common import (
    OPEN,
    _clean,
    _emotion_assess,
    _event,
    _guard,
    _lock,
    _require_staff,
    _save,
    _tell_customer,
)
from putright.channels import reply_check
from putright.channels import services as channels
from putright.channels.drafts import draft_discard
from putright.channels.models import Alert, Message
from putright.errors import DomainError, ErrorCode
from putright.vocab import PromiseStatus


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


def message_send(
    *,
    actor,
    case: Case,
    body: str,
    requested: bool,
    subject: str = "",
    files=(),
    send_anyway_reason: str = "",
) -> object:
    """A4: a message to the customer, recorded as requested by them or sent unprompted; ``files`` are checked
    attachments (``channels.attachments``), stored with it in the same transaction. K5: not sent with the
    reply checker's findings, unless ``send_anyway_reason`` says why (recorded with them)."""
    _require_staff(actor)
    body = _clean(body, field="Message", max_len=10000)
    with channels.attachments_guard(), transaction.atomic():
        case = _lock(case)
        checked = reply_check.acknowledge(actor, case, body, send_anyway_reason)
        msg = _tell_customer(
            case, subject.strip() or "An update on your case", body, author=actor, requested=requested
        )
        draft_discard(case=case, author=actor)  # issue 15 §1: sent, so no longer a draft
        stored = channels.attachments_store(
            case=case, message=msg, files=files, from_customer=False, author=actor
        )
        _save(case)
        _event(
            case,
            actor,
            "message.sent",
            f"Message to customer ({'they asked' if requested else 'unprompted'})",
            after={
                "message": msg.pk,
                "requested": requested,
                "body": body,
                **channels.attachments_audit(stored),
                **checked,
            },
            customer_visible=True,
        )
    return msg


def message_receive(*, case: Case, body: str, files=()) -> object:
    """A4: the customer writes on their link (with checked ``files``). Stored first; the handler is alerted."""
    body = _clean(body, field="Message", max_len=10000)
    with channels.attachments_guard(), transaction.atomic():
        case = _lock(case)
        msg = channels.message_create_inbound(case=case, body=body)
        stored = channels.attachments_store(case=case, message=msg, files=files, from_customer=True)
        _save(case)
        _event(
            case,
            None,
            "message.received",
            "Customer wrote a message",
            after={"message": msg.pk, "body": body, **channels.attachments_audit(stored)},
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


def message_log_contact(*, actor, case: Case, via, direction, body, requested: bool, occurred_at=None):
    """Issue 15 §2: a phone call or visit, logged with what was said; no e-mail. On the customer's page too
    (they took part in it); one to the customer is an update by a person (cadence, clocks, acknowledgement)."""
    _require_staff(actor)
    body = _clean(body, field="What was said", max_len=10000)
    with transaction.atomic():
        case = _lock(case)
        msg = channels.message_create_logged(
            case=case,
            via=via,
            direction=direction,
            body=body,
            requested=requested,
            author=actor,
            at=occurred_at,
        )
        _save(case)
        after = {"message": msg.pk, "via": via, "direction": direction, "at": msg.created_at, "body": body}
        _event(case, actor, "message.logged", msg.subject, after=after, customer_visible=True)
        if direction == Message.Direction.INBOUND and case.assignee_id not in (None, actor.pk):
            channels.alert_create(
                recipient=case.assignee,
                case=case,
                kind=Alert.Kind.CUSTOMER_MESSAGE,
                text=f"{case.reference}: {msg.subject}, logged by {actor.get_username()}: {body[:160]}",
            )
    return msg
