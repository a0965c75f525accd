"""The one way in for regimes, clocks and the final letter (E4, P5, A6).

Clocks start when a case is reported (``clocks_start``), when a refund is agreed
(``refund_clock_on_agreement``) — both inside the core's transaction, through the case hooks
(``regulation.subscribers``) — or when a colleague starts one (``clock_start``: a subject access request, a payment-services complaint…). They are met
by what happens on the case: the first message to the customer acknowledges it, a later one is the
first update, closing the case gives the final response, delivering the agreed plan pays the refund
(``clocks_note_message`` / ``clocks_note_status``, connected in ``regulation.signals``), or a
colleague records it done (``clock_met``). Met in time as a side effect of another step, a clock adds
no event of its own: the step is on the timeline and the clock keeps the moment. Everything else a
clock goes through (started by hand, at risk, missed, window ended, extended, stopped, done) is an
event on the case timeline.

``clocks_sweep`` (part of the periodic sweep) alerts the case's owner once when a clock comes within
the warning window and once when it is missed, claiming each with a conditional UPDATE so concurrent
sweeps alert once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.cases import services as case_services
from putright.cases.models import Case
from putright.cases.services import FinalResponse, case_event, case_lock, customer_tell, require_staff
from putright.channels import services as channels
from putright.channels.models import Message
from putright.engines import routes as routes_engine
from putright.engines.deadlines import (
    BusinessCalendar,
    ClockKind,
    ClockSpec,
    MetBy,
    RegimeConfig,
    ServiceLevels,
    clocks_for,
    payment_services_exceptional_clock,
    refund_clock,
    subject_access_clock,
    warn_from,
)
from putright.engines.deadlines.regimes import clock_spec, final_response_due, payment_services_due
from putright.engines.remedies import FactsError, evaluate, facts_from_dict
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.regulation.models import CaseClock, RegimeSettings
from putright.vocab import OPEN_STATUSES, RemedyType, Status

ALERT_AT_RISK = "deadline_at_risk"
ALERT_MISSED = "deadline_missed"

# Clocks a colleague may start by hand, and what the date they give means.
MANUAL_KINDS = {
    ClockKind.SUBJECT_ACCESS: "the day the request was received",
    ClockKind.REFUND: "the day the refund was agreed",
    ClockKind.CANCELLATION_REFUND: "the day we were told of the cancellation",
    ClockKind.DISP_FINAL: "the day the complaint was received (the case's own date)",
    ClockKind.DISP_PAYMENT_FINAL: "the day the complaint was received (the case's own date)",
    ClockKind.DISP_PAYMENT_EXCEPTIONAL: "the day the complaint was received (the case's own date)",
}
DISP_KINDS = {
    ClockKind.DISP_SUMMARY,
    ClockKind.DISP_ACKNOWLEDGE,
    ClockKind.DISP_FINAL,
    ClockKind.DISP_PAYMENT_FINAL,
    ClockKind.DISP_PAYMENT_EXCEPTIONAL,
}
REFUND_KINDS = {ClockKind.REFUND, ClockKind.CANCELLATION_REFUND}
# These outlive the case: a refund or a subject access answer is owed even once the case is closed.
OUTLIVE_THE_CASE = {MetBy.STAFF.value, MetBy.DELIVERED.value}
MAX_LETTER = 20000


# ---------------------------------------------------------------- settings


def regime_settings_get() -> RegimeSettings:
    """The organisation's settings; the defaults when the row is missing (e.g. a freshly emptied database)."""
    return RegimeSettings.objects.filter(pk=1).first() or RegimeSettings(pk=1)


def may_change_regimes(user) -> bool:
    return user is not None and (
        getattr(user, "is_superuser", False) or has_role_at_least(user, Role.ADMINISTRATOR)
    )


