"""S5 API: POST /api/signals (one or a batch; strict validation naming the field; idempotent ``id``;
any JSON body is a 2xx or a 422, never a 500), breach reads, and the proactive notice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from putright import clock
from putright.channels.models import Message
from putright.monitoring.models import Signal, SignalBreach, SignalThreshold
from putright.problems.models import Problem
from putright.vocab import SourceKind
from tests.conftest import aware
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db

NOW = aware(2031, 6, 2, 9)


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


@pytest.fixture
def south_west():
    return SignalThreshold.objects.create(
        name="Deliveries to the south-west running late",
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
    )


def reading(**overrides) -> dict:
    body = {
        "name": "delivery_delay_hours",
        "value": 50,
        "time": (NOW - timedelta(minutes=5)).isoformat(),
        "dimensions": {"region": "south-west", "carrier": "DPX"},
        "customers": ["priya@example.com"],
    }
    body.update(overrides)
    return body


def test_a_breaching_reading_is_stored_opens_a_problem_and_answers_201(
    api_as, alice, south_west, report_case
):
    report_case()
    with clock.frozen(NOW):
        response = api_as(alice).post("/api/signals", reading(id="wms-42"))
    assert response.status_code == 201, response.content
    data = response.json()
    signal = Signal.objects.get()
    breach = SignalBreach.objects.get()
    assert data == {
        "id": signal.pk,
        "created": True,
        "evaluated": True,
        "breaches": [{"id": breach.pk, "threshold": south_west.name, "problem": breach.problem_id}],
    }
    assert Problem.objects.get().source_kind == "d"
    assert signal.client_id == "wms-42"
    assert signal.observed_at == NOW - timedelta(minutes=5)
    assert breach.affected.get().email_key == "priya@example.com"


def test_a_retry_with_the_same_id_answers_200_with_the_first_reading(api_as, alice, south_west):
    api = api_as(alice)
    with clock.frozen(NOW):
        first = api.post("/api/signals", reading(id="wms-1"))
        again = api.post("/api/signals", reading(id="wms-1"))
        conflict = api.post("/api/signals", reading(id="wms-1", value=51))
    assert (first.status_code, again.status_code, conflict.status_code) == (201, 200, 409)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    assert conflict.json()["code"] == "idempotency_conflict"
    assert Signal.objects.count() == 1
    assert Problem.objects.count() == 1


def test_a_batch_is_stored_in_order_and_a_sustained_breach_opens_one_problem(api_as, alice, south_west):
    batch = [
        reading(value=40 + 5 * i, time=(NOW - timedelta(minutes=50 - 10 * i)).isoformat()) for i in range(5)
    ]
    with clock.frozen(NOW):
        response = api_as(alice).post("/api/signals", batch)
    assert response.status_code == 201
    items = response.json()["items"]
    assert [Signal.objects.get(pk=i["id"]).value for i in items] == [40, 45, 50, 55, 60]
    assert [len(i["breaches"]) for i in items] == [0, 0, 1, 1, 1]
    assert len({i["breaches"][0]["problem"] for i in items if i["breaches"]}) == 1
    assert Problem.objects.count() == 1


def test_without_a_time_the_reading_is_observed_when_received(api_as, alice):
    body = reading()
    del body["time"]
    with clock.frozen(NOW):
        assert api_as(alice).post("/api/signals", body).status_code == 201
    assert Signal.objects.get().observed_at == NOW


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "has space"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"value": "50"}, "value"),
        ({"value": True}, "value"),
        ({"value": None}, "value"),
        ({"value": 1e300}, "value"),
        ({"value": 10**20}, "value"),
        ({"time": (NOW + timedelta(hours=2)).isoformat()}, "time"),
        ({"time": "2031-06-02T09:00:00"}, "time"),  # no time zone
        ({"time": "1999-12-31T23:00:00+00:00"}, "time"),
        ({"time": "yesterday"}, "time"),
        ({"dimensions": ["south-west"]}, "dimensions"),
        ({"dimensions": "south-west"}, "dimensions"),
        ({"dimensions": {"region": {"name": "south-west"}}}, "region"),
        ({"dimensions": {"region": None}}, "region"),
        ({"dimensions": {f"d{i}": 1 for i in range(21)}}, "dimensions"),
        ({"customers": ["x@example.com"] * 1001}, "customers"),
        ({"customers": "priya@example.com"}, "customers"),
        ({"customers": [0]}, 0),
        ({"customers": [{}]}, 0),
        ({"customers": [[1]]}, 0),
        ({"id": ""}, "id"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_readings_are_a_422_naming_the_field_and_store_nothing(api_as, alice, changes, field):
    with clock.frozen(NOW):
        response = api_as(alice).post("/api/signals", reading(**changes))
    assert response.status_code == 422, response.content
    assert any(field in d["loc"] for d in response.json()["detail"]), response.json()
    assert Signal.objects.count() == 0


def test_nan_and_infinity_are_not_json_and_an_empty_or_oversized_batch_is_refused(api_as, alice):
    api = api_as(alice)
    assert api.post("/api/signals", raw='{"name": "x", "value": NaN}').status_code == 400
    assert api.post("/api/signals", raw='{"name": "x", "value": Infinity}').status_code == 400
    assert api.post("/api/signals", []).status_code == 422
    with clock.frozen(NOW):
        assert api.post("/api/signals", [reading()] * 101).status_code == 422
    assert Signal.objects.count() == 0


def test_the_customer_limit_follows_the_setting(api_as, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "SIGNAL_MAX_CUSTOMERS": 2}
    with clock.frozen(NOW):
        response = api_as(alice).post("/api/signals", reading(customers=["a@x.com", "b@x.com", "c@x.com"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "customers"


def test_outsiders_get_403_and_no_token_401(client, api_as, charlie):
    assert api_as(charlie).post("/api/signals", reading()).status_code == 403
    assert Api(client, None).post("/api/signals", reading()).status_code == 401
    assert Signal.objects.count() == 0


def test_breaches_can_be_read_and_a_supervisor_sends_the_notice(
    api_as, alice, bob, south_west, report_case, django_capture_on_commit_callbacks
):
    case = report_case()
    with clock.frozen(NOW):
        api_as(alice).post(
            "/api/signals", reading(customers=["priya@example.com", {"postcode_prefix": "BS1"}])
        )
    breach = SignalBreach.objects.get()
    listing = api_as(alice).get("/api/signals/breaches").json()
    assert listing["count"] == 1
    detail = api_as(alice).get(f"/api/signals/breaches/{breach.pk}").json()
    assert detail["rule"] == "delivery_delay_hours > 48"
    assert detail["problem"] == breach.problem_id
    assert detail["unmatched"] == [{"postcode_prefix": "BS1"}]
    assert detail["affected"] == [
        {
            "customer": "Priya Shah",
            "email": "priya@example.com",
            "matched_by": "email",
            "notified_at": None,
            "case": case.reference,
        }
    ]
    notice = {"subject": "Your delivery may be late", "body": "Sorry: we are on it."}
    denied = api_as(alice).post(f"/api/signals/breaches/{breach.pk}/notice", notice)
    assert denied.status_code == 403
    assert not Message.objects.filter(subject=notice["subject"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = api_as(bob).post(f"/api/signals/breaches/{breach.pk}/notice", notice)
    assert sent.status_code == 200
    assert sent.json() == {"total": 1, "notified": 1, "pending": 0, "failed": 0, "queued": False}
    assert Message.objects.get(subject=notice["subject"]).prompt == Message.Prompt.UNPROMPTED
    again = api_as(bob).post(f"/api/signals/breaches/{breach.pk}/notice", notice)
    assert (again.status_code, again.json()["code"]) == (409, "already_done")
    assert api_as(bob).get("/api/signals/breaches/999999").status_code == 404
    assert api_as(alice).get("/api/signals", breached_only=True).json()["count"] == 1


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
FIELDS = ["name", "value", "time", "dimensions", "customers", "id"]


@st.composite
def signal_bodies(draw):
    """Mostly near-valid readings with fields swapped for anything, sometimes any JSON at all."""
    if draw(st.booleans()):
        return draw(json_values)
    body = reading()
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            body[field] = draw(json_values)
        else:
            body.pop(field, None)
    return [body] if draw(st.integers(0, 5)) == 0 else body


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=signal_bodies())
def test_any_json_body_is_a_2xx_or_422_never_a_500(api_as, alice, body):
    before = Signal.objects.count()
    with clock.frozen(NOW):
        response = api_as(alice).post("/api/signals", raw=json.dumps(body))
    assert response.status_code in (200, 201, 409, 422), response.content
    added = Signal.objects.count() - before
    if response.status_code == 201:
        assert added >= 1
    else:
        assert added == 0
