"""Every PDCA transition, allowed and refused (with nothing changed), role separation, the chain of events
and the Check's figures against the statistics engine (issue 14 §2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from putright import clock
from putright.cases.services import sweep_run
from putright.channels.models import Alert
from putright.engines import stats
from putright.errors import DomainError, PermissionDenied
from putright.improvements import cycle, services
from putright.improvements.events import chain_verify
from putright.improvements.models import (
    Decision,
    Evidence,
    EvidenceKind,
    Improvement,
    ImprovementEvent,
    Stage,
    Step,
    StepKind,
)
from putright.improvements.selectors import cycles
from putright.procedures.acknowledgements import acknowledge, receipts_for
from putright.procedures.models import ProcedureVersion
from tests.conftest import _user
from tests.improvements_fixtures import (
    BASELINE,
    CHECKED,
    PLANNED,
    after_cases,
    approved,
    done,
    june_cases,
    procedure,
    proposed,
)
from tests.insights_fixtures import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(django_user_model):
    return _user(django_user_model, "erin", "manager", "Erin")


def state(improvement) -> tuple:
    """Everything a refused call must leave as it was."""
    row = Improvement.objects.filter(pk=improvement.pk).values().get()
    return (
        row,
        list(Step.objects.filter(improvement=improvement).values()),
        list(Evidence.objects.filter(improvement=improvement).values()),
        ImprovementEvent.objects.filter(improvement=improvement).count(),
        Improvement.objects.count(),
        ProcedureVersion.objects.count(),
    )


def refused(improvement, error, call, match=None):
    before = state(improvement)
    with pytest.raises(error, match=match):
        call()
    assert state(improvement) == before


# ---------------------------------------------------------------- propose and edit


def test_anyone_on_the_staff_proposes_with_evidence(alice, report_case):
    c = report_case(subject="Parcel left in the rain")
    improvement = services.improvement_propose(
        actor=alice,
        title="  Photo   on delivery ",
        rationale="Customers dispute deliveries.",
        evidence=[
            services.EvidenceInput(kind=EvidenceKind.CASE, case=c),
            services.EvidenceInput(
                kind=EvidenceKind.METRIC, term="promises_kept", text="Promises kept fell to 71%"
            ),
        ],
    )
    assert (improvement.title, improvement.stage, improvement.proposer, improvement.owner) == (
        "Photo on delivery",
        Stage.PROPOSED,
        alice,
        None,
    )
    assert [(e.kind, e.text) for e in improvement.evidence.order_by("pk")] == [
        (EvidenceKind.CASE, f"{c.reference}: Parcel left in the rain"),
        (EvidenceKind.METRIC, "Promises kept fell to 71%"),
    ]
    assert list(improvement.events.values_list("kind", flat=True)) == [
        "improvement.proposed",
        "improvement.evidence_added",
        "improvement.evidence_added",
    ]


def test_an_outsider_cannot_propose(charlie):
    with pytest.raises(PermissionDenied):
        services.improvement_propose(actor=charlie, title="T", rationale="R")
    assert Improvement.objects.count() == 0


@pytest.mark.parametrize(
    ("evidence", "match"),
    [
        (services.EvidenceInput(kind="survey_gap", text="x"), "Unknown kind"),
        (services.EvidenceInput(kind=EvidenceKind.METRIC, term="nope", text="x"), "no metric"),
        (services.EvidenceInput(kind=EvidenceKind.METRIC, term="csat"), "what the figure shows"),
        (services.EvidenceInput(kind=EvidenceKind.PROBLEM), "Choose the problem"),
        (services.EvidenceInput(kind=EvidenceKind.NOTE), "Write the note"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_proposed(alice, evidence, match):
    with pytest.raises(DomainError, match=match):
        services.improvement_propose(actor=alice, title="T", rationale="R", evidence=[evidence])
    assert Improvement.objects.count() == 0


def test_the_proposer_edits_a_proposal_another_agent_cannot(alice, dave, bob):
    improvement = services.improvement_propose(actor=alice, title="T", rationale="R")
    services.improvement_edit(actor=alice, improvement=improvement, title="T2", rationale="R2", owner=bob)
    improvement.refresh_from_db()
    assert (improvement.title, improvement.owner) == ("T2", bob)
    refused(
        improvement,
        PermissionDenied,
        lambda: services.improvement_edit(actor=dave, improvement=improvement, title="X", rationale="Y"),
    )
    refused(
        improvement,
        DomainError,
        lambda: services.improvement_edit(actor=alice, improvement=improvement, title=" ", rationale="Y"),
        "title",
    )


# ---------------------------------------------------------------- plan


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"metric_id": "backlog_age"}, "open at one moment"),
        ({"metric_id": "remedy_cost"}, "total of money"),
        ({"metric_id": "made_up"}, "no metric"),
        ({"filters": {"priority": "high"}}, "cannot be filtered by priority"),
        ({"filters": {"category": "nowhere"}}, "No category"),
        ({"filters": {"team": 999}}, "No such team"),
        ({"baseline_end": date(2026, 7, 1)}, "must have ended"),
        ({"baseline_start": date(2026, 6, 30)}, "cannot end before it starts"),
        ({"review_date": date(2026, 6, 30)}, "in the past"),
        ({"review_date": date(2099, 1, 1)}, "within three years"),
        ({"baseline_start": date(1, 1, 1), "baseline_end": date(1, 12, 31)}, "cannot start before"),
        ({"metric_id": "promises_kept", "target": 90}, "fraction between 0 and 1"),
    ],
)
def test_a_bad_plan_is_refused_with_a_clear_error(alice, changes, match):
    improvement = services.improvement_propose(actor=alice, title="T", rationale="R")
    plan = dict(
        metric_id="volume",
        filters={},
        baseline_start=BASELINE[0],
        baseline_end=BASELINE[1],
        target=20.0,
        review_date=date(2026, 7, 31),
    )
    plan.update(changes)
    with clock.frozen(PLANNED):
        refused(
            improvement,
            DomainError,
            lambda: services.plan_set(actor=alice, improvement=improvement, **plan),
            match,
        )


def test_a_procedure_step_needs_its_procedure_and_steps_need_an_owner(alice, charlie):
    improvement = services.improvement_propose(actor=alice, title="T", rationale="R")
    for kwargs, match in [
        ({"kind": StepKind.PROCEDURE, "owner": alice}, "Choose the procedure"),
        ({"kind": StepKind.TRAIN, "owner": charlie}, "member of staff"),
        ({"kind": "dance", "owner": alice}, "Unknown kind"),
    ]:
        refused(
            improvement,
            DomainError,
            lambda kwargs=kwargs: services.step_add(
                actor=alice, improvement=improvement, text="S", due_date=date(2026, 7, 2), **kwargs
            ),
            match,
        )


# ---------------------------------------------------------------- approval and role separation


def test_nobody_approves_their_own_proposal(carol, alice):
    june_cases(5)
    improvement = proposed(carol, alice)
    with clock.frozen(PLANNED):
        refused(
            improvement,
            PermissionDenied,
            lambda: services.improvement_approve(actor=carol, improvement=improvement),
            "own proposal",
        )
        refused(
            improvement,
            PermissionDenied,
            lambda: services.improvement_reject(actor=carol, improvement=improvement, reason="No"),
        )


@pytest.mark.parametrize("who", ["dave", "bob"])
def test_an_agent_or_supervisor_cannot_approve(alice, who, request):
    improvement = proposed(alice, alice)
    with clock.frozen(PLANNED):
        refused(
            improvement,
            PermissionDenied,
            lambda: services.improvement_approve(actor=request.getfixturevalue(who), improvement=improvement),
            "only a manager",
        )


def test_a_manager_approves_and_the_baseline_is_frozen(alice, bob, carol):
    june_cases(40)
    improvement = approved(alice, bob, carol)
    assert (improvement.stage, improvement.approver, improvement.proposer, improvement.owner) == (
        Stage.APPROVED,
        carol,
        alice,
        bob,
    )
    assert (improvement.baseline_value, improvement.baseline_n, improvement.baseline_numerator) == (
        40.0,
        40,
        40,
    )
    # Volume has no better direction of its own: the target below the baseline says lower is better.
    assert improvement.higher_is_better is False
    # Cases reported later do not move the frozen baseline.
    june_cases(3)
    improvement.refresh_from_db()
    assert improvement.baseline_n == 40
    # The plan is frozen.
    with clock.frozen(PLANNED):
        refused(
            improvement,
            DomainError,
            lambda: services.plan_set(
                actor=alice,
                improvement=improvement,
                metric_id="csat",
                filters={},
                baseline_start=BASELINE[0],
                baseline_end=BASELINE[1],
                target=0.9,
                review_date=date(2026, 8, 1),
            ),
            "frozen",
        )


def test_approval_needs_a_complete_plan(alice, carol):
    improvement = proposed(alice, alice, steps=False)
    with clock.frozen(PLANNED):
        refused(
            improvement,
            DomainError,
            lambda: services.improvement_approve(actor=carol, improvement=improvement),
            "at least one step",
        )
    bare = services.improvement_propose(actor=alice, title="T", rationale="R")
    refused(
        bare,
        DomainError,
        lambda: services.improvement_approve(actor=carol, improvement=bare),
        "an owner, a baseline metric and window, a review date, at least one step",
    )


def test_a_metric_with_no_direction_needs_a_target_away_from_the_baseline(alice, carol):
    june_cases(40)
    improvement = proposed(alice, alice, target=40.0)
    with clock.frozen(PLANNED):
        refused(
            improvement,
            DomainError,
            lambda: services.improvement_approve(actor=carol, improvement=improvement),
            "neither better higher nor lower",
        )


def test_reject_and_withdraw(alice, dave, carol):
    first = proposed(alice, alice)
    refused(
        first,
        DomainError,
        lambda: services.improvement_reject(actor=carol, improvement=first, reason=" "),
        "reason",
    )
    services.improvement_reject(actor=carol, improvement=first, reason="Not now")
    first.refresh_from_db()
    assert (first.stage, first.approver, first.decision_note) == (Stage.REJECTED, carol, "Not now")
    with clock.frozen(PLANNED):
        refused(
            first,
            DomainError,
            lambda: services.improvement_approve(actor=carol, improvement=first),
            "rejected",
        )
    second = proposed(alice, alice)
    refused(
        second,
        PermissionDenied,
        lambda: services.improvement_withdraw(actor=dave, improvement=second, reason="x"),
    )
    services.improvement_withdraw(actor=alice, improvement=second, reason="Duplicate of another")
    assert Improvement.objects.get(pk=second.pk).stage == Stage.WITHDRAWN


# ---------------------------------------------------------------- Do


def test_do_starts_only_once_approved_and_only_by_the_owner_or_a_manager(alice, bob, dave, carol):
    improvement = proposed(alice, bob)
    refused(improvement, DomainError, lambda: cycle.do_start(actor=bob, improvement=improvement), "proposed")
    with clock.frozen(PLANNED):
        services.improvement_approve(actor=carol, improvement=improvement)
    refused(improvement, PermissionDenied, lambda: cycle.do_start(actor=dave, improvement=improvement))
    step = improvement.steps.get()
    refused(
        improvement,
        DomainError,
        lambda: cycle.step_complete(actor=bob, step=step, evidence="Done"),
        "ticked in Do",
    )
    cycle.do_start(actor=bob, improvement=improvement)
    assert Improvement.objects.get(pk=improvement.pk).stage == Stage.DOING


def test_communicating_the_change_asks_colleagues_to_acknowledge_it(alice, bob, dave, carol, charlie):
    with clock.frozen(PLANNED):
        improvement = proposed(alice, bob, steps=False)
        step = services.step_add(
            actor=alice,
            improvement=improvement,
            kind=StepKind.COMMUNICATE,
            text="Tell the team about courier slots",
            owner=bob,
            due_date=date(2026, 7, 2),
        )
        services.improvement_approve(actor=carol, improvement=improvement)
        cycle.do_start(actor=bob, improvement=improvement)
    refused(
        improvement,
        DomainError,
        lambda: cycle.step_complete(actor=bob, step=step, evidence="Team meeting", colleagues=[charlie]),
        "colleagues you told",
    )
    refused(
        improvement, DomainError, lambda: cycle.step_complete(actor=bob, step=step, evidence=""), "evidence"
    )
    cycle.step_complete(actor=bob, step=step, evidence="Team meeting on Tuesday", colleagues=[alice, dave])
    receipts = list(receipts_for(f"improvement-step:{step.pk}"))
    assert [(r.user.username, r.acknowledged_at) for r in receipts] == [("alice", None), ("dave", None)]
    assert receipts[0].url == f"/improvements/{improvement.pk}/"
    acknowledge(actor=dave, subject_key=f"improvement-step:{step.pk}")
    assert [r.user.username for r in receipts_for(step.subject_key) if r.acknowledged_at] == ["dave"]
    refused(
        improvement,
        DomainError,
        lambda: cycle.step_complete(actor=bob, step=step, evidence="Again", colleagues=[alice]),
        "already done",
    )


def test_updating_a_procedure_writes_its_next_version(alice, bob, carol, dave):
    found = procedure(carol)
    with clock.frozen(PLANNED):
        improvement = proposed(alice, bob, steps=False)
        step = services.step_add(
            actor=alice,
            improvement=improvement,
            kind=StepKind.PROCEDURE,
            text="Add the slot booking to the procedure",
            owner=dave,
            due_date=date(2026, 7, 2),
            procedure=found,
        )
        services.improvement_approve(actor=carol, improvement=improvement)
        cycle.do_start(actor=bob, improvement=improvement)
    refused(
        improvement,
        DomainError,
        lambda: cycle.step_complete(actor=dave, step=step, evidence="Done", procedure_body="New text"),
        "change note",
    )
    refused(
        improvement,
        DomainError,
        lambda: cycle.step_complete(
            actor=dave,
            step=step,
            evidence="Done",
            procedure_body="# Deliveries\n\nCall the courier.",
            change_note="x",
        ),
        "same as version 1",
    )
    # The step's own owner (an agent) may tick it.
    cycle.step_complete(
        actor=dave,
        step=step,
        evidence="Published",
        procedure_body="# Deliveries\n\nCall the courier, then book a slot by text.",
        change_note="Slots booked by text (improvement)",
    )
    step.refresh_from_db()
    assert (
        step.procedure_version.number,
        step.procedure_version.change_note,
        step.procedure_version.author,
    ) == (
        2,
        "Slots booked by text (improvement)",
        dave,
    )
    assert list(found.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


# ---------------------------------------------------------------- Check


def test_the_check_waits_for_the_review_date_and_the_after_window(alice, bob, carol):
    june_cases(40)
    improvement = done(alice, bob, carol)
    # 31 July is the review date; the after window is 3–30 July (28 days, like the baseline).
    with clock.frozen(at_day(30)):
        refused(
            improvement,
            DomainError,
            lambda: cycle.check_run(actor=bob, improvement=improvement),
            "review date",
        )
    with clock.frozen(at_day(31)):
        assert cycle.check_readiness(improvement) == ""


def at_day(day: int):
    return at(2026, 7, day, 12)


def test_the_check_waits_for_every_step(alice, bob, carol):
    june_cases(40)
    improvement = approved(alice, bob, carol)
    with clock.frozen(PLANNED):
        cycle.do_start(actor=bob, improvement=improvement)
    with clock.frozen(CHECKED):
        refused(
            improvement,
            DomainError,
            lambda: cycle.check_run(actor=bob, improvement=improvement),
            "1 step of the plan",
        )


def test_the_after_window_must_have_ended(alice, bob, carol):
    june_cases(40)
    improvement = approved(alice, bob, carol)
    with clock.frozen(PLANNED):
        cycle.do_start(actor=bob, improvement=improvement)
    with clock.frozen(at_day(20)):  # the last step on 20 July: the after window is 21 July – 17 August
        cycle.step_complete(actor=bob, step=improvement.steps.get(), evidence="Done")
    with clock.frozen(CHECKED):
        refused(
            improvement,
            DomainError,
            lambda: cycle.check_run(actor=bob, improvement=improvement),
            "has not ended yet: check on or after 18 Aug 2026",
        )


def test_the_check_compares_the_after_window_with_the_frozen_baseline(alice, bob, carol, dave):
    june_cases(40)
    improvement = done(alice, bob, carol)
    after_cases(12)
    with clock.frozen(CHECKED):
        refused(improvement, PermissionDenied, lambda: cycle.check_run(actor=dave, improvement=improvement))
        cycle.check_run(actor=bob, improvement=improvement)
    improvement.refresh_from_db()
    expected = stats.compare_counts(
        count_before=40, days_before=28, count_after=12, days_after=28, higher_is_better=False
    )
    assert (improvement.after_start, improvement.after_end) == (date(2026, 7, 3), date(2026, 7, 30))
    assert (improvement.after_value, improvement.after_n) == (12.0, 12)
    assert (improvement.effect, improvement.ci_low, improvement.ci_high, improvement.p_value) == (
        expected.effect,
        expected.ci_low,
        expected.ci_high,
        expected.p_value,
    )
    assert (improvement.test_used, improvement.verdict) == ("poisson_rate", "improved")
    assert (improvement.stage, improvement.checked_by) == (Stage.CHECKING, bob)
    refused(
        improvement, DomainError, lambda: cycle.check_run(actor=bob, improvement=improvement), "decision due"
    )


def test_a_rate_baseline_too_small_says_too_few_cases_to_tell(alice, bob, carol):
    june_cases(10)
    improvement = done(alice, bob, carol, metric_id="escalation_rate", target=0.0)
    after_cases(8)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=improvement)
    improvement.refresh_from_db()
    assert (improvement.baseline_numerator, improvement.baseline_denominator) == (0, 10)
    assert (improvement.after_numerator, improvement.after_denominator) == (0, 8)
    assert improvement.verdict == "too few cases to tell"
    assert improvement.test_used == "fisher_exact"


# ---------------------------------------------------------------- Act


def checked(alice, bob, carol) -> Improvement:
    june_cases(40)
    improvement = done(alice, bob, carol)
    after_cases(12)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=improvement)
    return Improvement.objects.get(pk=improvement.pk)


def test_adopt_with_a_reason(alice, bob, carol, dave):
    improvement = checked(alice, bob, carol)
    refused(
        improvement,
        DomainError,
        lambda: cycle.act(actor=bob, improvement=improvement, decision="adopt", reason=""),
        "reason",
    )
    refused(
        improvement,
        DomainError,
        lambda: cycle.act(actor=bob, improvement=improvement, decision="keep", reason="x"),
        "adopt",
    )
    refused(
        improvement,
        PermissionDenied,
        lambda: cycle.act(actor=dave, improvement=improvement, decision="adopt", reason="x"),
    )
    cycle.act(
        actor=bob, improvement=improvement, decision=Decision.ADOPT, reason="Complaints fell by two thirds."
    )
    improvement.refresh_from_db()
    assert (improvement.stage, improvement.act_decision, improvement.acted_by) == (Stage.ACTED, "adopt", bob)
    refused(
        improvement,
        DomainError,
        lambda: cycle.act(actor=bob, improvement=improvement, decision="abandon", reason="x"),
        "acted",
    )


def test_adjust_opens_the_next_cycle_linked_to_this_one(alice, bob, carol):
    improvement = checked(alice, bob, carol)
    with clock.frozen(CHECKED):
        cycle.act(
            actor=carol, improvement=improvement, decision=Decision.ADJUST, reason="Works; extend to returns."
        )
    nxt = Improvement.objects.get(parent=improvement)
    assert (nxt.stage, nxt.metric_id, nxt.owner, nxt.proposer) == (Stage.PROPOSED, "volume", bob, carol)
    assert (nxt.baseline_start, nxt.baseline_end) == (date(2026, 7, 3), date(2026, 7, 30))
    assert [c.pk for c in cycles(nxt)] == [improvement.pk, nxt.pk]
    assert ImprovementEvent.objects.filter(improvement=improvement).last().after["next_cycle"] == nxt.pk


def test_every_transition_is_an_event_on_a_chain_that_verifies(alice, bob, carol):
    improvement = checked(alice, bob, carol)
    with clock.frozen(CHECKED):
        cycle.act(actor=bob, improvement=improvement, decision=Decision.ABANDON, reason="Not worth it.")
    kinds = list(ImprovementEvent.objects.filter(improvement=improvement).values_list("kind", flat=True))
    assert kinds == [
        "improvement.proposed",
        "improvement.planned",
        "improvement.step_added",
        "improvement.approved",
        "improvement.do_started",
        "improvement.step_done",
        "improvement.checked",
        "improvement.acted",
    ]
    improvement.refresh_from_db()
    assert chain_verify(improvement) is None
    event = ImprovementEvent.objects.filter(improvement=improvement, seq=4).get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        ImprovementEvent.objects.filter(pk=event.pk).update(summary="Forged")
    # A change made behind the services' back (raw SQL) breaks the chain from there.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ImprovementEvent._meta.db_table} SET summary = %s WHERE id = %s", ["Forged", event.pk]
        )
    assert chain_verify(improvement) == 4


# ---------------------------------------------------------------- the sweep


def test_the_sweep_alerts_the_owner_once_when_the_review_date_has_come(alice, bob, carol):
    june_cases(40)
    improvement = done(alice, bob, carol)
    with clock.frozen(at_day(30)):
        sweep_run()
    assert not Alert.objects.filter(recipient=bob).exists()
    with clock.frozen(at_day(31)):
        sweep_run()
        sweep_run()
    alerts = list(Alert.objects.filter(recipient=bob))
    assert len(alerts) == 1
    assert alerts[0].kind == "improvement_review"
    assert f"improvement #{improvement.pk}" in alerts[0].text
    assert alerts[0].text.endswith(f"/improvements/{improvement.pk}/")
    assert (
        ImprovementEvent.objects.filter(improvement=improvement, kind="improvement.review_alerted").count()
        == 1
    )