def regime_settings_save(*, actor, settings_row: RegimeSettings) -> RegimeSettings:
    """Administrators (or the site's superusers) change which regimes are on."""
    if not may_change_regimes(actor):
        raise PermissionDenied("only an administrator may change the regimes")
    if settings_row.adr_obliged and not (settings_row.adr_name.strip() and settings_row.adr_website.strip()):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Name the ADR scheme you are obliged to use, and give its website."
        )
    with transaction.atomic():
        RegimeSettings.objects.select_for_update().filter(pk=1).first()
        settings_row.pk = 1
        settings_row.updated_at = clock.now()
        settings_row.updated_by = actor
        settings_row.save()
    return settings_row


def calendar_for(settings_row: RegimeSettings) -> BusinessCalendar:
    return BusinessCalendar(region=settings_row.region)


def config_for(settings_row: RegimeSettings) -> RegimeConfig:
    levels = (
        ServiceLevels(
            acknowledge=settings_row.acknowledge_days,
            first_update=settings_row.first_update_days,
            resolve=settings_row.resolve_days,
        )
        if settings_row.service_levels_on
        else None
    )
    return RegimeConfig(service_levels=levels, disp=settings_row.disp_on)


def case_is_regulated(case: Case, settings_row: RegimeSettings) -> bool:
    """F1: under DISP every complaint is one, unless the organisation marks regulated cases itself."""
    return settings_row.disp_on and (case.is_regulated_complaint or settings_row.disp_all_complaints)


# ---------------------------------------------------------------- time


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def end_of_day(day: date) -> datetime:
    """Deadlines fall at the end of their day, UK time."""
    return timezone.make_aware(datetime.combine(day, time.max))


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---------------------------------------------------------------- starting


def _clock_create(
    case: Case,
    spec: ClockSpec,
    *,
    counts_from: date,
    started_at: datetime,
    started_by,
    settings_row: RegimeSettings,
) -> CaseClock:
    warn = warn_from(spec.due, settings_row.at_risk_business_days, calendar_for(settings_row))
    return CaseClock.objects.create(
        case=case,
        kind=spec.kind.value,
        rule_id=spec.rule_id,
        label=spec.label,
        basis=spec.basis,
        met_by=spec.met_by.value,
        is_window=spec.window,
        started_at=started_at,
        counts_from=counts_from,
        due_date=spec.due,
        due_at=end_of_day(spec.due),
        warn_at=start_of_day(warn),
        started_by=started_by,
    )


def clocks_start(*, case: Case) -> list[CaseClock]:
    """Start the clocks the organisation's regimes give a complaint from the day it was received.

    Run inside the report's transaction (the ``CaseReported`` hook), before the acknowledgement is
    sent (so the acknowledgement meets the acknowledgement clocks). Safe to call again, e.g. after a case is marked
    as a regulated complaint: kinds already on the case are not started twice.
    """
    settings_row = regime_settings_get()
    regulated = case_is_regulated(case, settings_row)
    specs = clocks_for(
        timezone.localtime(case.created_at),
        config_for(settings_row),
        calendar_for(settings_row),
        regulated=regulated,
    )
    received = local_day(case.created_at)
    existing = set(CaseClock.objects.filter(case=case).values_list("kind", flat=True))
    if ClockKind.DISP_PAYMENT_FINAL.value in existing or ClockKind.DISP_PAYMENT_EXCEPTIONAL.value in existing:
        existing.add(ClockKind.DISP_FINAL.value)  # F7 replaced F6 on this case
    return [
        _clock_create(
            case,
            spec,
            counts_from=received,
            started_at=case.created_at,
            started_by=None,
            settings_row=settings_row,
        )
        for spec in specs
        if spec.kind.value not in existing
    ]


def acknowledgement_note(clocks: list[CaseClock]) -> str:
    """F5: the written acknowledgement states the deadline. Empty when no DISP clock runs."""
    final = next(
        (c for c in clocks if c.kind in (ClockKind.DISP_FINAL.value, ClockKind.DISP_PAYMENT_FINAL.value)),
        None,
    )
    if final is None:
        return ""
    return (
        f"\n\nWe will send you our final response by {final.due_date.day} {final.due_date:%B %Y} at the latest. "
        "If we have not resolved your complaint by then, or you are unhappy with our final response, you can "
        "refer it to the Financial Ombudsman Service (www.financial-ombudsman.org.uk), free of charge."
    )


