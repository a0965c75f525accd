"""Who may use the staff pages: staff only, and only on the objects of the case in the URL.

Every denial is checked twice: the answer (403, 404 or a redirect to sign in)
and that nothing at all changed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import resolve, reverse

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Approval, Escalation
from putright.cases import services
from putright.cases.models import (
    ActionStep,
    Agreement,
    Case,
    CasePresence,
    Consultation,
    Option,
    Promise,
    SavedQueueFilter,
    StaffPreference,
)
from putright.channels.models import Alert, Attachment, Message, ReplyDraft
from putright.customers.models import Customer
from putright.notes.models import Note
from putright.pages import urls as pages_urls
from putright.replies.models import SavedReply
from putright.vocab import RemedyType, Status
from tests.attachment_files import incoming

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(report_case, alice, bob):
    """Two cases with one of every object a staff URL can address.

    busy: in progress, with options, a step, a promise and an unanswered question to bob.
    waiting: a £449 replacement waiting for bob's approval.
    """
    busy = report_case(subject="Busy case")
    services.case_summarise_understanding(actor=alice, case=busy, summary="Leaks")
    services.case_confirm_understanding(actor=None, case=busy)
    spare = services.option_add(
        actor=alice, case=busy, option=services.OptionInput(title="Apology", remedy_type=RemedyType.APOLOGY)
    )
    chosen = services.option_add(
        actor=alice,
        case=busy,
        option=services.OptionInput(
            title="Refund £60", remedy_type=RemedyType.PARTIAL_REFUND, amount=Decimal("60")
        ),
    )
    consultation = services.consultation_request(actor=alice, case=busy, colleague=bob, question="Fair?")
    services.option_recommend(actor=alice, option=chosen, justification="Fair", factors=["cost", "risk"])
    services.option_customer_respond(case=busy, agree=True)
    step = services.step_add(
        actor=alice, case=busy, description="Refund", owner=alice, due_date=clock.now().date()
    )
    promise = services.promise_make(
        actor=alice, case=busy, description="Call", owner=alice, due_at=clock.now() + timedelta(days=1)
    )

    waiting = report_case(subject="Waiting case")
    services.case_summarise_understanding(actor=alice, case=waiting, summary="Leaks")
    services.case_confirm_understanding(actor=None, case=waiting)
    costly = services.option_add(
        actor=alice,
        case=waiting,
        option=services.OptionInput(
            title="Replace", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
        ),
    )
    services.option_recommend(
        actor=alice, option=costly, justification="CRA", factors=["legal_obligation", "risk"]
    )
    # Issue 15 §4: a photo the customer sent on the busy case.
    services.message_receive(case=busy, body="A photo of the leak.", files=[incoming("leak.png")])
    return SimpleNamespace(
        attachment=Attachment.objects.get(case=busy),
        busy=Case.objects.get(pk=busy.pk),
        waiting=Case.objects.get(pk=waiting.pk),
        spare=spare,
        costly=costly,
        consultation=consultation,
        step=step,
        promise=promise,
        approval=Approval.objects.get(case=waiting),
        alert=Alert.objects.filter(recipient=bob).order_by("pk").first(),
        saved_filter=SavedQueueFilter.objects.create(user=alice, name="Alice's", query="scope=mine"),
        saved_reply=SavedReply.objects.create(
            title="Refund on its way", body="I will call you on Tuesday.", updated_at=clock.now()
        ),
    )


def snapshot() -> dict:
    """Everything a staff page could change."""
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "status",
                "assignee_id",
                "understanding",
                "recommended_option_id",
                "satisfaction_comment",
                "source_kind",
                "category_id",
                "portal_nonce",
            )
        ),
        "events": Event.objects.count(),
        "saved_filters": list(SavedQueueFilter.objects.values_list("pk", "user_id", "name", "query")),
        "presence": CasePresence.objects.count(),
        "options": list(Option.objects.order_by("pk").values_list("status", flat=True)),
        "agreements": Agreement.objects.count(),
        "steps": list(ActionStep.objects.order_by("pk").values_list("done_at", flat=True)),
        "promises": list(Promise.objects.order_by("pk").values_list("status", flat=True)),
        "consultations": list(Consultation.objects.order_by("pk").values_list("answer", flat=True)),
        "approvals": list(Approval.objects.order_by("pk").values_list("status", flat=True)),
        "escalations": Escalation.objects.count(),
        "messages": Message.objects.count(),
        "notes": Note.objects.count(),
        "preferences": list(
            StaffPreference.objects.values_list("user_id", "newest_first", "shortcuts_enabled")
        ),
        "drafts": list(ReplyDraft.objects.values_list("case_id", "author_id", "body")),
        "alerts_read": Alert.objects.filter(read_at__isnull=False).count(),
        "customers": list(
            Customer.objects.order_by("pk").values_list("name", "email", "phone", "merged_into_id")
        ),
        "saved_replies": list(
            SavedReply.objects.order_by("pk").values_list("title", "body", "active", "uses")
        ),
    }


def staff_urls(w) -> list[tuple[str, dict]]:
    """Every staff URL, with a POST body that a staff member's request would get through."""
    busy, waiting = w.busy.reference, w.waiting.reference
    customer = w.busy.customer_id
    due = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = reverse
    return [
        (r("cases:queue"), {}),
        (r("cases:queue_bulk"), {"action": "assign", "case": [busy], "assignee": "-"}),
        (r("cases:saved_filter_save"), {"name": "Mine", "return_query": "scope=mine"}),
        (r("cases:saved_filter_delete", args=[w.saved_filter.pk]), {}),
        (
            r("cases:log_call"),
            {
                "customer_name": "X",
                "customer_email": "x@example.com",
                "subject": "S",
                "description": "D",
                "channel": "phone",
                "source_kind": "a",
                "consent": "on",
            },
        ),
        (r("cases:detail", args=[busy]), {}),
        (r("cases:record_html", args=[busy]), {}),
        (r("cases:record_json", args=[busy]), {}),
        (r("cases:attachment", args=[busy, w.attachment.pk]), {}),
        (r("cases:attachment_preview", args=[busy, w.attachment.pk]), {}),
        (r("cases:assign_me", args=[busy]), {}),
        (r("cases:escalate", args=[busy]), {"to_user": w.alert.recipient_id, "reason": "Help"}),
        (r("cases:classify", args=[busy]), {"source_kind": "d", "category": ""}),
        (r("cases:team_set", args=[busy]), {"team": ""}),
        (r("cases:emotion_set", args=[busy]), {"emotion": "angry", "priority": "", "reason": "Shouting."}),
        (r("cases:recommendation_withdraw", args=[waiting]), {"reason": "Facts changed"}),
        (r("cases:portal_link_renew", args=[busy]), {"reason": "Email was forwarded"}),
        (r("cases:understanding_summarise", args=[busy]), {"summary": "New"}),
        (r("cases:understanding_confirm", args=[busy]), {"method": "phone"}),
        (r("cases:understanding_skip", args=[busy]), {"reason": "Because"}),
        (
            r("cases:option_add", args=[busy]),
            {
                "title": "T",
                "remedy_type": "refund",
                "amount": "1",
                "cost_to_organisation": "1",
                "days_to_deliver": "1",
            },
        ),
        (r("cases:option_withdraw", args=[busy, w.spare.pk]), {"reason": "No"}),
        (
            r("cases:option_recommend", args=[busy, w.spare.pk]),
            {"justification": "J", "factors": ["cost", "risk"]},
        ),
        (r("cases:consultation_request", args=[busy]), {"colleague": w.alert.recipient_id, "question": "Q"}),
        (r("cases:consultation_answer", args=[busy, w.consultation.pk]), {"answer": "A"}),
        (r("cases:agreement_record", args=[busy]), {"agreed": "yes", "method": "phone"}),
        (
            r("cases:step_add", args=[busy]),
            {"description": "S", "owner": w.step.owner_id, "due_date": clock.now().date().isoformat()},
        ),
        (r("cases:step_complete", args=[busy, w.step.pk]), {}),
        (r("cases:deliver", args=[busy]), {}),
        (r("cases:promise_make", args=[busy]), {"description": "P", "owner": w.step.owner_id, "due_at": due}),
        (r("cases:promise_keep", args=[busy, w.promise.pk]), {}),
        (r("cases:message_send", args=[busy]), {"prompt": "unprompted", "body": "Hello"}),
        # Issue 15 §2: an internal note, a logged phone call, the colleagues an @mention may name.
        (r("cases:note_add", args=[busy]), {"body": "Note"}),
        (
            r("cases:contact_log", args=[busy]),
            {"via": "phone", "direction": "out", "prompt": "unprompted", "body": "Rang"},
        ),
        (r("cases:mention_suggestions"), {}),
        (r("cases:satisfaction_record", args=[busy]), {"resolved": "yes", "method": "phone"}),
        (r("cases:reopen", args=[busy]), {"reason": "Again"}),
        (r("cases:upheld_correct", args=[busy]), {"upheld": "partly", "reason": "Part of it was ours."}),
        (
            r("cases:close_unresolved", args=[busy]),
            {"reasons": "A long enough reason for closing.", "routes": ["Financial Ombudsman Service"]},
        ),
        (
            r("cases:close_duplicate", args=[waiting]),
            {"original": busy, "note": "Same", "confirm": "on"},
        ),
        (r("cases:presence_report", args=[busy]), {}),
        (r("cases:thread_order", args=[busy]), {"order": "newest"}),
        (r("cases:shortcuts_set", args=[busy]), {"shortcuts": "off"}),
        (r("cases:draft_save", args=[busy]), {"subject": "", "body": "Dear Priya"}),
        (
            r("cases:scorecard_dispute", args=[busy]),
            {"check_id": "options_weighed", "note": "Only one remedy fits."},
        ),
        (r("cases:approvals"), {}),
        (r("cases:approval_decide", args=[w.approval.pk]), {"decision": "approve"}),
        (r("cases:approvals_bulk_decide"), {"approvals": [w.approval.pk], "decision": "approve"}),
        (r("cases:escalations"), {}),
        (r("cases:alerts"), {}),
        (r("cases:alert_read", args=[w.alert.pk]), {}),
        (r("cases:alerts_read_all"), {}),
        (f"/cases/{waiting}/", {}),
        (r("cases:customer_lookup"), {"q": "Priya"}),
        (r("cases:customer_detail", args=[customer]), {}),
        (
            r("cases:customer_correct", args=[customer]),
            {"name": "Mallory", "email": "m@example.com", "phone": "", "lawful_basis": "consent"},
        ),
        (r("cases:customer_merge", args=[customer]), {"duplicate": customer, "reason": "Same person"}),
        # Issue 15 §3 and §8: saved replies and the reply checker.
        (r("cases:saved_reply_pick", args=[busy]), {"reply": "Refund on its way"}),
        (r("cases:reply_check", args=[busy, "message"]), {"body": "Hello"}),
        (r("cases:saved_replies"), {"title": "T", "body": "B"}),
        (r("cases:saved_reply_edit", args=[w.saved_reply.pk]), {"title": "T", "body": "B"}),
        (r("cases:saved_reply_active", args=[w.saved_reply.pk]), {"active": "0"}),
    ]


