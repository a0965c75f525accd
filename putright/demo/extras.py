"""The demo beside the lifecycle cases: S3 a burst of similar complaints, S4 a feedback feed, S5 a signal
breach, E4/P1 purchase facts and deadlines. Everything goes through the rooms' services, each at its
own moment; the words are in ``data/extras.yaml``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Case, Category
from putright.demo import content
from putright.engines.deadlines import ClockKind, add_months
from putright.errors import DomainError
from putright.feedback import services as feedback_services
from putright.feedback.models import FeedbackItem
from putright.monitoring import services as monitoring_services
from putright.monitoring.models import SignalBreach, SignalThreshold
from putright.problems import services as problem_services
from putright.problems.models import Problem, ProblemCase, ProblemStatus
from putright.regulation import services as regulation_services
from putright.resolution import selectors as resolution_selectors
from putright.resolution import services as resolution_services
from putright.vocab import OPEN_STATUSES, Channel, SourceKind, Status

# ---------------------------------------------------------------- S3: a burst of similar complaints


@dataclass(frozen=True)
class BurstReport:
    name: str
    email: str
    subject: str
    description: str
    desired_outcome: str
    chose_delivery: bool
    hours_ago: float
    # The same customer writing again about the same problem: an agent closes it as a duplicate of their
    # first report an hour later (issue 12 §3), so the problem counts the customer and the case once.
    repeat: bool = False


BURST = tuple(BurstReport(**item) for item in content.extras()["burst"])


def problem_routes_create(*, users: dict, categories: dict) -> None:
    """The appropriate authorities: Fiona (supervisor) for delivery, Daniel (manager) for faulty goods."""
    admin = users["admin"]
    if "delivery" in categories:
        problem_services.owner_route_set(
            actor=admin, category=categories["delivery"], owner=users["supervisor"]
        )
    if "faulty-goods" in categories:
        problem_services.owner_route_set(
            actor=admin, category=categories["faulty-goods"], owner=users["manager"]
        )


def problem_burst_load(*, users: dict, categories: dict, now: datetime) -> tuple[list[Case], Problem | None]:
    """Eight customers write in over the last day and a half, each in their own words (some choose the
    Delivery category on the form, some do not). Each report goes through ``case_report`` and then
    ``case_group``, the S3 step the worker runs for every new case, so by the time the demo is loaded
    the burst is a suspected problem, routed to the owner set for Delivery, who has been alerted.

    Returns the burst's cases and the suspected problem they raised (None if they raised none).
    """
    problem_routes_create(users=users, categories=categories)
    delivery = categories.get("delivery")
    cases = []
    first_by_email: dict[str, Case] = {}
    for report in BURST:
        at = (now - timedelta(hours=report.hours_ago)).astimezone(UTC)
        with clock.frozen(at):
            case, _ = case_services.case_report(
                report=case_services.ReportInput(
                    customer_name=report.name,
                    customer_email=report.email,
                    subject=report.subject,
                    description=report.description,
                    desired_outcome=report.desired_outcome,
                    channel=Channel.WEB,
                    consent=True,
                    category_id=delivery.pk if delivery is not None and report.chose_delivery else None,
                )
            )
            problem_services.case_group(case)
            cases.append(case)
        if report.repeat:
            with clock.frozen(at + timedelta(hours=1)):
                case_services.case_close_duplicate(
                    actor=users["agent"],
                    case=case,
                    original=first_by_email[report.email],
                    note="She wrote again about the same parcel before we had answered.",
                )
        first_by_email.setdefault(report.email, case)
    link = (
        ProblemCase.objects.filter(
            case=cases[-1], unlinked_at__isnull=True, problem__status=ProblemStatus.SUSPECTED
        )
        .select_related("problem")
        .first()
    )
    return cases, (link.problem if link else None)


def _open_customer_cases():
    """Open cases of customers who wrote in, not already part of a problem."""
    return (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .exclude(channel=Channel.INTERNAL)
        .exclude(problem_links__isnull=False)
    )


# ---------------------------------------------------------------- S4: the feedback feed


def feedback_demo_load(*, users: dict, now: datetime, seed: int = 2026) -> int:
    """Survey responses over the last four weeks — in the earlier fortnight the usual mix, in the last
    more and more about parcels left outside — and three colleagues sharing what they hear on open
    cases. The demo cases' satisfaction answers are in the feed already. Returns the items added."""
    feed = content.extras()["feedback"]
    rng = random.Random(seed)
    survey = users["manager"]  # the post-delivery survey tool's integration user
    before = FeedbackItem.objects.count()
    earlier, rising = feed["earlier"], feed["rising"]
    for i, item in enumerate(earlier):
        at = now - timedelta(days=rng.uniform(15, 27), minutes=i)
        with clock.frozen(at):
            feedback_services.feedback_receive(
                actor=survey,
                source="survey",
                text=item["text"],
                satisfied=item["satisfied"],
                external_id=f"demo-survey-{i}",
            )
    for i, item in enumerate(rising):
        at = now - timedelta(days=rng.uniform(0.5, 12), minutes=i)
        with clock.frozen(at):
            feedback_services.feedback_receive(
                actor=survey,
                source="survey",
                text=item["text"],
                satisfied=item["satisfied"],
                external_id=f"demo-survey-{len(earlier) + i}",
            )
    # Colleagues share from open cases, after everything else on those cases (the loader keeps every
    # case's steps more than ten minutes before ``now``).
    notes = feed["notes"]
    agents = [users[name] for name in ("agent", "jodie", "kwame") if name in users]
    cases = list(_open_customer_cases().order_by("-created_at", "pk")[: len(notes)])
    for i, (case, text) in enumerate(zip(cases, notes, strict=False)):
        with clock.frozen(now - timedelta(minutes=8 - i)):
            feedback_services.feedback_flag(actor=agents[i % len(agents)], case=case, text=text)
    return FeedbackItem.objects.count() - before