def refund_clock_on_agreement(*, case: Case, option, agreed_at: datetime) -> CaseClock | None:
    """G11/C3: an agreed refund must be paid within 14 days. Run through the ``OptionAgreed`` hook with
    the case locked; the agreement's own event records the clock (``clock_record``).

    A refund agreed as due (G11) counts from the agreement. A cancellation's refund (C3) counts from the
    day we were told of the cancellation, which the agreement does not move: the day the customer
    cancelled when the purchase facts record a cancellation made in time, else the agreement itself.
    """
    settings_row = regime_settings_get()
    if not settings_row.refund_clock_on:
        return None
    if option.remedy_type not in (RemedyType.REFUND, RemedyType.PARTIAL_REFUND, RemedyType.CANCELLATION):
        return None
    agreed = local_day(agreed_at)
    cancellation = option.remedy_type == RemedyType.CANCELLATION
    counts_from = _cancelled_on(case, agreed) if cancellation else agreed
    spec = refund_clock(counts_from, cancellation=cancellation)
    return _clock_create(
        case, spec, counts_from=counts_from, started_at=agreed_at, started_by=None, settings_row=settings_row
    )


def _cancelled_on(case: Case, agreed: date) -> date:
    """The day the customer cancelled in time (C1), from the case's purchase facts; else ``agreed``.

    For goods the customer has, C3's 14 days run from getting them back (or evidence they were sent),
    which is never before the cancellation: counting from it gives the earliest the refund can be due.
    """
    facts = case.purchase_facts or {}
    if not facts.get("cancellation_requested_date"):
        return agreed
    try:
        assessment = evaluate(facts_from_dict({**facts, "today": agreed.isoformat()}))
    except FactsError:
        return agreed
    made_in_time = any(
        r.remedy == "cancel" and (r.refund_by is not None or r.return_by is not None)
        for r in assessment.remedies
    )
    return date.fromisoformat(facts["cancellation_requested_date"]) if made_in_time else agreed


