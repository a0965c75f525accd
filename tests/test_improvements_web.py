"""The improvements pages (issue 14 §1–§2): who may use them, every form without JavaScript, the board's
queries pinned, and the problem board's link to an improvement."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import resolve, reverse

from putright import clock
from putright.improvements import cycle, services
from putright.improvements.models import (
    Evidence,
    EvidenceKind,
    Improvement,
    ImprovementEvent,
    Stage,
    Step,
    StepKind,
)
from putright.insights.models import MetricTarget
from putright.pages import urls as pages_urls
from putright.problems.models import Problem, ProblemCase
from putright.procedures.models import Acknowledgement, ProcedureVersion
from tests.improvements_fixtures import (
    CHECKED,
    DONE,
    PLANNED,
    after_cases,
    approved,
    done,
    june_cases,
    proposed,
)
from tests.insights_fixtures import at, case

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "improvements": list(Improvement.objects.order_by("pk").values()),
        "steps": list(Step.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "events": ImprovementEvent.objects.count(),
        "versions": ProcedureVersion.objects.count(),
        "receipts": list(Acknowledgement.objects.order_by("pk").values_list("pk", "acknowledged_at")),
    }


@pytest.fixture
def world(alice, bob, carol):
    """A proposal (alice's, bob to own it), one in Do with a communicated change, one checked."""
    june_cases(40)
    proposal = proposed(alice, bob)
    running = approved(alice, bob, carol)
    with clock.frozen(PLANNED):
        cycle.do_start(actor=bob, improvement=running)
    step = running.steps.get()
    checked = done(alice, bob, carol)
    after_cases(12)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=checked)
    evidence = services.evidence_add(
        actor=alice,
        improvement=proposal,
        evidence=services.EvidenceInput(kind=EvidenceKind.NOTE, text="Seen on calls"),
    )
    return SimpleNamespace(proposal=proposal, running=running, step=step, checked=checked, evidence=evidence)


def improvement_urls(w) -> list[tuple[str, dict]]:
    """Every improvements URL, with a POST body a permitted person's request would get through."""
    r = reverse
    p, run, chk = w.proposal.pk, w.running.pk, w.checked.pk
    return [
        (r("improvements:board"), {}),
        (r("improvements:candidates"), {}),
        (r("improvements:candidate_propose"), {"key": "largest_problem:1"}),
        (r("improvements:propose"), {"title": "T", "rationale": "R"}),
        (r("improvements:detail", args=[p]), {}),
        (r("improvements:edit", args=[p]), {"title": "T", "rationale": "R"}),
        (r("improvements:evidence_add", args=[p]), {"kind": "note", "text": "N"}),
        (r("improvements:evidence_remove", args=[p, w.evidence.pk]), {}),
        (
            r("improvements:plan", args=[p]),
            {
                "metric": "volume",
                "baseline_start": "2026-06-01",
                "baseline_end": "2026-06-28",
                "target": "20",
                "review_date": "2026-07-31",
            },
        ),
        (
            r("improvements:step_add", args=[p]),
            {"kind": "train", "text": "Train", "owner": w.proposal.owner_id, "due_date": "2026-07-02"},
        ),
        (r("improvements:step_remove", args=[p, w.proposal.steps.first().pk]), {}),
        (r("improvements:step_done", args=[run, w.step.pk]), {"evidence": "Done"}),
        (r("improvements:step_acknowledge", args=[run, w.step.pk]), {}),
        (r("improvements:approve", args=[p]), {}),
        (r("improvements:reject", args=[p]), {"reason": "No"}),
        (r("improvements:withdraw", args=[p]), {"reason": "No"}),
        (r("improvements:do_start", args=[p]), {}),
        (r("improvements:check", args=[run]), {}),
        (r("improvements:act", args=[chk]), {"decision": "adopt", "reason": "Worked"}),
    ]


def test_the_list_covers_every_improvements_url(world):
    named = {p.name for p in pages_urls.improvement_urlpatterns}
    assert {resolve(path).url_name for path, _ in improvement_urls(world)} == named


