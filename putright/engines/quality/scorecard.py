"""Q1: the handling scorecard. One closed case's record, checked against the standard, check by check.

The input (``CaseRecord``) is what the record says, as plain values: the caller (``putright.quality``)
reads it from the case, its options, plan, promises, messages and timeline. Each check answers
``pass``, ``fail`` (with the reason in words and, where one shows it, the id of the timeline event to
look at) or ``n/a`` (the standard does not ask it of this case), and cites the capability it checks
(PRODUCT.md S2, P3–P4, A1–A6, K4).

The rules are those the case core already enforces or alerts on, applied after the fact:

- ``understanding_confirmed`` (S2): the customer confirmed our summary, or confirming it was skipped
  with a reason written down.
- ``options_weighed`` (P3–P4): more than one option was listed, each open to view with its advantages
  or disadvantages written (or proposed by a rule, which states its own), and one was recommended with
  a justification naming at least two factors. Not asked of a case closed unresolved before any option.
- ``agreement_recorded`` (A1): the customer's answer to what we proposed is on the record (who, when,
  how). A case closed as resolved needs an agreement; one closed unresolved before anything was
  proposed is n/a.
- ``plan_owned_dated`` (A2): the plan for the agreed option has steps, each with an owner and a due date.
  n/a when nothing was agreed.
- ``promises_kept`` (A3): every promise kept by its due time. Kept late, marked broken, or still
  outstanding and past due when the case closed is broken. n/a with no promise.
- ``kept_informed`` (A4): the customer never waited more than the cadence (``cadence_business_days``
  whole business days, as ``cases.selectors.cadence_cutoff`` flags an open case) for word from us,
  from the report to the close.
- ``satisfaction_checked`` (A5): after delivery the customer was asked whether it is resolved (answered,
  or asked and reminded before closing as resolved with no reply). n/a when nothing was agreed.
- ``unresolved_reasons_routes`` (A6): a case closed unresolved gave clear reasons (a sentence at least),
  a reason code and at least one other route. n/a for a case closed resolved.
- ``escalated_beyond_authority`` (K4): an agreed option beyond the handler's authority (or an exception
  to usual practice) was approved by a second person before it was agreed. n/a when none was beyond it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from putright.engines.deadlines.business_days import BusinessCalendar, business_days_between

# Bump when a check's rule or wording changes: stored results carry the version that made them.
ENGINE_VERSION = "1.0"

CHECK_IDS: tuple[str, ...] = (
    "understanding_confirmed",
    "options_weighed",
    "agreement_recorded",
    "plan_owned_dated",
    "promises_kept",
    "kept_informed",
    "satisfaction_checked",
    "unresolved_reasons_routes",
    "escalated_beyond_authority",
)

CHECK_TITLES: dict[str, str] = {
    "understanding_confirmed": "Understanding confirmed (S2)",
    "options_weighed": "Options weighed (P3–P4)",
    "agreement_recorded": "Agreement recorded (A1)",
    "plan_owned_dated": "Plan with owners and dates (A2)",
    "promises_kept": "Promises kept (A3)",
    "kept_informed": "Customer kept informed (A4)",
    "satisfaction_checked": "Satisfaction checked (A5)",
    "unresolved_reasons_routes": "Reasons and other routes given (A6)",
    "escalated_beyond_authority": "Approved when beyond authority (K4)",
}

# The shortest reasons the case core accepts for closing unresolved (cases.services.close_reasons_check).
MIN_REASONS_LENGTH = 20
# P4: a recommendation names at least this many factors (cases.services.option_recommend).
MIN_FACTORS = 2


class Result(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    NO_REPLY = "no_reply"  # closed as resolved: asked, reminded once, no answer
    UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class TimelineEvent:
    id: int
    at: datetime
    kind: str


@dataclass(frozen=True)
class OptionFacts:
    id: int
    title: str
    # Any of the customer's or organisation's advantages/disadvantages written down.
    appraised: bool
    proposed_by_rule: bool = False
    withdrawn: bool = False
    added_event: int | None = None


@dataclass(frozen=True)
class StepFacts:
    id: int
    description: str
    owner: str  # the owner's username; empty when the step has none
    due: date | None
    added_event: int | None = None


@dataclass(frozen=True)
class PromiseFacts:
    id: int
    description: str
    due_at: datetime
    # open, at_risk, kept, kept_late, broken, withdrawn (cases.models.Promise.status)
    status: str
    kept_at: datetime | None = None
    ever_broken: bool = False  # the sweep marked it broken at some point
    made_event: int | None = None
    broken_event: int | None = None  # promise.broken, or the promise.kept event of a late keep
    settled_at: datetime | None = None  # withdrawn: when (the close)


@dataclass(frozen=True)
class AuthorityFacts:
    """One agreed option, and what the handler's authority said about it when it was recommended."""

    option_id: int
    title: str
    beyond_reasons: tuple[str, ...]  # empty: within the handler's authority
    recommended_event: int | None = None
    approval_requested_event: int | None = None
    approved_event: int | None = None
    approved_by_second_person: bool = False


