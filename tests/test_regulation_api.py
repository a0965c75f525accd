"""The deadlines API: a case's clocks, the deadlines due soon, and drafting the final letter."""

from __future__ import annotations

from datetime import date

import pytest

from putright import clock
from putright.cases import services
from putright.engines.routes import mentions_odr
from putright.regulation import services as regulation
from tests.conftest import aware, make_report
from tests.test_api import Api, token_for

REPORTED = aware(2026, 11, 2, 9)
REASONS = (
    "The leak comes from the plumbing under your sink, not the machine, so a repair by us cannot fix it."
)
pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


def report(alice, **overrides):
    with clock.frozen(REPORTED):
        case, _ = services.case_report(report=make_report(**overrides))
        services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
    return case


def test_a_case_s_clocks_with_their_rules_dates_and_states(api_as, alice):
    case = report(alice)
    with clock.frozen(aware(2026, 11, 13, 9)):
        response = api_as(alice).get(f"/api/cases/{case.reference}/clocks")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["rule_id"], i["due_date"], i["state"]) for i in items] == [
        ("acknowledge", "SLA.acknowledge", "2026-11-03", "met"),
        ("first_update", "SLA.first_update", "2026-11-05", "met"),
        ("resolve", "SLA.resolve", "2026-11-16", "at_risk"),
    ]
    assert items[2]["basis"] == "10 business days after receipt"
    assert items[2]["case"] == case.reference
    assert items[0]["met_at"] is not None and items[2]["met_at"] is None


def test_deadlines_within_n_days_and_missed(api_as, alice, dave):
    mine = report(alice)
    other = report(dave, customer_email="sam@example.com")
    api = api_as(alice)
    with clock.frozen(aware(2026, 11, 13, 9)):
        soon = api.get("/api/deadlines", within_days=3).json()
        today = api.get("/api/deadlines", within_days=0).json()
        just_mine = api.get("/api/deadlines", within_days=3, scope="mine").json()
    assert soon["count"] == 2
    assert {i["case"] for i in soon["items"]} == {mine.reference, other.reference}
    assert today == {"count": 0, "items": []}
    assert [i["case"] for i in just_mine["items"]] == [mine.reference]
    with clock.frozen(aware(2026, 11, 17, 9)):
        missed = api.get("/api/deadlines", show="missed", limit=1).json()
    assert missed["count"] == 2
    assert len(missed["items"]) == 1
    assert missed["items"][0]["state"] == "missed"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"within_days": -1}, "within_days"),
        ({"within_days": 61}, "within_days"),
        ({"show": "sometimes"}, "show"),
        ({"kind": "nonsense"}, "kind"),
        ({"limit": 0}, "limit"),
    ],
)
def test_invalid_deadline_filters_are_a_422_naming_the_field(api_as, alice, params, field):
    response = api_as(alice).get("/api/deadlines", **params)
    assert response.status_code == 422
    assert [d["loc"][-1] for d in response.json()["detail"]] == [field]


def test_the_letter_draft_names_the_routes_and_rules(api_as, alice, helen_settings):
    helen_settings(sector="financial", disp_on=True, organisation_name="Harbour & Hearth Ltd")
    case = report(alice)
    with clock.frozen(aware(2026, 11, 20, 9)):
        response = api_as(alice).post(
            f"/api/cases/{case.reference}/letter-draft",
            {"reasons": REASONS, "decision": "partly_upheld", "customer_region": "SCT", "supply": "goods"},
        )
    assert response.status_code == 200
    data = response.json()
    assert data["subject"] == "Our final response to your complaint"
    assert [r["name"] for r in data["routes"]] == [
        "Financial Ombudsman Service",
        "The manufacturer's guarantee or warranty",
        "Advice Direct Scotland (consumer advice)",
        "Simple procedure in the sheriff court",
    ]
    assert data["rule_ids"] == ["A3", "F6", "A2", "G13"]
    assert "so we partly uphold your complaint" in data["body"]
    assert "within six months of the date of this letter (by 20 May 2027)" in data["body"]
    assert data["body"].endswith("Alice\nHarbour & Hearth Ltd")
    assert not mentions_odr(data["body"])
    assert data["warnings"] == []


def test_the_letter_reads_the_purchase_facts_the_agent_did_not_choose(api_as, alice):
    case = report(alice)
    type(case).objects.filter(pk=case.pk).update(
        purchase_facts={"supply": "service", "consumer": True, "region": "SCT"}
    )
    data = api_as(alice).post(f"/api/cases/{case.reference}/letter-draft", {"reasons": REASONS}).json()
    assert [r["name"] for r in data["routes"]] == [
        "Advice Direct Scotland (consumer advice)",
        "Simple procedure in the sheriff court",
    ]
    # The agent's choice wins over the record.
    data = (
        api_as(alice)
        .post(
            f"/api/cases/{case.reference}/letter-draft",
            {"reasons": REASONS, "customer_region": "NIR", "supply": "goods"},
        )
        .json()
    )
    assert [r["name"] for r in data["routes"]][0] == "The manufacturer's guarantee or warranty"
    assert data["routes"][-1]["name"] == "The small claims court"
    type(case).objects.filter(pk=case.pk).update(purchase_facts={"consumer": False})
    data = api_as(alice).post(f"/api/cases/{case.reference}/letter-draft", {"reasons": REASONS}).json()
    assert "A2" not in data["rule_ids"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reasons"),
        ({"reasons": "   "}, "reasons"),
        ({"reasons": REASONS, "decision": "maybe"}, "decision"),
        ({"reasons": REASONS, "customer_region": "FR"}, "customer_region"),
        ({"reasons": REASONS, "surprise": True}, "surprise"),
        ({"reasons": REASONS, "extra_routes": ["two\nlines"]}, 0),
    ],
)
def test_an_invalid_letter_request_is_a_422(api_as, alice, body, field):
    case = report(alice)
    response = api_as(alice).post(f"/api/cases/{case.reference}/letter-draft", body)
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]


def test_outsiders_and_unknown_cases_get_403_and_404(api_as, alice, charlie):
    case = report(alice)
    outsider = api_as(charlie)
    assert outsider.get(f"/api/cases/{case.reference}/clocks").status_code == 403
    assert outsider.get("/api/deadlines").status_code == 403
    assert outsider.post(f"/api/cases/{case.reference}/letter-draft", {"reasons": REASONS}).status_code == 403
    api = api_as(alice)
    assert api.get("/api/cases/PR-2026-999999/clocks").status_code == 404
    assert api.get("/api/cases/nonsense/clocks").status_code == 404
    assert api.post("/api/cases/PR-2026-999999/letter-draft", {"reasons": REASONS}).status_code == 404
    assert Api(api.client, None).get("/api/deadlines").status_code == 401


def test_a_started_clock_shows_in_the_api(api_as, alice):
    case = report(alice)
    with clock.frozen(aware(2026, 11, 10, 9)):
        regulation.clock_start(actor=alice, case=case, kind="subject_access", start_date=date(2026, 11, 9))
        items = api_as(alice).get(f"/api/cases/{case.reference}/clocks").json()["items"]
    sar = next(i for i in items if i["kind"] == "subject_access")
    assert (sar["rule_id"], sar["due_date"], sar["state"]) == ("P4", "2026-12-09", "running")


@pytest.fixture
def helen_settings(django_user_model):
    from tests.conftest import _user

    helen = _user(django_user_model, "helen", "administrator", "Helen")

    def _set(**changes):
        row = regulation.regime_settings_get()
        for name, value in changes.items():
            setattr(row, name, value)
        return regulation.regime_settings_save(actor=helen, settings_row=row)

    return _set
