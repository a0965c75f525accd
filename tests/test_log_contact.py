"""Logging a contact (issue 15 §2): a phone call or visit, with what was said, which way, whether the
customer asked for it, and no e-mail. One we made updates the customer (the cadence, the clocks and the
first response by a person); the customer sees it on their page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.audit.models import Event
from putright.cases import selectors, services
from putright.cases.models import Case
from putright.channels.models import Alert, Message
from putright.channels.portal_links import portal_path
from putright.errors import DomainError, PermissionDenied
from putright.insights import rollup
from tests.conftest import make_report
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db

SAID = "Explained the engineer comes Tuesday 8-12; customer happy with that."


def state() -> dict:
    return {
        "messages": list(Message.objects.values_list("pk", "body")),
        "updated": dict(Case.objects.values_list("pk", "last_customer_update_at")),
        "alerts": Alert.objects.count(),
        "events": Event.objects.count(),
    }


def ack_at(case):
    return Case.objects.annotate(ack=rollup.acknowledged_at()).get(pk=case.pk).ack


def test_a_call_we_made_is_logged_not_emailed_and_updates_the_customer(report_case, alice):
    case = report_case()
    before_update = Case.objects.get(pk=case.pk).last_customer_update_at

    with clock.frozen(clock.now() + timedelta(hours=2)):
        msg = services.message_log_contact(
            actor=alice, case=case, via="phone", direction="out", body=f"  {SAID} ", requested=True
        )
        now = clock.now()

    msg.refresh_from_db()
    assert (msg.direction, msg.prompt, msg.logged_via, msg.email_status, msg.author, msg.automatic) == (
        "out",
        "requested",
        "phone",
        "none",
        alice,
        False,
    )
    assert (msg.body, msg.subject, msg.created_at) == (
        SAID,
        "Phone call: we contacted the customer (they asked)",
        now,
    )
    assert before_update < Case.objects.get(pk=case.pk).last_customer_update_at == now
    event = case.events.order_by("-seq").first()
    assert (event.kind, event.summary, event.customer_visible, event.actor) == (
        "message.logged",
        "Phone call: we contacted the customer (they asked)",
        True,
        alice,
    )
    assert event.after["body"] == SAID and event.after["via"] == "phone"


@pytest.mark.django_db(transaction=True)
def test_no_email_goes_to_the_customer_for_a_logged_contact(report_case, alice, mailbox):
    case = report_case()
    before = len(mailbox.to("priya@example.com"))

    services.message_log_contact(
        actor=alice, case=case, via="in_person", direction="out", body=SAID, requested=False
    )
    services.message_log_contact(
        actor=alice, case=case, via="phone", direction="in", body=SAID, requested=False
    )

    assert len(mailbox.to("priya@example.com")) == before == 1  # only the acknowledgement of the report
    assert all(SAID not in m.as_string() for m in mailbox.messages)


def test_a_logged_call_to_the_customer_stops_the_not_updated_cadence(alice):
    reported = clock.now() - timedelta(days=14)
    with clock.frozen(reported):
        case, _ = services.case_report(report=make_report())
    assert case in selectors.cases_needing_update()

    services.message_log_contact(
        actor=alice, case=case, via="phone", direction="out", body=SAID, requested=False
    )

    assert case not in selectors.cases_needing_update()


def test_a_call_from_the_customer_does_not_count_as_an_update_and_alerts_the_handler(report_case, alice, bob):
    case = report_case()
    services.case_assign(actor=alice, case=case, assignee=bob)
    before_update = Case.objects.get(pk=case.pk).last_customer_update_at

    msg = services.message_log_contact(
        actor=alice,
        case=case,
        via="phone",
        direction="in",
        body="Asked when the engineer comes.",
        requested=True,
    )

    assert (msg.direction, msg.prompt, msg.subject) == (
        "in",
        "customer",
        "Phone call: the customer contacted us",
    )
    assert Case.objects.get(pk=case.pk).last_customer_update_at == before_update
    alert = Alert.objects.get(recipient=bob, kind=Alert.Kind.CUSTOMER_MESSAGE)
    assert alert.text == (
        f"{case.reference}: Phone call: the customer contacted us, logged by alice: Asked when the engineer comes."
    )
    services.message_log_contact(
        actor=bob, case=case, via="phone", direction="in", body="Again.", requested=False
    )
    assert Alert.objects.filter(recipient=bob, kind=Alert.Kind.CUSTOMER_MESSAGE).count() == 1


def test_the_acknowledgement_metric_counts_a_logged_call_to_the_customer(report_case, alice):
    case = report_case()  # on the web: the automatic acknowledgement is not a person's
    assert ack_at(case) is None
    services.message_log_contact(
        actor=alice, case=case, via="phone", direction="in", body="They rang.", requested=False
    )
    assert ack_at(case) is None

    called = clock.now() + timedelta(minutes=30)
    with clock.frozen(called + timedelta(minutes=5)):
        services.message_log_contact(
            actor=alice,
            case=case,
            via="phone",
            direction="out",
            body=SAID,
            requested=False,
            occurred_at=called,
        )

    assert ack_at(case) == called


def test_a_call_earlier_today_is_logged_at_its_time_and_never_moves_the_update_back(report_case, alice):
    case = report_case()
    start = clock.now()
    with clock.frozen(start + timedelta(hours=3)):
        services.message_send(
            actor=alice, case=case, body="Update: I will call you on Tuesday.", requested=False
        )
        sent_at = clock.now()
    with clock.frozen(start + timedelta(hours=4)):
        naive = timezone.make_naive(start + timedelta(hours=1))
        msg = services.message_log_contact(
            actor=alice,
            case=case,
            via="phone",
            direction="out",
            body=SAID,
            requested=False,
            occurred_at=naive,
        )
    assert msg.created_at == start + timedelta(hours=1)
    assert Case.objects.get(pk=case.pk).last_customer_update_at == sent_at


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"via": "email"}, "A contact is a phone call or a visit, made by us or them."),
        ({"direction": "sideways"}, "A contact is a phone call or a visit, made by us or them."),
        ({"body": "  "}, "What was said must not be empty."),
        ({"body": "x" * 10001}, "What was said must be at most 10000 characters."),
        ({"occurred_at": "future"}, "A contact's time must be between the report and now."),
        ({"occurred_at": "before"}, "A contact's time must be between the report and now."),
    ],
)
def test_bad_contacts_are_refused_and_nothing_changes(report_case, alice, changes, message):
    case = report_case()
    when = {"future": clock.now() + timedelta(minutes=5), "before": case.created_at - timedelta(minutes=1)}
    kwargs = {"via": "phone", "direction": "out", "body": SAID, "requested": False, **changes}
    if "occurred_at" in kwargs:
        kwargs["occurred_at"] = when[kwargs["occurred_at"]]
    before = state()
    with pytest.raises(DomainError) as exc:
        services.message_log_contact(actor=alice, case=case, **kwargs)
    assert exc.value.message == message
    assert state() == before


@pytest.mark.parametrize("who", ["charlie", None])
def test_only_staff_may_log_a_contact(report_case, charlie, who):
    case = report_case()
    before = state()
    with pytest.raises(PermissionDenied):
        services.message_log_contact(
            actor=charlie if who else None,
            case=case,
            via="phone",
            direction="out",
            body=SAID,
            requested=False,
        )
    assert state() == before


def test_the_customer_sees_the_logged_call_on_their_page_and_record(client, report_case, alice):
    case = report_case()
    services.message_log_contact(
        actor=alice, case=case, via="phone", direction="out", body=SAID, requested=True
    )
    services.message_log_contact(
        actor=alice, case=case, via="in_person", direction="in", body="Came in.", requested=False
    )

    client.get(portal_path(case))
    page = client.get(reverse("portal:case", args=[case.reference])).content.decode()
    record = client.get(reverse("portal:record", args=[case.reference])).content.decode()

    for html in (page, record):
        assert "We phoned you (Alice)" in html
        assert "We spoke in person (Alice)" in html
        assert SAID in html
        assert "What we noted from the conversation" in html


# ---------------------------------------------------------------- the staff page


def _form(**changes) -> dict:
    return {
        "via": "phone",
        "direction": "out",
        "prompt": "unprompted",
        "body": SAID,
        "occurred_at": "",
        **changes,
    }


def test_an_agent_logs_a_call_on_the_case_page(client, report_case, alice):
    case = report_case()
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert f'action="/cases/{case.reference}/contacts/"' in page
    assert '<label for="id_contact_body">What was said</label>' in page

    response = client.post(reverse("cases:contact_log", args=[case.reference]), _form(), follow=True)

    assert response.redirect_chain[-1][0].endswith(f"/cases/{case.reference}/#thread")
    assert "Contact logged. No e-mail was sent." in response.content.decode()
    msg = Message.objects.get(logged_via="phone")
    assert (msg.direction, msg.prompt, msg.email_status, msg.author) == ("out", "unprompted", "none", alice)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"prompt": ""}, "Say whether the customer asked for this update."),
        ({"body": ""}, "This field is required."),
        ({"via": "fax"}, "Select a valid choice. fax is not one of the available choices."),
        ({"occurred_at": "2999-01-01T10:00"}, "A contact cannot be logged in the future."),
    ],
)
def test_a_bad_contact_form_redraws_the_page_with_the_error(client, report_case, alice, changes, error):
    case = report_case()
    client.force_login(alice)
    before = state()
    response = client.post(reverse("cases:contact_log", args=[case.reference]), _form(**changes))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert state() == before


def test_a_call_from_the_customer_needs_no_prompt_on_the_page(client, report_case, alice):
    case = report_case()
    client.force_login(alice)
    client.post(reverse("cases:contact_log", args=[case.reference]), _form(direction="in", prompt=""))
    assert Message.objects.get(logged_via="phone").prompt == "customer"


def test_people_without_a_staff_role_cannot_log_a_contact(client, report_case, charlie):
    case = report_case()
    before = state()
    assert client.post(reverse("cases:contact_log", args=[case.reference]), _form()).status_code == 302
    client.force_login(charlie)
    assert client.post(reverse("cases:contact_log", args=[case.reference]), _form()).status_code == 403
    assert state() == before


# ---------------------------------------------------------------- the API


def test_the_api_logs_a_contact(client, report_case, alice):
    case = report_case()
    called = (clock.now() + timedelta(seconds=1)).isoformat()
    api = Api(client, token_for(alice))

    with clock.frozen(clock.now() + timedelta(minutes=10)):
        response = api.post(
            f"/api/cases/{case.reference}/contacts",
            {"via": "in_person", "direction": "out", "body": SAID, "requested": True, "occurred_at": called},
        )

    assert response.status_code == 201
    msg = Message.objects.get(logged_via="in_person")
    body = response.json()
    assert body == {
        "id": msg.pk,
        "direction": "out",
        "prompt": "requested",
        "subject": "In person: we contacted the customer (they asked)",
        "body": SAID,
        "author": "alice",
        "email_status": "none",
        "created_at": body["created_at"],
        "logged_via": "in_person",
    }
    assert msg.created_at.isoformat() == called


@pytest.mark.parametrize(
    "payload",
    [
        {"via": "fax", "direction": "out", "body": SAID},
        {"via": "phone", "direction": "up", "body": SAID},
        {"via": "phone", "direction": "out", "body": ""},
        {"via": "phone", "direction": "out", "body": SAID, "requested": "yes"},
        {"via": "phone", "direction": "out", "body": SAID, "occurred_at": "yesterday"},
        {"via": "phone", "direction": "out", "body": SAID, "occurred_at": "2999-01-01T10:00:00Z"},
        {"via": "phone", "direction": "out", "body": SAID, "cc": "x"},
    ],
)
def test_the_api_refuses_bad_contacts_with_422(client, report_case, alice, payload):
    case = report_case()
    before = state()
    response = Api(client, token_for(alice)).post(f"/api/cases/{case.reference}/contacts", payload)
    assert response.status_code == 422
    assert state() == before


def test_the_api_denies_contacts_to_outsiders(client, report_case, charlie):
    case = report_case()
    before = state()
    body = {"via": "phone", "direction": "out", "body": SAID}
    assert (
        Api(client, token_for(charlie)).post(f"/api/cases/{case.reference}/contacts", body).status_code == 403
    )
    assert Api(client, None).post(f"/api/cases/{case.reference}/contacts", body).status_code == 401
    assert state() == before