# ---------------------------------------------------------------- S5: a signal breach and a proactive notice


@dataclass(frozen=True)
class MonitoringDemo:
    threshold: SignalThreshold
    breach: SignalBreach | None
    notified: int


def monitoring_demo_load(*, users: dict, now: datetime) -> MonitoringDemo:
    """Delivery delays in the south-west breach a threshold before customers complain.

    The warehouse system reports the average delay per region every two hours over the last day and a
    half (``signal_record``, the service behind ``POST /api/signals``). The south-west climbs past 48
    hours; its last readings name six customers with orders on the way. The breach opens one problem
    (source kind d) however many readings breach, and the supervisor tells those customers, on their
    open cases, unprompted.
    """
    signals = content.extras()["signals"]
    integration = users["admin"]  # the warehouse system's API user
    supervisor = users["supervisor"]
    delivery = Category.objects.filter(slug="delivery").first()
    threshold = SignalThreshold.objects.create(
        name=signals["threshold_name"],
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=SignalThreshold.Comparison.GT,
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
        category=delivery,
        product="Standard delivery",
        cooldown_minutes=24 * 60,
        notice_subject=signals["notice_subject"],
        notice_body=signals["notice_body"],
    )
    SignalThreshold.objects.create(
        name="Card payments failing",
        measurement="payment_failed",
        comparison=SignalThreshold.Comparison.GTE,
        value=20,
        aggregation=SignalThreshold.Aggregation.COUNT,
        window_minutes=15,
        source_kind=SourceKind.SYSTEM_FAILURE,
        cooldown_minutes=120,
    )
    # People with orders on the way: customers with open cases, not ones already in a problem.
    people = list(
        _open_customer_cases().select_related("customer").order_by("created_at", "pk")[: signals["affected"]]
    )
    named: list = [case.customer.email for case in people]
    if people and people[0].order_reference:
        named[0] = {"order_reference": people[0].order_reference}  # matched through their case
    named.append({"postcode_prefix": "TR1"})  # an area we hold no addresses for: listed for follow-up

    readings = signals["south_west"]
    for i, reading in enumerate(readings):
        at = now - timedelta(hours=reading["hours_ago"])
        last_three = i >= len(readings) - 3
        _send(integration, at, "south-west", reading["delay"], named if last_three else [], f"wms-sw-{i}")
        _send(integration, at + timedelta(minutes=1), "north", 20 + (i % 4), [], f"wms-n-{i}")
    for i in range(6):
        at = now - timedelta(hours=3, minutes=2 * i)
        with clock.frozen(at):
            monitoring_services.signal_record(
                actor=integration,
                signal=monitoring_services.SignalInput(
                    name="payment_failed",
                    value=1,
                    observed_at=at,
                    dimensions={"gateway": "cards"},
                    client_id=f"pay-{i}",
                ),
            )

    breach = SignalBreach.objects.filter(threshold=threshold).select_related("problem").first()
    notified = 0
    if breach is not None and breach.affected.exists():
        # After every other step on those cases (the loader keeps them ten minutes before ``now``).
        with clock.frozen(now - timedelta(minutes=5)):
            progress = monitoring_services.breach_notice_send(
                actor=supervisor,
                breach=breach,
                subject=signals["notice_subject"],
                body=signals["notice_body"],
            )
        notified = progress.notified
    return MonitoringDemo(threshold=threshold, breach=breach, notified=notified)


def _send(actor, at: datetime, region: str, delay: float, customers: list, client_id: str) -> None:
    with clock.frozen(at):
        monitoring_services.signal_record(
            actor=actor,
            signal=monitoring_services.SignalInput(
                name="delivery_delay_hours",
                value=delay,
                observed_at=at,
                dimensions={"region": region, "carrier": "Parcelwise"},
                customers=customers,
                client_id=client_id,
            ),
        )


# ---------------------------------------------------------------- E4: deadlines at risk and missed


