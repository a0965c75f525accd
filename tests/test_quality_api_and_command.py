"""The scorecard on the console (``putright scorecard``) and in the API (``GET /api/cases/{ref}/scorecard``),
with their exact contracts (issue 14 §4)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from putright import clock
from putright.audit.models import Event
from putright.cases import services
from putright.engines.quality import CHECK_IDS, ENGINE_VERSION
from putright.quality.models import CheckResult, Dispute
from tests.quality_fixtures import closed_resolved, closed_unresolved
from tests.test_api_permissions import token_for

pytestmark = pytest.mark.django_db


def scorecard_json(reference: str) -> dict:
    out = io.StringIO()
    call_command("scorecard", reference, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_the_scorecard_as_json_exactly(report_case, alice):
    case = closed_unresolved(report_case, alice)

    assert scorecard_json(case.reference) == {
        "case": case.reference,
        "checks": [
            {
                "id": "understanding_confirmed",
                "result": "fail",
                "reason": "Our understanding of the problem was never summarised for the customer to confirm.",
            },
            {
                "id": "options_weighed",
                "result": "n/a",
                "reason": "Closed unresolved before any option was listed.",
            },
            {
                "id": "agreement_recorded",
                "result": "n/a",
                "reason": "Closed unresolved before any option was put to the customer.",
            },
            {
                "id": "plan_owned_dated",
                "result": "n/a",
                "reason": "Nothing was agreed, so no action plan was due.",
            },
            {"id": "promises_kept", "result": "n/a", "reason": "No promise was made to the customer."},
            {"id": "kept_informed", "result": "pass", "reason": ""},
            {
                "id": "satisfaction_checked",
                "result": "n/a",
                "reason": "Nothing was agreed or delivered, so there was nothing to ask about.",
            },
            {"id": "unresolved_reasons_routes", "result": "pass", "reason": ""},
            {
                "id": "escalated_beyond_authority",
                "result": "n/a",
                "reason": "Nothing agreed was beyond the handler's authority.",
            },
        ],
    }


def test_the_command_takes_the_reference_without_its_prefix_or_year(report_case, alice):
    case = closed_unresolved(report_case, alice)
    year, number = case.reference.split("-")[1:]
    for given in (case.reference.lower(), f"{year}-{number}", number, str(int(number))):
        assert scorecard_json(given)["case"] == case.reference


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("PR-2026-999999", "no case PR-2026-999999"),
        ("999999", "no case numbered 999999"),
        ("hello", "'hello' is not a case reference (a reference looks like PR-2026-000241)"),
    ],
)
def test_an_unknown_case_exits_2_with_one_line(report_case, given, message):
    with pytest.raises(CommandError) as exc:
        call_command("scorecard", given, stdout=io.StringIO())
    assert (exc.value.returncode, str(exc.value)) == (2, message)


def test_an_open_case_exits_2(report_case):
    case = report_case()
    with pytest.raises(CommandError) as exc:
        call_command("scorecard", case.reference, stdout=io.StringIO())
    assert (exc.value.returncode, str(exc.value)) == (
        2,
        f"{case.reference} is still open: a case is scored when it closes",
    )


def test_a_duplicate_exits_2(report_case, alice):
    first, second = report_case(), report_case(subject="Again")
    services.case_close_duplicate(actor=alice, case=second, original=first)
    with pytest.raises(CommandError) as exc:
        call_command("scorecard", second.reference, stdout=io.StringIO())
    assert (exc.value.returncode, str(exc.value)) == (
        2,
        f"{second.reference} has no scorecard: closed as a duplicate (it has no outcome of its own)",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a case reference (e.g. PR-2026-000241) or --rescore-all"),
        (("PR-2026-000001", "--rescore-all"), "give a case reference or --rescore-all, not both"),
        (("--rescore-all", "--batch-size", "0"), "--batch-size must be between 1 and 10000"),
    ],
)
def test_bad_arguments_exit_2(db, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("scorecard", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert (exc.value.returncode, str(exc.value)) == (2, message)


def test_rescore_all_scores_every_closed_case_with_a_progress_bar(report_case, alice):
    cases = [closed_unresolved(report_case, alice, subject=f"Case {n}") for n in range(3)]
    report_case(subject="Open")
    CheckResult.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()

    call_command("scorecard", "--rescore-all", "--batch-size", "2", stdout=out, stderr=err)

    assert out.getvalue() == "Scored 3 closed case(s).\n"
    assert err.getvalue().splitlines()[-1] == f"Scoring closed cases [{'#' * 30}] 3/3"
    assert CheckResult.objects.count() == 3 * len(CHECK_IDS)
    assert set(CheckResult.objects.values_list("case_id", flat=True)) == {c.pk for c in cases}


# ---------------------------------------------------------------- the API


def get(client, user, path):
    return client.get(path, headers={"Authorization": f"Bearer {token_for(user)}"})


def test_the_api_answers_the_scorecard_with_its_event_ids_and_disputes(client, report_case, alice, bob):
    case = closed_resolved(report_case, alice, options=1)
    dispute = Dispute.objects.create(
        case=case,
        check_id="options_weighed",
        failed_reason="Only one option",
        engine_version=ENGINE_VERSION,
        raised_by=alice,
        raised_at=clock.now(),
        note="There was only one sensible remedy.",
    )

    response = get(client, bob, f"/api/cases/{case.reference}/scorecard")

    assert response.status_code == 200
    body = response.json()
    row = CheckResult.objects.get(case=case, check_id="options_weighed")
    assert set(body) == {"case", "engine_version", "scored_at", "checks"}
    assert (body["case"], body["engine_version"], body["scored_at"]) == (
        case.reference,
        ENGINE_VERSION,
        row.scored_at.isoformat(),
    )
    assert [c["id"] for c in body["checks"]] == list(CHECK_IDS)
    assert all(set(c) == {"id", "result", "reason", "event_id", "disputed"} for c in body["checks"])
    weighed = body["checks"][1]
    assert weighed == {
        "id": "options_weighed",
        "result": "fail",
        "reason": "Only one option (“Refund £60”) was listed: nothing was weighed against it.",
        "event_id": Event.objects.get(case=case, kind="option.added").pk,
        "disputed": {
            "status": "open",
            "raised_by": "alice",
            "raised_at": dispute.raised_at.isoformat(),
            "note": "There was only one sensible remedy.",
            "failed_reason": "Only one option",
            "decided_by": None,
            "decided_at": None,
            "decision_note": "",
        },
    }
    assert body["checks"][0] == {
        "id": "understanding_confirmed",
        "result": "pass",
        "reason": "",
        "event_id": None,
        "disputed": None,
    }


def test_the_api_answers_409_for_an_open_case_and_404_for_an_unknown_one(client, report_case, bob):
    case = report_case()
    response = get(client, bob, f"/api/cases/{case.reference}/scorecard")
    assert response.status_code == 409
    assert response.json() == {
        "code": "not_scored",
        "message": f"{case.reference} is still open: a case is scored when it closes.",
    }
    assert get(client, bob, "/api/cases/PR-2026-999999/scorecard").status_code == 404
    assert get(client, bob, "/api/cases/nonsense/scorecard").status_code == 404


def test_the_api_refuses_outsiders_and_changes_nothing(client, report_case, alice, charlie):
    case = closed_unresolved(report_case, alice)
    before = list(CheckResult.objects.values_list("pk", "result", "reason"))
    response = get(client, charlie, f"/api/cases/{case.reference}/scorecard")
    assert response.status_code == 403
    assert client.get(f"/api/cases/{case.reference}/scorecard").status_code == 401
    assert list(CheckResult.objects.values_list("pk", "result", "reason")) == before


def test_the_api_record_carries_the_scorecard(client, report_case, alice, bob):
    case = closed_unresolved(report_case, alice)
    body = get(client, bob, f"/api/cases/{case.reference}/record").json()
    assert body["scorecard"]["case"] == case.reference
    assert [c["result"] for c in body["scorecard"]["checks"]][:2] == ["fail", "n/a"]