@dataclass(frozen=True)
class CaseRecord:
    """One closed case's record as the checks need it. Datetimes are in the organisation's local time."""

    reference: str
    outcome: Outcome
    opened_at: datetime
    closed_at: datetime
    closed_event: int | None = None
    # S2
    understanding: str = "not_started"  # cases vocab Understanding
    understanding_skip_reason: str = ""
    understanding_event: int | None = None  # the latest understanding.* event
    # P1–P4
    options: tuple[OptionFacts, ...] = ()
    recommended_option: int | None = None
    recommendation_factors: tuple[str, ...] = ()
    recommendation_justification: str = ""
    recommended_event: int | None = None
    proposed_event: int | None = None  # the latest option.proposed (an option put to the customer)
    # A1
    answer_event: int | None = None  # the latest option.agreed / option.declined
    agreed: bool = False  # the latest answer was an agreement
    agreed_option_title: str = ""
    agreed_at: datetime | None = None
    # A2
    steps: tuple[StepFacts, ...] = ()  # the plan for the option agreed last
    # A3
    promises: tuple[PromiseFacts, ...] = ()
    # A4: every moment the customer heard from us (each outbound message), and the cadence
    updates: tuple[datetime, ...] = ()
    cadence_business_days: int = 3
    holiday_region: str = "ENG"
    # A5
    delivered_event: int | None = None
    satisfaction_asked: bool = False
    satisfaction_reminded: bool = False
    satisfaction_answered_event: int | None = None
    # A6
    unresolved_reasons: str = ""
    unresolved_reason_code: str = ""
    other_routes: tuple[str, ...] = ()
    # K4
    authority: tuple[AuthorityFacts, ...] = ()
    timeline: tuple[TimelineEvent, ...] = field(default=())


@dataclass(frozen=True)
class CheckOutcome:
    id: str
    result: Result
    reason: str = ""  # empty on pass
    event_id: int | None = None


def _pass(check: str) -> CheckOutcome:
    return CheckOutcome(check, Result.PASS)


def _fail(check: str, reason: str, event_id: int | None = None) -> CheckOutcome:
    return CheckOutcome(check, Result.FAIL, reason, event_id)


def _na(check: str, reason: str) -> CheckOutcome:
    return CheckOutcome(check, Result.NOT_APPLICABLE, reason)


def _day(d: date | datetime) -> str:
    return f"{d.day} {d:%b %Y}"


def _when(d: datetime) -> str:
    return f"{d.day} {d:%b %Y %H:%M}"


def _quoted(titles: list[str]) -> str:
    shown = ", ".join(f"“{t}”" for t in titles[:3])
    return shown + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")


# ---------------------------------------------------------------- the checks


def understanding_confirmed(r: CaseRecord) -> CheckOutcome:
    check = "understanding_confirmed"
    if r.understanding == "confirmed":
        return _pass(check)
    if r.understanding == "skipped":
        if r.understanding_skip_reason.strip():
            return _pass(check)
        return _fail(
            check, "Confirming our understanding was skipped without a reason.", r.understanding_event
        )
    words = {
        "not_started": "Our understanding of the problem was never summarised for the customer to confirm.",
        "awaiting_customer": "The customer never confirmed our summary of the problem.",
        "corrected": "The customer corrected our summary and the corrected understanding was never confirmed.",
    }
    return _fail(
        check,
        words.get(r.understanding, f"Our understanding was not confirmed ({r.understanding})."),
        r.understanding_event,
    )