def test_an_outsider_gets_403_everywhere_and_changes_nothing(client, charlie, world):
    client.force_login(charlie)
    before = snapshot()
    for path, data in improvement_urls(world):
        assert client.get(path).status_code in (403, 405), path
        assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


def test_anonymous_people_are_sent_to_sign_in(client, world):
    before = snapshot()
    for path, data in improvement_urls(world):
        response = client.post(path, data)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login") + "?next="), path
    assert snapshot() == before


def test_an_agent_cannot_approve_run_or_decide_what_is_not_theirs(client, dave, world):
    client.force_login(dave)
    before = snapshot()
    for name, pk, data in [
        ("approve", world.proposal.pk, {}),
        ("reject", world.proposal.pk, {"reason": "No"}),
        ("edit", world.proposal.pk, {"title": "Mine", "rationale": "Mine"}),
        ("check", world.running.pk, {}),
        ("act", world.checked.pk, {"decision": "adopt", "reason": "x"}),
        ("step_done", None, {"evidence": "x"}),
    ]:
        args = [world.running.pk, world.step.pk] if name == "step_done" else [pk]
        assert client.post(reverse(f"improvements:{name}", args=args), data).status_code == 403, name
    assert client.post(reverse("improvements:candidate_propose"), {"key": "x"}).status_code == 403
    # Nobody asked dave to acknowledge the change.
    assert (
        client.post(
            reverse("improvements:step_acknowledge", args=[world.running.pk, world.step.pk])
        ).status_code
        == 403
    )
    assert snapshot() == before


def test_the_proposer_cannot_approve_their_own_proposal_through_the_page(client, alice, carol):
    improvement = proposed(carol, alice)
    client.force_login(carol)
    before = snapshot()
    assert client.post(reverse("improvements:approve", args=[improvement.pk])).status_code == 403
    assert snapshot() == before
    page = client.get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    assert "You proposed it: another manager approves it." in page
    assert reverse("improvements:approve", args=[improvement.pk]) not in page


def test_unknown_improvements_and_steps_are_not_found(client, alice, world):
    client.force_login(alice)
    assert client.get(reverse("improvements:detail", args=[999999])).status_code == 404
    assert client.get(f"/improvements/{2**63}/").status_code == 404
    other_step = world.checked.steps.first()
    before = snapshot()
    response = client.post(
        reverse("improvements:step_done", args=[world.running.pk, other_step.pk]), {"evidence": "x"}
    )
    assert response.status_code == 404
    assert snapshot() == before


# ---------------------------------------------------------------- the board


def test_the_board_groups_by_stage_and_filters(client, alice, bob, world):
    client.force_login(alice)
    page = client.get(reverse("improvements:board")).content.decode()
    for stage in Stage:
        assert f'data-stage="{stage.value}"' in page
    assert page.count('data-improvement="') == 3
    only = client.get(reverse("improvements:board"), {"stage": "checking"}).content.decode()
    assert only.count('data-improvement="') == 1
    assert f'data-improvement="{world.checked.pk}"' in only
    assert "improved" in only
    assert client.get(reverse("improvements:board"), {"stage": "nonsense"}).status_code == 400
    owned = client.get(reverse("improvements:board"), {"owner": alice.pk}).content.decode()
    assert owned.count('data-improvement="') == 0


def test_the_board_costs_the_same_queries_whatever_the_number(client, alice, bob, django_assert_num_queries):
    client.force_login(alice)
    for _ in range(2):
        proposed(alice, bob)
    client.get(reverse("improvements:board"))  # warm the session and the roles
    with django_assert_num_queries(7) as first:
        client.get(reverse("improvements:board"))
    for _ in range(5):
        proposed(alice, bob)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(reverse("improvements:board")).status_code == 200


# ---------------------------------------------------------------- propose and plan through the forms


