"""S4 API: GET /api/feedback with the page's filters, GET /api/feedback/themes, and POST /api/feedback
for survey responses from other systems (idempotent on ``id``; 422 naming the field; never a 500)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from putright import clock
from putright.cases.models import Category
from putright.feedback import services
from putright.feedback.models import FeedbackItem
from tests.conftest import aware
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


def test_a_survey_response_is_created_once_per_id(api_as, alice, report_case):
    case = report_case()
    api = api_as(alice)
    body = {
        "source": "survey",
        "text": "Courier left it in the rain",
        "satisfied": False,
        "case": case.reference,
        "id": "survey-77",
    }
    first = api.post("/api/feedback", body)
    assert first.status_code == 201
    data = first.json()
    assert data["case"] == case.reference
    assert data["source"] == "survey"
    assert data["satisfied"] is False
    assert data["shared_by"] == "alice"
    assert data["external_id"] == "survey-77"
    again = api.post("/api/feedback", body)
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    conflict = api.post("/api/feedback", {**body, "text": "Something else"})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    assert FeedbackItem.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "ok", "source": "satisfaction"}, "source"),
        ({"text": "ok", "satisfied": "maybe"}, "satisfied"),
        ({"text": "ok", "customer_email": "not-an-email"}, "customer_email"),
        ({"text": "ok", "case": "PR-2031-999999"}, "case"),
        ({"text": "ok", "case": "nonsense"}, "case"),
        ({"text": "ok", "category": "no-such"}, "category"),
        ({"text": "ok", "id": "has space"}, "id"),
        ({"text": "ok", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_feedback_is_a_422_naming_the_field_and_stores_nothing(api_as, alice, body, field):
    response = api_as(alice).post("/api/feedback", body)
    assert response.status_code == 422, response.content
    locs = [d["loc"][-1] for d in response.json()["detail"]]
    assert field in locs
    assert FeedbackItem.objects.count() == 0


def test_the_list_takes_the_same_filters_as_the_page(api_as, alice):
    category = Category.objects.create(name="Delivery", slug="delivery")
    with clock.frozen(aware(2031, 5, 1)):
        services.feedback_receive(actor=alice, source="survey", text="Rude courier", category=category)
    with clock.frozen(aware(2031, 5, 3)):
        services.feedback_receive(actor=alice, source="comment", text="Nice website")
    api = api_as(alice)
    everything = api.get("/api/feedback").json()
    assert everything["count"] == 2
    assert [i["text"] for i in everything["items"]] == ["Nice website", "Rude courier"]
    assert [i["text"] for i in api.get("/api/feedback", category="delivery").json()["items"]] == [
        "Rude courier"
    ]
    assert [i["text"] for i in api.get("/api/feedback", source="comment").json()["items"]] == ["Nice website"]
    assert api.get("/api/feedback", q="courier").json()["count"] == 1
    assert api.get("/api/feedback", date_from="2031-05-02").json()["count"] == 1
    assert api.get("/api/feedback", limit=1, offset=1).json()["items"][0]["text"] == "Rude courier"
    bad = api.get("/api/feedback", date_from="2031-05-03", date_to="2031-05-01")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "date_to"
    assert api.get("/api/feedback", sentiment="furious").status_code == 422


def test_themes_rise_over_the_period(api_as, alice):
    now = aware(2031, 5, 20)
    for days in (1, 2, 3):
        with clock.frozen(now - timedelta(days=days)):
            services.feedback_receive(actor=alice, source="survey", text="Parcel left outside again")
    with clock.frozen(now):
        data = api_as(alice).get("/api/feedback/themes").json()
    assert data["current_total"] == 3
    assert data["previous_total"] == 0
    assert {"term": "left outside", "current_count": 3, "previous_count": 0, "growth": 4.0} in data["themes"]


def test_outsiders_get_403_and_no_token_401(client, api_as, charlie):
    assert api_as(charlie).get("/api/feedback").status_code == 403
    assert api_as(charlie).post("/api/feedback", {"text": "hi"}).status_code == 403
    assert Api(client, None).get("/api/feedback").status_code == 401
    assert FeedbackItem.objects.count() == 0


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ["source", "text", "satisfied", "customer_email", "case", "category", "id"]
bodies = json_values | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_any_json_body_is_answered_without_a_server_error(api_as, alice, body):
    before = FeedbackItem.objects.count()
    response = api_as(alice).post("/api/feedback", raw=json.dumps(body))
    assert response.status_code in (200, 201, 409, 422), response.content
    added = FeedbackItem.objects.count() - before
    assert added == (1 if response.status_code == 201 else 0)
