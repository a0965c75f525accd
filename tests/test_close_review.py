"""Issue 15 §7: closing unresolved shows a review of exactly what the customer will receive before anything
is sent; "Send and close" posts the same values back with the review's digest; "Change it" keeps them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.channels.brand import brand_save
from putright.channels.models import Message
from putright.vocab import Status
from tests.conftest import _user, plain_text

pytestmark = pytest.mark.django_db

REASONS = "The machine was bought more than six years ago, outside any claim we can meet."
ROUTES = ["Manufacturer's warranty claim"]


def close_data(**overrides) -> dict:
    data = {
        "reason_code": "outside_policy",
        "reasons": REASONS,
        "decision": "not_upheld",
        "customer_region": "",
        "supply": "goods",
        "routes": ROUTES,
    }
    data.update(overrides)
    return data


@pytest.fixture
def handled(report_case, alice):
    case = report_case()
    services.case_assign(actor=alice, case=case, assignee=alice)
    return Case.objects.get(pk=case.pk)


def _url(case) -> str:
    return reverse("cases:close_unresolved", args=[case.reference])


def _state(case: Case) -> dict:
    case.refresh_from_db()
    return {
        "status": case.status,
        "messages": Message.objects.filter(case=case).count(),
        "events": Event.objects.filter(case=case).count(),
        "upheld": case.upheld,
    }


def _letter(client, case) -> str:
    draft = client.post(
        reverse("regulation:letter_draft", args=[case.reference]),
        close_data(),
        headers={"HX-Request": "true"},
    )
    return draft.context["form"]["letter"].value()


def test_the_review_shows_exactly_the_e_mail_and_changes_nothing(client, alice, handled, mailbox):
    client.force_login(alice)
    before = _state(handled)
    letter = _letter(client, handled) + "\nP.S. We are sorry for the wait."

    review = client.post(_url(handled), close_data(letter=letter))

    assert review.status_code == 200
    assert _state(handled) == before and mailbox.to("priya@example.com") == []
    shown = review.context["review"]
    html = review.content.decode()
    # Salutation, the letter exactly as written, the reference and link, the organisation's signature.
    assert shown.text.startswith("Dear Priya Shah,\n\n" + letter.strip())
    assert f"Your reference: {handled.reference}" in shown.text
    assert escape(shown.text) in html
    assert shown.subject == f"[{handled.reference}] Our final response to your complaint"
    assert (shown.reason_label, shown.upheld_label) == ("Outside our policy or terms", "Not upheld")
    assert "Outside our policy or terms" in html and "Not upheld" in html
    assert 'name="confirm"' in html and 'name="change"' in html and "Send and close" in html


def test_send_and_close_sends_the_review_s_text_byte_for_byte(
    client, alice, handled, mailbox, helen_brand, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    letter = _letter(client, handled)
    review = client.post(_url(handled), close_data(letter=letter))
    shown = review.context["review"]
    assert "With best wishes,\nThe Hearth & Home care team" in shown.text

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_url(handled), {**close_data(letter=letter), "confirm": shown.digest})

    assert done.status_code == 302
    handled.refresh_from_db()
    assert (handled.status, handled.upheld) == (Status.CLOSED_UNRESOLVED, "not_upheld")
    [email] = [m for m in mailbox.to("priya@example.com") if "Our final response" in str(m["Subject"])]
    assert str(email["Subject"]) == shown.subject
    # SMTP carries lines ending in CRLF: the text part is the review's, byte for byte.
    assert plain_text(email).replace("\r\n", "\n").encode() == shown.text.encode()


def test_without_a_letter_the_core_message_is_reviewed_and_sent_the_same(
    client, alice, handled, mailbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    review = client.post(_url(handled), close_data())
    shown = review.context["review"]
    assert "Why:\n" + REASONS in shown.text and "  • Manufacturer's warranty claim" in shown.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(handled), {**close_data(), "confirm": shown.digest})
    handled.refresh_from_db()
    assert handled.status == Status.CLOSED_UNRESOLVED
    [email] = [m for m in mailbox.to("priya@example.com") if "Our final response" in str(m["Subject"])]
    assert plain_text(email).replace("\r\n", "\n") == shown.text


def test_change_it_returns_to_the_form_with_everything_kept(client, alice, handled):
    client.force_login(alice)
    before = _state(handled)
    letter = _letter(client, handled) + "\nP.S. Kept."
    response = client.post(_url(handled), {**close_data(letter=letter), "change": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert escape("P.S. Kept.") in html and escape(REASONS) in html
    form = response.context["form"]
    assert (form["reason_code"].value(), form["decision"].value(), form["routes"].value()) == (
        "outside_policy",
        "not_upheld",
        ROUTES,
    )
    assert _state(handled) == before


def test_a_changed_or_forged_value_is_reviewed_again_not_sent(client, alice, handled):
    client.force_login(alice)
    shown = client.post(_url(handled), close_data()).context["review"]
    before = _state(handled)
    forged = client.post(_url(handled), {**close_data(decision="upheld"), "confirm": shown.digest})
    assert forged.status_code == 200 and forged.context["changed"]
    assert forged.context["review"].upheld == "upheld" and _state(handled) == before
    assert "nothing was sent" in forged.content.decode()
    # With a letter the reasons are not in the e-mail, but they are recorded: changing them is reviewed too.
    letter = _letter(client, handled)
    shown = client.post(_url(handled), close_data(letter=letter)).context["review"]
    other = REASONS + " And more."
    again = client.post(_url(handled), {**close_data(letter=letter, reasons=other), "confirm": shown.digest})
    assert again.status_code == 200 and again.context["review"].reasons == other
    assert _state(handled) == before


def test_the_review_refuses_what_the_close_would_refuse(client, alice, handled):
    client.force_login(alice)
    before = _state(handled)
    response = client.post(_url(handled), close_data(reasons="Too short."))
    assert response.status_code == 400
    odr = client.post(
        _url(handled), close_data(letter=REASONS + "\nhttps://ec.europa.eu/consumers/odr here.")
    )
    assert odr.status_code == 400 and "dispute resolution platform closed" in odr.content.decode()
    assert _state(handled) == before


def test_an_outsider_gets_no_review_and_nothing_changes(client, handled, django_user_model):
    outsider = _user(django_user_model, "olive", None, "Olive")
    client.force_login(outsider)
    before = _state(handled)
    response = client.post(_url(handled), close_data())
    assert response.status_code in (403, 404)
    assert "review" not in (response.context or {})
    assert _state(handled) == before


@pytest.fixture
def helen_brand(django_user_model):
    helen = _user(django_user_model, "helen", "administrator", "Helen")
    return brand_save(
        actor=helen,
        display_name="Hearth & Home",
        reply_to="care@hearth.example",
        signature="With best wishes,\nThe Hearth & Home care team",
        colour="#0b5cad",
    )
