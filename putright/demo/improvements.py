"""The demo's improvement cycles (issue 14 §5): two Plan–Do–Check–Act cycles run on the demo's own year of
history, through the improvements services, each transition at its own date.

- **Courier slots** (the promise change planted in the history, ``history.PROMISE_*``): the Deliveries
  team books the courier's slot by text before promising a date, updates the procedure "Promising a delivery
  date" and tells the team. Its baseline is ``promises_kept`` for Deliveries over the eight weeks before the
  change; its Check, eight weeks after, finds the rise significant, and it is adopted.
- **Next steps in the acknowledgement** (the acknowledgement change, ``history.ACK_*``): the personal
  acknowledgement says what happens next, hoped to lift CSAT. The Check honestly finds no detectable
  difference, and the change is abandoned as a way to lift satisfaction.

Both cycles are in the past: Do ends the day before the planted change, so the after window the Check
measures (the baseline's length, from the day after the last step) is the change's first eight weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from putright import clock
from putright.demo import history
from putright.improvements import cycle
from putright.improvements import services as improvement_services
from putright.improvements.models import Decision, EvidenceKind, Improvement, StepKind
from putright.improvements.services import EvidenceInput
from putright.problems.models import Problem
from putright.procedures.models import Procedure

COURIER_PROCEDURE = "Promising a delivery date"
COURIER_PROCEDURE_TEXT = """# Promising a delivery date

**When:** a customer asks when an order, a replacement or a collection will arrive.

1. Book the courier's slot **by text** (the courier's booking line) before giving any date.
2. Give the customer the date and the slot the courier confirmed, never one of our own.
3. Put the confirmed date on the case as a promise, owned by you, due at the end of the slot.
4. If the courier moves the slot, tell the customer the same day, with the new one.
"""


@dataclass
class DemoImprovements:
    adopted: Improvement
    no_difference: Improvement


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _cycle(
    *,
    users: dict,
    title: str,
    rationale: str,
    metric_id: str,
    filters: dict,
    change: date,
    target: float,
    steps: list[dict],
    evidence: list[EvidenceInput],
    decision: str,
    reason: str,
    proposer: str,
    owner: str,
) -> Improvement:
    """Propose, plan, approve and do the day before ``change`` (the baseline: the ``WINDOW_DAYS`` before that
    day), check and act once the after window (the same length, from ``change``) has ended."""
    window = history.WINDOW_DAYS
    baseline = (change - timedelta(days=window + 1), change - timedelta(days=2))
    review = change + timedelta(days=window)
    with clock.frozen(_at(change - timedelta(days=1), 8)):
        improvement = improvement_services.improvement_propose(
            actor=users[proposer], title=title, rationale=rationale, owner=users[owner], evidence=evidence
        )
        improvement_services.plan_set(
            actor=users[proposer],
            improvement=improvement,
            metric_id=metric_id,
            filters=filters,
            baseline_start=baseline[0],
            baseline_end=baseline[1],
            target=target,
            review_date=review,
        )
        made = [
            improvement_services.step_add(
                actor=users[proposer],
                improvement=improvement,
                kind=step["kind"],
                text=step["text"],
                owner=users[owner],
                due_date=change - timedelta(days=1),
                procedure=step.get("procedure"),
            )
            for step in steps
        ]
    with clock.frozen(_at(change - timedelta(days=1), 9)):
        improvement_services.improvement_approve(
            actor=users["manager"], improvement=improvement, note="The baseline is measured; go ahead."
        )
        cycle.do_start(actor=users[owner], improvement=improvement)
    for n, (step, spec) in enumerate(zip(made, steps, strict=True)):
        with clock.frozen(_at(change - timedelta(days=1), 11 + n)):
            cycle.step_complete(
                actor=users[owner],
                step=step,
                evidence=spec["evidence"],
                colleagues=[users[name] for name in spec.get("told", ())],
                procedure_body=spec.get("body", ""),
                change_note=spec.get("change_note", ""),
            )
    with clock.frozen(_at(review + timedelta(days=1), 10)):
        cycle.check_run(actor=users[owner], improvement=improvement)
        cycle.act(actor=users["manager"], improvement=improvement, decision=decision, reason=reason)
    return Improvement.objects.get(pk=improvement.pk)


def improvements_demo_load(*, users: dict, now: datetime) -> DemoImprovements:
    marks = history.planted(now)
    courier = Procedure.objects.get(title=COURIER_PROCEDURE)
    # The Deliveries problem with the most cases, if the history has one: the improvement's evidence, and
    # the problem board links it back.
    slots_problem = (
        Problem.objects.filter(category__slug=history.PROMISE_CATEGORY, merged_into__isnull=True)
        .annotate(linked=Count("links"))
        .order_by("-linked", "pk")
        .first()
    )
    evidence = [
        EvidenceInput(
            kind=EvidenceKind.NOTE,
            text="Deliveries keep about two promises in three on time: couriers miss the dates we give.",
        )
    ]
    if slots_problem is not None:
        evidence.append(EvidenceInput(kind=EvidenceKind.PROBLEM, problem=slots_problem))
    adopted = _cycle(
        users=users,
        title="Book the courier's slot before promising a delivery date",
        rationale="Most broken promises in Deliveries are dates we gave before the courier confirmed a "
        "slot. Booking the slot by text first should let us keep the dates we give.",
        metric_id=history.PROMISE_METRIC,
        filters={"category": marks.promise_category},
        change=marks.promise_change_date,
        target=0.85,
        steps=[
            {
                "kind": StepKind.PROCEDURE,
                "text": f"Update “{COURIER_PROCEDURE}”: book the slot by text first",
                "procedure": courier,
                "evidence": "Version 2 published with the booking step.",
                "body": COURIER_PROCEDURE_TEXT,
                "change_note": "Book the courier's slot by text before giving a date (improvement)",
            },
            {
                "kind": StepKind.COMMUNICATE,
                "text": "Tell the Deliveries team about slot booking",
                "evidence": "Told at the Monday huddle; the procedure link sent to each.",
                "told": ["agent", "jodie", "owen"],
            },
        ],
        evidence=evidence,
        decision=Decision.ADOPT,
        reason="Promises kept in Deliveries rose clearly and the test says it is not chance: slot booking "
        "is now how every delivery date is given.",
        proposer="supervisor",
        owner="supervisor",
    )
    no_difference = _cycle(
        users=users,
        title="Say what happens next in the personal acknowledgement",
        rationale="Customers who know what happens next may be more satisfied with how we handle their "
        "complaint.",
        metric_id=history.ACK_METRIC,
        filters={},
        change=marks.ack_change_date,
        target=0.6,
        steps=[
            {
                "kind": StepKind.OTHER,
                "text": "Add the next steps to the acknowledgement wording",
                "evidence": "The acknowledgement template now lists the next steps and who does them.",
            }
        ],
        evidence=[
            EvidenceInput(
                kind=EvidenceKind.NOTE,
                text="Several comments say customers did not know what would happen after they reported.",
            )
        ],
        decision=Decision.ABANDON,
        reason="Satisfaction did not change in a way we can detect. The wording stays, as it is clearer, "
        "but we will not count on it to lift CSAT.",
        proposer="agent",
        owner="supervisor",
    )
    return DemoImprovements(adopted=adopted, no_difference=no_difference)