def clock_record(row: CaseClock) -> dict:
    """A clock as an event records it."""
    return {
        "clock": row.pk,
        "kind": row.kind,
        "rule_id": row.rule_id,
        "due": row.due_date,
        "basis": row.basis,
    }


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def clock_start(*, actor, case: Case, kind: str, start_date: date | None = None, note: str = "") -> CaseClock:
    """A colleague starts a clock: a subject access request (P4), a refund or cancellation refund
    (G11/C3), the DISP final response (F6), or marks the complaint as about payment services (F7 replaces
    F6) or sends the F7 holding reply (35 business days replace 15)."""
    require_staff(actor)
    try:
        clock_kind = ClockKind(kind)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown kind of clock {kind!r}.") from None
    if clock_kind not in MANUAL_KINDS:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "That clock starts by itself; it cannot be started by hand."
        )
    note = (note or "").strip()[:300]
    settings_row = regime_settings_get()
    calendar = calendar_for(settings_row)
    now = clock.now()
    today = local_day(now)
    if start_date is not None and start_date > today:
        raise DomainError(ErrorCode.INVALID_INPUT, "A clock cannot start in the future.")
    with transaction.atomic():
        case = case_lock(case)
        if clock_kind not in (ClockKind.SUBJECT_ACCESS, *REFUND_KINDS) and case.is_closed:
            raise DomainError(
                ErrorCode.CASE_CLOSED, f"{case.reference} is closed, so it can no longer be changed."
            )
        received = local_day(case.created_at)
        running = CaseClock.objects.select_for_update().filter(
            case=case, met_at__isnull=True, stopped_at__isnull=True
        )
        replaced: list[CaseClock] = []
        counts_from = start_date or today
        if clock_kind == ClockKind.SUBJECT_ACCESS:
            if not settings_row.sar_on:
                raise DomainError(ErrorCode.INVALID_TRANSITION, "The subject access clock is switched off.")
            spec = subject_access_clock(start_date or today)
        elif clock_kind in REFUND_KINDS:
            if not settings_row.refund_clock_on:
                raise DomainError(ErrorCode.INVALID_TRANSITION, "The refund clock is switched off.")
            spec = refund_clock(start_date or today, cancellation=clock_kind == ClockKind.CANCELLATION_REFUND)
        else:
            if not settings_row.disp_on:
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION, "The FCA complaint rules (DISP) are switched off."
                )
            spec, replaced = _disp_spec(clock_kind, received, calendar, running)
            counts_from = received
        if running.filter(kind=spec.kind.value).exists():
            raise DomainError(ErrorCode.ALREADY_DONE, f"A clock for {spec.label.lower()} is already running.")
        for old in replaced:
            CaseClock.objects.filter(pk=old.pk).update(
                stopped_at=now, stop_reason=f"Replaced by {spec.label}"
            )
        started = _clock_create(
            case, spec, counts_from=counts_from, started_at=now, started_by=actor, settings_row=settings_row
        )
        case_event(
            case,
            actor,
            "clock.started",
            f"Clock started: {spec.label}, due {day_text(spec.due)} ({spec.rule_id})"
            + (
                f"; replaces {', '.join(c.rule_id + ' ' + c.label.lower() for c in replaced)}"
                if replaced
                else ""
            )
            + (f" — {note}" if note else ""),
            after={
                **clock_record(started),
                "replaced": [c.pk for c in replaced],
                "note": note,
            },
        )
    return started


def _disp_spec(
    kind: ClockKind, received: date, calendar: BusinessCalendar, running
) -> tuple[ClockSpec, list]:
    if kind == ClockKind.DISP_FINAL:
        return clock_spec(kind, final_response_due(received), "end of 8 weeks after receipt"), []
    if kind == ClockKind.DISP_PAYMENT_FINAL:
        return (
            clock_spec(kind, payment_services_due(received, calendar), "15 business days after receipt"),
            list(running.filter(kind=ClockKind.DISP_FINAL.value)),
        )
    previous = list(running.filter(kind=ClockKind.DISP_PAYMENT_FINAL.value))
    if not previous:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "The 35-business-day limit follows a holding reply on a payment services complaint: start the "
            "15-business-day clock first.",
        )
    return payment_services_exceptional_clock(received, calendar), previous


# ---------------------------------------------------------------- meeting, stopping, extending


def _clock_for_update(case: Case, clock_id: int) -> CaseClock:
    found = CaseClock.objects.select_for_update().filter(pk=clock_id, case=case).first()
    if found is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "That clock is not on this case.")
    return found


def clock_met(*, actor, clock_row: CaseClock, note: str = "") -> CaseClock:
    """A colleague records a clock's duty done: the refund is paid, the subject access answer sent."""
    require_staff(actor)
    note = (note or "").strip()[:300]
    with transaction.atomic():
        case = case_lock(clock_row.case)
        row = _clock_for_update(case, clock_row.pk)
        if not row.is_running:
            raise DomainError(ErrorCode.ALREADY_DONE, "This clock has already stopped.")
        if row.met_by not in OUTLIVE_THE_CASE:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "This clock is met by what happens on the case (a message to the customer, or closing it).",
            )
        now = clock.now()
        row.met_at = now
        row.met_note = note
        row.save(update_fields=["met_at", "met_note"])
        late = now > row.due_at
        case_event(
            case,
            actor,
            "clock.met",
            f"Done{' late' if late else ''}: {row.label} ({row.rule_id})" + (f" — {note}" if note else ""),
            before={"state": "running"},
            after={"clock": row.pk, "kind": row.kind, "rule_id": row.rule_id, "late": late, "note": note},
        )
    return row


