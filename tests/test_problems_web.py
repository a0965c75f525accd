"""Problem pages: the board, one problem, its actions, owner routes, regrouping status and the case panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Category
from putright.problems import services
from putright.problems.models import Problem, ProblemCase, ProblemOwnerRoute, ProblemStatus, RegroupRun
from tests.conftest import make_report

pytestmark = pytest.mark.django_db


def new_case(i: int, **overrides):
    data = dict(customer_name=f"Customer {i}", customer_email=f"customer{i}@example.com")
    data.update(overrides)
    case, _ = case_services.case_report(report=make_report(**data))
    return case


@pytest.fixture
def delivery():
    return Category.objects.create(name="Delivery", slug="delivery")


@pytest.fixture
def problem(bob, delivery):
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    return services.problem_open(
        actor=None,
        title="Parcels marked delivered that never arrive",
        description="Customers say the tracking shows delivered.",
        origin="similarity",
        source_kind="a",
        category=delivery,
        cases=[new_case(i) for i in range(3)],
    )


def problems_for_board(n: int, delivery) -> list[Problem]:
    made = []
    for p in range(n):
        cases = [new_case(1000 * (p + 1) + i) for i in range(2)]
        made.append(
            services.problem_open(
                actor=None,
                title=f"Problem number {p}",
                description="",
                origin="similarity",
                source_kind="a",
                category=delivery,
                cases=cases,
            )
        )
    return made


# ---------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("problems:board", {}),
        ("problems:board_trend", {}),
        ("problems:owners", {}),
        ("problems:regroup_status", {}),
        ("problems:detail", {"pk": 1}),
        ("problems:trend", {"pk": 1}),
    ],
)
def test_anonymous_people_are_sent_to_sign_in_and_outsiders_get_403(client, charlie, problem, name, kwargs):
    kwargs = {"pk": problem.pk} if kwargs else {}
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(charlie)
    response = client.get(url)
    assert response.status_code == 403
    assert "Parcels marked delivered" not in response.content.decode()


def test_outsiders_can_change_nothing(client, charlie, problem):
    client.force_login(charlie)
    case = problem.links.first().case
    posts = [
        (reverse("problems:transition", args=[problem.pk]), {"status": "confirmed"}),
        (reverse("problems:take", args=[problem.pk]), {}),
        (reverse("problems:link", args=[problem.pk]), {"reference": new_case(77).reference}),
        (reverse("problems:unlink", args=[problem.pk, case.reference]), {"reason": "no"}),
        (reverse("problems:merge", args=[problem.pk]), {"target": problem.pk, "reason": "x"}),
        (reverse("problems:open"), {"title": "x", "source_kind": "b"}),
        (reverse("problems:regroup_start"), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUSPECTED
    assert ProblemCase.objects.filter(problem=problem, unlinked_at__isnull=True).count() == 3
    assert Problem.objects.count() == 1 and not RegroupRun.objects.exists()


def test_agents_cannot_merge_assign_others_or_set_owner_routes(client, alice, dave, bob, problem, delivery):
    other = services.problem_open(
        actor=None, title="Other", description="", origin="manual", source_kind="b", category=delivery
    )
    client.force_login(alice)
    response = client.post(
        reverse("problems:merge", args=[other.pk]), {"target": problem.pk, "reason": "same"}
    )
    assert response.status_code == 403
    response = client.post(reverse("problems:assign", args=[problem.pk]), {"owner": dave.pk})
    assert response.status_code == 403
    response = client.post(reverse("problems:owners"), {"owner": alice.pk, "category": delivery.pk})
    assert response.status_code == 403
    route = ProblemOwnerRoute.objects.get()
    assert client.post(reverse("problems:owner_remove", args=[route.pk])).status_code == 403
    other.refresh_from_db()
    problem.refresh_from_db()
    assert other.status == ProblemStatus.SUSPECTED and other.merged_into is None
    assert problem.owner == bob
    assert ProblemOwnerRoute.objects.get().owner == bob
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "Merge into another problem" not in page
    # A supervisor owns it, so the page does not offer what the service would refuse.
    assert "Take ownership" not in page and 'for="id_transition_status"' not in page


def test_agents_cannot_move_on_or_take_a_problem_a_supervisor_owns(client, alice, bob, dave, problem):
    events = problem.events.count()
    client.force_login(alice)
    response = client.post(
        reverse("problems:transition", args=[problem.pk]), {"status": "closed", "note": "Looks like noise."}
    )
    assert response.status_code == 403
    assert client.post(reverse("problems:take", args=[problem.pk])).status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUSPECTED and problem.owner == bob and problem.closed_at is None
    assert problem.events.count() == events

    # Once an agent owns it, any colleague may take it and move it on.
    services.problem_assign(actor=bob, problem=problem, owner=dave)
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "Take ownership" in page and 'for="id_transition_status"' in page
    assert client.post(reverse("problems:take", args=[problem.pk])).status_code == 302
    assert (
        client.post(reverse("problems:transition", args=[problem.pk]), {"status": "confirmed"}).status_code
        == 302
    )
    problem.refresh_from_db()
    assert problem.owner == alice and problem.status == ProblemStatus.CONFIRMED


def test_a_supervisor_moves_on_and_takes_a_supervisors_problem_from_the_page(client, bob, carol, problem):
    client.force_login(carol)
    assert (
        client.post(reverse("problems:transition", args=[problem.pk]), {"status": "confirmed"}).status_code
        == 302
    )
    assert client.post(reverse("problems:take", args=[problem.pk])).status_code == 302
    problem.refresh_from_db()
    assert problem.owner == carol and problem.status == ProblemStatus.CONFIRMED


# ---------------------------------------------------------------- the board


def test_the_board_lists_open_problems_fastest_growing_first(client, alice, bob, delivery):
    quiet, busy = problems_for_board(2, delivery)
    for i in range(3):
        services.problem_link_case(actor=alice, problem=busy, case=new_case(500 + i))
    services.problem_transition(actor=bob, problem=quiet, status=ProblemStatus.CONFIRMED)
    closed = problems_for_board(1, delivery)[0]
    services.problem_transition(actor=bob, problem=closed, status=ProblemStatus.CLOSED, note="noise")

    client.force_login(alice)
    response = client.get(reverse("problems:board"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(f'data-problem="{busy.pk}"') < page.index(f'data-problem="{quiet.pk}"')
    assert f'data-problem="{closed.pk}"' not in page
    assert "2 problems" in page
    assert 'data-chart-url="/problems/trend.json"' in page
    assert '<svg class="sparkline"' in page and "5 in the last 14 days" in page

    page = client.get(reverse("problems:board"), {"status": "closed"}).content.decode()
    assert f'data-problem="{closed.pk}"' in page and f'data-problem="{busy.pk}"' not in page
    page = client.get(reverse("problems:board"), {"status": "all", "owner": bob.pk}).content.decode()
    assert "3 problems" in page


def test_bad_board_filters_are_a_400_with_the_errors_not_a_500(client, alice):
    client.force_login(alice)
    response = client.get(reverse("problems:board"), {"status": "nonsense", "owner": "x"})
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_the_board_query_count_does_not_grow_with_problems(
    client, alice, delivery, django_assert_max_num_queries
):
    client.force_login(alice)
    problems_for_board(2, delivery)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("problems:board"))
    problems_for_board(8, delivery)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("problems:board"))
    assert response.content.decode().count("data-problem=") == 10


def test_the_board_chart_data_has_a_line_per_busy_problem(client, alice, delivery):
    made = problems_for_board(6, delivery)
    client.force_login(alice)
    data = client.get(reverse("problems:board_trend")).json()
    assert data["type"] == "line"
    assert len(data["labels"]) == 30 and data["labels"][-1] == clock.now().date().isoformat()
    assert len(data["datasets"]) == 5
    assert all(sum(ds["data"]) == 2 for ds in data["datasets"])
    assert {ds["label"].split()[0] for ds in data["datasets"]} <= {f"#{p.pk}" for p in made}


# ---------------------------------------------------------------- one problem


def test_the_problem_page_shows_its_cases_history_and_actions(client, bob, problem):
    client.force_login(bob)
    response = client.get(reverse("problems:detail", args=[problem.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for link in problem.links.all():
        assert link.case.reference in page
    assert "Customers affected</dt><dd>3" in page
    assert f'data-chart-url="/problems/{problem.pk}/trend.json?days=30"' in page
    assert "Suspected problem opened" in page
    assert 'for="id_transition_status"' in page and 'for="id_link_reference"' in page
    assert client.get(reverse("problems:detail", args=[10**6])).status_code == 404
    assert client.get(f"/problems/{10**20}/").status_code == 404


def test_the_problem_page_query_count_does_not_grow_with_cases(
    client, alice, problem, django_assert_max_num_queries
):
    client.force_login(alice)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("problems:detail", args=[problem.pk]))
    for i in range(10):
        services.problem_link_case(actor=alice, problem=problem, case=new_case(700 + i))
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("problems:detail", args=[problem.pk]))
    assert response.content.decode().count('class="linked-cases"') == 1


def test_the_trend_data_counts_cases_by_the_day_they_were_reported(client, alice, problem):
    with clock.frozen(clock.now() - timedelta(days=40)):
        old = new_case(900)
    services.problem_link_case(actor=alice, problem=problem, case=old)
    client.force_login(alice)
    data = client.get(reverse("problems:trend", args=[problem.pk]), {"days": "30"}).json()
    assert data["datasets"][0]["data"][-1] == 3 and sum(data["datasets"][0]["data"]) == 3
    data90 = client.get(reverse("problems:trend", args=[problem.pk]), {"days": "90"}).json()
    assert len(data90["labels"]) == 90 and sum(data90["datasets"][0]["data"]) == 4
    assert client.get(reverse("problems:trend", args=[problem.pk]), {"days": "7"}).status_code == 400


def test_moving_to_known_error_from_the_page_needs_root_cause_and_workaround(client, bob, problem):
    client.force_login(bob)
    url = reverse("problems:transition", args=[problem.pk])
    client.post(url, {"status": "confirmed"})
    response = client.post(url, {"status": "known_error", "root_cause": "", "workaround": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "a known error needs one" in page
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CONFIRMED

    response = client.post(
        url,
        {"status": "known_error", "root_cause": "Depot scanner", "workaround": "Resend by Swiftpost at once"},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR
    # A move the stage does not allow is refused beside the field, not a 500.
    response = client.post(url, {"status": "suspected"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_linking_and_unlinking_cases_from_the_page(client, alice, problem):
    client.force_login(alice)
    case = new_case(42)
    response = client.post(reverse("problems:link", args=[problem.pk]), {"reference": case.reference.lower()})
    assert response.status_code == 302
    assert ProblemCase.objects.filter(problem=problem, case=case, linked_by=alice).exists()

    response = client.post(reverse("problems:link", args=[problem.pk]), {"reference": "PR-2026-999999"})
    assert response.status_code == 400 and "no case with that reference" in response.content.decode()
    response = client.post(
        reverse("problems:link", args=[problem.pk]), {"reference": case.reference}, follow=True
    )
    assert "already linked" in response.content.decode()

    unlink = reverse("problems:unlink", args=[problem.pk, case.reference])
    response = client.post(unlink, {"reason": ""})
    assert response.status_code == 400
    response = client.post(unlink, {"reason": "Different courier altogether"})
    assert response.status_code == 302
    link = ProblemCase.objects.get(problem=problem, case=case)
    assert link.unlink_reason == "Different courier altogether"
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "Cases unlinked earlier (1)" in page


def test_a_supervisor_merges_and_assigns_from_the_page(client, bob, dave, problem, delivery):
    other = services.problem_open(
        actor=None,
        title="Tracking says delivered",
        description="",
        origin="similarity",
        source_kind="a",
        category=delivery,
        cases=[new_case(60)],
    )
    client.force_login(bob)
    response = client.post(
        reverse("problems:merge", args=[other.pk]), {"target": problem.pk, "reason": "Same fault"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "problems:detail", args=[problem.pk]
    )
    other.refresh_from_db()
    assert other.merged_into == problem
    page = client.get(reverse("problems:detail", args=[other.pk])).content.decode()
    assert "Merged into" in page

    response = client.post(reverse("problems:assign", args=[problem.pk]), {"owner": dave.pk})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.owner == dave


def test_opening_a_problem_by_hand_from_the_board(client, alice, bob, delivery):
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    client.force_login(alice)
    response = client.post(reverse("problems:open"), {"title": "", "source_kind": "d"})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    response = client.post(
        reverse("problems:open"),
        {
            "title": "Courier app outage",
            "source_kind": "d",
            "category": delivery.pk,
            "description": "Seen on scans",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "problems:detail", args=[problem.pk]
    )
    assert problem.origin == "manual" and problem.source_kind == "d" and problem.owner == bob


# ---------------------------------------------------------------- owner routes and regrouping


def test_a_supervisor_sets_owner_routes_on_their_page(client, bob, carol, delivery):
    client.force_login(bob)
    page = client.get(reverse("problems:owners")).content.decode()
    assert "No routes yet" in page and 'for="id_route_owner"' in page
    response = client.post(
        reverse("problems:owners"), {"category": delivery.pk, "product": "", "owner": carol.pk}
    )
    assert response.status_code == 302
    route = ProblemOwnerRoute.objects.get()
    assert route.owner == carol
    assert client.post(reverse("problems:owners"), {"owner": ""}).status_code == 400
    client.post(reverse("problems:owner_remove", args=[route.pk]))
    assert not ProblemOwnerRoute.objects.exists()


def test_the_regroup_status_polls_while_running_and_stops_when_done(client, bob, alice):
    client.force_login(bob)
    page = client.get(reverse("problems:board")).content.decode()
    assert "Not run from here yet" in page
    response = client.post(reverse("problems:regroup_start"))
    assert response.status_code == 302
    run = RegroupRun.objects.get()
    RegroupRun.objects.filter(pk=run.pk).update(status="running", total=200, processed=50)
    fragment = client.get(reverse("problems:regroup_status")).content.decode()
    assert 'hx-trigger="every 3s"' in fragment and "50 of 200 cases (25%)" in fragment
    RegroupRun.objects.filter(pk=run.pk).update(
        status="done", processed=200, problems_opened=2, cases_linked=11, finished_at=clock.now()
    )
    fragment = client.get(reverse("problems:regroup_status")).content.decode()
    assert "hx-trigger" not in fragment and "2 problems opened, 11 cases linked" in fragment
    client.force_login(alice)
    assert "Group the whole history again" not in client.get(reverse("problems:board")).content.decode()


# ---------------------------------------------------------------- the panel on a case


def test_a_case_in_a_known_problem_shows_it_and_its_workaround(client, alice, bob, problem):
    case = problem.links.first().case
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Part of problem:" in page and "Workaround:" not in page

    services.problem_transition(actor=bob, problem=problem, status=ProblemStatus.CONFIRMED)
    services.problem_transition(
        actor=bob,
        problem=problem,
        status=ProblemStatus.KNOWN_ERROR,
        root_cause="Depot scanner marks parcels delivered",
        workaround="Resend at once by Swiftpost; no need to wait 48 hours.",
    )
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Part of known problem:" in page
    assert 'Workaround:</strong> <span class="pre">Resend at once by Swiftpost' in page
    assert reverse("problems:detail", args=[problem.pk]) in page
    other = new_case(99)
    assert "Part of" not in client.get(reverse("cases:detail", args=[other.reference])).content.decode()
