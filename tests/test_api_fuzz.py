"""Fuzzing the API: whatever a client sends, the answer is a 2xx or a 4xx, never a 500.

Hypothesis generates arbitrary JSON, raw bytes, and valid bodies with random
values swapped into known fields. A 201 from POST /api/cases must add exactly one
case; any other answer must add none. A schemathesis run over the whole
OpenAPI document, with every check schemathesis has (tests/api_fuzz.py), holds
each operation to what the document says it accepts and answers.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from putright import clock
from putright.authority.models import ApiToken
from putright.cases import services
from putright.cases.models import Case
from putright.vocab import RemedyType
from tests import api_fuzz

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# What a careless or hostile client puts into a field: any JSON, odd text (NUL, control characters,
# surrogate escapes arrive through raw bodies), huge numbers, and near-miss values.
field_values = (
    json_values
    | st.text(max_size=300)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "NaN",
            "1e999",
            "-0",
            "0.001",
            "999999999999.99",
            "9" * 400,
            "2031-02-30",
            "2031-01-01T09:00:00",
            "9999-12-31T23:59:59-14:00",
            "phone",
            "portal",
            "refund",
            "bob",
            "nobody",
            True,
            False,
            [],
            {},
            [None],
            {"a": 1},
        ]
    ).map(copy.deepcopy)
)


def token_for(user) -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="fuzz", prefix=prefix, key_hash=key_hash)
    return raw


VALID_CASE = {
    "customer": {"name": "Priya Shah", "email": "priya@example.com", "phone": "07700 900123"},
    "subject": "Washing machine leaks",
    "description": "It leaks.",
    "desired_outcome": "A replacement",
    "order_reference": "ORD-1",
    "amount_in_dispute": "449.00",
    "channel": "api",
    "source_kind": "a",
    "consent": True,
}
CUSTOMER_FIELDS = ["name", "email", "phone"]


@st.composite
def mutated(draw, valid: dict, nested: dict[str, list[str]] | None = None):
    """A valid body with none, some or all of these: fields replaced by random values, fields dropped,
    nested fields replaced, an unknown field added."""
    body = json.loads(json.dumps(valid))
    how_many = draw(st.integers(min_value=0, max_value=min(3, len(valid))))
    for field in draw(
        st.lists(st.sampled_from(sorted(valid)), min_size=how_many, max_size=how_many, unique=True)
    ):
        if draw(st.booleans()):
            body[field] = draw(field_values)
        else:
            body.pop(field)
    for parent, children in (nested or {}).items():
        if isinstance(body.get(parent), dict) and draw(st.integers(0, 3)) == 0:
            body[parent][draw(st.sampled_from(children))] = draw(field_values)
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.text(max_size=10))] = draw(field_values)
    return body


def _post(client, path: str, token: str, data, headers: dict | None = None):
    payload = data if isinstance(data, bytes | str) else json.dumps(data)
    return client.post(
        path,
        data=payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
    )


def _check_create(client, token: str, data, headers: dict | None = None) -> None:
    before = Case.objects.count()
    response = _post(client, "/api/cases", token, data, headers)
    assert 200 <= response.status_code < 500, response.content[:500]
    added = Case.objects.count() - before
    assert added == (1 if response.status_code == 201 else 0)


@pytest.fixture
def alice_token(alice) -> str:
    return token_for(alice)


@FUZZ
@given(body=json_values)
def test_any_json_posted_as_a_new_case_is_never_a_server_error(client, alice_token, body):
    _check_create(client, alice_token, body)


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_posted_as_a_new_case_are_never_a_server_error(client, alice_token, raw):
    _check_create(client, alice_token, raw)


@FUZZ
@given(
    body=st.just(VALID_CASE) | mutated(VALID_CASE, {"customer": CUSTOMER_FIELDS}),
    key=st.none()
    | st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=210)
    | st.text(alphabet=st.characters(min_codepoint=0x00, max_codepoint=0xFF), max_size=10),
)
def test_a_new_case_with_random_values_in_known_fields_is_never_a_server_error(
    client, alice_token, body, key
):
    _check_create(client, alice_token, body, headers={"Idempotency-Key": key} if key is not None else None)


def test_a_raw_body_with_escaped_nul_and_a_lone_surrogate_is_a_422(client, alice_token):
    for bad in ("\\u0000", "\\ud800"):
        raw = json.dumps(VALID_CASE).replace("Washing machine leaks", f"Washing{bad}machine")
        response = _post(client, "/api/cases", alice_token, raw)
        assert response.status_code == 422
    assert Case.objects.count() == 0


def _case_with_an_option(alice) -> tuple[Case, object]:
    case, _ = services.case_report(
        report=services.ReportInput(
            customer_name="Priya Shah",
            customer_email="priya@example.com",
            subject="Leaks",
            description="It leaks.",
            channel="web",
            consent=True,
        )
    )
    services.case_summarise_understanding(actor=alice, case=case, summary="Leaks.")
    services.case_confirm_understanding(actor=None, case=case)
    option = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(title="Refund", remedy_type=RemedyType.REFUND, amount=Decimal("20.00")),
    )
    return case, option


def _action_bodies(option_id: int) -> dict[str, dict]:
    tomorrow = clock.now() + timedelta(days=1)
    return {
        "/understanding": {"summary": "Leaks."},
        "/understanding/skip": {"reason": "Clear enough."},
        "/options": {
            "title": "Repair",
            "remedy_type": "repair",
            "amount": "10.00",
            "cost_to_organisation": "5.00",
            "days_to_deliver": 2,
            "is_exception": False,
            "customer_advantages": "Quick",
        },
        f"/options/{option_id}/recommend": {"justification": "Cheap.", "factors": ["cost", "feasibility"]},
        f"/options/{option_id}/withdraw": {"reason": "No."},
        "/consultations": {"colleague": "bob", "question": "Thoughts?"},
        "/agreement": {"agree": True, "method": "phone", "comment": "ok"},
        "/steps": {"description": "Do it", "owner": "alice", "due_date": tomorrow.date().isoformat()},
        "/promises": {"description": "Call", "owner": "alice", "due_at": tomorrow.isoformat()},
        "/messages": {"body": "Hello", "requested": False, "subject": "Update"},
        "/satisfaction": {"resolved": False, "method": "email", "comment": "no"},
        "/close-unresolved": {"reasons": "We cannot help with this at all.", "other_routes": ["Ombudsman"]},
        "/escalate": {"to": "bob", "reason": "Help"},
        "/assign": {"assignee": "bob"},
    }


@FUZZ
@given(data=st.data())
def test_random_bodies_posted_to_case_actions_are_never_a_server_error(client, alice, alice_token, bob, data):
    # A fresh case each time: one that an earlier example closed would answer everything with a 409.
    case, option = _case_with_an_option(alice)
    bodies = _action_bodies(option.pk)
    path = data.draw(st.sampled_from(sorted(bodies)))
    body = data.draw(st.just(bodies[path]) | mutated(bodies[path]) | json_values)
    events = case.events.count()

    response = _post(client, f"/api/cases/{case.reference}{path}", alice_token, body)

    assert 200 <= response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert case.events.count() == events


# ---------------------------------------------------------------- schemathesis over the OpenAPI document


@pytest.fixture
def _live_server_connections_closed():
    """The live server answers each request in a new thread; with PostgreSQL's persistent connections
    (CONN_MAX_AGE) each would stay open after its thread ended, and the test database could not be dropped."""
    database = connections.settings["default"]
    kept = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def fuzz_world(_live_server_connections_closed, live_server, alice, case_with_options):
    """Something for the operations to find besides what the run creates: a case with an option listed."""
    services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(title="Refund", remedy_type=RemedyType.REFUND, amount=Decimal("20.00")),
    )
    return case_with_options


@pytest.mark.slow
@pytest.mark.parametrize(
    ("user", "examples"),
    [
        # A supervisor may do nearly everything on a case: the widest run.
        pytest.param("bob", 2, id="supervisor"),
        # The other staff roles, whose permissions differ (authority limits, approvals): a shorter run each.
        pytest.param("alice", 1, id="agent"),
        pytest.param("carol", 1, id="manager"),
    ],
)
def test_every_operation_passes_every_schemathesis_check(live_server, fuzz_world, request, user, examples):
    """Every operation, every check (schemathesis.toml), as each role: the examples, fuzzing and stateful
    phases (about 15 s for the supervisor on a quiet machine). The coverage phase adds some 3,800 boundary
    cases and minutes: `make fuzz` runs it. PUTRIGHT_FUZZ_EXAMPLES and PUTRIGHT_FUZZ_PHASES
    (comma-separated) widen this run."""
    phases = os.environ.get("PUTRIGHT_FUZZ_PHASES", "examples,fuzzing,stateful").split(",")
    cfg = api_fuzz.config(
        token=token_for(request.getfixturevalue(user)),
        max_examples=int(os.environ.get("PUTRIGHT_FUZZ_EXAMPLES", str(examples))),
        seed=1,
        phases=phases,
    )
    schema = api_fuzz.url_schema(live_server.url, cfg)
    outcome = api_fuzz.run(schema)
    print(outcome.summary())

    assert outcome.operations == len(list(schema.get_all_operations())) == 75
    assert set(outcome.checks) == set(api_fuzz.ALL_CHECKS)
    assert outcome.errors == []
    assert outcome.failures == [], outcome.summary()