def test_proposing_with_evidence_through_the_form(client, alice, report_case):
    c = report_case(subject="Late parcel")
    problem = Problem.objects.create(
        title="Courier misses slots", origin="manual", created_at=clock.now(), updated_at=clock.now()
    )
    client.force_login(alice)
    response = client.post(
        reverse("improvements:propose"),
        {
            "title": "Text customers a slot",
            "rationale": "Couriers arrive when nobody is in.",
            "problems": [problem.pk],
            "cases": c.reference.lower(),
            "theme": "missed slot",
            "metric": "promises_kept",
            "metric_text": "Promises kept fell to 71%",
        },
    )
    improvement = Improvement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("improvements:detail", args=[improvement.pk]) + "#plan"
    assert sorted(improvement.evidence.values_list("kind", flat=True)) == [
        "case",
        "feedback_theme",
        "metric",
        "problem",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "rationale": "R"}, "This field is required."),
        ({"title": "T", "rationale": "R", "cases": "PR-1999-000001"}, "No case PR-1999-000001."),
        ({"title": "T", "rationale": "R", "cases": "nonsense"}, "Not a case reference"),
        ({"title": "T", "rationale": "R", "metric": "csat"}, "Say what the figure shows."),
    ],
)
def test_a_bad_proposal_is_shown_again_with_the_error(client, alice, data, error):
    client.force_login(alice)
    response = client.post(reverse("improvements:propose"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Improvement.objects.count() == 0


def test_the_plan_form_takes_a_rate_target_as_a_percentage_and_refuses_a_snapshot(client, alice, bob):
    improvement = services.improvement_propose(actor=alice, title="T", rationale="R", owner=bob)
    client.force_login(alice)
    plan = {
        "metric": "promises_kept",
        "category": "",
        "baseline_start": "2026-06-01",
        "baseline_end": "2026-06-28",
        "target": "90",
        "review_date": "2026-07-31",
    }
    with clock.frozen(PLANNED):
        assert client.post(reverse("improvements:plan", args=[improvement.pk]), plan).status_code == 302
        improvement.refresh_from_db()
        assert (improvement.metric_id, improvement.target) == ("promises_kept", 0.9)
        response = client.post(
            reverse("improvements:plan", args=[improvement.pk]), {**plan, "metric": "backlog_age"}
        )
    assert response.status_code == 400  # not even a choice: the form lists only metrics that can be baselines
    assert Improvement.objects.get(pk=improvement.pk).metric_id == "promises_kept"


def test_a_full_cycle_through_the_forms(client, alice, bob, carol, dave):
    june_cases(40)
    improvement = services.improvement_propose(
        actor=alice, title="Fewer complaints", rationale="R", owner=bob
    )
    client.force_login(alice)
    url = lambda name, *extra: reverse(f"improvements:{name}", args=[improvement.pk, *extra])  # noqa: E731
    with clock.frozen(PLANNED):
        client.post(
            url("plan"),
            {
                "metric": "volume",
                "baseline_start": "2026-06-01",
                "baseline_end": "2026-06-28",
                "target": "20",
                "review_date": "2026-07-31",
            },
        )
        client.post(
            url("step_add"),
            {
                "kind": StepKind.COMMUNICATE,
                "text": "Tell the team",
                "owner": bob.pk,
                "due_date": "2026-07-02",
            },
        )
        client.force_login(carol)
        assert client.post(url("approve"), {"note": "Good"}).status_code == 302
        client.force_login(bob)
        assert client.post(url("do_start")).status_code == 302
    step = improvement.steps.get()
    with clock.frozen(DONE):
        response = client.post(url("step_done", step.pk), {"evidence": "Huddle"})
        assert response.status_code == 400
        assert "Choose the colleagues you told" in response.content.decode()
        assert (
            client.post(
                url("step_done", step.pk), {"evidence": "Huddle", "colleagues": [dave.pk]}
            ).status_code
            == 302
        )
    client.force_login(dave)
    page = client.get(url("detail")).content.decode()
    assert "Acknowledged by 0 of 1" in page
    assert client.post(url("step_acknowledge", step.pk)).status_code == 302
    client.force_login(bob)
    assert "Acknowledged by 1 of 1" in client.get(url("detail")).content.decode()
    after_cases(12)
    with clock.frozen(at(2026, 7, 20)):
        client.post(url("check"))
        assert Improvement.objects.get(pk=improvement.pk).stage == Stage.DOING
    with clock.frozen(CHECKED):
        client.get(url("detail"))  # the message from the refused Check above
        assert "Run the Check" in client.get(url("detail")).content.decode()
        client.post(url("check"))
        page = client.get(url("detail")).content.decode()
    assert "Improved." in page
    assert "Exact conditional test of two Poisson rates" in page
    assert client.post(url("act"), {"decision": "adjust", "reason": "Extend to returns"}).status_code == 302
    improvement.refresh_from_db()
    assert (improvement.stage, improvement.act_decision) == (Stage.ACTED, "adjust")
    nxt = improvement.children.get()
    assert (
        f'href="{reverse("improvements:detail", args=[nxt.pk])}"'
        in client.get(url("detail")).content.decode()
    )


def test_the_check_page_says_too_few_cases_to_tell(client, alice, bob, carol):
    june_cases(10)
    improvement = done(alice, bob, carol, target=5.0)
    after_cases(4)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=improvement)
    client.force_login(alice)
    page = client.get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    assert "Too few cases to tell." in page


# ---------------------------------------------------------------- candidates and the problem board


def test_a_manager_proposes_a_candidate_in_one_step(client, alice, carol):
    problem = Problem.objects.create(
        title="Courier misses slots",
        origin="manual",
        status="confirmed",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    for _i in range(3):
        ProblemCase.objects.create(problem=problem, case=case(clock.now()), linked_at=clock.now())
    MetricTarget.objects.create(metric_id="escalation_rate", target=0.0, set_at=clock.now())
    client.force_login(alice)
    page = client.get(reverse("improvements:candidates")).content.decode()
    assert f'data-candidate="largest_problem:{problem.pk}"' in page
    assert "candidate_propose" not in page and 'name="key"' not in page  # an agent sees no Propose button
    client.force_login(carol)
    response = client.post(
        reverse("improvements:candidate_propose"), {"key": f"largest_problem:{problem.pk}"}
    )
    improvement = Improvement.objects.get()
    assert response["Location"] == reverse("improvements:detail", args=[improvement.pk]) + "#plan"
    assert (improvement.proposer, improvement.stage) == (carol, Stage.PROPOSED)
    assert [(e.kind, e.problem_id) for e in improvement.evidence.all()] == [("problem", problem.pk)]
    page = client.get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    assert 'value="repeated_problem_share" selected' in page  # the suggested baseline metric
    board = client.get(reverse("problems:board")).content.decode()
    assert f'href="{reverse("improvements:detail", args=[improvement.pk])}"' in board
    stale = client.post(reverse("improvements:candidate_propose"), {"key": "largest_problem:999"})
    assert stale.status_code == 302
    assert Improvement.objects.count() == 1


def test_the_improvement_page_shows_the_problems_cases_before_and_after_do(client, alice, bob, carol):
    problem = Problem.objects.create(
        title="Courier misses slots",
        origin="manual",
        status="confirmed",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    for day in (10, 20, 25):  # June: before Do
        ProblemCase.objects.create(problem=problem, case=case(at(2026, 6, day)), linked_at=at(2026, 6, day))
    ProblemCase.objects.create(problem=problem, case=case(at(2026, 7, 10)), linked_at=at(2026, 7, 10))
    june_cases(40)
    improvement = proposed(alice, bob)
    services.evidence_add(
        actor=alice, improvement=improvement, evidence=services.EvidenceInput(kind="problem", problem=problem)
    )
    with clock.frozen(PLANNED):
        services.improvement_approve(actor=carol, improvement=improvement)
        cycle.do_start(actor=bob, improvement=improvement)
    with clock.frozen(DONE):
        cycle.step_complete(actor=bob, step=improvement.steps.get(), evidence="Done")
    client.force_login(alice)
    with clock.frozen(CHECKED):
        page = client.get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    row = page.split(f'<tr data-problem="{problem.pk}">')[1].split("</tr>")[0]
    assert "<td>3 <span" in row  # 3 June–30 June
    assert "<td>1 <span" in row  # 3–30 July
    assert date(2026, 7, 3).strftime("%-d %b") in row