def clock_stop(*, actor, clock_row: CaseClock, reason: str) -> CaseClock:
    """A supervisor stops a clock that no longer applies (a request withdrawn, a refund not due after all).

    Supervisors only: stopping a deadline hides it from the deadlines page, so a second level decides.
    """
    require_staff(actor)
    if not has_role_at_least(actor, Role.SUPERVISOR):
        raise PermissionDenied("only a supervisor or above may stop a deadline")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(ErrorCode.REASONS_REQUIRED, "Say why this deadline no longer applies.")
    reason = reason[:300]
    with transaction.atomic():
        case = case_lock(clock_row.case)
        row = _clock_for_update(case, clock_row.pk)
        if not row.is_running:
            raise DomainError(ErrorCode.ALREADY_DONE, "This clock has already stopped.")
        row.stopped_at = clock.now()
        row.stop_reason = reason
        row.save(update_fields=["stopped_at", "stop_reason"])
        case_event(
            case,
            actor,
            "clock.stopped",
            f"Deadline stopped: {row.label} ({row.rule_id}) — {reason}",
            before={"state": "running"},
            after={"clock": row.pk, "kind": row.kind, "rule_id": row.rule_id, "reason": reason},
        )
    return row


def clock_extend(*, actor, clock_row: CaseClock, reason: str) -> CaseClock:
    """P4: a complex subject access request may take two further months, if the requester is told why
    within the first month. Tells the customer, with the new date."""
    require_staff(actor)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError(ErrorCode.REASONS_REQUIRED, "Tell the customer why you need more time.")
    reason = reason[:1000]
    with transaction.atomic():
        case = case_lock(clock_row.case)
        row = _clock_for_update(case, clock_row.pk)
        if row.kind != ClockKind.SUBJECT_ACCESS.value or not row.is_running:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION, "Only a running subject access clock can be extended."
            )
        if "extended" in row.basis:
            raise DomainError(ErrorCode.ALREADY_DONE, "This subject access clock has already been extended.")
        now = clock.now()
        if now > row.due_at:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "The extension must be given within the first month: it has passed.",
            )
        spec = subject_access_clock(row.counts_from, extended=True)
        settings_row = regime_settings_get()
        before = {"due": row.due_date}
        row.due_date = spec.due
        row.due_at = end_of_day(spec.due)
        row.warn_at = start_of_day(
            warn_from(spec.due, settings_row.at_risk_business_days, calendar_for(settings_row))
        )
        row.basis = spec.basis
        row.alerted_at = None
        row.save(update_fields=["due_date", "due_at", "warn_at", "basis", "alerted_at"])
        case_event(
            case,
            actor,
            "clock.extended",
            f"Subject access deadline extended to {day_text(spec.due)} (P4): {reason}",
            before=before,
            after={"clock": row.pk, "due": spec.due, "reason": reason},
            customer_visible=True,
        )
        customer_tell(
            case,
            "We need more time to answer your request for your data",
            f"Your request for a copy of your personal data needs more time: {reason}\n"
            f"The law allows us up to two more months. We will answer by {day_text(spec.due)} at the latest.",
            author=actor,
        )
    return row


# ---------------------------------------------------------------- met by what happens on the case


def clocks_note_message(message) -> int:
    """An outbound message: the first acknowledges the complaint (own target, F5); a later one is the first
    update. Runs inside the sending service's transaction (the case is locked there)."""
    running = list(
        CaseClock.objects.filter(
            case_id=message.case_id,
            met_at__isnull=True,
            stopped_at__isnull=True,
            met_by__in=[MetBy.FIRST_MESSAGE.value, MetBy.LATER_MESSAGE.value],
        )
    )
    if not running:
        return 0
    ids = [c.pk for c in running if c.met_by == MetBy.FIRST_MESSAGE.value]
    if any(c.met_by == MetBy.LATER_MESSAGE.value for c in running):
        earlier = Message.objects.filter(
            case_id=message.case_id, direction=Message.Direction.OUTBOUND, pk__lt=message.pk
        ).exists()
        if earlier:
            ids += [c.pk for c in running if c.met_by == MetBy.LATER_MESSAGE.value]
    if not ids:
        return 0
    return CaseClock.objects.filter(pk__in=ids, met_at__isnull=True).update(
        met_at=message.created_at, met_note=f"Message to the customer: {message.subject}"[:300]
    )


