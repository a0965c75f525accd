"""The remedies engine's entry points: the API, the `remedies evaluate` command, the case page, and the
engine itself.

Every example facts file in docs/examples/remedies gives the same answer through each; bad facts are
refused the same way (the field named) by each. `remedies recheck` lists the open cases whose position
the corrected six-month periods and cancellations changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from putright import clock
from putright.audit.models import Event
from putright.authority.models import ApiToken
from putright.cases import services as case_services
from putright.engines.remedies import evaluate, facts_from_dict
from putright.resolution import selectors
from putright.resolution import services as resolution_services
from putright.vocab import Status
from tests.conftest import aware

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "docs" / "examples" / "remedies").glob("*.json"))
URL = "/api/remedies/evaluate"
ANSWER_KEYS = [
    "statutory_breach",
    "rules",
    "remedies",
    "burden_of_proof",
    "deduction_for_use_allowed",
    "unconfirmed",
    "explanation",
    "lines",
]


def token_for(user) -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="remedies", prefix=prefix, key_hash=key_hash)
    return raw


def post(client, body, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def engine_answer(facts: dict) -> dict:
    return evaluate(facts_from_dict(facts)).to_dict()


def command_answer(*args: str, stdin: str | None = None) -> dict:
    out = StringIO()
    extra = {"stdin": StringIO(stdin)} if stdin is not None else {}
    call_command("remedies", "evaluate", *args, stdout=out, stderr=StringIO(), **extra)
    return json.loads(out.getvalue())


@pytest.fixture
def staff_token(db, alice):
    return token_for(alice)


def test_there_are_examples_for_each_kind_of_problem():
    names = {path.stem for path in EXAMPLES}

    assert {
        "goods-faulty-within-30-days",
        "goods-after-failed-repair",
        "digital-content-fault",
        "service-poor-workmanship",
        "distance-sale-cancellation",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_each_example_gives_the_same_answer_through_every_entry_point(client, staff_token, path):
    facts = json.loads(path.read_text())
    expected = engine_answer(facts)

    response = post(client, facts, staff_token)
    from_file = command_answer(str(path))
    from_stdin = command_answer("-", stdin=path.read_text())

    assert response.status_code == 200, response.content
    assert list(expected) == ANSWER_KEYS
    assert response.json() == expected
    assert from_file == expected
    assert from_stdin == expected


# What the issue's worked examples must answer, through every entry point.
ISSUE_EXAMPLES = {
    "goods-final-rejection-at-month-end": {
        "deduction_for_use_allowed": False,
        "burden_of_proof": "trader",
        "line": "A refund on final rejection may not be reduced for use if the customer rejects within the six "
        "months beginning with the day after delivery (1 May – 31 October 2026; ownership is taken to have "
        "passed on delivery) (G7).",
        "cancel": None,
    },
    "goods-fault-after-presumption": {
        "deduction_for_use_allowed": None,
        "burden_of_proof": "consumer",
        "line": "The fault showed on 15 July 2026, after the six months beginning with the day of delivery "
        "(15 January – 14 July 2026), so the customer must show it was there at delivery (G10).",
        "cancel": None,
    },
    "distance-sale-cancellation": {
        "deduction_for_use_allowed": None,
        "burden_of_proof": None,
        "line": "The customer cancelled on 18 May 2026, within the cancellation period, whose last day is 24 May "
        "2026 (C1).",
        "cancel": {
            "remedy": "cancel",
            "rule": "C1",
            "available_until": "2026-05-24",
            "refund_by": None,
            "return_by": "2026-06-01",
        },
    },
    "service-cancelled-without-information": {
        "deduction_for_use_allowed": None,
        "burden_of_proof": None,
        "line": "The trader never gave the cancellation information, so the period is 12 months longer: it ends "
        "on 15 May 2027 (C2).",
        "cancel": {
            "remedy": "cancel",
            "rule": "C1",
            "available_until": "2027-05-15",
            "refund_by": "2027-05-24",
            "return_by": None,
        },
    },
}


def case_page_for(client, user, report_case, facts: dict):
    """A case ready for options whose facts (all but `today`) are recorded on their `today`, and its page
    read that day."""
    today = date.fromisoformat(facts["today"])
    with clock.frozen(aware(today.year, today.month, today.day, 10)):
        case = report_case()
        case_services.case_summarise_understanding(actor=user, case=case, summary="As reported.")
        case_services.case_confirm_understanding(actor=None, case=case)
        stored = {key: value for key, value in facts.items() if key != "today"}
        case = resolution_services.case_facts_record(actor=user, case=case, facts=stored)
        client.force_login(user)
        html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
        position = selectors.statutory_position(case)
    return case, position, html


@pytest.mark.parametrize("name", sorted(ISSUE_EXAMPLES))
def test_the_issue_examples_give_exact_answers_through_every_entry_point(
    client, staff_token, alice, report_case, name
):
    path = ROOT / "docs" / "examples" / "remedies" / f"{name}.json"
    facts = json.loads(path.read_text())
    want = ISSUE_EXAMPLES[name]

    answers = {
        "engine": engine_answer(facts),
        "api": post(client, facts, staff_token).json(),
        "command": command_answer(str(path)),
    }
    _, position, html = case_page_for(client, alice, report_case, facts)
    answers["case page"] = position.assessment.to_dict()

    for where, answer in answers.items():
        assert answer["deduction_for_use_allowed"] is want["deduction_for_use_allowed"], where
        assert answer["burden_of_proof"] == want["burden_of_proof"], where
        assert want["line"] in answer["lines"], where
        cancel = [item for item in answer["remedies"] if item["remedy"] == "cancel"]
        assert cancel == ([want["cancel"]] if want["cancel"] else []), where
        assert answer == answers["engine"], where
    # The page shows every line the engine gives, and offers to list the cancellation as an option.
    for line in answers["engine"]["lines"]:
        assert escape(line) in html
    assert ("Add the statutory remedies as options" in html) is bool(answers["engine"]["remedies"])


def test_a_cancellation_from_the_case_page_becomes_an_option_like_the_other_remedies(
    client, alice, report_case
):
    facts = json.loads(
        (ROOT / "docs" / "examples" / "remedies" / "distance-sale-cancellation.json").read_text()
    )
    case, position, _ = case_page_for(client, alice, report_case, facts)
    with clock.frozen(aware(2026, 5, 20, 11)):
        response = client.post(
            reverse("resolution:statutory_options_add", args=[case.reference]), follow=True
        )

    assert [r.remedy for r in position.assessment.remedies] == ["cancel"]
    assert response.status_code == 200
    [option] = case.options.all()
    assert (option.statutory_remedy, option.rule_ids) == ("cancel", ["C1", "C3", "C4"])
    assert "The customer sends the goods back by 1 June 2026 (C4)." in option.description
    assert escape(option.title) in response.content.decode()


def test_a_real_console_process_gives_the_same_answer():
    path = ROOT / "docs" / "examples" / "remedies" / "goods-after-failed-repair.json"
    expected = engine_answer(json.loads(path.read_text()))

    done = subprocess.run(
        [sys.executable, "manage.py", "remedies", "evaluate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
    assert done.stdout.startswith('{\n  "statutory_breach": true,')  # indent 2


def test_a_real_console_process_refuses_bad_facts_with_exit_status_2():
    bad = json.dumps({"supply": "goods", "today": "2026-05-01", "delivery_date": "2026-05-09"})

    done = subprocess.run(
        [sys.executable, "manage.py", "remedies", "evaluate", "-"],
        cwd=ROOT,
        input=bad,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "delivery_date: must not be after today (2026-05-01)" in done.stderr


# ---------------------------------------------------------------- the command's refusals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            '{"supply": "goods", "today": "2026-05-01", "colour": "red"}',
            "bad facts: colour:",
            id="unknown-field",
        ),
        pytest.param(
            '{"supply": "goods", "today": "2026-05-01", "contract_date": "2026-04-10", "delivery_date": "2026-04-01"}',
            "bad facts: delivery_date: must not be before contract_date (2026-04-10)",
            id="delivery-before-contract",
        ),
        pytest.param('{"supply": "goods"}', "bad facts: today: is required", id="missing-today"),
        pytest.param('{"supply": "goods", "today": ', "is not valid JSON", id="broken-json"),
        pytest.param('{"supply": "goods", "today": NaN}', "is not valid JSON", id="nan-is-not-json"),
        pytest.param('["goods"]', "must hold a JSON object", id="not-an-object"),
    ],
)
def test_the_command_refuses_bad_input_with_status_2_naming_the_problem(tmp_path, content, message):
    path = tmp_path / "facts.json"
    path.write_text(content)

    with pytest.raises(CommandError) as caught:
        command_answer(str(path))

    assert caught.value.returncode == 2
    assert message in str(caught.value)


def test_the_command_reads_a_file_with_a_byte_order_mark_as_the_api_does(tmp_path, client, staff_token):
    path = ROOT / "docs" / "examples" / "remedies" / "goods-faulty-within-30-days.json"
    text = path.read_text()
    with_bom = tmp_path / "facts.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    expected = engine_answer(json.loads(text))

    assert command_answer(str(with_bom)) == expected
    assert command_answer("-", stdin="\ufeff" + text) == expected
    response = client.post(
        URL,
        data=with_bom.read_bytes(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert response.json() == expected


def test_the_command_refuses_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError) as caught:
        command_answer(str(tmp_path / "missing.json"))

    assert caught.value.returncode == 2
    assert "cannot read" in str(caught.value)


def test_the_command_refuses_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "facts.json"
    path.write_bytes(b"\xff\xfe\x00binary")

    with pytest.raises(CommandError) as caught:
        command_answer(str(path))

    assert caught.value.returncode == 2


def test_the_command_needs_a_subcommand():
    with pytest.raises(CommandError, match="SUBCOMMAND"):
        call_command("remedies", stdout=StringIO(), stderr=StringIO())


# ---------------------------------------------------------------- the API's refusals and permissions


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "colour": "red"},
            "colour",
            "extra_forbidden",
            id="unknown-field",
        ),
        pytest.param({"supply": "goods"}, "today", "missing", id="missing-today"),
        pytest.param({"today": "2026-05-01"}, "supply", "missing", id="missing-supply"),
        pytest.param(
            {"supply": "food", "today": "2026-05-01"}, "supply", "literal_error", id="unknown-supply"
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "fault": "yes"},
            "fault",
            "bool_type",
            id="bool-as-string",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "fault": 1}, "fault", "bool_type", id="bool-as-number"
        ),
        pytest.param(
            {"supply": "goods", "today": "1 May 2026"}, "today", "string_pattern_mismatch", id="not-iso"
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-02-30"}, "today", "value_error", id="not-a-real-date"
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "delivery_date": "2026-05-02"},
            "delivery_date",
            "value_error",
            id="date-after-today",
        ),
        pytest.param(
            {
                "supply": "goods",
                "today": "2026-05-01",
                "delivery_date": "2026-04-01",
                "repair_requested_date": "2026-04-10",
                "returned_after_repair_date": "2026-04-05",
            },
            "returned_after_repair_date",
            "value_error",
            id="returned-before-repair-requested",
        ),
        pytest.param(
            {"supply": "goods", "today": "2026-05-01", "perishable_days": 0},
            "perishable_days",
            "greater_than_equal",
            id="perishable-zero",
        ),
    ],
)
def test_the_api_refuses_bad_facts_with_422_naming_the_field(client, staff_token, body, field, kind):
    response = post(client, body, staff_token)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "payload", field]
    assert detail[0]["type"] == kind
    assert detail[0]["msg"]


@pytest.mark.parametrize(
    ("raw", "msg", "kind"),
    [
        pytest.param(
            '{"supply": "goods", "today": ',
            "facts are not valid JSON: Expecting value: line 1 column 30 (char 29)",
            "json_invalid",
            id="broken-json",
        ),
        pytest.param(
            '{"supply": "goods", "today": NaN}',
            "facts are not valid JSON: NaN is not valid JSON",
            "json_invalid",
            id="nan",
        ),
        pytest.param("", "facts must be a JSON object", "model_type", id="empty-body"),
        pytest.param("[1, 2]", "facts must be a JSON object", "model_type", id="a-list"),
        pytest.param("null", "facts must be a JSON object", "model_type", id="null"),
    ],
)
def test_the_api_refuses_a_body_that_is_not_a_json_object_with_a_field_style_422(
    client, staff_token, raw, msg, kind
):
    response = post(client, raw, staff_token)

    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body", "payload"], "msg": msg, "type": kind}]}


def test_the_api_asks_for_a_token_before_reading_the_body(client, db):
    response = client.post(URL, data="{not json", content_type="application/json")

    assert response.status_code == 401


def test_the_api_gives_the_engines_own_message_for_cross_field_errors(client, staff_token):
    response = post(
        client,
        {
            "supply": "goods",
            "today": "2026-05-01",
            "contract_date": "2026-04-10",
            "delivery_date": "2026-04-01",
        },
        staff_token,
    )

    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "payload", "delivery_date"],
                "msg": "must not be before contract_date (2026-04-10)",
                "type": "value_error",
            }
        ]
    }


def test_the_api_treats_null_as_left_out(client, staff_token):
    facts = json.loads(
        (ROOT / "docs" / "examples" / "remedies" / "goods-faulty-within-30-days.json").read_text()
    )

    response = post(client, {**facts, "motor_vehicle": None, "region": None}, staff_token)

    assert response.status_code == 200
    assert response.json() == engine_answer({**facts, "region": None})


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-real-token"],
    ids=["no-token", "bad-token"],
)
def test_the_api_needs_a_valid_token(client, db, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    body = json.loads(EXAMPLES[0].read_text())

    response = client.post(URL, data=json.dumps(body), content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_api_refuses_a_user_without_a_staff_role_and_changes_nothing(client, charlie):
    events = Event.objects.count()

    response = post(client, json.loads(EXAMPLES[0].read_text()), token_for(charlie))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Event.objects.count() == events


def test_the_openapi_document_shows_the_facts_schema(client, db):
    spec = client.get("/api/openapi.json").json()

    operation = spec["paths"][URL]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"supply", "today"}
    assert schema["properties"]["today"]["format"] == "date"
    assert {
        "consumer",
        "contract_date",
        "delivery_date",
        "installation_completed_date",
        "fault",
        "fault_reported_date",
        "perishable_days",
        "motor_vehicle",
        "repairs_or_replacements_attempted",
        "repair_requested_date",
        "returned_after_repair_date",
        "distance_sale",
        "cancellation_info_given",
        "cancellation_info_received_date",
        "cancellation_requested_date",
        "excluded_from_cancellation",
        "early_supply_consent",
        "device_damaged",
        "repeat_performance_impossible",
        "region",
    } <= set(schema["properties"])
    assert set(operation["responses"]) >= {"200", "401", "403", "422"}


# ---------------------------------------------------------------- remedies recheck


def recheck_output() -> list[str]:
    out = StringIO()
    call_command("remedies", "recheck", stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def test_recheck_lists_the_open_cases_whose_position_the_corrections_changed(report_case, alice):
    with clock.frozen(aware(2026, 7, 1, 9)):
        presumed = report_case(subject="Toaster fault")
        untouched = report_case(subject="Kettle fault")
        closed = report_case(subject="Closed toaster")
        cancelled = report_case(subject="Changed my mind")
    presumed.purchase_facts = {
        "supply": "goods",
        "delivery_date": "2026-01-15",
        "fault": True,
        "fault_reported_date": "2026-07-15",
    }
    untouched.purchase_facts = {
        "supply": "goods",
        "delivery_date": "2026-01-15",
        "fault": True,
        "fault_reported_date": "2026-07-10",
    }
    closed.purchase_facts = presumed.purchase_facts
    closed.status = Status.CLOSED_RESOLVED
    cancelled.purchase_facts = {
        "supply": "goods",
        "contract_date": "2026-07-01",
        "delivery_date": "2026-07-10",
        "distance_sale": True,
        "cancellation_requested_date": "2026-07-18",
    }
    for case in (presumed, untouched, closed, cancelled):
        case.save(update_fields=["purchase_facts", "status"])
    events = Event.objects.count()

    with clock.frozen(aware(2026, 7, 20, 9)):
        lines = recheck_output()

    assert lines == [
        f"{presumed.reference}: Toaster fault",
        "  - The presumption that the fault was there at delivery ended on 14 July 2026, not 15 July 2026: a "
        "fault that showed on 15 July 2026 must now be shown by the customer (G10).",
        f"{cancelled.reference}: Changed my mind",
        "  - The customer cancelled in time on 18 July 2026: the cancellation is now offered as their remedy, "
        "with its refund and return dates, and its refund counts from the cancellation (C1).",
        "2 open cases to recheck (assessed on 2026-07-20).",
    ]
    assert Event.objects.count() == events  # it changes nothing


def test_recheck_with_nothing_to_recheck_says_so(db):
    assert recheck_output() == [
        f"0 open cases to recheck (assessed on {selectors.assessment_today().isoformat()})."
    ]