def test_the_list_below_covers_every_staff_url(world):
    named = {p.name for p in pages_urls.case_urlpatterns} - {"home"}
    assert {resolve(path).url_name for path, _ in staff_urls(world)} == named


def test_a_signed_in_user_without_a_role_gets_403_on_every_staff_page_and_changes_nothing(
    client, charlie, world
):
    client.force_login(charlie)
    before = snapshot()
    for path, data in staff_urls(world):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, HTTP_HX_REQUEST="true").status_code == 403, path
    assert snapshot() == before


def test_the_403_page_says_why_and_shows_no_staff_navigation(client, charlie, world):
    client.force_login(charlie)
    html = client.get(reverse("cases:detail", args=[world.busy.reference])).content.decode()
    assert "Your account has no staff role" in html
    assert world.busy.subject not in html
    assert reverse("cases:approvals") not in html


def test_anonymous_people_are_sent_to_sign_in_on_every_staff_page(client, world):
    before = snapshot()
    for path, data in staff_urls(world):
        for response in (client.get(path), client.post(path, data)):
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("login") + "?next="), path
    assert snapshot() == before


def test_an_inactive_staff_member_is_refused(client, alice, world):
    alice.is_active = False
    alice.save()
    client.force_login(alice)
    assert client.get(reverse("cases:queue")).status_code == 302


