"""Who may use the API: no token, a bad or revoked token, a user without a role, and authority limits."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from putright import clock
from putright.audit.models import Event
from putright.authority.models import ApiToken, Approval
from putright.cases import services
from putright.cases.choices import RemedyType
from putright.cases.models import ActionStep, Case, Consultation, Option, Promise
from putright.channels.models import Alert, Message


def token_for(user, name: str = "integration") -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash)
    return raw


def call(client, method: str, path: str, body=None, authorization: str | None = None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def _in_progress(report_case, alice, subject: str) -> Case:
    case = report_case(subject=subject)
    services.case_summarise_understanding(actor=alice, case=case, summary="Parcel is late.")
    services.case_confirm_understanding(actor=None, case=case)
    option = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(title="Redeliver", remedy_type=RemedyType.REDELIVERY),
    )
    services.option_recommend(
        actor=alice,
        option=option,
        justification="Fast and what they asked for.",
        factors=["customer_preference", "time_to_deliver"],
    )
    services.option_customer_respond(case=case, agree=True)
    return case


@pytest.fixture
def world(report_case, case_with_options, alice, bob):
    """Every endpoint with a request that bob (a supervisor) may make and that would change something:
    one case in each state the endpoints need, with real sub-objects. Returns [(method, path, body)]."""
    options_case = case_with_options
    option = services.option_add(
        actor=alice,
        case=options_case,
        option=services.OptionInput(title="Refund", remedy_type=RemedyType.REFUND, amount=Decimal("20.00")),
    )
    spare = services.option_add(
        actor=alice,
        case=options_case,
        option=services.OptionInput(title="Repair", remedy_type=RemedyType.REPAIR),
    )
    consultation = services.consultation_request(
        actor=alice, case=options_case, colleague=bob, question="Refund or repair?"
    )

    planning = _in_progress(report_case, alice, "Late delivery")
    delivering = _in_progress(report_case, alice, "Late delivery again")
    step = services.step_add(
        actor=alice,
        case=delivering,
        description="Send again",
        owner=alice,
        due_date=clock.now().date() + timedelta(days=1),
    )
    promise = services.promise_make(
        actor=alice,
        case=delivering,
        description="Tracking number by email",
        owner=alice,
        due_at=clock.now() + timedelta(days=1),
    )

    approval_case = report_case(subject="Broken fridge")
    services.case_skip_understanding(actor=alice, case=approval_case, reason="Clear from the photos sent.")
    big = services.option_add(
        actor=alice,
        case=approval_case,
        option=services.OptionInput(
            title="Replace the fridge", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("649.00")
        ),
    )
    services.option_recommend(
        actor=alice,
        option=big,
        justification="Legal right; customer asked.",
        factors=["legal_obligation", "customer_preference"],
    )
    approval = Approval.objects.get(case=approval_case)

    summarised = report_case(subject="Scratched table")
    services.case_summarise_understanding(
        actor=alice, case=summarised, summary="The table arrived scratched."
    )

    o, a = options_case.reference, approval_case.reference
    pl, dl = planning.reference, delivering.reference
    return [
        (
            "POST",
            "/api/cases",
            {
                "customer": {"name": "Sam", "email": "sam@example.com"},
                "subject": "Broken",
                "description": "It broke.",
                "consent": True,
            },
        ),
        ("GET", "/api/cases", None),
        ("GET", f"/api/cases/{o}", None),
        ("GET", f"/api/cases/{o}/timeline", None),
        ("GET", f"/api/cases/{o}/record", None),
        ("POST", f"/api/cases/{report_case().reference}/understanding", {"summary": "A new summary."}),
        ("POST", f"/api/cases/{summarised.reference}/understanding/confirm", {"method": "phone"}),
        (
            "POST",
            f"/api/cases/{report_case().reference}/understanding/skip",
            {"reason": "Customer unreachable."},
        ),
        ("POST", f"/api/cases/{o}/options", {"title": "Repair", "remedy_type": "repair"}),
        ("POST", f"/api/cases/{o}/options/{spare.pk}/withdraw", {"reason": "Not wanted."}),
        ("POST", f"/api/cases/{o}/consultations", {"colleague": "alice", "question": "Any advice?"}),
        ("POST", f"/api/cases/{o}/consultations/{consultation.pk}/answer", {"answer": "Refund."}),
        (
            "POST",
            f"/api/cases/{o}/options/{option.pk}/recommend",
            {"justification": "Cheap and quick.", "factors": ["cost", "time_to_deliver"]},
        ),
        ("POST", f"/api/cases/{o}/recommendation/withdraw", {"reason": "Facts changed."}),
        ("POST", f"/api/cases/{o}/link/renew", {"reason": "Email forwarded."}),
        ("POST", f"/api/cases/{o}/escalate", {"to": "alice", "reason": "Second opinion."}),
        ("POST", f"/api/cases/{o}/assign", {"assignee": "bob"}),
        ("POST", f"/api/cases/{o}/classify", {"source_kind": "d", "category": None}),
        ("POST", f"/api/cases/{o}/messages", {"body": "Update.", "requested": True}),
        (
            "POST",
            f"/api/cases/{o}/close-unresolved",
            {"reasons": "We cannot help with this one at all.", "other_routes": ["Ombudsman"]},
        ),
        (
            "POST",
            f"/api/cases/{pl}/steps",
            {
                "description": "Call courier",
                "owner": "alice",
                "due_date": (clock.now().date() + timedelta(days=1)).isoformat(),
            },
        ),
        (
            "POST",
            f"/api/cases/{pl}/promises",
            {
                "description": "Ring you",
                "owner": "alice",
                "due_at": (clock.now() + timedelta(days=2)).isoformat(),
            },
        ),
        ("POST", f"/api/cases/{dl}/steps/{step.pk}/complete", None),
        ("GET", "/api/alerts", None),
        ("POST", f"/api/alerts/{Alert.objects.filter(recipient=bob).first().pk}/read", None),
        ("GET", "/api/escalations", None),
        ("POST", f"/api/cases/{dl}/promises/{promise.pk}/keep", None),
        ("POST", f"/api/cases/{dl}/deliver", None),
        (
            "POST",
            f"/api/cases/{dl}/satisfaction",
            {"resolved": False, "method": "phone", "comment": "Still late."},
        ),
        ("POST", f"/api/cases/{dl}/reopen", {"reason": "Still late."}),
        ("GET", "/api/approvals", None),
        ("POST", f"/api/approvals/{approval.pk}/decide", {"approve": True}),
        ("POST", f"/api/cases/{a}/agreement", {"agree": True, "method": "phone"}),
    ]


def snapshot() -> dict:
    """Everything an endpoint could change."""
    return {
        "cases": dict(Case.objects.values_list("reference", "status")),
        "assignees": dict(Case.objects.values_list("reference", "assignee_id")),
        "classification": dict(Case.objects.values_list("reference", "source_kind")),
        "portal_nonces": dict(Case.objects.values_list("reference", "portal_nonce")),
        "alerts_read": list(Alert.objects.order_by("pk").values_list("read_at", flat=True)),
        "events": Event.objects.count(),
        "options": dict(Option.objects.values_list("pk", "status")),
        "consultations": list(Consultation.objects.values_list("pk", "answer")),
        "steps": list(ActionStep.objects.values_list("pk", "done_at")),
        "promises": dict(Promise.objects.values_list("pk", "status")),
        "approvals": dict(Approval.objects.values_list("pk", "status")),
        "messages": Message.objects.count(),
    }


def test_the_endpoint_list_covers_every_operation_in_the_openapi_document(client, world):
    spec = client.get("/api/openapi.json").json()
    operations = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}

    assert len(world) == len(operations) == 33


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-real-token",
        "Basic YWxpY2U6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5",
        "Token prt_abc",
    ],
)
def test_every_endpoint_is_401_without_a_valid_token(client, world, authorization):
    before = snapshot()

    results = {(m, p): call(client, m, p, body, authorization) for m, p, body in world}

    assert {k: r.status_code for k, r in results.items()} == {k: 401 for k in results}
    assert all(r.json()["code"] == "unauthorized" for r in results.values())
    assert all(r["WWW-Authenticate"].startswith("Bearer") for r in results.values())
    assert snapshot() == before


def test_every_endpoint_is_401_with_a_revoked_token(client, world, alice):
    raw = token_for(alice)
    ApiToken.objects.filter(user=alice).update(revoked_at=clock.now())
    before = snapshot()

    statuses = {(m, p): call(client, m, p, body, f"Bearer {raw}").status_code for m, p, body in world}

    assert statuses == {k: 401 for k in statuses}
    assert snapshot() == before


def test_every_endpoint_is_401_for_an_inactive_users_token(client, world, alice):
    raw = token_for(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    before = snapshot()

    statuses = {(m, p): call(client, m, p, body, f"Bearer {raw}").status_code for m, p, body in world}

    assert statuses == {k: 401 for k in statuses}
    assert snapshot() == before


def test_every_endpoint_is_403_for_a_user_without_a_staff_role_and_nothing_changes(client, world, charlie):
    raw = token_for(charlie)
    before = snapshot()

    results = {(m, p): call(client, m, p, body, f"Bearer {raw}") for m, p, body in world}

    assert {k: r.status_code for k, r in results.items()} == {k: 403 for k in results}
    assert all(r.json()["code"] == "forbidden" for r in results.values())
    assert snapshot() == before


def test_a_staff_token_gets_the_same_requests_through(client, world, bob):
    """The denial tests above mean something only because these very requests succeed for staff."""
    raw = token_for(bob)
    events = Event.objects.count()

    statuses = {(m, p): call(client, m, p, body, f"Bearer {raw}").status_code for m, p, body in world}

    assert {k: s for k, s in statuses.items() if not 200 <= s < 300} == {}
    assert Event.objects.count() > events


def test_an_agent_cannot_approve_beyond_their_own_limit(client, world, dave):
    approval = Approval.objects.get()
    before = snapshot()

    r = call(
        client, "POST", f"/api/approvals/{approval.pk}/decide", {"approve": True}, f"Bearer {token_for(dave)}"
    )

    assert (r.status_code, r.json()["code"]) == (409, "approver_lacks_authority")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING
    assert snapshot() == before


def test_the_requester_cannot_approve_their_own_exception(client, case_with_options, alice, bob, carol):
    option = services.option_add(
        actor=bob,
        case=case_with_options,
        option=services.OptionInput(
            title="Apology and a small voucher",
            remedy_type=RemedyType.GOODWILL_CREDIT,
            amount=Decimal("20.00"),
            is_exception=True,
        ),
    )
    services.option_recommend(
        actor=bob,
        option=option,
        justification="Goodwill outside the usual policy.",
        factors=["relationship", "customer_benefit"],
    )
    approval = Approval.objects.get(case=case_with_options)
    before = snapshot()

    r = call(
        client, "POST", f"/api/approvals/{approval.pk}/decide", {"approve": True}, f"Bearer {token_for(bob)}"
    )

    assert (r.status_code, r.json()["code"]) == (409, "second_person_required")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING
    assert snapshot() == before
    # An agent may not approve an exception to usual practice, even one within their money limit (K4).
    r = call(
        client,
        "POST",
        f"/api/approvals/{approval.pk}/decide",
        {"approve": True},
        f"Bearer {token_for(alice)}",
    )
    assert (r.status_code, r.json()["code"]) == (409, "approver_lacks_authority")
    assert snapshot() == before
    # Someone else whose role may approve exceptions may.
    r = call(
        client,
        "POST",
        f"/api/approvals/{approval.pk}/decide",
        {"approve": True},
        f"Bearer {token_for(carol)}",
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved")


def test_only_the_colleague_asked_may_answer_a_consultation(client, world, dave):
    consultation = Consultation.objects.get()
    before = snapshot()

    r = call(
        client,
        "POST",
        f"/api/cases/{consultation.case.reference}/consultations/{consultation.pk}/answer",
        {"answer": "I am not bob."},
        f"Bearer {token_for(dave)}",
    )

    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert snapshot() == before