def regulation_demo_load(*, users: dict, now: datetime, organisation: str = "") -> dict[str, int]:
    """The organisation's settings, a subject access request about to fall due and a refund overdue, then
    one sweep so the deadlines page and the alerts have something at risk and missed. Every case already
    carries the clocks its report started, met or missed as its story went.

    ``users`` by username ("admin" an administrator, "agent" an agent). Returns what the sweep did:
    {"at_risk": n, "missed": n, "windows_ended": n}.
    """
    notes = content.extras()["deadlines"]
    settings_row = regulation_services.regime_settings_get()
    if organisation:
        settings_row.organisation_name = organisation
    regulation_services.regime_settings_save(actor=users["admin"], settings_row=settings_row)

    today = regulation_services.local_day(now)
    handler = users.get("agent")
    open_cases = (
        Case.objects.filter(status__in=OPEN_STATUSES).select_related("assignee").order_by("-created_at")
    )
    recent = list(open_cases[:200])
    # The demo login "agent" sees them first in their own queue.
    candidates = sorted(recent, key=lambda c: not (handler is not None and c.assignee_id == handler.pk))
    with clock.frozen(now):
        if candidates:
            # P4: a customer asked for a copy of their data a month ago less a day: due tomorrow, at risk.
            sar_case = candidates[0]
            regulation_services.clock_start(
                actor=sar_case.assignee or users["supervisor"],
                case=sar_case,
                kind=ClockKind.SUBJECT_ACCESS.value,
                start_date=add_months(today + timedelta(days=1), -1),
                note=notes["subject_access_note"],
            )
        if len(candidates) > 1:
            # G11: a refund agreed 16 days ago and not yet recorded as paid: missed.
            refund_case = candidates[1]
            regulation_services.clock_start(
                actor=refund_case.assignee or users["supervisor"],
                case=refund_case,
                kind=ClockKind.REFUND.value,
                start_date=today - timedelta(days=16),
                note=notes["refund_note"],
            )
    result = regulation_services.clocks_sweep(now=now)
    return {"at_risk": result.at_risk, "missed": result.missed, "windows_ended": result.windows_ended}


# ---------------------------------------------------------------- E4/P1: purchase facts

_DAYS_AGO = re.compile(r"^(\d+) days ago$")


def _facts_on(today: date, facts: dict) -> dict:
    """The facts with every "N days ago" as the ISO date it is today, so a kettle delivered nine days
    ago still has its 30-day right to reject whatever day the demo is loaded."""
    dated = {}
    for key, value in facts.items():
        match = _DAYS_AGO.match(value) if isinstance(value, str) else None
        dated[key] = (today - timedelta(days=int(match.group(1)))).isoformat() if match else value
    return dated


def _pick(candidates: list[Case], story: dict, taken: set[int]) -> Case | None:
    free = [c for c in candidates if c.pk not in taken]
    for case in free:
        text = f"{case.subject}\n{case.description}".lower()
        if any(word in text for word in story["words"]):
            return case
    return next((c for c in free if c.category is not None and c.category.slug in story["categories"]), None)


def demo_enrich(cases: Iterable[Case], actor) -> list[Case]:
    """Record purchase facts on up to one open case per story, as an agent would; returns the cases enriched.

    Newest cases first, so the short-term right to reject is still open on the kettle. A case whose
    state refuses it (e.g. closed meanwhile) is passed over, never forced.
    """
    today = resolution_selectors.assessment_today()
    candidates = sorted(
        (c for c in cases if not c.is_closed and not c.purchase_facts),
        key=lambda c: (c.created_at, c.pk),
        reverse=True,
    )
    taken: set[int] = set()
    enriched = []
    for story in content.extras()["purchase_facts"]:
        case = _pick(candidates, story, taken)
        if case is None:
            continue
        taken.add(case.pk)
        try:
            enriched.append(
                resolution_services.case_facts_record(
                    actor=actor, case=case, facts=_facts_on(today, story["facts"])
                )
            )
        except DomainError:
            continue
    return enriched


def no_reply_demo_load(*, now: datetime) -> Case | None:
    """A5: one customer who was asked whether the problem is resolved, reminded once, and never answered —
    closed as resolved with no reply, as the sweep does, at the times the sweep would have. Only when another
    case is still waiting for its answer, so the demo shows both."""
    row = case_services.satisfaction_settings_get()
    wait = timedelta(days=row.remind_after_days + row.close_no_reply_after_days)
    waiting = Case.objects.filter(
        status=Status.AWAITING_CONFIRMATION, satisfaction_answered_at__isnull=True
    ).order_by("satisfaction_asked_at", "pk")
    if waiting.count() < 2:
        return None
    for case in waiting.filter(satisfaction_asked_at__lte=now - wait):
        # After the case's own last event, so its timeline runs forwards.
        last = case.events.order_by("-seq").values_list("created_at", flat=True).first()
        reminded = max(case.satisfaction_asked_at + timedelta(days=row.remind_after_days), last)
        closed = reminded + timedelta(days=row.close_no_reply_after_days)
        if closed > now:
            continue
        with clock.frozen(reminded + timedelta(minutes=1)):
            case_services.satisfaction_remind(case=case, now=reminded + timedelta(minutes=1))
        with clock.frozen(closed + timedelta(minutes=1)):
            case_services.case_close_no_reply(case=case, now=closed + timedelta(minutes=1))
        return case
    return None
