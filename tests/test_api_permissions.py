"""Who may use the API: no token, a bad or revoked token, a user without a role, and authority limits."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from putright import clock
from putright.audit.models import Event
from putright.authority.models import ApiToken, Approval
from putright.cases import services
from putright.cases.models import ActionStep, Case, Consultation, Option, Promise
from putright.channels.models import Alert, Attachment, Message
from putright.feedback.models import FeedbackItem
from putright.monitoring import services as monitoring
from putright.monitoring.models import AffectedCustomer, Signal, SignalBreach, SignalThreshold
from putright.notes.models import Note
from putright.problems import services as problems
from putright.problems.models import Problem, ProblemCase, ProblemEvent
from putright.regulation.models import CaseClock
from putright.replies.models import SavedReply
from putright.resolution import services as resolution
from putright.resolution.models import Offer
from putright.vocab import RemedyType, SourceKind
from tests.attachment_files import incoming
from tests.quality_fixtures import closed_unresolved


def token_for(user, name: str = "integration") -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash)
    return raw


def call(client, method: str, path: str, body=None, authorization: str | None = None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    if method == "GET":
        return client.get(path, headers=headers)
    # POST, PUT and DELETE all carry a JSON body (the problem-link DELETE takes the reason in one).
    send = {"POST": client.post, "PUT": client.put, "DELETE": client.delete}[method]
    return send(
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


def _confirmed(report_case, alice, subject: str) -> Case:
    """A case whose understanding the customer confirmed: options can be listed and negotiated."""
    case = report_case(subject=subject)
    services.case_summarise_understanding(actor=alice, case=case, summary=f"{subject}; wants it put right.")
    services.case_confirm_understanding(actor=None, case=case)
    case.refresh_from_db()
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

    emotional = report_case(subject="Refund still missing")

    # P1/E4: purchase facts on one case (to list its statutory remedies); another with none yet (to PUT).
    today = timezone.localdate(clock.now())
    faulty_kettle = {
        "supply": "goods",
        "contract_date": (today - timedelta(days=9)).isoformat(),
        "delivery_date": (today - timedelta(days=7)).isoformat(),
        "fault": True,
        "fault_reported_date": (today - timedelta(days=1)).isoformat(),
    }
    statutory = _confirmed(report_case, alice, "Kettle stopped working")
    resolution.case_facts_record(actor=alice, case=statutory, facts=faulty_kettle)
    facts_missing = _confirmed(report_case, alice, "Toaster sparks")

    # K3: a customer's counter-offer to settle on one case; our open offer to turn down on another.
    settling = _confirmed(report_case, alice, "Dented microwave")
    dent_refund = services.option_add(
        actor=alice,
        case=settling,
        option=services.OptionInput(
            title="Partial refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("40.00")
        ),
    )
    counter = resolution.offer_counter_record(
        actor=alice, option=dent_refund, amount=Decimal("70.00"), method="email"
    )
    negotiating = _confirmed(report_case, alice, "Cracked mirror")
    mirror_refund = services.option_add(
        actor=alice,
        case=negotiating,
        option=services.OptionInput(
            title="Partial refund", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("30.00")
        ),
    )
    ours = resolution.offer_make(actor=alice, option=mirror_refund, method="phone")

    # S3: a problem opened by hand with one case linked (to unlink), and another case to link.
    linked, unlinked = report_case(subject="Parcel lost"), report_case(subject="Parcel lost too")
    problem = problems.problem_open(
        actor=bob,
        title="Parcels lost by the courier",
        description="Several parcels never arrived.",
        origin="manual",
        source_kind="b",
        cases=[linked],
    )

    # S5: a threshold breached by a reading that names a customer, so a notice has someone to reach.
    SignalThreshold.objects.create(
        name="Deliveries running late",
        measurement="delivery_delay_hours",
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
    )
    [breach] = monitoring.signal_record(
        actor=bob,
        signal=monitoring.SignalInput(
            name="delivery_delay_hours", value=50, customers=[planning.customer.email]
        ),
    ).breaches
    assert breach.affected.count() == 1

    scored = closed_unresolved(report_case, alice, subject="Closed and scored")
    # Issue 15 §4: a file the customer sent, to list and download.
    services.message_receive(case=options_case, body="The receipt.", files=[incoming("receipt.png")])
    receipt = Attachment.objects.get(case=options_case)
    saved_reply = SavedReply.objects.create(
        title="Refund on its way",
        body="Dear {customer_name}, I will call you on Tuesday.",
        updated_at=clock.now(),
    )
    o, a = options_case.reference, approval_case.reference
    pl, dl = planning.reference, delivering.reference
    st, fm = statutory.reference, facts_missing.reference
    se, ng = settling.reference, negotiating.reference
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
        ("GET", f"/api/cases/{o}/attachments", None),
        ("GET", f"/api/cases/{o}/attachments/{receipt.pk}", None),
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
        (
            "POST",
            f"/api/cases/{o}/messages",
            {"body": "I will call you on Tuesday with the outcome.", "requested": True},
        ),
        # Issue 15 §2: internal notes and logged contacts.
        ("GET", f"/api/cases/{o}/notes", None),
        ("POST", f"/api/cases/{o}/notes", {"body": "Ask @alice."}),
        ("POST", f"/api/cases/{o}/contacts", {"via": "phone", "direction": "out", "body": "Rang them."}),
        (
            "POST",
            f"/api/cases/{o}/close-unresolved",
            {
                "reasons": "We cannot help with this one at all.",
                "other_routes": ["Ombudsman"],
                "reason_code": "outside_policy",
            },
        ),
        # Issue 13 §1: a supervisor corrects 'upheld' on the case just closed; the reason codes offered.
        ("POST", f"/api/cases/{o}/upheld", {"upheld": "partly", "reason": "Part of it was our fault."}),
        ("GET", "/api/unresolved-reasons", None),
        # Issue 13 §4: the metrics catalogue and one metric's rows.
        ("GET", "/api/insights/metrics", None),
        ("GET", "/api/insights/metrics/volume?from=2026-01-01&to=2026-01-31", None),
        (
            "POST",
            f"/api/cases/{report_case().reference}/close-duplicate",
            {"original": report_case().reference, "note": "Same problem."},
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
        ("POST", "/api/alerts/read", {"kind": "escalation"}),
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
        (
            "POST",
            f"/api/cases/{emotional.reference}/emotion",
            {"emotion": "angry", "priority": "high", "reason": "Shouting on the phone."},
        ),
        # Remedies engine (E4): changes nothing, but must still be for staff only.
        ("POST", "/api/remedies/evaluate", {**faulty_kettle, "today": today.isoformat()}),
        # Problems (S3).
        ("GET", "/api/problems", None),
        ("GET", "/api/improvements", None),
        ("GET", f"/api/problems/{problem.pk}", None),
        ("POST", f"/api/problems/{problem.pk}/links", {"reference": unlinked.reference}),
        (
            "DELETE",
            f"/api/problems/{problem.pk}/links/{linked.reference}",
            {"reason": "A different courier lost this one."},
        ),
        ("POST", f"/api/problems/{problem.pk}/transition", {"status": "confirmed", "note": "Seen in logs."}),
        # Operational signals (S5).
        ("POST", "/api/signals", {"name": "queue_length", "value": 3, "dimensions": {"site": "bristol"}}),
        ("GET", "/api/signals", None),
        ("GET", "/api/signals/breaches", None),
        ("GET", f"/api/signals/breaches/{breach.pk}", None),
        (
            "POST",
            f"/api/signals/breaches/{breach.pk}/notice",
            {"subject": "Your delivery may be late", "body": "Our courier is running two days behind."},
        ),
        # Feedback (S4).
        ("GET", "/api/feedback", None),
        ("POST", "/api/feedback", {"source": "survey", "text": "The courier was rude.", "satisfied": False}),
        ("GET", "/api/feedback/themes", None),
        # Purchase facts, appraisal and negotiation (P1, P3, P4, K3).
        ("PUT", f"/api/cases/{fm}/facts", faulty_kettle),
        ("GET", f"/api/cases/{st}/facts", None),
        ("GET", f"/api/cases/{st}/appraisal", None),
        ("POST", f"/api/cases/{st}/options/statutory", None),
        ("GET", f"/api/cases/{ng}/offers", None),
        ("POST", f"/api/cases/{ng}/offers/{ours.pk}/reject", {"method": "phone", "reason": "Wants more."}),
        ("POST", f"/api/cases/{ng}/offers", {"option_id": mirror_refund.pk, "method": "phone"}),
        (
            "POST",
            f"/api/cases/{ng}/offers/counter",
            {"option_id": mirror_refund.pk, "method": "email", "amount": "50.00"},
        ),
        ("POST", f"/api/cases/{se}/offers/{counter.pk}/settle", {"note": "Fair."}),
        # Deadlines and the final letter (E4, P5, A6).
        ("GET", f"/api/cases/{o}/clocks", None),
        ("GET", "/api/deadlines", None),
        (
            "POST",
            f"/api/cases/{pl}/letter-draft",
            {"reasons": "The courier's records show the parcel was delivered on the promised day."},
        ),
        # The handling scorecard (issue 14 §4, Q1).
        ("GET", f"/api/cases/{scored.reference}/scorecard", None),
        # Saved replies (issue 15 §3).
        ("GET", "/api/saved-replies", None),
        ("GET", f"/api/cases/{o}/saved-replies/{saved_reply.pk}", None),
    ]


def _rows(model, *fields: str) -> list[tuple]:
    return list(model.objects.order_by("pk").values_list("pk", *fields))


def snapshot() -> dict:
    """Everything an endpoint could change."""
    return {
        "cases": dict(Case.objects.values_list("reference", "status")),
        "assignees": dict(Case.objects.values_list("reference", "assignee_id")),
        "classification": dict(Case.objects.values_list("reference", "source_kind")),
        "portal_nonces": dict(Case.objects.values_list("reference", "portal_nonce")),
        "emotions": _rows(Case, "emotion", "emotion_assessed_by", "priority"),
        "purchase_facts": _rows(Case, "purchase_facts", "is_statutory_breach"),
        "alerts_read": list(Alert.objects.order_by("pk").values_list("read_at", flat=True)),
        "alerts": Alert.objects.count(),
        "events": Event.objects.count(),
        "options": _rows(Option, "status", "amount", "description"),
        "consultations": list(Consultation.objects.values_list("pk", "answer")),
        "steps": list(ActionStep.objects.values_list("pk", "done_at")),
        "promises": dict(Promise.objects.values_list("pk", "status")),
        "approvals": dict(Approval.objects.values_list("pk", "status")),
        "messages": Message.objects.count(),
        "notes": Note.objects.count(),
        "offers": _rows(Offer, "kind", "amount", "responds_to_id"),
        "clocks": _rows(CaseClock, "due_at", "met_at", "missed_at", "stopped_at"),
        "problems": _rows(
            Problem, "status", "owner_id", "root_cause", "workaround", "first_seen", "last_seen"
        ),
        "problem_links": _rows(ProblemCase, "problem_id", "case_id", "unlinked_at"),
        "problem_events": ProblemEvent.objects.count(),
        "signals": _rows(Signal, "evaluated_at"),
        "breaches": _rows(SignalBreach, "readings", "last_value", "notice_subject", "notice_requested_at"),
        "affected": _rows(AffectedCustomer, "notified_at", "case_id"),
        "feedback": _rows(FeedbackItem, "text", "satisfied"),
        "saved_replies": _rows(SavedReply, "uses"),
    }


def _template(method: str, path: str, operations: set[tuple[str, str]]) -> str | None:
    """The spec's path template a concrete request path is for: each ``{param}`` segment matches one
    non-empty segment. Where two templates match, the one with more literal segments wins, as routing does."""

    def pattern(template: str) -> str:
        return "/".join(
            "[^/]+" if re.fullmatch(r"\{\w+\}", segment) else re.escape(segment)
            for segment in template.split("/")
        )

    matches = [t for m, t in operations if m == method and re.fullmatch(pattern(t), path)]
    return min(matches, key=lambda t: t.count("{"), default=None)


def test_the_endpoint_list_covers_every_operation_in_the_openapi_document(client, world):
    spec = client.get("/api/openapi.json").json()
    operations = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    covered = [(method, _template(method, path, operations)) for method, path, _ in world]

    # Each entry is named in a failure message, so a new endpoint without an entry says which it is.
    assert [(m, p) for (m, p, _), (_, t) in zip(world, covered, strict=True) if t is None] == []
    assert sorted(operations - set(covered)) == []
    assert sorted({op for op in covered if covered.count(op) > 1}) == []
    assert len(world) == len(operations)


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
