"""The REST API: create with idempotency, the whole journey, errors, validation and the queue."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from putright import clock
from putright.authority.models import ApiToken, Approval
from putright.cases import services
from putright.cases.models import Case, Category
from putright.vocab import RemedyType, Status

REFERENCE = re.compile(r"^PR-\d{4}-\d{6}$")


def token_for(user, name: str = "integration") -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash)
    return raw


class Api:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body=None, *, headers: dict | None = None, raw: bytes | str | None = None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(
            path, data=data, content_type="application/json", headers={**self.headers, **(headers or {})}
        )


@pytest.fixture
def api_as(client):
    def _as(user):
        return Api(client, token_for(user))

    return _as


def case_body(**overrides) -> dict:
    body = {
        "customer": {"name": "Priya Shah", "email": "priya@example.com", "phone": "07700 900123"},
        "subject": "Washing machine leaks after a week",
        "description": "My new washing machine started leaking water on the kitchen floor after 6 days.",
        "desired_outcome": "A replacement machine",
        "order_reference": "ORD-558812",
        "amount_in_dispute": "449.00",
        "consent": True,
    }
    body.update(overrides)
    return body


def tomorrow_iso() -> str:
    return (clock.now() + timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- create and idempotency


def test_it_creates_a_case_with_201_a_reference_and_a_portal_url(api_as, alice):
    response = api_as(alice).post("/api/cases", case_body())

    assert response.status_code == 201
    data = response.json()
    assert REFERENCE.match(data["reference"])
    assert data["portal_url"].startswith("http://127.0.0.1:8000/track/")
    assert data["status"] == "new"
    assert data["channel"] == "api"
    assert data["source_kind"] == "a"
    assert data["amount_in_dispute"] == "449.00"
    assert data["customer"] == {"name": "Priya Shah", "email": "priya@example.com", "phone": "07700 900123"}
    case = Case.objects.get(reference=data["reference"])
    assert case.created_by == alice
    assert case.description == case_body()["description"]
    assert case.events.count() == 1


def test_a_retry_with_the_same_idempotency_key_returns_the_same_case_with_200(api_as, alice):
    api = api_as(alice)
    first = api.post("/api/cases", case_body(), headers={"Idempotency-Key": "crm-ticket-991"})
    # The same amount spelt differently is the same request.
    retry = api.post(
        "/api/cases", case_body(amount_in_dispute=449), headers={"Idempotency-Key": "crm-ticket-991"}
    )

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["reference"] == first.json()["reference"]
    assert retry.json()["portal_url"] == first.json()["portal_url"]
    assert Case.objects.count() == 1


def test_the_same_idempotency_key_with_a_different_body_is_a_409_conflict(api_as, alice):
    api = api_as(alice)
    first = api.post("/api/cases", case_body(), headers={"Idempotency-Key": "crm-ticket-992"})
    other = api.post(
        "/api/cases", case_body(subject="Dryer is noisy"), headers={"Idempotency-Key": "crm-ticket-992"}
    )

    assert first.status_code == 201
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert Case.objects.count() == 1


def test_requests_without_an_idempotency_key_create_a_case_each_time(api_as, alice):
    api = api_as(alice)
    refs = {api.post("/api/cases", case_body()).json()["reference"] for _ in range(2)}

    assert len(refs) == 2
    assert Case.objects.count() == 2


def test_it_files_a_case_under_a_category_given_by_slug(api_as, alice):
    Category.objects.create(name="Delivery", slug="delivery")

    response = api_as(alice).post(
        "/api/cases", case_body(category="delivery", source_kind="d", channel="phone")
    )

    assert response.status_code == 201
    assert response.json()["category"] == "delivery"
    assert response.json()["source_kind"] == "d"
    # A call logged by staff is theirs to handle.
    assert response.json()["assignee"] == "alice"


# ---------------------------------------------------------------- the journey


@pytest.mark.django_db(transaction=True)
def test_the_full_journey_through_the_api_ends_closed_resolved(api_as, alice, bob, mailbox):
    as_alice, as_bob = api_as(alice), api_as(bob)
    ref = as_alice.post("/api/cases", case_body()).json()["reference"]
    base = f"/api/cases/{ref}"

    r = as_alice.post(
        f"{base}/understanding", {"summary": "The machine leaks; the customer wants a replacement."}
    )
    assert (r.status_code, r.json()["status"], r.json()["understanding"]["state"]) == (
        200,
        "new",
        "awaiting_customer",
    )
    r = as_alice.post(f"{base}/understanding/confirm", {"method": "phone"})
    assert (r.status_code, r.json()["status"]) == (200, "options")

    r = as_alice.post(
        f"{base}/options",
        {
            "title": "Replace the machine",
            "remedy_type": "replacement",
            "amount": "449.00",
            "days_to_deliver": 3,
        },
    )
    assert r.status_code == 201
    option_id = r.json()["id"]
    assert r.json()["status"] == "proposed"
    assert r.json()["amount"] == "449.00"

    r = as_alice.post(
        f"{base}/options/{option_id}/recommend",
        {
            "justification": "The customer has a legal right to a replacement and asked for one.",
            "factors": ["legal_obligation", "customer_preference"],
        },
    )
    assert (r.status_code, r.json()["status"]) == (200, "awaiting_approval")
    assert r.json()["recommendation"]["option_id"] == option_id
    assert [a["status"] for a in r.json()["approvals"]] == ["pending"]

    r = as_alice.post(f"{base}/agreement", {"agree": True, "method": "phone"})
    assert (r.status_code, r.json()["code"]) == (409, "approval_required")
    assert Case.objects.get(reference=ref).status == Status.AWAITING_APPROVAL

    r = as_bob.get("/api/approvals")
    assert r.status_code == 200
    assert r.json()["count"] == 1
    pending = r.json()["items"][0]
    assert (
        pending["case_reference"],
        pending["option"]["id"],
        pending["requested_by"],
        pending["assigned_to"],
    ) == (ref, option_id, "alice", "bob")
    assert pending["rule_ids"] == ["K4.money"]

    r = as_bob.post(f"/api/approvals/{pending['id']}/decide", {"approve": True, "note": "Within policy."})
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (200, "approved", "bob")
    assert as_alice.get(base).json()["status"] == "awaiting_customer"

    r = as_alice.post(f"{base}/agreement", {"agree": True, "method": "phone", "comment": "Happy with that."})
    assert (r.status_code, r.json()["status"]) == (200, "in_progress")

    due = (clock.now().date() + timedelta(days=2)).isoformat()
    r = as_alice.post(
        f"{base}/steps", {"description": "Deliver the new machine", "owner": "alice", "due_date": due}
    )
    assert (r.status_code, r.json()["owner"], r.json()["due_date"], r.json()["done_at"]) == (
        201,
        "alice",
        due,
        None,
    )
    step_id = r.json()["id"]

    r = as_alice.post(
        f"{base}/promises",
        {"description": "Call you the day before delivery", "owner": "alice", "due_at": tomorrow_iso()},
    )
    assert (r.status_code, r.json()["status"]) == (201, "open")
    promise_id = r.json()["id"]

    r = as_alice.post(f"{base}/deliver")
    assert (r.status_code, r.json()["code"]) == (409, "steps_not_done")

    r = as_alice.post(f"{base}/steps/{step_id}/complete")
    assert (r.status_code, r.json()["done_by"]) == (200, "alice")
    r = as_alice.post(f"{base}/promises/{promise_id}/keep")
    assert (r.status_code, r.json()["status"]) == (200, "kept")

    r = as_alice.post(f"{base}/deliver")
    assert (r.status_code, r.json()["status"]) == (200, "awaiting_confirmation")

    r = as_alice.post(
        f"{base}/satisfaction", {"resolved": True, "method": "phone", "comment": "All good now."}
    )
    assert (r.status_code, r.json()["status"]) == (200, "closed_resolved")
    assert r.json()["closed_at"] is not None
    assert r.json()["satisfaction_comment"] == "All good now."

    timeline = as_alice.get(f"{base}/timeline").json()["events"]
    assert [e["kind"] for e in timeline] == [
        "case.reported",
        "understanding.summarised",
        "understanding.confirmed",
        "option.added",
        "option.recommended",
        "approval.requested",
        "approval.approved",
        "option.proposed",
        "option.agreed",
        "plan.step_added",
        "promise.made",
        "plan.step_done",
        "promise.kept",
        "case.delivered",
        "satisfaction.resolved",
    ]
    assert [e["seq"] for e in timeline] == list(range(1, 16))
    assert all(e["prev_hash"] == prev["hash"] for prev, e in zip(timeline, timeline[1:], strict=False))

    record = as_alice.get(f"{base}/record").json()
    assert record["status"] == "closed_resolved"
    assert [a["status"] for a in record["approvals"]] == ["approved"]
    # The approval request is one entry, an approval: it is no longer copied as an escalation too.
    assert record["escalations"] == []
    assert len(record["timeline"]) == 15
    assert f"[{ref}] Is your problem resolved?" in mailbox.subjects_to("priya@example.com")


def test_a_colleague_answers_a_consultation_and_an_option_is_withdrawn(api_as, case_with_options, alice, bob):
    ref = case_with_options.reference
    r = api_as(alice).post(
        f"/api/cases/{ref}/consultations", {"colleague": "bob", "question": "Repair or replace?"}
    )
    assert (r.status_code, r.json()["colleague"], r.json()["answer"]) == (201, "bob", "")

    r = api_as(bob).post(f"/api/cases/{ref}/consultations/{r.json()['id']}/answer", {"answer": "Replace it."})
    assert (r.status_code, r.json()["answer"]) == (200, "Replace it.")

    option_id = (
        api_as(alice)
        .post(f"/api/cases/{ref}/options", {"title": "Repair", "remedy_type": "repair"})
        .json()["id"]
    )
    r = api_as(alice).post(
        f"/api/cases/{ref}/options/{option_id}/withdraw", {"reason": "The customer refused."}
    )
    assert r.status_code == 200
    assert [o["status"] for o in r.json()["options"]] == ["withdrawn"]


def test_escalate_assign_message_reopen_and_close_unresolved(api_as, case_with_options, alice, bob):
    ref = case_with_options.reference
    as_alice = api_as(alice)

    r = as_alice.post(f"/api/cases/{ref}/escalate", {"to": "bob", "reason": "Needs a supervisor's view."})
    assert (r.status_code, r.json()["from_user"], r.json()["to_user"]) == (201, "alice", "bob")
    assert as_alice.get(f"/api/cases/{ref}").json()["assignee"] == "bob"

    r = as_alice.post(f"/api/cases/{ref}/assign", {"assignee": None})
    assert (r.status_code, r.json()["assignee"]) == (200, None)
    r = as_alice.post(f"/api/cases/{ref}/assign", {"assignee": "alice"})
    assert (r.status_code, r.json()["assignee"]) == (200, "alice")

    r = as_alice.post(
        f"/api/cases/{ref}/messages",
        {"body": "We are on it.", "requested": False, "send_anyway_reason": "Not about the wording."},
    )
    assert (r.status_code, r.json()["prompt"], r.json()["subject"]) == (
        201,
        "unprompted",
        "An update on your case",
    )

    r = as_alice.post(f"/api/cases/{ref}/reopen", {"reason": "Not applicable here."})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")

    r = as_alice.post(
        f"/api/cases/{ref}/close-unresolved",
        {
            "reasons": "We cannot replace a machine bought from another shop.",
            "other_routes": ["Contact the shop you bought it from", "The Consumer Ombudsman"],
            "reason_code": "outside_policy",
        },
    )
    assert (r.status_code, r.json()["status"]) == (200, "closed_unresolved")
    assert (r.json()["unresolved_reason"], r.json()["upheld"]) == ("outside_policy", "not_upheld")
    assert r.json()["other_routes"] == ["Contact the shop you bought it from", "The Consumer Ombudsman"]


# ---------------------------------------------------------------- domain errors and not found


def test_escalating_without_a_name_goes_to_the_next_level_up(api_as, case_with_options, alice, bob, carol):
    r = api_as(alice).post(f"/api/cases/{case_with_options.reference}/escalate", {"reason": "Legal threat"})
    assert (r.status_code, r.json()["from_user"], r.json()["to_user"]) == (201, "alice", "bob")
    r = api_as(carol).post(
        f"/api/cases/{case_with_options.reference}/escalate", {"to": None, "reason": "Above me?"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "escalation_target_invalid")


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/deliver", None, "invalid_transition"),
        ("/understanding/confirm", {"method": "phone"}, "no_understanding_summary"),
        ("/options", {"title": "Refund", "remedy_type": "refund"}, "understanding_not_confirmed"),
        ("/reopen", {"reason": "Try again"}, "invalid_transition"),
        (
            "/close-unresolved",
            {"reasons": "Too short", "other_routes": ["Ombudsman"], "reason_code": "other"},
            "reasons_required",
        ),
    ],
)
def test_an_action_the_state_does_not_allow_is_409_with_its_code(
    api_as, alice, report_case, path, body, code
):
    case = report_case()
    events = case.events.count()

    r = api_as(alice).post(f"/api/cases/{case.reference}{path}", body)

    assert r.status_code == 409
    assert r.json()["code"] == code
    assert r.json()["message"]
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (Status.NEW, events)


def test_recommending_with_one_factor_is_409_justification_too_weak(api_as, alice, case_with_options):
    ref = case_with_options.reference
    option_id = (
        api_as(alice)
        .post(f"/api/cases/{ref}/options", {"title": "Refund", "remedy_type": "refund", "amount": "20.00"})
        .json()["id"]
    )
    r = api_as(alice).post(
        f"/api/cases/{ref}/options/{option_id}/recommend", {"justification": "Because.", "factors": ["cost"]}
    )

    assert (r.status_code, r.json()["code"]) == (409, "justification_too_weak")


def test_an_unknown_case_is_404_not_found(api_as, alice):
    api = api_as(alice)
    for path in ("/api/cases/PR-2026-999999", "/api/cases/nonsense", "/api/cases/PR-2026-999999/timeline"):
        r = api.get(path)
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), path
    r = api.post("/api/cases/PR-2026-999999/understanding", {"summary": "x"})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_a_sub_object_of_another_case_is_404(api_as, alice, case_with_options, report_case):
    other = report_case()
    services.case_skip_understanding(
        actor=alice, case=other, reason="Customer unreachable; clear from the form."
    )
    option = services.option_add(
        actor=alice,
        case=other,
        option=services.OptionInput(title="Refund", remedy_type=RemedyType.REFUND, amount=Decimal("20")),
    )

    r = api_as(alice).post(
        f"/api/cases/{case_with_options.reference}/options/{option.pk}/withdraw", {"reason": "Wrong case"}
    )

    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    option.refresh_from_db()
    assert option.status == "proposed"


def test_an_unknown_approval_is_404(api_as, bob):
    r = api_as(bob).post("/api/approvals/999999/decide", {"approve": True})

    assert (r.status_code, r.json()["code"]) == (404, "not_found")


# ---------------------------------------------------------------- validation


def _with_customer(**fields) -> dict:
    return case_body(customer={**case_body()["customer"], **fields})


def _without(key: str) -> dict:
    body = case_body()
    del body[key]
    return body


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (_without("subject"), ["body", "payload", "subject"]),
        (_without("consent"), ["body", "payload", "consent"]),
        (case_body(consent=False), ["body", "payload", "consent"]),
        (case_body(subject="x" * 201), ["body", "payload", "subject"]),
        (case_body(subject="   "), ["body", "payload", "subject"]),
        (case_body(subject="Line one\nBcc: someone@example.com"), ["body", "payload", "subject"]),
        (case_body(description="Nul \x00 byte"), ["body", "payload", "description"]),
        (case_body(description="x" * 10001), ["body", "payload", "description"]),
        (case_body(amount_in_dispute="-1"), ["body", "payload", "amount_in_dispute"]),
        (case_body(amount_in_dispute="1000000.01"), ["body", "payload", "amount_in_dispute"]),
        (case_body(amount_in_dispute="10.001"), ["body", "payload", "amount_in_dispute"]),
        (case_body(amount_in_dispute="NaN"), ["body", "payload", "amount_in_dispute"]),
        (case_body(amount_in_dispute="lots"), ["body", "payload", "amount_in_dispute"]),
        (case_body(channel="pigeon"), ["body", "payload", "channel"]),
        (case_body(source_kind="z"), ["body", "payload", "source_kind"]),
        (case_body(category="no such category"), ["body", "payload", "category"]),
        (case_body(category="unknown-slug"), ["body", "payload", "category"]),
        (case_body(subject=123), ["body", "payload", "subject"]),
        (case_body(surprise="field"), ["body", "payload", "surprise"]),
        (_with_customer(email="not-an-email"), ["body", "payload", "customer", "email"]),
        (_with_customer(name=""), ["body", "payload", "customer", "name"]),
        (_with_customer(phone="0" * 41), ["body", "payload", "customer", "phone"]),
        (case_body(customer="Priya"), ["body", "payload", "customer"]),
    ],
)
def test_an_invalid_case_body_is_422_naming_the_field(api_as, alice, body, loc):
    r = api_as(alice).post("/api/cases", body)

    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ('{"subject": NaN}', 400),
        ("[1, 2, 3]", 422),
        ('"just a string"', 422),
        ("42", 422),
        ("null", 422),
        ("", 422),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_without_a_500(api_as, alice, raw, status):
    r = api_as(alice).post("/api/cases", raw=raw)

    assert r.status_code == status
    assert Case.objects.count() == 0


def test_a_non_utf8_body_is_400(api_as, alice):
    r = api_as(alice).post("/api/cases", raw=b"\xff\xfe{")

    assert (r.status_code, r.json()["code"]) == (400, "bad_request")


def test_a_body_over_the_upload_limit_is_413_json(api_as, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    r = api_as(alice).post("/api/cases", case_body(description="x" * 2000))

    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there", "caf\u00e9"])
def test_an_invalid_idempotency_key_is_422_naming_the_header(api_as, alice, key):
    r = api_as(alice).post("/api/cases", case_body(), headers={"Idempotency-Key": key})

    assert r.status_code == 422
    assert ["header", "Idempotency-Key"] in [e["loc"] for e in r.json()["detail"]]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/consultations", {"colleague": "nobody", "question": "Thoughts?"}, "colleague"),
        ("/consultations", {"colleague": "bob", "question": ""}, "question"),
        ("/escalate", {"to": "nobody", "reason": "Needs a manager"}, "to"),
        ("/escalate", {"to": "bob"}, "reason"),
        ("/assign", {"assignee": "nobody"}, "assignee"),
        ("/assign", {}, "assignee"),
        ("/options", {"title": "Refund", "remedy_type": "teleport"}, "remedy_type"),
        ("/options", {"title": "Refund", "remedy_type": "refund", "amount": "-5"}, "amount"),
        ("/options", {"title": "Refund", "remedy_type": "refund", "days_to_deliver": -1}, "days_to_deliver"),
        ("/options", {"title": "Refund", "remedy_type": "refund", "is_exception": "maybe"}, "is_exception"),
        ("/understanding", {"summary": "a" * 5001}, "summary"),
        ("/understanding/confirm", {"method": "portal"}, "method"),
        ("/messages", {"body": "Hello", "requested": "sometimes"}, "requested"),
        (
            "/close-unresolved",
            {"reasons": "We cannot do anything more about it.", "other_routes": []},
            "other_routes",
        ),
        ("/agreement", {"agree": True, "method": "telepathy"}, "method"),
        ("/satisfaction", {"resolved": True}, "method"),
    ],
)
def test_an_invalid_action_body_is_422_naming_the_field(
    api_as, alice, bob, case_with_options, path, body, field
):
    events = case_with_options.events.count()

    r = api_as(alice).post(f"/api/cases/{case_with_options.reference}{path}", body)

    assert r.status_code == 422
    assert ["body", "payload", field] in [e["loc"][:3] for e in r.json()["detail"]]
    assert case_with_options.events.count() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "Call back", "owner": "alice", "due_at": "2031-01-01T09:00:00"}, "due_at"),
        ({"description": "Call back", "owner": "alice", "due_at": "9999-12-31T23:59:59-14:00"}, "due_at"),
        ({"description": "Call back", "owner": "nobody", "due_at": "2031-01-01T09:00:00+00:00"}, "owner"),
        ({"description": "x" * 301, "owner": "alice", "due_at": "2031-01-01T09:00:00+00:00"}, "description"),
    ],
)
def test_an_invalid_promise_is_422_naming_the_field(api_as, alice, case_with_options, body, field):
    r = api_as(alice).post(f"/api/cases/{case_with_options.reference}/promises", body)

    assert r.status_code == 422
    assert ["body", "payload", field] in [e["loc"][:3] for e in r.json()["detail"]]


def test_an_out_of_range_id_in_the_path_is_422_not_a_crash(api_as, alice, case_with_options):
    r = api_as(alice).post(
        f"/api/cases/{case_with_options.reference}/options/99999999999999999999/withdraw", {"reason": "x"}
    )

    assert r.status_code == 422
    assert ["path", "option_id"] in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "everyone"}, "scope"),
        ({"status": "lost"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "nul\x00"}, "q"),
        ({"overdue_promises": "perhaps"}, "overdue_promises"),
    ],
)
def test_an_invalid_queue_query_is_422_naming_the_parameter(api_as, alice, params, field):
    r = api_as(alice).get("/api/cases", **params)

    assert r.status_code == 422
    assert ["query", field] in [e["loc"] for e in r.json()["detail"]]


# ---------------------------------------------------------------- the queue


def _refs(response) -> set[str]:
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == len(data["items"])
    return {item["reference"] for item in data["items"]}


def test_queue_filters_return_exactly_the_expected_cases(api_as, alice, bob, report_case, case_with_options):
    api = api_as(alice)
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    with clock.frozen(clock.now() - timedelta(days=30)):
        stale = report_case(subject="Old parcel complaint")
    phoned = Case.objects.get(
        reference=api.post("/api/cases", case_body(channel="phone")).json()["reference"]
    )
    system = report_case(source_kind="d", category_id=delivery.pk, subject="Tracking page broken")
    awaiting = report_case(subject="Wrong colour sofa")
    services.case_summarise_understanding(actor=bob, case=awaiting, summary="Sofa is the wrong colour.")
    closed = report_case(subject="Duplicate report")
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=bob,
        case=closed,
        reasons="This duplicates an earlier report of ours.",
        other_routes=["See the earlier case"],
    )
    promised = case_with_options
    services.promise_make(
        actor=alice,
        case=promised,
        description="Call back",
        owner=alice,
        due_at=clock.now() + timedelta(hours=2),
    )
    open_refs = {stale.reference, phoned.reference, system.reference, awaiting.reference, promised.reference}

    assert _refs(api.get("/api/cases")) == open_refs
    assert _refs(api.get("/api/cases", include_closed="true")) == open_refs | {closed.reference}
    assert _refs(api.get("/api/cases", scope="mine")) == {phoned.reference, promised.reference}
    assert _refs(api.get("/api/cases", scope="unassigned")) == {stale.reference, system.reference}
    assert _refs(api.get("/api/cases", status="options")) == {promised.reference}
    assert _refs(api.get("/api/cases", status="closed_unresolved")) == {closed.reference}
    assert _refs(api.get("/api/cases", source_kind="d")) == {system.reference}
    assert _refs(api.get("/api/cases", category="delivery")) == {system.reference}
    assert _refs(api.get("/api/cases", awaiting_customer="true")) == {awaiting.reference}
    assert _refs(api.get("/api/cases", q="sofa")) == {awaiting.reference}
    assert _refs(api.get("/api/cases", q=stale.reference)) == {stale.reference}
    assert _refs(api.get("/api/cases", needs_update="true")) == {stale.reference}
    assert _refs(api.get("/api/cases", overdue_promises="true")) == set()
    with clock.frozen(clock.now() + timedelta(hours=3)):
        overdue = api.get("/api/cases", overdue_promises="true")
    assert _refs(overdue) == {promised.reference}
    assert overdue.json()["items"][0]["has_overdue_promise"] is True


def test_the_queue_pages_with_limit_and_offset_newest_first(api_as, alice, report_case):
    refs = [report_case(subject=f"Problem {i}").reference for i in range(3)]

    page = api_as(alice).get("/api/cases", limit=2, offset=1).json()

    assert page["count"] == 3
    assert [item["reference"] for item in page["items"]] == [refs[1], refs[0]]


# ---------------------------------------------------------------- documentation and tokens


def test_the_openapi_document_and_docs_are_served_without_a_token(client):
    spec = client.get("/api/openapi.json")
    docs = client.get("/api/docs")

    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Putright API"
    assert "/api/cases/{reference}/options/{option_id}/recommend" in spec.json()["paths"]
    assert spec.json()["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert docs.status_code == 200


def test_api_token_create_prints_a_token_that_authenticates_once_stored_only_as_a_hash(client, alice):
    out = StringIO()
    call_command("api_token_create", "alice", "--name", "CRM integration", stdout=out)
    raw = out.getvalue().strip()

    token = ApiToken.objects.get(user=alice)
    assert token.name == "CRM integration"
    assert token.key_hash == ApiToken.hash_of(raw)
    assert raw not in (token.key_hash, token.prefix)
    assert client.get("/api/cases", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_api_token_create_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token_create", "nobody", "--name", "x", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_approvals_list_only_what_the_user_may_decide(api_as, alice, bob, dave, case_with_options):
    ref = case_with_options.reference
    option_id = (
        api_as(alice)
        .post(
            f"/api/cases/{ref}/options",
            {"title": "Replace", "remedy_type": "replacement", "amount": "449.00"},
        )
        .json()["id"]
    )
    api_as(alice).post(
        f"/api/cases/{ref}/options/{option_id}/recommend",
        {"justification": "Legal right.", "factors": ["legal_obligation", "risk"]},
    )

    assert api_as(bob).get("/api/approvals").json()["count"] == 1
    assert api_as(dave).get("/api/approvals").json() == {"count": 0, "items": []}
    assert api_as(alice).get("/api/approvals").json() == {"count": 0, "items": []}
    assert Approval.objects.get().status == "pending"


def test_classify_sets_the_source_kind_and_category_by_slug(api_as, alice, case_with_options):
    Category.objects.create(name="Delivery", slug="delivery")
    ref = case_with_options.reference
    r = api_as(alice).post(f"/api/cases/{ref}/classify", {"source_kind": "e", "category": "delivery"})
    assert (r.status_code, r.json()["source_kind"], r.json()["category"]) == (200, "e", "delivery")
    assert (r.json()["regulated_complaint"], r.json()["statutory_breach"]) == (False, None)
    r = api_as(alice).post(f"/api/cases/{ref}/classify", {"source_kind": "e", "regulated": True})
    assert (r.status_code, r.json()["regulated_complaint"], r.json()["category"]) == (200, True, None)
    r = api_as(alice).post(f"/api/cases/{ref}/classify", {"source_kind": "e", "category": "nope"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "category"


def test_the_inbox_lists_my_alerts_and_escalations_only(api_as, case_with_options, alice, bob, dave):
    services.consultation_request(actor=alice, case=case_with_options, colleague=bob, question="Advice?")
    services.case_escalate(actor=alice, case=case_with_options, to_user=bob, reason="Needs a supervisor")
    r = api_as(bob).get("/api/alerts?unread=true")
    assert r.status_code == 200
    kinds = [a["kind"] for a in r.json()["items"]]
    assert (r.json()["count"], kinds) == (2, ["escalation", "consultation"])
    first = r.json()["items"][0]["id"]
    assert api_as(dave).post(f"/api/alerts/{first}/read").status_code == 404  # not dave's
    r = api_as(bob).post(f"/api/alerts/{first}/read")
    assert (r.status_code, r.json()["read_at"] is not None) == (200, True)
    assert api_as(bob).get("/api/alerts?unread=true").json()["count"] == 1
    esc = api_as(bob).get("/api/escalations").json()
    assert [(e["case"], e["from_user"], e["reason"]) for e in esc["received"]] == [
        (case_with_options.reference, "alice", "Needs a supervisor")
    ]
    assert esc["sent"] == []
    assert api_as(alice).get("/api/escalations").json()["sent"][0]["to_user"] == "bob"


def test_the_inbox_filters_alerts_and_marks_all_read_only_mine(
    api_as, case_with_options, report_case, alice, bob
):
    other_case = report_case(customer_email="tom@example.com", customer_name="Tom Reed")
    services.consultation_request(actor=alice, case=case_with_options, colleague=bob, question="Advice?")
    services.case_escalate(actor=alice, case=case_with_options, to_user=bob, reason="Needs a supervisor")
    services.case_escalate(actor=alice, case=other_case, to_user=bob, reason="Also this one")
    services.case_escalate(actor=bob, case=other_case, to_user=alice, reason="Back to you")
    as_bob = api_as(bob)
    ref = case_with_options.reference
    listed = as_bob.get(f"/api/alerts?kind=escalation&case={ref.lower()}").json()
    assert [(a["kind"], a["case"]) for a in listed["items"]] == [("escalation", ref)]
    assert as_bob.get("/api/alerts?kind=nonsense").status_code == 422
    r = as_bob.post("/api/alerts/read", {"kind": "escalation"})
    assert (r.status_code, r.json()) == (200, {"marked": 2})
    unread = as_bob.get("/api/alerts?unread=true").json()
    assert [a["kind"] for a in unread["items"]] == ["consultation"]
    assert api_as(alice).get("/api/alerts?unread=true").json()["count"] == 1  # alice's own: untouched
    assert as_bob.post("/api/alerts/read", {}).json() == {"marked": 1}
    assert as_bob.get("/api/alerts?unread=true").json()["count"] == 0
