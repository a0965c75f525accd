"""Issue 15 §8: the reply checker (K5) runs on what a person sends — a message (page and API), the summary
of the problem and the final response — with the sender's authority limit and the customer's state; with
findings nothing is sent until the sender gives a reason, recorded with the findings. Automatic messages
are not checked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.authority.models import ApiToken
from putright.cases import services
from putright.cases.models import Case, UnresolvedReason
from putright.channels.models import Message
from putright.errors import ReplyCheckFindings
from putright.regulation import services as regulation_services
from tests.conftest import _user

pytestmark = pytest.mark.django_db

CLEAN = "Thanks for your patience. I will call you on Tuesday with the outcome."
BLAME = "You failed to read the manual. I will call you on Tuesday with the outcome."
MONEY = "I can offer you a goodwill payment of £500. I will call you on Tuesday with the outcome."
BLAME_HINT = (
    "Describe what happened without saying whose fault it was, and own the next step: "
    '"The reading we had was an estimate, so I\'ve corrected the bill."'
)


@pytest.fixture
def case(report_case, alice):
    case = report_case()
    Case.objects.filter(pk=case.pk).update(assignee=alice, emotion="calm")
    return Case.objects.get(pk=case.pk)


def _out(case) -> list[str]:
    return list(case.messages.filter(direction="out", author__isnull=False).values_list("body", flat=True))


def _sent_event(case) -> Event:
    return case.events.filter(kind="message.sent").get()


# ---------------------------------------------------------------- the service


def test_a_message_with_findings_is_not_sent_and_nothing_is_written(case, alice):
    events = case.events.count()
    with pytest.raises(ReplyCheckFindings) as err:
        services.message_send(actor=alice, case=case, body=BLAME, requested=True)
    assert err.value.code == "reply_check_findings"
    assert err.value.findings == [
        {"rule": "K5.blame", "text": "You failed to", "hint": BLAME_HINT, "start": 0, "end": 13}
    ]
    assert _out(case) == [] and case.events.count() == events


def test_sending_anyway_records_each_finding_and_the_reason(case, alice):
    services.message_send(
        actor=alice,
        case=case,
        body=BLAME,
        requested=True,
        send_anyway_reason="  Quoting the customer's own words. ",
    )
    assert _out(case) == [BLAME]
    after = _sent_event(case).after
    assert after["reply_check"] == [{"rule": "K5.blame", "text": "You failed to"}]
    assert after["send_anyway_reason"] == "Quoting the customer's own words."


def test_a_clean_message_records_no_check(case, alice):
    services.message_send(actor=alice, case=case, body=CLEAN, requested=False, send_anyway_reason="")
    after = _sent_event(case).after
    assert "reply_check" not in after and "send_anyway_reason" not in after


def test_the_senders_authority_limit_is_the_money_limit(case, alice, carol, django_user_model):
    with pytest.raises(ReplyCheckFindings) as err:  # an agent may agree £100
        services.message_send(actor=alice, case=case, body=MONEY, requested=False)
    assert [(f["rule"], f["text"]) for f in err.value.findings] == [("K5.beyond_authority_money", "£500")]
    ada = _user(django_user_model, "ada", "administrator", "Ada")  # no money limit
    services.message_send(actor=ada, case=case, body=MONEY, requested=False)
    assert _out(case) == [MONEY]


def test_an_angry_customer_needs_an_acknowledgement(case, alice):
    Case.objects.filter(pk=case.pk).update(emotion="angry")
    case.refresh_from_db()
    with pytest.raises(ReplyCheckFindings) as err:
        services.message_send(actor=alice, case=case, body=CLEAN, requested=False)
    assert [f["rule"] for f in err.value.findings] == ["K5.no_empathy"]
    services.message_send(
        actor=alice, case=case, body="I'm sorry this has dragged on. " + CLEAN, requested=False
    )


def test_automatic_messages_are_not_checked(case, alice):
    before = case.messages.count()
    services.promise_make(
        actor=alice,
        case=case,
        description="CALL YOU BACK!!",
        owner=alice,
        due_at=clock.now() + timedelta(days=1),
    )
    assert case.messages.count() == before + 1
    assert "CALL YOU BACK!!" in case.messages.order_by("-pk").first().body


def test_the_summary_is_checked_but_not_for_a_next_step_or_feelings(report_case, alice):
    case = report_case()
    Case.objects.filter(pk=case.pk).update(emotion="angry")
    with pytest.raises(ReplyCheckFindings) as err:
        services.case_summarise_understanding(actor=alice, case=case, summary="Machine leaks. NOT OUR FAULT.")
    assert [(f["rule"], f["text"]) for f in err.value.findings] == [("K5.shouting", "NOT OUR FAULT")]
    assert Case.objects.get(pk=case.pk).understanding_summary == ""
    services.case_summarise_understanding(
        actor=alice, case=case, summary="Machine leaks; wants a refund of £449."
    )
    services.case_summarise_understanding(
        actor=alice, case=case, summary="Machine leaks. NOT OUR FAULT.", send_anyway_reason="Their words."
    )
    event = case.events.filter(kind="understanding.summarised").order_by("-pk").first()
    assert event.after["reply_check"] == [{"rule": "K5.shouting", "text": "NOT OUR FAULT"}]


def _ready_to_close(case_with_options):
    return case_with_options, UnresolvedReason.objects.filter(active=True).first().code


def test_the_final_response_is_checked(case_with_options, alice):
    case, code = _ready_to_close(case_with_options)
    reasons = "You should have checked the delivery before signing for it, so we cannot help further."
    with pytest.raises(ReplyCheckFindings) as err:
        services.case_close_unresolved(
            actor=alice,
            case=case,
            reasons=reasons,
            other_routes=["Citizens Advice"],
            reason_code=code,
            upheld="not_upheld",
        )
    assert [f["rule"] for f in err.value.findings] == ["K5.blame"]
    assert not Case.objects.get(pk=case.pk).is_closed
    services.case_close_unresolved(
        actor=alice,
        case=case,
        reasons=reasons,
        other_routes=["Citizens Advice"],
        reason_code=code,
        upheld="not_upheld",
        send_anyway_reason="The customer asked for it in these words.",
    )
    event = case.events.get(kind="case.closed_unresolved")
    assert event.after["send_anyway_reason"] == "The customer asked for it in these words."


def test_the_edited_final_letter_is_checked(case_with_options, alice):
    case, code = _ready_to_close(case_with_options)
    reasons = "The fault was caused by how the machine was installed, which the guarantee does not cover."
    letter = "Dear Priya,\n\nYOU FAILED TO FOLLOW THE INSTRUCTIONS!!\n\nYours, Alice"
    with pytest.raises(ReplyCheckFindings) as err:
        regulation_services.case_close_unresolved(
            actor=alice,
            case=case,
            reasons=reasons,
            other_routes=[],
            letter=letter,
            reason_code=code,
            upheld="not_upheld",
        )
    assert {f["rule"] for f in err.value.findings} >= {"K5.blame", "K5.shouting"}
    assert not Case.objects.get(pk=case.pk).is_closed


# ---------------------------------------------------------------- the page


def _post(client, case, **data):
    return client.post(
        reverse("cases:message_send", args=[case.reference]),
        {"prompt": "requested", "subject": "", **data},
    )


def test_the_page_shows_the_findings_keeps_the_text_and_sends_nothing(client, case, alice):
    client.force_login(alice)
    response = _post(client, case, body=BLAME)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-rule="K5.blame"' in html and "“<mark>You failed to</mark>”" in html
    assert "Describe what happened without saying whose fault it was" in html
    assert f"{BLAME}</textarea>" in html
    assert 'name="send_anyway_reason"' in html and ">Send anyway</button>" in html
    assert _out(case) == []


def test_send_anyway_needs_a_reason_and_records_it(client, case, alice):
    client.force_login(alice)
    response = _post(client, case, body=BLAME, send_anyway="1", send_anyway_reason="")
    assert response.status_code == 400
    assert "Give a reason to send it anyway" in response.content.decode()
    assert _out(case) == []
    response = _post(client, case, body=BLAME, send_anyway="1", send_anyway_reason="Customer's own words.")
    assert response.status_code == 302
    assert _out(case) == [BLAME]
    assert _sent_event(case).after["send_anyway_reason"] == "Customer's own words."


def test_a_clean_message_is_sent_from_the_page(client, case, alice):
    client.force_login(alice)
    assert _post(client, case, body=CLEAN).status_code == 302
    assert _out(case) == [CLEAN]


def test_the_check_button_shows_findings_without_sending(client, case, alice):
    client.force_login(alice)
    url = reverse("cases:reply_check", args=[case.reference, "message"])
    response = client.post(url, {"prompt": "requested", "body": MONEY}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="reply-check-message"')
    assert "“<mark>£500</mark>”" in html
    clean = client.post(url, {"prompt": "requested", "body": CLEAN}, HTTP_HX_REQUEST="true").content.decode()
    assert "The reply checker found nothing to change." in clean
    plain = client.post(url, {"prompt": "requested", "body": MONEY})
    assert plain.status_code == 200 and f"{MONEY}</textarea>" in plain.content.decode()
    assert _out(case) == []
    assert client.post(reverse("cases:reply_check", args=[case.reference, "nothing"]), {}).status_code == 404


def test_someone_without_a_role_can_neither_send_nor_check(client, case, charlie):
    client.force_login(charlie)
    events = case.events.count()
    assert _post(client, case, body=BLAME, send_anyway_reason="x").status_code == 403
    url = reverse("cases:reply_check", args=[case.reference, "message"])
    assert client.post(url, {"body": BLAME}).status_code == 403
    assert _out(case) == [] and case.events.count() == events


# ---------------------------------------------------------------- the API


def _auth(user) -> dict:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=prefix, key_hash=key_hash)
    return {"Authorization": f"Bearer {raw}"}


def _api_send(client, case, headers, **body):
    return client.post(
        f"/api/cases/{case.reference}/messages",
        data=json.dumps({"requested": True, **body}),
        content_type="application/json",
        headers=headers,
    )


def test_the_api_answers_409_with_the_findings_and_sends_nothing(client, case, alice):
    response = _api_send(client, case, _auth(alice), body=BLAME)
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "reply_check_findings"
    assert data["findings"] == [{"rule": "K5.blame", "text": "You failed to", "hint": BLAME_HINT}]
    assert _out(case) == []


def test_the_api_sends_anyway_with_a_reason(client, case, alice):
    response = _api_send(
        client, case, _auth(alice), body=BLAME, send_anyway_reason="Agreed with the customer."
    )
    assert response.status_code == 201
    assert _out(case) == [BLAME]
    assert _sent_event(case).after["reply_check"] == [{"rule": "K5.blame", "text": "You failed to"}]


def test_the_api_sends_a_clean_message_unchanged(client, case, alice):
    assert _api_send(client, case, _auth(alice), body=CLEAN).status_code == 201
    assert Message.objects.filter(case=case, body=CLEAN).count() == 1
