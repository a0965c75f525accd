"""The API for purchase facts, the appraisal, statutory options and negotiation: 200s, 422s naming the field."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from putright import clock
from putright.authority.models import ApiToken
from putright.cases import services as case_services
from putright.cases.models import Case, Option
from putright.resolution.models import Offer
from putright.vocab import RemedyType, Status
from tests.conftest import aware

pytestmark = pytest.mark.django_db

NOW = aware(2026, 3, 10, 9, 0)
KETTLE = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": True,
    "fault_reported_date": "2026-03-09",
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


class Api:
    def __init__(self, client, user) -> None:
        raw, prefix, key_hash = ApiToken.generate()
        ApiToken.objects.create(user=user, name="test", prefix=prefix, key_hash=key_hash)
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body=None):
        data = "" if body is None else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", headers=self.headers)

    def put(self, path: str, body):
        return self.client.put(
            path, data=json.dumps(body), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def test_put_facts_answers_with_the_statutory_position(api, alice, case_with_options):
    ref = case_with_options.reference
    response = api(alice).put(f"/api/cases/{ref}/facts", KETTLE)

    assert response.status_code == 200
    data = response.json()
    assert (data["reference"], data["is_statutory_breach"], data["assessed_on"]) == (ref, True, "2026-03-10")
    assert data["purchase_facts"] == KETTLE
    assert [(r["remedy"], r["rule"], r["available_until"]) for r in data["assessment"]["remedies"]] == [
        ("short_term_reject", "G1", "2026-04-02"),
        ("repair", "G5", "2032-03-03"),
        ("replace", "G5", "2032-03-03"),
    ]
    assert data["assessment"]["unconfirmed"] == ["G13"]
    assert Case.objects.get(pk=case_with_options.pk).is_statutory_breach is True
    assert api(alice).get(f"/api/cases/{ref}/facts").json() == data


@pytest.mark.parametrize(
    "body, loc, text",
    [
        ({**KETTLE, "colour": "red"}, ["body", "payload", "colour"], "Extra inputs are not permitted"),
        ({**KETTLE, "fault": "yes"}, ["body", "payload", "fault"], "valid boolean"),
        ({**KETTLE, "delivery_date": "03/03/2026"}, ["body", "payload", "delivery_date"], "pattern"),
        ({**KETTLE, "today": "2026-03-10"}, ["body", "payload", "today"], "Extra inputs"),
        ({**KETTLE, "delivery_date": "2026-02-30"}, ["body", "payload", "delivery_date"], "not a real date"),
        (
            {**KETTLE, "fault_reported_date": "2026-03-01"},
            ["body", "payload", "fault_reported_date"],
            "must not be before delivery_date",
        ),
        ({"fault": True}, ["body", "payload", "supply"], "Field required"),
    ],
)
def test_put_facts_is_422_naming_the_field_and_changes_nothing(
    api, alice, case_with_options, body, loc, text
):
    response = api(alice).put(f"/api/cases/{case_with_options.reference}/facts", body)
    assert response.status_code == 422
    [error] = [e for e in response.json()["detail"] if e["loc"] == loc]
    assert text in error["msg"]
    assert Case.objects.get(pk=case_with_options.pk).purchase_facts == {}


def test_the_appraisal_lists_scores_authority_and_the_suggested_best(api, alice, case_with_options):
    ref = case_with_options.reference
    api(alice).put(f"/api/cases/{ref}/facts", KETTLE)
    response = api(alice).post(f"/api/cases/{ref}/options/statutory")
    assert response.status_code == 201
    created = response.json()["created"]
    assert len(created) == 3
    assert api(alice).post(f"/api/cases/{ref}/options/statutory").json()["code"] == "already_done"

    response = api(alice).get(f"/api/cases/{ref}/appraisal")
    assert response.status_code == 200
    data = response.json()
    assert [o["option_id"] for o in data["options"]] == created
    best = data["suggested_best"]
    assert best["title"] == "Replacement at our cost (G5)"
    assert len(best["reasons"]) >= 2
    refund = data["options"][0]
    # £449 is beyond alice's £100 limit, but the refund is the customer's legal right (G1) within the
    # statutory ceiling and the price (K4.statutory).
    assert refund["authority"] == {
        "within": True,
        "label": "Within your authority",
        "approver": "",
        "reasons": [],
    }
    assert [f["factor"] for f in refund["factors"]][:3] == [
        "customer_benefit",
        "customer_preference",
        "legal_obligation",
    ]
    assert sum(Decimal(f["points"]) for f in refund["factors"]) == Decimal(refund["total"])
    assert data["weights"]["legal_obligation"] == "3.0"
    assert data["statutory"]["is_statutory_breach"] is True

    # Recommending another than the suggested best needs a reason (409 without one).
    response = api(alice).post(
        f"/api/cases/{ref}/options/{created[1]}/recommend",
        {"justification": "Cheaper.", "factors": ["cost", "feasibility"]},
    )
    assert (response.status_code, response.json()["code"]) == (409, "override_reason_required")
    response = api(alice).post(
        f"/api/cases/{ref}/options/{created[1]}/recommend",
        {
            "justification": "Cheaper.",
            "factors": ["cost", "feasibility"],
            "override_reason": "They asked for it.",
        },
    )
    assert (response.status_code, response.json()["status"]) == (200, "awaiting_customer")


def test_the_negotiation_through_the_api(api, alice, case_with_options):
    ref = case_with_options.reference
    option = case_services.option_add(
        actor=alice,
        case=case_with_options,
        option=case_services.OptionInput(
            title="Partial refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("40")
        ),
    )
    response = api(alice).post(f"/api/cases/{ref}/offers", {"option_id": option.pk, "method": "phone"})
    assert (response.status_code, response.json()["amount"], response.json()["party"]) == (
        201,
        "40.00",
        "organisation",
    )
    response = api(alice).post(
        f"/api/cases/{ref}/offers/counter", {"option_id": option.pk, "method": "email", "amount": "70.00"}
    )
    assert response.status_code == 201
    counter_id = response.json()["id"]
    response = api(alice).post(f"/api/cases/{ref}/offers/{counter_id}/settle", {"note": "Fair"})
    assert (response.status_code, response.json()["kind"], response.json()["responds_to"]) == (
        201,
        "accepted",
        counter_id,
    )
    history = api(alice).get(f"/api/cases/{ref}/offers").json()["offers"]
    assert [(o["party"], o["kind"], o["amount"]) for o in history] == [
        ("organisation", "offer", "40.00"),
        ("customer", "counter_offer", "70.00"),
        ("organisation", "accepted", "70.00"),
    ]
    assert Case.objects.get(pk=case_with_options.pk).status == Status.AWAITING_CUSTOMER
    # The record export carries the history too.
    record = api(alice).get(f"/api/cases/{ref}/record").json()
    assert [o["kind"] for o in record["offers"]] == ["offer", "counter_offer", "accepted"]

    # Answering it again is a conflict; an offer on another case's option is not found.
    response = api(alice).post(f"/api/cases/{ref}/offers/{counter_id}/reject", {"method": "phone"})
    assert (response.status_code, response.json()["code"]) == (409, "offer_not_open")
    response = api(alice).post(f"/api/cases/{ref}/offers", {"option_id": 999999, "method": "phone"})
    assert response.status_code == 404


def test_someone_without_a_role_is_refused_everywhere(api, charlie, case_with_options):
    ref = case_with_options.reference
    client = api(charlie)
    assert client.put(f"/api/cases/{ref}/facts", KETTLE).status_code == 403
    assert client.get(f"/api/cases/{ref}/appraisal").status_code == 403
    assert client.post(f"/api/cases/{ref}/options/statutory").status_code == 403
    assert client.get(f"/api/cases/{ref}/offers").status_code == 403
    assert Case.objects.get(pk=case_with_options.pk).purchase_facts == {}
    assert not Option.objects.exists()
    assert not Offer.objects.exists()


def test_the_endpoints_are_in_the_openapi_document(api, alice):
    paths = api(alice).get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/cases/{reference}/facts",
        "/api/cases/{reference}/appraisal",
        "/api/cases/{reference}/options/statutory",
        "/api/cases/{reference}/offers",
        "/api/cases/{reference}/offers/counter",
        "/api/cases/{reference}/offers/{offer_id}/settle",
        "/api/cases/{reference}/offers/{offer_id}/reject",
    ):
        assert path in paths, path
    assert set(paths["/api/cases/{reference}/facts"]) == {"get", "put"}
