"""The problem endpoints: list, detail with cases and trend, link, unlink, transition; 403, 404, 409, 422."""

from __future__ import annotations

import pytest

from putright.cases import services as case_services
from putright.cases.models import Category
from putright.problems import services
from putright.problems.models import Problem, ProblemCase, ProblemStatus
from tests.conftest import make_report
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db


def new_case(i: int):
    case, _ = case_services.case_report(
        report=make_report(customer_name=f"Customer {i}", customer_email=f"customer{i}@example.com")
    )
    return case


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


@pytest.fixture
def problem(bob):
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    return services.problem_open(
        actor=None,
        title="Parcels marked delivered that never arrive",
        description="",
        origin="similarity",
        source_kind="a",
        category=delivery,
        cases=[new_case(i) for i in range(3)],
    )


def delete(api: Api, path: str, body=None):
    import json

    return api.client.delete(
        path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        headers=api.headers,
    )


def test_the_list_and_one_problem(api_as, alice, problem):
    api = api_as(alice)
    listed = api.get("/api/problems")
    assert listed.status_code == 200
    data = listed.json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["id"] == problem.pk and item["status"] == "suspected" and item["owner"] == "bob"
    assert (item["case_count"], item["customer_count"], item["recent_count"]) == (3, 3, 3)
    assert item["category"] == "delivery"

    detail = api.get(f"/api/problems/{problem.pk}").json()
    refs = {c["reference"] for c in detail["cases"]}
    assert refs == set(problem.links.values_list("case__reference", flat=True))
    assert detail["trend"]["days"] == 30 and len(detail["trend"]["new_cases"]) == 30
    assert detail["trend"]["new_cases"][-1] == 3
    assert api.get("/api/problems", status="closed").json()["count"] == 0
    assert api.get("/api/problems", status="all", owner="bob", category="delivery").json()["count"] == 1


def test_unknown_filters_and_problems(api_as, alice, problem):
    api = api_as(alice)
    response = api.get("/api/problems", owner="nobody")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "owner"]
    assert api.get("/api/problems", category="nope").status_code == 422
    assert api.get("/api/problems", status="maybe").status_code == 422
    assert api.get("/api/problems/999999").status_code == 404
    assert api.get("/api/problems/0").status_code == 422


def test_outsiders_and_missing_tokens(api_as, client, charlie, problem):
    assert client.get("/api/problems").status_code == 401
    api = api_as(charlie)
    assert api.get("/api/problems").status_code == 403
    assert api.post(f"/api/problems/{problem.pk}/transition", {"status": "confirmed"}).status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUSPECTED


def test_link_and_unlink_a_case(api_as, alice, problem):
    api = api_as(alice)
    case = new_case(50)
    response = api.post(f"/api/problems/{problem.pk}/links", {"reference": case.reference})
    assert response.status_code == 201
    assert case.reference in {c["reference"] for c in response.json()["cases"]}
    assert response.json()["cases"][0]["linked_by"] == "alice"

    again = api.post(f"/api/problems/{problem.pk}/links", {"reference": case.reference})
    assert again.status_code == 409 and again.json()["code"] == "already_done"
    missing = api.post(f"/api/problems/{problem.pk}/links", {"reference": "PR-2026-999999"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "reference",
    ]
    assert api.post(f"/api/problems/{problem.pk}/links", {"reference": "x", "extra": 1}).status_code == 422

    no_reason = delete(api, f"/api/problems/{problem.pk}/links/{case.reference}", {"reason": " "})
    assert no_reason.status_code == 422
    gone = delete(api, f"/api/problems/{problem.pk}/links/{case.reference}", {"reason": "Different courier"})
    assert gone.status_code == 200
    assert case.reference not in {c["reference"] for c in gone.json()["cases"]}
    assert ProblemCase.objects.get(problem=problem, case=case).unlink_reason == "Different courier"
    twice = delete(api, f"/api/problems/{problem.pk}/links/{case.reference}", {"reason": "again"})
    assert twice.status_code == 409
    assert delete(api, f"/api/problems/{problem.pk}/links/NOPE", {"reason": "x"}).status_code == 404


def test_transitions(api_as, bob, problem):
    api = api_as(bob)
    url = f"/api/problems/{problem.pk}/transition"
    assert api.post(url, {"status": "confirmed"}).json()["status"] == "confirmed"
    refused = api.post(url, {"status": "suspected"})
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    needs = api.post(url, {"status": "known_error", "root_cause": "Depot scanner"})
    assert needs.status_code == 422 and needs.json()["code"] == "invalid_input"
    done = api.post(url, {"status": "known_error", "root_cause": "Depot scanner", "workaround": "Resend"})
    assert done.status_code == 200
    assert done.json()["workaround"] == "Resend" and done.json()["status_label"] == "Known error"
    assert api.post(url, {"status": "fixed"}).status_code == 422
    assert Problem.objects.get().status == ProblemStatus.KNOWN_ERROR


def test_an_agent_cannot_move_on_a_problem_a_supervisor_owns(api_as, alice, bob, problem):
    events = problem.events.count()
    refused = api_as(alice).post(
        f"/api/problems/{problem.pk}/transition", {"status": "closed", "note": "Looks like noise."}
    )
    assert refused.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUSPECTED and problem.owner == bob and problem.closed_at is None
    assert problem.events.count() == events
    # The owner's role decides: a supervisor may, and once an agent owns it, so may any colleague.
    assert (
        api_as(bob).post(f"/api/problems/{problem.pk}/transition", {"status": "confirmed"}).status_code == 200
    )
    services.problem_assign(actor=bob, problem=problem, owner=alice)
    moved = api_as(alice).post(f"/api/problems/{problem.pk}/transition", {"status": "suspected"})
    assert moved.status_code == 409  # past the permission check, refused only by the stage rules