def options_weighed(r: CaseRecord) -> CheckOutcome:
    check = "options_weighed"
    listed = list(r.options)
    if not listed:
        if r.outcome == Outcome.UNRESOLVED:
            return _na(check, "Closed unresolved before any option was listed.")
        return _fail(check, "No option is on the record: nothing was weighed.", r.closed_event)
    if len(listed) < 2:
        only = listed[0]
        return _fail(
            check,
            f"Only one option (“{only.title}”) was listed: nothing was weighed against it.",
            only.added_event,
        )
    bare = [o for o in listed if not o.appraised and not o.proposed_by_rule and not o.withdrawn]
    if bare:
        return _fail(
            check,
            f"No advantages or disadvantages were written for {_quoted([o.title for o in bare])}.",
            bare[0].added_event,
        )
    if r.recommended_option is None and r.recommended_event is None:
        return _fail(
            check,
            f"{len(listed)} options were listed but none was recommended with its reasons.",
            listed[-1].added_event,
        )
    if len(set(r.recommendation_factors)) < MIN_FACTORS or not r.recommendation_justification.strip():
        return _fail(
            check,
            f"The recommendation names {len(set(r.recommendation_factors))} factor(s); "
            f"the standard asks for a justification naming at least {MIN_FACTORS}.",
            r.recommended_event,
        )
    return _pass(check)


def agreement_recorded(r: CaseRecord) -> CheckOutcome:
    check = "agreement_recorded"
    if r.answer_event is not None:
        if r.outcome != Outcome.UNRESOLVED and not r.agreed:
            return _fail(
                check,
                "Closed as resolved, but the customer's last answer on the record declines what we proposed.",
                r.answer_event,
            )
        return _pass(check)
    if r.outcome != Outcome.UNRESOLVED:
        return _fail(
            check, "Closed as resolved with no agreement from the customer on the record.", r.closed_event
        )
    if r.proposed_event is None:
        return _na(check, "Closed unresolved before any option was put to the customer.")
    return _fail(
        check,
        "An option was put to the customer but their answer was never recorded before the case closed.",
        r.proposed_event,
    )


def plan_owned_dated(r: CaseRecord) -> CheckOutcome:
    check = "plan_owned_dated"
    if not r.agreed:
        return _na(check, "Nothing was agreed, so no action plan was due.")
    if not r.steps:
        return _fail(
            check,
            f"“{r.agreed_option_title}” was agreed but no action plan step was recorded.",
            r.answer_event,
        )
    unowned = [s for s in r.steps if not s.owner]
    if unowned:
        return _fail(
            check,
            f"No owner for the step {_quoted([s.description for s in unowned])}.",
            unowned[0].added_event,
        )
    undated = [s for s in r.steps if s.due is None]
    if undated:
        return _fail(
            check,
            f"No due date for the step {_quoted([s.description for s in undated])}.",
            undated[0].added_event,
        )
    return _pass(check)


def _broken(p: PromiseFacts, closed_at: datetime) -> str:
    """Why ``p`` counts as broken, or "" when it was kept (or settled before it fell due)."""
    if p.status == "kept" and not p.ever_broken:
        return ""
    if p.status == "kept_late" or (p.status == "kept" and p.ever_broken):
        kept = f", kept {_when(p.kept_at)}" if p.kept_at else ""
        return f"“{p.description}” was due {_when(p.due_at)}{kept} (late)"
    if p.status == "broken" or p.ever_broken:
        return f"“{p.description}” was due {_when(p.due_at)} and broken"
    ended = p.settled_at or closed_at
    if p.due_at < ended:
        return f"“{p.description}” was due {_when(p.due_at)} and still not kept when the case closed"
    return ""


def promises_kept(r: CaseRecord) -> CheckOutcome:
    check = "promises_kept"
    if not r.promises:
        return _na(check, "No promise was made to the customer.")
    broken = [(p, why) for p in r.promises if (why := _broken(p, r.closed_at))]
    if not broken:
        return _pass(check)
    first, why = broken[0]
    more = f" ({len(broken) - 1} more broken)" if len(broken) > 1 else ""
    return _fail(
        check,
        f"{len(broken)} of {len(r.promises)} promise(s) not kept on time: {why}{more}.",
        first.broken_event or first.made_event,
    )