def clocks_note_status(case: Case) -> int:
    """The case moved on: closing gives the final response (resolve, F6, F7; F4 if resolved in the window);
    delivering the agreed plan pays the refund. Runs inside the changing service's transaction."""
    status = case.status
    now = clock.now()
    changed = 0
    running = CaseClock.objects.filter(case_id=case.pk, met_at__isnull=True, stopped_at__isnull=True)
    # Closed with no reply to the satisfaction check counts as a resolved close (A5) throughout.
    resolved = status in (Status.CLOSED_RESOLVED, Status.CLOSED_NO_REPLY)
    if status == Status.AWAITING_CONFIRMATION or resolved:
        changed += running.filter(met_by=MetBy.DELIVERED.value).update(
            met_at=now, met_note="The agreed plan was delivered"
        )
    if status == Status.CLOSED_DUPLICATE:
        # Nothing was agreed (closing as a duplicate is refused after that): the complaint's clocks run on
        # in the case that carries on, so here they stop, saying why. A subject access answer or a refund a
        # colleague started by hand is still owed (as when a case closes), so those keep running.
        original = Case.objects.filter(pk=case.duplicate_of_id).values_list("reference", flat=True).first()
        return changed + running.exclude(met_by__in=OUTLIVE_THE_CASE).update(
            stopped_at=case.closed_at or now,
            stop_reason=f"Closed as a duplicate of {original or 'another case'}, which carries on",
        )
    if not resolved and status != Status.CLOSED_UNRESOLVED:
        return changed
    closed_at = case.closed_at or now
    how = Status(status).label if resolved else "Closed with our final response"
    changed += running.filter(met_by=MetBy.CLOSED.value).update(met_at=closed_at, met_note=how)
    if resolved:
        changed += running.filter(met_by=MetBy.CLOSED_RESOLVED.value, due_at__gte=closed_at).update(
            met_at=closed_at, met_note="Resolved within the summary resolution window"
        )
    # Anything else still tied to the open case (a window that closed unresolved, an acknowledgement
    # never sent) ends with it; refunds and subject access answers are still owed.
    changed += running.exclude(met_by__in=OUTLIVE_THE_CASE).update(stopped_at=closed_at, stop_reason=how)
    return changed


# ---------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class ClocksSweepResult:
    at_risk: int
    missed: int
    windows_ended: int


def clock_owners(case: Case) -> list:
    """Who hears about a deadline: the case's handler; the supervisors while nobody handles it."""
    if case.assignee is not None and is_staff_member(case.assignee):
        return [case.assignee]
    User = get_user_model()
    for role in (Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR):
        people = list(User.objects.filter(is_active=True, groups__name=role.value).order_by("pk"))
        if people:
            return people
    return []


def clocks_sweep(*, now: datetime | None = None) -> ClocksSweepResult:
    """Alert each clock's owner once when it comes within the warning window and once when it is missed;
    end summary-resolution windows that passed unresolved."""
    now = now or clock.now()
    running = CaseClock.objects.filter(met_at__isnull=True, stopped_at__isnull=True).filter(
        Q(case__status__in=OPEN_STATUSES) | Q(met_by__in=OUTLIVE_THE_CASE)
    )
    ended = 0
    for row in running.filter(is_window=True, due_at__lt=now).select_related("case"):
        ended += _window_end(row, now)
    missed = 0
    for row in running.filter(is_window=False, due_at__lt=now, missed_alerted_at__isnull=True).select_related(
        "case"
    ):
        missed += _clock_alert(row, now=now, missed=True)
    at_risk = 0
    for row in running.filter(
        is_window=False, warn_at__lte=now, due_at__gte=now, alerted_at__isnull=True
    ).select_related("case"):
        at_risk += _clock_alert(row, now=now, missed=False)
    return ClocksSweepResult(at_risk=at_risk, missed=missed, windows_ended=ended)


