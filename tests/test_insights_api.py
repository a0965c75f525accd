"""GET /api/insights/metrics and /api/insights/metrics/{id} (issue 13 §4): the shape, the same rows as
the CSV export, 404 and 422, and who may see which team's figures."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command

from putright.authority.models import Team
from putright.engines.metrics import METRICS
from putright.insights.models import MetricTarget
from putright.vocab import Channel, Status
from tests.insights_fixtures import at, case
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db
URL = "/api/insights/metrics"
JULY = {"from": "2026-07-01", "to": "2026-07-31"}


def get(api: Api, path: str, params: dict | None = None):
    # "from" is a Python keyword: the parameters go as a dict.
    return api.client.get(path, params or {}, headers=api.headers)


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


@pytest.fixture
def teams(alice, dave):
    red = Team.objects.create(name="Red")
    blue = Team.objects.create(name="Blue")
    red.members.add(alice)
    blue.members.add(dave)
    case(at(2026, 7, 1), team=red, channel=Channel.EMAIL)
    case(at(2026, 7, 2), team=blue, status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 3))
    case(at(2026, 7, 3))
    return red, blue


def test_the_catalogue(api_as, carol):
    MetricTarget.objects.create(metric_id="csat", target=0.85, set_at=at(2026, 7, 1))
    response = get(api_as(carol), URL)
    assert response.status_code == 200
    metrics = response.json()["metrics"]
    assert [m["id"] for m in metrics] == [m.id for m in METRICS]
    csat = next(m for m in metrics if m["id"] == "csat")
    assert csat == {
        "id": "csat",
        "title": "Satisfaction (CSAT)",
        "definition": METRICS[5].definition,
        "numerator": "answers of 4 or 5",
        "denominator": "CSAT answers",
        "unit": "rate",
        "higher_is_better": True,
        "test": "two_proportion_z",
        "dimensions": ["team", "handler", "category", "channel", "source_kind", "priority"],
        "natural_dimensions": ["category", "team"],
        "statistics": ["response_rate"],
        "min_answers": 5,
        "target": 0.85,
    }
    assert next(m for m in metrics if m["id"] == "volume")["test"] == "poisson_rate"
    assert next(m for m in metrics if m["id"] == "time_to_resolve")["test"] == "mann_whitney_u"


def test_one_metric_answers_exactly_the_rows_of_the_csv(api_as, carol, teams, tmp_path):
    response = get(api_as(carol), f"{URL}/volume", {**JULY, "group_by": "team"})
    assert response.status_code == 200
    assert response.json() == {
        "metric_id": "volume",
        "unit": "count",
        "period_start": "2026-07-01",
        "period_end": "2026-07-31",
        "rows": [
            {"group": "", "value": 3, "numerator": 3, "denominator": None},
            {"group": "team=Blue", "value": 1, "numerator": 1, "denominator": None},
            {"group": "team=Red", "value": 1, "numerator": 1, "denominator": None},
            {"group": "team=none", "value": 1, "numerator": 1, "denominator": None},
        ],
    }
    call_command(
        "insights",
        "export",
        "--from",
        JULY["from"],
        "--to",
        JULY["to"],
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    for m in METRICS:
        with open(tmp_path / f"{m.id}.csv", encoding="utf-8", newline="") as handle:
            csv_rows = [
                (r["group"], r["value"], r["numerator"], r["denominator"]) for r in csv.DictReader(handle)
            ]
        # The export writes the total, then each natural dimension's groups: ask the API the same.
        api_rows = get(api_as(carol), f"{URL}/{m.id}", JULY).json()["rows"]
        for dimension in m.natural_dimensions:
            found = get(api_as(carol), f"{URL}/{m.id}", {**JULY, "group_by": dimension.value}).json()["rows"]
            api_rows += [r for r in found if r["group"].startswith(f"{dimension.value}=")]
        assert len(api_rows) == len(csv_rows), m.id
        for (group, value, numerator, denominator), api in zip(csv_rows, api_rows, strict=True):
            assert group == api["group"], m.id
            assert (value == "") == (api["value"] is None), (m.id, group)
            if value:
                assert float(value) == api["value"], (m.id, group)
            assert numerator == ("" if api["numerator"] is None else str(api["numerator"])), (m.id, group)
            assert denominator == ("" if api["denominator"] is None else str(api["denominator"])), (
                m.id,
                group,
            )


def test_rows_are_the_csvs_row_for_row(api_as, carol, teams, tmp_path):
    call_command(
        "insights",
        "export",
        "--from",
        JULY["from"],
        "--to",
        JULY["to"],
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    with open(tmp_path / "time_to_resolve.csv", encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    api = get(api_as(carol), f"{URL}/time_to_resolve", {**JULY, "group_by": "category"}).json()["rows"]
    outcome = get(api_as(carol), f"{URL}/time_to_resolve", {**JULY, "group_by": "outcome"}).json()["rows"]
    together = api + [r for r in outcome if r["group"].startswith("outcome=")]
    assert [r["group"] for r in csv_rows] == [r["group"] for r in together]
    for row, answer in zip(csv_rows, together, strict=True):
        assert row["value"] == ("" if answer["value"] is None else f"{answer['value']:.2f}")


def test_unknown_metric_and_bad_parameters(api_as, carol):
    api = api_as(carol)
    missing = get(api, f"{URL}/nope", JULY)
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "not_found",
        "message": "No metric 'nope'; GET /api/insights/metrics lists them.",
    }

    def error(params):
        response = get(api, f"{URL}/volume", params)
        assert response.status_code == 422, response.content
        return response.json()["detail"][0]

    bad_date = error({"from": "2026-07-32", "to": "2026-07-31"})
    assert bad_date["loc"] == ["query", "from"]
    assert "date" in bad_date["msg"]
    assert "must be a date written YYYY-MM-DD" in error({"from": "1 July", "to": "2026-07-31"})["msg"]
    assert (
        error({"from": "1999-07-01", "to": "2026-07-31"})["msg"]
        == "Value error, must be between the years 2000 and 2999"
    )
    assert error({"from": "2026-07-01", "to": "soon"})["loc"] == ["query", "to"]
    assert error({"from": "2026-08-01", "to": "2026-07-31"}) == {
        "loc": ["query", "from"],
        "msg": "from (2026-08-01) is after to (2026-07-31).",
        "type": "invalid_period",
    }
    assert error({**JULY, "group_by": "regime"}) == {
        "loc": ["query", "group_by"],
        "msg": "volume cannot be grouped by 'regime'; it can by: team, handler, category, channel, source_kind, priority",
        "type": "unknown_dimension",
    }
    assert error({"to": "2026-07-31"})["loc"][-1] == "from"
    assert error({**JULY, "handler": "nobody"})["type"] == "unknown_user"
    assert error({**JULY, "team": 999})["type"] == "unknown_team"
    assert error({**JULY, "channel": "pigeon"})["loc"][-1] == "channel"
    assert error({"from": "2000-01-01", "to": "2026-07-31"}) == {
        "loc": ["query", "to"],
        "msg": "A period may be at most 3660 days.",
        "type": "invalid_period",
    }


def test_staff_see_their_teams_managers_all(api_as, client, alice, carol, charlie, teams):
    red, blue = teams
    # A manager: all three cases.
    assert get(api_as(carol), f"{URL}/volume", JULY).json()["rows"][0]["value"] == 3
    assert get(api_as(carol), f"{URL}/volume", {**JULY, "team": blue.pk}).json()["rows"][0]["value"] == 1
    # An agent in Red: Red's one case, grouped or not; another team's figures are refused.
    mine = get(api_as(alice), f"{URL}/volume", {**JULY, "group_by": "team"}).json()["rows"]
    assert mine == [
        {"group": "", "value": 1, "numerator": 1, "denominator": None},
        {"group": "team=Red", "value": 1, "numerator": 1, "denominator": None},
    ]
    refused = get(api_as(alice), f"{URL}/volume", {**JULY, "team": blue.pk})
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "forbidden",
        "message": "You may see the figures of your own teams only.",
    }
    # Someone with no staff role, and no token at all.
    assert get(api_as(charlie), f"{URL}/volume", JULY).status_code == 403
    assert get(api_as(charlie), URL).status_code == 403
    assert client.get(f"{URL}/volume", JULY).status_code == 401
    assert client.get(URL).status_code == 401


def test_the_endpoints_are_in_the_openapi_document(api_as, carol):
    paths = get(api_as(carol), "/api/openapi.json").json()["paths"]
    assert "/api/insights/metrics" in paths
    assert "/api/insights/metrics/{metric_id}" in paths
    parameters = {p["name"] for p in paths["/api/insights/metrics/{metric_id}"]["get"]["parameters"]}
    assert {"from", "to", "group_by", "team", "handler", "category", "channel", "source_kind"} <= parameters