def _event_at_or_before(r: CaseRecord, moment: datetime) -> int | None:
    found: int | None = None
    for ev in r.timeline:
        if ev.at <= moment:
            found = ev.id
        else:
            break
    return found


def kept_informed(r: CaseRecord) -> CheckOutcome:
    """A4: between the report and the close, each silence is measured as the sweep flags an open case: the
    customer is overdue once ``cadence_business_days`` whole business days have passed since the day they
    last heard from us (``cases.selectors.cadence_cutoff``)."""
    check = "kept_informed"
    cal = BusinessCalendar(region=r.holiday_region)
    moments = sorted(t for t in r.updates if r.opened_at <= t <= r.closed_at)
    marks = [r.opened_at, *moments, r.closed_at]
    gaps: list[tuple[datetime, datetime, int]] = []
    for before, after in zip(marks, marks[1:], strict=False):
        whole_days = business_days_between(before.date(), after.date() - timedelta(days=1), cal)
        if whole_days >= r.cadence_business_days:
            gaps.append((before, after, whole_days))
    if not gaps:
        return _pass(check)
    start, end, days = max(gaps, key=lambda g: g[2])
    until = (
        f"until the case closed on {_day(end)}" if end == r.closed_at and end not in moments else _day(end)
    )
    silence = f"the longest from {_day(start)} " + (until if until.startswith("until") else f"to {until}")
    return _fail(
        check,
        f"The customer went {len(gaps)} time(s) without an update for {r.cadence_business_days} business days or "
        f"more ({silence}: {days} whole business days).",
        _event_at_or_before(r, start),
    )


def satisfaction_checked(r: CaseRecord) -> CheckOutcome:
    check = "satisfaction_checked"
    if r.satisfaction_answered_event is not None:
        return _pass(check)
    if r.satisfaction_asked and (r.outcome != Outcome.NO_REPLY or r.satisfaction_reminded):
        return _pass(check)
    if r.outcome == Outcome.NO_REPLY:
        return _fail(
            check,
            "Closed as resolved with no reply although the customer was never reminded.",
            r.closed_event,
        )
    if not r.agreed and r.delivered_event is None:
        return _na(check, "Nothing was agreed or delivered, so there was nothing to ask about.")
    return _fail(
        check,
        "The customer was never asked whether the problem is resolved.",
        r.delivered_event or r.answer_event or r.closed_event,
    )


def unresolved_reasons_routes(r: CaseRecord) -> CheckOutcome:
    check = "unresolved_reasons_routes"
    if r.outcome != Outcome.UNRESOLVED:
        return _na(check, "The case closed resolved.")
    missing = []
    if len(r.unresolved_reasons.strip()) < MIN_REASONS_LENGTH:
        missing.append("clear reasons")
    if not r.unresolved_reason_code:
        missing.append("a reason code")
    if not [route for route in r.other_routes if route.strip()]:
        missing.append("another route to take it forward")
    if not missing:
        return _pass(check)
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return _fail(check, f"Closed unresolved without {listed}.", r.closed_event)


def escalated_beyond_authority(r: CaseRecord) -> CheckOutcome:
    check = "escalated_beyond_authority"
    beyond = [a for a in r.authority if a.beyond_reasons]
    if not beyond:
        return _na(check, "Nothing agreed was beyond the handler's authority.")
    unapproved = [a for a in beyond if a.approved_event is None or not a.approved_by_second_person]
    if not unapproved:
        return _pass(check)
    a = unapproved[0]
    why = "; ".join(a.beyond_reasons)
    return _fail(
        check,
        f"“{a.title}” was beyond the handler's authority ({why}) and was agreed without a second person's approval.",
        a.approval_requested_event or a.recommended_event,
    )


CHECKS = (
    understanding_confirmed,
    options_weighed,
    agreement_recorded,
    plan_owned_dated,
    promises_kept,
    kept_informed,
    satisfaction_checked,
    unresolved_reasons_routes,
    escalated_beyond_authority,
)


def score(record: CaseRecord) -> tuple[CheckOutcome, ...]:
    """Every check, in the order of ``CHECK_IDS``."""
    return tuple(check(record) for check in CHECKS)