def _clock_alert(row: CaseClock, *, now: datetime, missed: bool) -> int:
    with transaction.atomic():
        # Case first, then the clock: the same lock order as the services above, so they never deadlock.
        case = case_lock(row.case)
        claim = CaseClock.objects.filter(pk=row.pk, met_at__isnull=True, stopped_at__isnull=True)
        if missed:
            claimed = claim.filter(missed_alerted_at__isnull=True).update(
                missed_at=row.due_at, missed_alerted_at=now, alerted_at=row.alerted_at or now
            )
        else:
            claimed = claim.filter(alerted_at__isnull=True).update(alerted_at=now)
        if not claimed:
            return 0
        due = day_text(row.due_date)
        if missed:
            summary = f"Deadline missed: {row.label} ({row.rule_id}) was due {due}"
            text = f"{case.reference}: deadline missed — {row.label} ({row.rule_id}) was due {due}"
        else:
            summary = f"Deadline at risk: {row.label} ({row.rule_id}) is due {due}"
            text = f"{case.reference}: deadline due {due} — {row.label} ({row.rule_id})"
        case_event(
            case,
            None,
            "clock.missed" if missed else "clock.at_risk",
            summary,
            before={"state": "at_risk" if missed and row.alerted_at else "running"},
            after={"clock": row.pk, "kind": row.kind, "rule_id": row.rule_id, "due": row.due_date},
        )
        for owner in clock_owners(case):
            channels.alert_create(
                recipient=owner, case=case, kind=ALERT_MISSED if missed else ALERT_AT_RISK, text=text
            )
    return 1


def _window_end(row: CaseClock, now: datetime) -> int:
    with transaction.atomic():
        case = case_lock(row.case)
        claimed = CaseClock.objects.filter(pk=row.pk, met_at__isnull=True, stopped_at__isnull=True).update(
            stopped_at=row.due_at,
            stop_reason="Not resolved within the window: the acknowledgement (F5) and final response (F6) apply",
        )
        if not claimed:
            return 0
        case_event(
            case,
            None,
            "clock.window_ended",
            f"{row.label} ({row.rule_id}) ended unresolved; the final response deadline still runs",
            after={"clock": row.pk, "kind": row.kind, "rule_id": row.rule_id},
        )
    return 1


# ---------------------------------------------------------------- the final letter (A6, P5)


@dataclass(frozen=True)
class LetterChoices:
    """What the agent tells the drafter beyond the case record."""

    decision: str = routes_engine.Decision.NOT_UPHELD.value
    region: str = ""
    supply: str = ""


