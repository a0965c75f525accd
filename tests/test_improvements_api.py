"""GET /api/improvements (issue 14 §5): the shape, the stage filter, the error shapes and who may."""

from __future__ import annotations

import pytest

from putright import clock
from putright.improvements import cycle
from putright.improvements.models import Improvement
from tests.improvements_fixtures import CHECKED, after_cases, done, june_cases, proposed
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


@pytest.fixture
def two(alice, bob, carol):
    june_cases(40)
    first = proposed(alice, bob, filters={"channel": "web"})
    checked = done(alice, bob, carol, filters={"channel": "web"})
    after_cases(12)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=checked)
    return first, Improvement.objects.get(pk=checked.pk)


def test_each_item_has_exactly_the_published_keys(api_as, alice, two):
    proposal, checked = two
    response = api_as(alice).get("/api/improvements")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    assert set(by_id[proposal.pk]) == {"id", "title", "stage", "owner", "metric", "baseline", "result"}
    assert by_id[proposal.pk] == {
        "id": proposal.pk,
        "title": "Fewer delivery complaints",
        "stage": "proposed",
        "owner": "bob",
        "metric": {"id": "volume", "title": "Cases opened", "unit": "count", "higher_is_better": None},
        "baseline": {
            "metric_id": "volume",
            "filter": {"channel": "web"},
            "window": {"start": "2026-06-01", "end": "2026-06-28"},
            "value": None,
            "numerator": None,
            "denominator": None,
            "n": None,
        },
        "result": None,
    }
    item = by_id[checked.pk]
    assert item["baseline"]["value"] == 40.0 and item["baseline"]["n"] == 40
    assert item["result"] == {
        "window": {"start": "2026-07-03", "end": "2026-07-30"},
        "value": 12.0,
        "effect": checked.effect,
        "ci_low": checked.ci_low,
        "ci_high": checked.ci_high,
        "p_value": checked.p_value,
        "test": "poisson_rate",
        "verdict": "improved",
    }


def test_filter_by_stage(api_as, alice, two):
    proposal, checked = two
    api = api_as(alice)
    assert [i["id"] for i in api.get("/api/improvements", stage="checking").json()["items"]] == [checked.pk]
    assert [i["id"] for i in api.get("/api/improvements", stage="proposed").json()["items"]] == [proposal.pk]
    assert api.get("/api/improvements", stage="acted").json() == {"count": 0, "items": []}


def test_a_bad_stage_is_422_in_the_apis_error_shape(api_as, alice):
    response = api_as(alice).get("/api/improvements", stage="finished")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "stage"]
    assert api_as(alice).get("/api/improvements", limit=0).status_code == 422


def test_staff_only(api_as, client, charlie, two):
    assert api_as(charlie).get("/api/improvements").status_code == 403
    assert Api(client, None).get("/api/improvements").status_code == 401


def test_the_list_costs_the_same_queries_whatever_the_number(api_as, alice, bob, django_assert_num_queries):
    api = api_as(alice)
    proposed(alice, bob)
    api.get("/api/improvements")
    with django_assert_num_queries(4) as first:
        api.get("/api/improvements")
    for _ in range(4):
        proposed(alice, bob)
    with django_assert_num_queries(len(first.captured_queries)):
        assert api.get("/api/improvements").json()["count"] == 5
