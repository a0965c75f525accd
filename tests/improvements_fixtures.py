"""A PDCA cycle on fixed data for the improvements tests: 40 cases opened in June 2026 (the baseline), a plan
approved on 1 July, its steps done on 2 July, and ``after_cases`` opened in the after window (3–30 July).
Times are local (Europe/London)."""

from __future__ import annotations

from datetime import date

from putright import clock
from putright.improvements import cycle, services
from putright.improvements.models import Improvement, StepKind
from putright.procedures.models import Procedure, ProcedureVersion
from tests.insights_fixtures import at, case

BASELINE = (date(2026, 6, 1), date(2026, 6, 28))
PLANNED = at(2026, 7, 1, 9)
DONE = at(2026, 7, 2, 15)
REVIEW = date(2026, 7, 31)
CHECKED = at(2026, 8, 1, 10)


def june_cases(n: int = 40, category: str | None = None):
    for i in range(n):
        case(at(2026, 6, 1 + i % 28, 10), category_slug=category)


def after_cases(n: int, category: str | None = None):
    for i in range(n):
        case(at(2026, 7, 3 + i % 28, 10), category_slug=category)


def procedure(owner) -> Procedure:
    found = Procedure.objects.create(
        title="Delivery complaints",
        owner=owner,
        review_due=date(2027, 1, 1),
        stages=["options"],
        created_at=PLANNED,
    )
    ProcedureVersion.objects.create(
        procedure=found,
        number=1,
        body="# Deliveries\n\nCall the courier.",
        change_note="First",
        author=owner,
        created_at=PLANNED,
    )
    return found


def proposed(proposer, owner, *, metric_id="volume", target=20.0, filters=None, steps=True) -> Improvement:
    """A proposal with its plan and one "other" step owned by ``owner``, planned on 1 July."""
    with clock.frozen(PLANNED):
        improvement = services.improvement_propose(
            actor=proposer, title="Fewer delivery complaints", rationale="Couriers miss slots.", owner=owner
        )
        services.plan_set(
            actor=proposer,
            improvement=improvement,
            metric_id=metric_id,
            filters=filters or {},
            baseline_start=BASELINE[0],
            baseline_end=BASELINE[1],
            target=target,
            review_date=REVIEW,
        )
        if steps:
            services.step_add(
                actor=proposer,
                improvement=improvement,
                kind=StepKind.OTHER,
                text="Book courier slots by text",
                owner=owner,
                due_date=date(2026, 7, 2),
            )
    return Improvement.objects.get(pk=improvement.pk)


def approved(proposer, owner, manager, **kwargs) -> Improvement:
    improvement = proposed(proposer, owner, **kwargs)
    with clock.frozen(PLANNED):
        services.improvement_approve(actor=manager, improvement=improvement)
    return Improvement.objects.get(pk=improvement.pk)


def done(proposer, owner, manager, **kwargs) -> Improvement:
    """Approved, Do started on 1 July, every step done on 2 July."""
    improvement = approved(proposer, owner, manager, **kwargs)
    with clock.frozen(PLANNED):
        cycle.do_start(actor=owner, improvement=improvement)
    with clock.frozen(DONE):
        for step in improvement.steps.all():
            cycle.step_complete(actor=owner, step=step, evidence="Done and seen working.")
    return Improvement.objects.get(pk=improvement.pk)