def letter_input(
    *, actor, case: Case, reasons: str, choices: LetterChoices, extra_routes: list[str] | tuple[str, ...] = ()
) -> routes_engine.LetterInput:
    """The routes engine's input, from the case, the organisation's settings and the agent's choices."""
    settings_row = regime_settings_get()
    facts = case.purchase_facts if isinstance(case.purchase_facts, dict) else {}
    # The purchase facts recorded on the case (resolution's form: "supply", "consumer", "region") fill in
    # whatever the agent did not choose.
    supply = choices.supply or str(facts.get("supply") or "")
    supply = {"service": routes_engine.Supply.SERVICES.value}.get(supply, supply)
    if supply not in routes_engine.Supply.__members__.values():
        supply = routes_engine.Supply.UNKNOWN.value
    region = next(
        (r for r in (choices.region, str(facts.get("region") or "")) if r in routes_engine.REGIONS),
        settings_row.region,
    )
    decision = (
        choices.decision
        if choices.decision in routes_engine.Decision.__members__.values()
        else routes_engine.Decision.NOT_UPHELD.value
    )
    adr = (
        routes_engine.AdrScheme(
            name=settings_row.adr_name.strip(),
            website=settings_row.adr_website.strip(),
            obliged=settings_row.adr_obliged,
        )
        if settings_row.adr_name.strip()
        else None
    )
    regulated = case_is_regulated(case, settings_row)
    payment = CaseClock.objects.filter(
        case=case,
        kind__in=[ClockKind.DISP_PAYMENT_FINAL.value, ClockKind.DISP_PAYMENT_EXCEPTIONAL.value],
    ).exists()
    signed = (actor.get_full_name() or actor.get_username()) if actor is not None else ""
    return routes_engine.LetterInput(
        reference=case.reference,
        received=local_day(case.created_at),
        final_response=local_day(clock.now()),
        reasons=reasons,
        decision=routes_engine.Decision(decision),
        sector=routes_engine.Sector(settings_row.sector),
        consumer_contract=facts.get("consumer") is not False,
        adr=adr,
        disp=regulated,
        payment_services=payment and regulated,
        supply=routes_engine.Supply(supply),
        region=region,
        organisation=settings_row.organisation_name.strip(),
        signed_by=signed,
        extra_routes=tuple(extra_routes),
        waive_ombudsman_time_limits=settings_row.waive_ombudsman_time_limits,
    )


def final_letter_prepare(
    *, actor, case: Case, reasons: str, letter: str, choices: LetterChoices, extra_routes: list[str]
) -> FinalResponse:
    """Check the letter the agent edited, and work out the routes and rules it was drafted from.

    The text goes out exactly as the agent left it (line endings made plain); the routes and rule ids
    are the draft's, recorded on the case with it.
    """
    body = (letter or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(body) < 40:
        raise DomainError(ErrorCode.INVALID_INPUT, "The letter is too short to be a final response.")
    if len(body) > MAX_LETTER:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The letter must be at most {MAX_LETTER} characters.")
    if "\x00" in body:
        raise DomainError(ErrorCode.INVALID_INPUT, "The letter contains characters that cannot be sent.")
    if routes_engine.mentions_odr(body):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "The EU online dispute resolution platform closed on 20 July 2025: remove it from the letter (A6).",
        )
    draft = routes_engine.draft_letter(
        letter_input(actor=actor, case=case, reasons=reasons, choices=choices, extra_routes=extra_routes)
    )
    return FinalResponse(
        subject=draft.subject,
        body=body,
        route_lines=[r.line() for r in draft.routes],
        rule_ids=list(draft.rule_ids),
    )


def case_close_unresolved(
    *,
    actor,
    case: Case,
    reasons: str,
    other_routes: list[str],
    letter: str | None = None,
    letter_choices: LetterChoices | None = None,
    **outcome,
) -> Case:
    """A6: close without resolution, with the final response letter the agent edited when there is one.

    With ``letter`` (drafted from the rules, then edited) exactly that text is sent, and the routes and
    rule ids it was drafted from are recorded; ``other_routes`` are then the agent's own additions.
    Without it the core's own message lists the reasons and ``other_routes``. ``outcome`` is the core's
    ``reason_code`` and ``upheld`` (and ``procedure_version``, the procedure the page showed)."""
    final = None
    if letter is not None and letter.strip():
        require_staff(actor)
        final = final_letter_prepare(
            actor=actor,
            case=case,
            reasons=case_services.close_reasons_check(reasons),
            letter=letter,
            choices=letter_choices or LetterChoices(),
            extra_routes=[r.strip() for r in (other_routes or []) if r and r.strip()],
        )
    return case_services.case_close_unresolved(
        actor=actor, case=case, reasons=reasons, other_routes=other_routes, final=final, **outcome
    )
