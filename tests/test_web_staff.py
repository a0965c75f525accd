"""The staff pages: queue, logging a call, the case workspace, record, approvals, escalations, alerts.

Each workspace test drives a page's form and checks the service really ran
(exact statuses, rows, events); invalid input and refused transitions must
change nothing and say why.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.models import Approval, Escalation
from putright.cases import services
from putright.cases.models import ActionStep, Agreement, Case, Category, Consultation, Option, Promise
from putright.channels.models import Alert, Message
from putright.notes.services import note_add
from putright.pages import desk
from putright.vocab import (
    AgreementMethod,
    Channel,
    OptionStatus,
    PromiseStatus,
    RemedyType,
    SourceKind,
    Status,
    Understanding,
)
from tests.close_review import close_after_review
from tests.test_search import QUEUE_QUERIES

REFS = re.compile(r'data-reference="([^"]+)"')

pytestmark = pytest.mark.django_db


def shown(response) -> list[str]:
    """The case references listed in the queue table, in page order."""
    return REFS.findall(response.content.decode())


def detail_url(case, anchor: str = "") -> str:
    url = reverse("cases:detail", args=[case.reference])
    return f"{url}#{anchor}" if anchor else url


def url(name: str, case, *args) -> str:
    return reverse(f"cases:{name}", args=[case.reference, *args])


def local_input(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def add_option(
    actor,
    case,
    *,
    title="Partial refund of £60",
    remedy_type=RemedyType.PARTIAL_REFUND,
    amount="60.00",
    is_exception=False,
) -> Option:
    return services.option_add(
        actor=actor,
        case=case,
        option=services.OptionInput(
            title=title, remedy_type=remedy_type, amount=Decimal(amount), is_exception=is_exception
        ),
    )


def in_progress_case(case, alice) -> Case:
    """Take a case with options to 'putting it right' through the services (set-up, not under test)."""
    option = add_option(alice, case)
    services.option_recommend(
        actor=alice, option=option, justification="Quick and fair", factors=["cost", "customer_benefit"]
    )
    services.option_customer_respond(case=case, agree=True)
    case.refresh_from_db()
    return case


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- the queue


@pytest.fixture
def queue_cases(report_case, alice, dave):
    """Six cases that each match a different filter.

    stale: unassigned, last heard from two weeks ago  → needs_update
    promised: alice's, category faulty-goods, promise now overdue → overdue_promises
    awaiting: alice's, summary waiting for the customer → awaiting_customer; source c
    parcel: dave's, status options, category delivery, source d
    closed: closed unresolved, unassigned
    """
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    faulty = Category.objects.create(name="Faulty goods", slug="faulty-goods")
    now = clock.now()
    with clock.frozen(now - timedelta(days=14)):
        stale = report_case(subject="Old fridge complaint", customer_email="old@example.com")
    with clock.frozen(now - timedelta(days=3)):
        promised = report_case(subject="Promised callback", category_id=faulty.pk)
        services.case_assign(actor=alice, case=promised, assignee=alice)
        services.promise_make(
            actor=alice, case=promised, description="Call back", owner=alice, due_at=now - timedelta(days=1)
        )
    # A fresh message keeps "promised" off the not-updated list, so each filter picks exactly one case.
    services.message_send(
        actor=alice,
        case=promised,
        body="Still on it",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    awaiting = report_case(subject="Wrong colour sofa", source_kind=SourceKind.EXPECTATION_GAP)
    services.case_summarise_understanding(actor=alice, case=awaiting, summary="Sofa is the wrong colour")
    parcel = report_case(
        subject="Parcel never arrived", source_kind=SourceKind.SYSTEM_FAILURE, category_id=delivery.pk
    )
    services.case_summarise_understanding(actor=dave, case=parcel, summary="Parcel lost in transit")
    services.case_confirm_understanding(actor=None, case=parcel)
    closed = report_case(subject="Broken kettle")
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=closed,
        reasons="The kettle was bought from another shop.",
        other_routes=["Manufacturer's warranty claim"],
    )
    return SimpleNamespace(
        **{
            k: Case.objects.get(pk=c.pk)
            for k, c in dict(
                stale=stale, promised=promised, awaiting=awaiting, parcel=parcel, closed=closed
            ).items()
        }
    )


def refs(*cases) -> list[str]:
    return [c.reference for c in cases]


def test_the_team_queue_lists_every_open_case_newest_first(client, alice, queue_cases):
    c = queue_cases
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"scope": "team"})
    assert response.status_code == 200
    assert shown(response) == refs(c.parcel, c.awaiting, c.promised, c.stale)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("scope=mine", ["awaiting", "promised"]),
        ("scope=unassigned", ["stale"]),
        ("scope=unassigned&include_closed=1", ["closed", "stale"]),
        ("status=options", ["parcel"]),
        ("status=closed_unresolved", ["closed"]),
        ("source_kind=d", ["parcel"]),
        ("source_kind=c", ["awaiting"]),
        ("category=delivery", ["parcel"]),
        ("category=faulty-goods", ["promised"]),
        ("overdue_promises=1", ["promised"]),
        ("awaiting_customer=1", ["awaiting"]),
        ("needs_update=1", ["stale"]),
        ("include_closed=1", ["closed", "parcel", "awaiting", "promised", "stale"]),
        ("q=parcel", ["parcel"]),
        ("q=old@example.com", ["stale"]),
        ("scope=mine&overdue_promises=1", ["promised"]),
        ("scope=mine&awaiting_customer=1", ["awaiting"]),
    ],
)
def test_each_queue_filter_narrows_the_list_exactly(client, alice, queue_cases, query, expected):
    client.force_login(alice)
    response = client.get(reverse("cases:queue") + "?" + query)
    assert response.status_code == 200
    assert shown(response) == [getattr(queue_cases, name).reference for name in expected]


def test_the_queue_finds_a_case_by_its_reference(client, alice, queue_cases):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"q": queue_cases.promised.reference})
    assert shown(response) == [queue_cases.promised.reference]


def test_the_queue_flags_overdue_promises_and_customers_not_updated(client, alice, queue_cases):
    client.force_login(alice)
    html = client.get(reverse("cases:queue"), {"scope": "team"}).content.decode()
    rows = {ref: row for ref, row in re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S)}
    assert "Overdue promise" in rows[queue_cases.promised.reference]
    assert "Customer not updated" not in rows[queue_cases.promised.reference]
    assert "Customer not updated" in rows[queue_cases.stale.reference]
    assert "Overdue promise" not in rows[queue_cases.stale.reference]
    assert "Overdue promise" not in rows[queue_cases.parcel.reference]
    assert "Customer not updated" not in rows[queue_cases.parcel.reference]


def test_my_queue_highlights_the_my_queue_link(client, alice, queue_cases):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"scope": "mine"})
    assert response.context["nav"] == "mine"
    assert "<h1>My queue</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field_error"),
    [
        ({"status": "bogus"}, "Status: Select a valid choice. bogus is not one of the available choices."),
        (
            {"scope": "everyone"},
            "Whose cases: Select a valid choice. everyone is not one of the available choices.",
        ),
        ({"source_kind": "z"}, "Source: Select a valid choice. z is not one of the available choices."),
        ({"category": "no-such-thing"}, "Category: Select a valid choice."),
        ({"overdue_promises": "maybe"}, "Overdue promises: Use 1 to turn this filter on, or leave it out."),
        ({"q": "x" * 201}, "Search: Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_bad_filter_values_are_shown_as_errors_not_a_server_error(
    client, alice, queue_cases, query, field_error
):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert field_error in re.sub(r"<[^>]+>", "", html)
    assert shown(response) == []


def test_a_bad_page_number_shows_the_first_page(client, alice, queue_cases):
    client.force_login(alice)
    response = client.get(reverse("cases:queue"), {"page": "abc"})
    assert response.status_code == 200
    assert len(shown(response)) == 4


def test_the_queue_is_paginated(client, alice, queue_cases, monkeypatch):
    monkeypatch.setattr(desk, "QUEUE_PAGE_SIZE", 3)
    client.force_login(alice)
    first = client.get(reverse("cases:queue"), {"scope": "team"})
    second = client.get(reverse("cases:queue"), {"scope": "team", "page": "2"})
    c = queue_cases
    assert shown(first) == refs(c.parcel, c.awaiting, c.promised)
    assert shown(second) == refs(c.stale)
    assert "?scope=team&amp;page=2" in first.content.decode()


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:queue"), {"include_closed": "1"})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(shown(response))


def test_the_queue_query_count_does_not_grow_with_rows(
    client, alice, dave, report_case, django_assert_max_num_queries
):
    category = Category.objects.create(name="Delivery", slug="delivery")
    client.force_login(alice)

    def add_cases(n):
        for i in range(n):
            case = report_case(subject=f"Problem {i}", category_id=category.pk)
            services.case_assign(actor=alice, case=case, assignee=alice if i % 2 else dave)

    add_cases(5)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        few, rows_few = _queue_queries(client)
    add_cases(25)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        many, rows_many = _queue_queries(client)
    assert (rows_few, rows_many) == (5, 30)
    assert few == many


# ---------------------------------------------------------------- logging a call


def log_call_data(**overrides) -> dict:
    data = {
        "customer_name": "Tom Okafor",
        "customer_email": "tom@example.com",
        "customer_phone": "07700 900123",
        "subject": "Boiler service missed",
        "description": "  The engineer didn't come.\nI waited in all day.  ",
        "desired_outcome": "A new appointment and the day's pay back",
        "order_reference": "SRV-1001",
        "amount_in_dispute": "120.00",
        "channel": Channel.PHONE,
        "source_kind": SourceKind.RESOURCES_OR_ERROR,
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_logging_a_call_creates_a_case_with_the_channel_and_the_agent_as_actor(client, alice):
    category = Category.objects.create(name="Appointments", slug="appointments")
    client.force_login(alice)
    response = client.post(reverse("cases:log_call"), log_call_data(category=str(category.pk)))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(case)
    assert (case.channel, case.source_kind, case.category, case.created_by, case.assignee) == (
        Channel.PHONE,
        SourceKind.RESOURCES_OR_ERROR,
        category,
        alice,
        alice,
    )
    assert case.description == "  The engineer didn't come.\nI waited in all day.  "
    assert case.amount_in_dispute == Decimal("120.00")
    assert (case.customer.name, case.customer.email, case.customer.phone) == (
        "Tom Okafor",
        "tom@example.com",
        "07700 900123",
    )
    event = case.events.get()
    assert (event.kind, event.actor, event.summary) == (
        "case.reported",
        alice,
        "Problem logged by our team via Phone",
    )
    assert page_messages(client.get(response["Location"])) == [f"Logged as {case.reference}."]


def test_logging_a_call_without_consent_shows_the_error_and_creates_nothing(client, alice):
    client.force_login(alice)
    data = log_call_data()
    del data["consent"]
    response = client.post(reverse("cases:log_call"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ask the customer for consent before logging their details." in html
    assert 'value="Tom Okafor"' in html
    assert Case.objects.count() == 0


def test_logging_a_call_rejects_a_bad_email_and_a_web_channel(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:log_call"), log_call_data(customer_email="not-an-email", channel="web")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "customer_email": ["Enter a valid email address."],
        "channel": ["Select a valid choice. web is not one of the available choices."],
    }
    assert Case.objects.count() == 0


def test_the_log_call_page_labels_every_input(client, alice):
    client.force_login(alice)
    html = client.get(reverse("cases:log_call")).content.decode()
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', html)
    assert len(ids) >= 12
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


# ---------------------------------------------------------------- the workspace, path to resolved


def test_the_workspace_forms_take_a_case_from_report_to_closed_resolved(client, alice, report_case):
    case = report_case()
    client.force_login(alice)

    r = client.post(url("understanding_summarise", case), {"summary": "Machine leaks; wants a replacement."})
    assert r.status_code == 302 and r["Location"] == detail_url(case, "understanding")
    case.refresh_from_db()
    assert (case.status, case.understanding, case.assignee) == (
        Status.NEW,
        Understanding.AWAITING_CUSTOMER,
        alice,
    )

    r = client.post(url("understanding_confirm", case), {"method": AgreementMethod.PHONE})
    case.refresh_from_db()
    assert (case.status, case.understanding) == (Status.OPTIONS, Understanding.CONFIRMED)
    assert case.events.last().after["method"] == AgreementMethod.PHONE

    r = client.post(
        url("option_add", case),
        {
            "title": "Partial refund of £60",
            "remedy_type": RemedyType.PARTIAL_REFUND,
            "amount": "60",
            "cost_to_organisation": "60",
            "days_to_deliver": "2",
            "customer_advantages": "Money back quickly",
            "customer_disadvantages": "Machine still needs fixing",
            "organisation_advantages": "Cheap",
            "organisation_disadvantages": "Customer may come back",
            "description": "Refund to the original card",
        },
    )
    assert r["Location"] == detail_url(case, "options")
    option = Option.objects.get(case=case)
    assert (option.title, option.remedy_type, option.amount, option.days_to_deliver, option.created_by) == (
        "Partial refund of £60",
        RemedyType.PARTIAL_REFUND,
        Decimal("60.00"),
        2,
        alice,
    )

    r = client.post(
        url("option_recommend", case, option.pk),
        {"justification": "Fast and what the customer asked for", "factors": ["customer_preference", "cost"]},
    )
    case.refresh_from_db()
    assert (case.status, case.recommended_option) == (Status.AWAITING_CUSTOMER, option)
    assert case.recommendation_factors == ["cost", "customer_preference"]

    r = client.post(
        url("agreement_record", case),
        {"agreed": "yes", "method": AgreementMethod.PHONE, "comment": "Happy with that"},
    )
    case.refresh_from_db()
    agreement = Agreement.objects.get(case=case)
    assert case.status == Status.IN_PROGRESS
    assert (agreement.agreed, agreement.method, agreement.recorded_by, agreement.customer_comment) == (
        True,
        AgreementMethod.PHONE,
        alice,
        "Happy with that",
    )

    due = (clock.now() + timedelta(days=2)).date()
    r = client.post(
        url("step_add", case),
        {"description": "Refund £60 to card", "owner": alice.pk, "due_date": due.isoformat()},
    )
    step = ActionStep.objects.get(case=case)
    assert (step.description, step.owner, step.due_date, step.done_at) == (
        "Refund £60 to card",
        alice,
        due,
        None,
    )

    promise_due = clock.now() + timedelta(days=1)
    r = client.post(
        url("promise_make", case),
        {"description": "Email the receipt", "owner": alice.pk, "due_at": local_input(promise_due)},
    )
    promise = Promise.objects.get(case=case)
    assert (promise.description, promise.owner, promise.status) == (
        "Email the receipt",
        alice,
        PromiseStatus.OPEN,
    )
    assert promise.due_at == promise_due.replace(second=0, microsecond=0)

    r = client.post(url("step_complete", case, step.pk))
    assert r["Location"] == detail_url(case, "plan")
    step.refresh_from_db()
    assert step.done_by == alice and step.done_at is not None

    r = client.post(url("promise_keep", case, promise.pk))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT

    r = client.post(
        url("message_send", case),
        {
            "prompt": "requested",
            "subject": "",
            "body": "Refund sent today.",
            "send_anyway_reason": "Not about the wording.",
        },
    )
    msg = Message.objects.filter(case=case, author=alice).get()
    assert (msg.prompt, msg.subject, msg.body) == (
        Message.Prompt.REQUESTED,
        "An update on your case",
        "Refund sent today.",
    )

    r = client.post(url("deliver", case), {"upheld": "upheld"})
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CONFIRMATION

    r = client.post(
        url("satisfaction_record", case), {"resolved": "yes", "method": AgreementMethod.PHONE, "comment": ""}
    )
    assert r["Location"] == detail_url(case, "outcome")
    case.refresh_from_db()
    assert case.status == Status.CLOSED_RESOLVED
    assert case.events.last().kind == "satisfaction.resolved"
    assert page_messages(client.get(r["Location"]))[-1] == "The customer's answer is recorded."


def test_the_unresolved_path_reopens_then_closes_with_reasons_and_routes(client, alice, case_with_options):
    case = in_progress_case(case_with_options, alice)
    step = services.step_add(
        actor=alice, case=case, description="Refund", owner=alice, due_date=clock.now().date()
    )
    services.step_complete(actor=alice, step=step)
    services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    client.force_login(alice)

    client.post(
        url("satisfaction_record", case),
        {"resolved": "no", "method": AgreementMethod.IN_PERSON, "comment": "It still leaks"},
    )
    case.refresh_from_db()
    assert (case.status, case.satisfaction_comment) == (Status.NOT_RESOLVED, "It still leaks")

    client.post(url("reopen", case), {"reason": "Try a repair instead"})
    case.refresh_from_db()
    assert (case.status, case.recommended_option) == (Status.OPTIONS, None)

    r = close_after_review(
        client,
        url("close_unresolved", case),
        {
            "reason_code": "cannot_provide",
            "decision": "partly_upheld",
            "reasons": "The fault is in a part the manufacturer no longer makes.",
            "routes": ["Manufacturer's warranty claim", "Citizens Advice consumer helpline (0808 223 1133)"],
            "other_route": "Trading Standards",
        },
    )
    assert r["Location"] == detail_url(case, "outcome")
    case.refresh_from_db()
    assert (case.status, case.unresolved_reason.code, case.upheld) == (
        Status.CLOSED_UNRESOLVED,
        "cannot_provide",
        "partly",
    )
    assert case.other_routes == [
        "Manufacturer's warranty claim",
        "Citizens Advice consumer helpline (0808 223 1133)",
        "Trading Standards",
    ]
    assert case.unresolved_reasons == "The fault is in a part the manufacturer no longer makes."
    final = Message.objects.filter(case=case, subject="Our final response").get()
    assert "Trading Standards" in final.body


def test_closing_unresolved_needs_a_route_and_real_reasons(client, alice, case_with_options):
    client.force_login(alice)
    events = case_with_options.events.count()
    response = client.post(url("close_unresolved", case_with_options), {"reasons": "No.", "other_route": " "})
    assert response.status_code == 400
    assert response.context["close_form"].errors == {
        "reason_code": ["Choose the reason code closest to why it cannot be resolved."],
        "decision": ["This field is required."],
        "reasons": ["Ensure this value has at least 20 characters (it has 3)."],
        "routes": ["Give the customer at least one other route."],
    }
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.OPTIONS
    assert case_with_options.events.count() == events


def test_skipping_understanding_with_a_reason_opens_options(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    client.post(url("understanding_skip", case), {"reason": "Customer asked us to go ahead on the call"})
    case.refresh_from_db()
    assert (case.status, case.understanding, case.understanding_skip_reason) == (
        Status.OPTIONS,
        Understanding.SKIPPED,
        "Customer asked us to go ahead on the call",
    )


def test_withdrawing_an_option_records_why(client, alice, case_with_options):
    option = add_option(alice, case_with_options)
    client.force_login(alice)
    client.post(url("option_withdraw", case_with_options, option.pk), {"reason": "Customer refuses refunds"})
    option.refresh_from_db()
    assert option.status == OptionStatus.WITHDRAWN
    assert (
        case_with_options.events.last().summary
        == "Option withdrawn: Partial refund of £60 (Customer refuses refunds)"
    )


def test_a_colleague_is_asked_and_only_they_see_the_answer_form(client, alice, dave, case_with_options):
    case = case_with_options
    client.force_login(alice)
    client.post(
        url("consultation_request", case), {"colleague": dave.pk, "question": "Seen this fault before?"}
    )
    consultation = Consultation.objects.get(case=case)
    assert (consultation.asked_by, consultation.colleague, consultation.question) == (
        alice,
        dave,
        "Seen this fault before?",
    )
    answer_url = url("consultation_answer", case, consultation.pk)
    assert answer_url not in client.get(detail_url(case)).content.decode()

    client.force_login(dave)
    assert answer_url in client.get(detail_url(case)).content.decode()
    client.post(answer_url, {"answer": "Yes: the door seal, a known batch fault."})
    consultation.refresh_from_db()
    assert consultation.answer == "Yes: the door seal, a known batch fault."
    assert answer_url not in client.get(detail_url(case)).content.decode()


def test_escalating_moves_the_case_and_shows_on_both_escalation_pages(client, alice, bob, case_with_options):
    case = case_with_options
    client.force_login(alice)
    client.post(url("escalate", case), {"to_user": bob.pk, "reason": "Customer wants a manager"})
    case.refresh_from_db()
    assert case.assignee == bob
    esc = Escalation.objects.get(case=case)
    assert (esc.from_user, esc.to_user, esc.reason) == (alice, bob, "Customer wants a manager")

    page = reverse("cases:escalations")
    assert list(client.get(page, {"direction": "sent"}).context["page_obj"]) == [esc]
    assert list(client.get(page, {"direction": "received"}).context["page_obj"]) == []
    client.force_login(bob)
    received = client.get(page)  # escalated to me is the default
    assert list(received.context["page_obj"]) == [esc]
    assert list(client.get(page, {"direction": "sent"}).context["page_obj"]) == []
    assert "Customer wants a manager" in received.content.decode()


def test_escalating_to_yourself_is_not_offered_and_is_refused(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(url("escalate", case_with_options), {"to_user": alice.pk, "reason": "Me"})
    assert response.status_code == 400
    assert response.context["escalate_form"].errors["to_user"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Escalation.objects.count() == 0


def test_assign_to_me_takes_the_case(client, dave, case_with_options):
    client.force_login(dave)
    r = client.post(url("assign_me", case_with_options))
    assert r["Location"] == detail_url(case_with_options, "facts")
    case_with_options.refresh_from_db()
    assert case_with_options.assignee == dave


# ---------------------------------------------------------------- what the workspace shows


def test_options_are_not_offered_until_understanding_is_confirmed(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    html = client.get(detail_url(case)).content.decode()
    assert "Options can't be proposed until understanding is confirmed" in html
    assert url("option_add", case) not in html


def test_the_workspace_shows_the_customers_words_and_each_options_appraisal(client, alice, case_with_options):
    services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Replace the machine",
            remedy_type=RemedyType.REPLACEMENT,
            amount=Decimal("449"),
            cost_to_organisation=Decimal("310.50"),
            days_to_deliver=5,
            customer_advantages="A working machine",
            organisation_disadvantages="Costly",
            is_exception=True,
        ),
    )
    client.force_login(alice)
    response = client.get(detail_url(case_with_options))
    html = response.content.decode()
    assert "My new washing machine started leaking water on the kitchen floor after 6 days." in html
    for text in (
        "Replace the machine",
        "£449.00",
        "£310.50",
        "A working machine",
        "Costly",
        "Exception to usual practice",
        url("option_recommend", case_with_options, case_with_options.options.get().pk),
    ):
        assert text in html
    assert "Options can't be proposed" not in html


def test_messages_show_whether_the_customer_asked_for_them(client, alice, case_with_options):
    services.message_send(
        actor=alice,
        case=case_with_options,
        body="As you asked: it ships Monday.",
        requested=True,
        send_anyway_reason="The test is not about the wording.",
    )
    services.message_send(
        actor=alice,
        case=case_with_options,
        body="A quick heads-up.",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    client.force_login(alice)
    html = client.get(detail_url(case_with_options)).content.decode()
    asked = html.index("As you asked: it ships Monday.")
    unprompted = html.index("A quick heads-up.")
    assert "requested by the customer" in html[html.rindex("<li", 0, asked) : asked]
    assert "sent unprompted" in html[html.rindex("<li", 0, unprompted) : unprompted]
    assert "Email: Waiting to send" in html


# ---------------------------------------------------------------- invalid input and refused transitions


def test_recommending_with_one_factor_re_renders_with_the_error_and_changes_nothing(
    client, alice, case_with_options
):
    case = case_with_options
    option = add_option(alice, case)
    events = case.events.count()
    client.force_login(alice)
    response = client.post(
        url("option_recommend", case, option.pk), {"justification": "", "factors": ["cost"]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="#id_rec{option.pk}_factors"' in html
    assert "Tick at least two factors." in html
    assert "This field is required." in html
    row = next(r for r in response.context["option_rows"] if r["option"].pk == option.pk)
    assert row["recommend_form"].errors == {
        "justification": ["This field is required."],
        "factors": ["Tick at least two factors."],
    }
    case.refresh_from_db()
    option.refresh_from_db()
    assert (case.status, option.status, case.events.count()) == (
        Status.OPTIONS,
        OptionStatus.PROPOSED,
        events,
    )


def test_an_option_with_no_title_and_a_negative_amount_is_refused_beside_the_fields(
    client, alice, case_with_options
):
    client.force_login(alice)
    response = client.post(
        url("option_add", case_with_options),
        {
            "title": "",
            "remedy_type": "teleport",
            "amount": "-5",
            "cost_to_organisation": "0",
            "days_to_deliver": "0",
        },
    )
    assert response.status_code == 400
    assert response.context["option_form"].errors == {
        "title": ["This field is required."],
        "remedy_type": ["Select a valid choice. teleport is not one of the available choices."],
        "amount": ["Ensure this value is greater than or equal to 0."],
    }
    assert 'id="id_option_title"' in response.content.decode()
    assert Option.objects.count() == 0


def test_a_promise_due_in_the_past_is_refused(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(
        url("promise_make", case_with_options),
        {
            "description": "Call back",
            "owner": alice.pk,
            "due_at": local_input(clock.now() - timedelta(hours=1)),
        },
    )
    assert response.status_code == 400
    assert response.context["promise_form"].errors == {"due_at": ["A promise must be due in the future."]}
    assert Promise.objects.count() == 0


def test_a_refused_transition_shows_the_services_message(client, alice, case_with_options):
    case = in_progress_case(case_with_options, alice)
    events = case.events.count()
    client.force_login(alice)
    response = client.post(url("deliver", case), {"upheld": "upheld"}, follow=True)
    assert response.status_code == 200
    assert page_messages(response) == ["Plan at least one step before marking it delivered."]
    assert 'class="message message-error"' in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (Status.IN_PROGRESS, events)


def test_listing_an_option_before_understanding_is_confirmed_is_refused_with_the_reason(
    client, alice, report_case
):
    case = report_case()
    client.force_login(alice)
    response = client.post(
        url("option_add", case),
        {
            "title": "Refund",
            "remedy_type": RemedyType.REFUND,
            "amount": "10",
            "cost_to_organisation": "10",
            "days_to_deliver": "1",
        },
        follow=True,
    )
    assert page_messages(response) == [
        "Confirm the customer's problem (or record why not) before proposing options."
    ]
    assert Option.objects.count() == 0


def test_a_get_on_a_form_url_goes_back_to_the_workspace(client, alice, case_with_options):
    client.force_login(alice)
    response = client.get(url("deliver", case_with_options))
    assert (response.status_code, response["Location"]) == (302, detail_url(case_with_options))


def test_ticking_a_step_with_htmx_returns_just_the_plan(client, alice, case_with_options):
    case = in_progress_case(case_with_options, alice)
    step = services.step_add(
        actor=alice, case=case, description="Post the refund", owner=alice, due_date=clock.now().date()
    )
    client.force_login(alice)
    response = client.post(url("step_complete", case, step.pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="plan-steps">')
    assert "Done: Post the refund" in html
    assert "<html" not in html
    step.refresh_from_db()
    assert step.done_by == alice

    again = client.post(url("step_complete", case, step.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "This step is already done." in again


# ---------------------------------------------------------------- the record


def test_the_printable_record_has_every_section_and_the_hashed_timeline(client, alice, case_with_options):
    case = in_progress_case(case_with_options, alice)
    client.force_login(alice)
    response = client.get(url("record_html", case))
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "The problem",
        "Customer",
        "Understanding",
        "Options and their appraisal",
        "Recommendation",
        "Consultations",
        "Approvals",
        "Agreements",
        "Action plan",
        "Promises",
        "Messages",
        "Escalations",
        "Outcome",
        "Timeline",
    ):
        assert f">{heading}</h2>" in html, heading
    events = list(case.events.order_by("seq"))
    assert len(events) == 7
    for event in events:
        assert event.hash in html
        assert event.summary.replace("'", "&#x27;") in html
    assert "Partial refund / price reduction" in html


def test_the_json_record_downloads_with_the_timeline(client, alice, case_with_options):
    client.force_login(alice)
    response = client.get(url("record_json", case_with_options))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{case_with_options.reference}.json"'
    data = json.loads(response.content)
    assert data["reference"] == case_with_options.reference
    assert [e["kind"] for e in data["timeline"]] == [
        "case.reported",
        "understanding.summarised",
        "understanding.confirmed",
    ]
    assert [e["hash"] for e in data["timeline"]] == list(
        case_with_options.events.order_by("seq").values_list("hash", flat=True)
    )


# ---------------------------------------------------------------- approvals


@pytest.fixture
def pending_approval(client, alice, bob, case_with_options):
    """Alice recommends a £449 replacement, beyond her £100: it waits for a supervisor."""
    option = add_option(
        alice,
        case_with_options,
        title="Replace the machine",
        remedy_type=RemedyType.REPLACEMENT,
        amount="449.00",
    )
    client.force_login(alice)
    response = client.post(
        url("option_recommend", case_with_options, option.pk),
        {
            "justification": "Consumer Rights Act: faulty within 30 days",
            "factors": ["legal_obligation", "customer_preference"],
        },
        follow=True,
    )
    assert page_messages(response) == [
        "This option needs approval; it has gone to a colleague with enough authority.",
        "Recommended \u201cReplace the machine\u201d.",
    ]
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.AWAITING_APPROVAL
    return Approval.objects.get(case=case_with_options)


def test_the_supervisor_sees_the_approval_the_agent_requested(client, bob, pending_approval):
    client.force_login(bob)
    response = client.get(reverse("cases:approvals"))
    assert [row.approval for row in response.context["rows"]] == [pending_approval]
    html = response.content.decode()
    for text in (
        pending_approval.case.reference,
        "Replace the machine",
        "£449.00",
        "£449.00 exceeds the agent limit of £100.00",
        "Alice",
        reverse("cases:approval_decide", args=[pending_approval.pk]),
    ):
        assert text in html


def test_another_agent_does_not_see_the_approval(client, dave, pending_approval):
    client.force_login(dave)
    response = client.get(reverse("cases:approvals"))
    assert response.context["rows"] == []
    assert reverse("cases:approval_decide", args=[pending_approval.pk]) not in response.content.decode()


def test_the_requester_sees_it_under_approvals_i_requested(client, alice, pending_approval):
    client.force_login(alice)
    response = client.get(reverse("cases:approvals"))
    assert response.context["rows"] == []
    assert list(response.context["requested"]) == [pending_approval]
    assert "Pending" in response.content.decode()


def test_the_requester_cannot_approve_their_own_request(client, alice, pending_approval):
    client.force_login(alice)
    response = client.post(
        reverse("cases:approval_decide", args=[pending_approval.pk]),
        {"decision": "approve", "note": ""},
        follow=True,
    )
    assert page_messages(response) == ["A second person must approve; you requested it."]
    pending_approval.refresh_from_db()
    assert pending_approval.status == Approval.Status.PENDING
    assert Case.objects.get(pk=pending_approval.case_id).status == Status.AWAITING_APPROVAL


def test_an_agent_without_the_authority_cannot_approve(client, dave, pending_approval):
    client.force_login(dave)
    response = client.post(
        reverse("cases:approval_decide", args=[pending_approval.pk]), {"decision": "approve"}, follow=True
    )
    assert page_messages(response) == ["Your authority does not cover this option."]
    pending_approval.refresh_from_db()
    assert pending_approval.status == Approval.Status.PENDING


def test_the_supervisor_approves_and_the_option_goes_to_the_customer(client, bob, pending_approval):
    client.force_login(bob)
    response = client.post(
        reverse("cases:approval_decide", args=[pending_approval.pk]),
        {"decision": "approve", "note": "Clear CRA case"},
    )
    assert response["Location"] == reverse("cases:approvals")
    pending_approval.refresh_from_db()
    assert (pending_approval.status, pending_approval.decided_by, pending_approval.decision_note) == (
        Approval.Status.APPROVED,
        bob,
        "Clear CRA case",
    )
    assert Case.objects.get(pk=pending_approval.case_id).status == Status.AWAITING_CUSTOMER


def test_rejecting_without_a_note_is_refused_beside_the_note(client, bob, pending_approval):
    client.force_login(bob)
    response = client.post(
        reverse("cases:approval_decide", args=[pending_approval.pk]), {"decision": "reject"}
    )
    assert response.status_code == 400
    assert "Say why the option is not approved." in response.content.decode()
    pending_approval.refresh_from_db()
    assert pending_approval.status == Approval.Status.PENDING


def test_rejecting_with_a_note_sends_the_case_back_to_options(client, bob, pending_approval):
    client.force_login(bob)
    client.post(
        reverse("cases:approval_decide", args=[pending_approval.pk]),
        {"decision": "reject", "note": "Repair first"},
    )
    pending_approval.refresh_from_db()
    assert pending_approval.status == Approval.Status.REJECTED
    assert Case.objects.get(pk=pending_approval.case_id).status == Status.OPTIONS


# ---------------------------------------------------------------- alerts and home


def test_alerts_list_unread_first_and_mark_read(client, alice, bob, case_with_options):
    services.consultation_request(actor=alice, case=case_with_options, colleague=bob, question="Thoughts?")
    services.case_escalate(actor=alice, case=case_with_options, to_user=bob, reason="Needs a supervisor")
    older, newer = Alert.objects.filter(recipient=bob).order_by("created_at", "pk")
    client.force_login(bob)
    client.post(reverse("cases:alert_read", args=[newer.pk]))
    newer.refresh_from_db()
    assert newer.read_at is not None
    response = client.get(reverse("cases:alerts"))
    assert list(response.context["page_obj"].object_list) == [older, newer]
    assert case_with_options.reference in response.content.decode()

    fragment = client.post(reverse("cases:alert_read", args=[older.pk]), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith(f'<li class="alert-row" id="alert-{older.pk}">')
    older.refresh_from_db()
    assert older.read_at is not None


def test_home_sends_staff_to_the_queue_and_everyone_else_to_report_a_problem(client, alice, charlie):
    assert client.get("/")["Location"] == reverse("portal:report")
    client.force_login(charlie)
    assert client.get("/")["Location"] == reverse("portal:report")
    client.force_login(alice)
    assert client.get("/")["Location"] == reverse("cases:queue")


def test_escalating_without_choosing_sends_it_to_the_next_level_up(
    client, alice, bob, carol, case_with_options
):
    client.force_login(alice)
    response = client.post(url("escalate", case_with_options), {"to_user": "", "reason": "Legal threat"})
    assert response.status_code == 302
    esc = Escalation.objects.get(case=case_with_options)
    assert (esc.from_user, esc.to_user, esc.reason) == (alice, bob, "Legal threat")


def test_an_agent_reclassifies_a_case_as_a_system_failure(client, alice, case_with_options):
    client.force_login(alice)
    response = client.post(url("classify", case_with_options), {"source_kind": "d", "category": ""})
    assert response.status_code == 302
    case_with_options.refresh_from_db()
    assert case_with_options.source_kind == "d"
    assert case_with_options.is_regulated_complaint is False
    response = client.post(
        url("classify", case_with_options), {"source_kind": "d", "category": "", "regulated": "on"}
    )
    case_with_options.refresh_from_db()
    assert (response.status_code, case_with_options.is_regulated_complaint) == (302, True)
    bad = client.post(url("classify", case_with_options), {"source_kind": "q", "category": ""})
    assert bad.status_code == 400
    assert "source_kind" in bad.context["classify_form"].errors


def _busy(case, alice, bob, n):
    """n options, steps, promises, messages and consultations on one case."""
    from putright import clock

    for i in range(n):
        services.consultation_request(actor=alice, case=case, colleague=bob, question=f"Q{i}")
        services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(title=f"Option {i}", remedy_type=RemedyType.REFUND),
        )
        services.message_send(
            actor=alice, case=case, body=f"Update {i}", requested=bool(i % 2), send_anyway_reason="Test."
        )
        services.promise_make(
            actor=alice, case=case, description=f"P{i}", owner=alice, due_at=clock.now() + timedelta(days=1)
        )
        note_add(actor=alice, case=case, body=f"@bob note {i}")


@pytest.mark.parametrize("rows", [2, 20])
def test_the_workspace_query_count_does_not_grow_with_the_case(
    client, alice, bob, case_with_options, rows, django_assert_max_num_queries
):
    _busy(case_with_options, alice, bob, rows)
    client.force_login(alice)
    # 39 whatever the size: the lifecycle sections, plus the legal position and negotiation (4), the active
    # reason codes for closing unresolved (1), the saved replies offered to the agent (1),
    # the problem panel (1), the clocks (1), the customer's other cases (1: also the duplicate links and
    # what it may be a duplicate of), the teams to move it to (1) and who else has it open (3: report in,
    # a new stretch, read), and the procedures for the step it is in (up to 3: the procedures, their current
    # versions, the versions its timeline names; one here, where none is written), the workspace of issue 15
    # §1 (6: the internal notes, the colleagues they mention, the agent's preferences and reply draft, the
    # nearest deadline and the agent's authority limit for the side panel) and the case's files (1: the Files
    # panel and every message's own, issue 15 §4).
    with django_assert_max_num_queries(39):
        assert client.get(detail_url(case_with_options)).status_code == 200


@pytest.mark.parametrize("cases", [1, 12])
def test_the_approvals_page_query_count_does_not_grow_with_the_queue(
    client, alice, bob, report_case, cases, django_assert_max_num_queries
):
    for _ in range(cases):
        case = report_case()
        services.case_skip_understanding(actor=alice, case=case, reason="Urgent")
        option = services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(
                title="Replace", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
            ),
        )
        services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "risk"])
    client.force_login(bob)
    # The case options, their listing events, the role limits and the appraisal weights are each read once.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("cases:approvals"))
    assert len(response.context["rows"]) == cases


def test_withdrawing_a_proposal_tells_the_customer_and_returns_to_options(
    client, alice, case_with_options, mailbox, django_capture_on_commit_callbacks
):
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(title="Refund £5", remedy_type="refund"),
    )
    services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "feasibility"])
    client.force_login(alice)
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("recommendation_withdraw", case_with_options),
            {"reason": "Customer has not replied in 3 weeks"},
        )
    assert response.status_code == 302
    case_with_options.refresh_from_db()
    option.refresh_from_db()
    assert (case_with_options.status, option.status) == (Status.OPTIONS, OptionStatus.WITHDRAWN)
    assert mailbox.subjects_to("priya@example.com") == [
        f"[{case_with_options.reference}] We have withdrawn our proposal"
    ]
    again = client.post(url("recommendation_withdraw", case_with_options), {"reason": "again"}, follow=True)
    assert page_messages(again) == [
        "Recommendation withdrawn; the case is back to choosing a resolution.",
        "That can't be done at this stage: the case is now 'Choosing a resolution'. "
        "Please refresh the page to see where it stands.",
    ]


def test_withdrawing_a_recommendation_awaiting_approval_withdraws_the_approval(
    client, alice, bob, case_with_options
):
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Replace", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449")
        ),
    )
    services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "risk"])
    client.force_login(alice)
    client.post(url("recommendation_withdraw", case_with_options), {"reason": "Found a cheaper repair"})
    assert Approval.objects.get().status == Approval.Status.WITHDRAWN
    client.force_login(bob)
    assert client.get(reverse("cases:approvals")).context["rows"] == []


def test_renewing_the_customers_link_revokes_the_old_one(client, alice, case_with_options):
    from putright.channels.portal_links import portal_path

    old = portal_path(case_with_options)
    assert client.get(old, follow=True).status_code == 200
    client.force_login(alice)
    response = client.post(url("portal_link_renew", case_with_options), {"reason": "The email was forwarded"})
    assert response.status_code == 302
    case_with_options.refresh_from_db()
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(portal_path(case_with_options), follow=True).status_code == 200
    assert case_with_options.messages.order_by("-pk").first().subject == "Your new case link"