@pytest.mark.parametrize("name", ["option_withdraw", "option_recommend"])
def test_an_option_from_another_case_is_not_found_and_nothing_changes(client, alice, world, name):
    client.force_login(alice)
    before = snapshot()
    data = {"reason": "No", "justification": "J", "factors": ["cost", "risk"]}
    # The waiting case's option, addressed through the busy case's URL.
    response = client.post(reverse(f"cases:{name}", args=[world.busy.reference, world.costly.pk]), data)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "attr"),
    [("step_complete", "step"), ("promise_keep", "promise"), ("consultation_answer", "consultation")],
)
def test_other_objects_from_another_case_are_not_found(client, alice, bob, world, name, attr):
    client.force_login(bob)
    before = snapshot()
    obj = getattr(world, attr)
    response = client.post(reverse(f"cases:{name}", args=[world.waiting.reference, obj.pk]), {"answer": "A"})
    assert response.status_code == 404
    assert snapshot() == before


def test_an_unknown_reference_or_id_is_not_found(client, alice, world):
    client.force_login(alice)
    assert client.get(reverse("cases:detail", args=["PR-1999-000001"])).status_code == 404
    assert client.get(reverse("cases:record_json", args=["PR-1999-000001"])).status_code == 404
    assert client.post(reverse("cases:deliver", args=["PR-1999-000001"])).status_code == 404
    assert (
        client.post(
            reverse("cases:option_withdraw", args=[world.busy.reference, 999999]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("cases:approval_decide", args=[999999]), {"decision": "approve"}).status_code
        == 404
    )


def test_only_the_colleague_asked_may_answer(client, dave, world):
    client.force_login(dave)
    before = snapshot()
    response = client.post(
        reverse("cases:consultation_answer", args=[world.busy.reference, world.consultation.pk]),
        {"answer": "Not mine to answer"},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_nobody_marks_someone_elses_alert_read(client, alice, world):
    client.force_login(alice)
    before = snapshot()
    assert client.post(reverse("cases:alert_read", args=[world.alert.pk])).status_code == 404
    assert snapshot() == before


def test_every_staff_role_may_open_the_workspace(client, alice, dave, bob, carol, world):
    for user in (alice, dave, bob, carol):
        client.force_login(user)
        assert client.get(reverse("cases:detail", args=[world.busy.reference])).status_code == 200
        assert client.get(reverse("cases:queue")).status_code == 200
    assert Case.objects.get(pk=world.busy.pk).status == Status.IN_PROGRESS
