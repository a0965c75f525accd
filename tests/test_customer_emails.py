"""Issue 15 Done-when: the e-mails one customer gets for one case, from report to closure, counted on a real
SMTP server (aiosmtpd) and held to the list in the README; and no internal step text ever reaches them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from putright import clock
from putright.cases import services
from putright.cases.models import ActionStep, Case
from putright.vocab import RemedyType, Status
from tests.conftest import aware, html_part, plain_text
from tests.customer_link import open_case
from tests.test_portal import report_data

README = Path(__file__).resolve().parent.parent / "README.md"
CUSTOMER = "sam@example.com"
# Monday 2 March 2026; the plan runs over the Monday and the Tuesday.
MON, TUE = 2, 3
# What the agent writes for themselves (never the customer's), and what the customer is told when each is done.
PLAN = [
    ("Raise PO 4471 for lamp SKU LX-20 with the Bristol DC", "Your replacement lamp has been ordered."),
    ("Update stock ledger: write off LX-20 unit 88213", ""),
    ("Book DPD Next Day, label 15501 for the LX-20", "Your replacement lamp is on its way by courier."),
]


def at(day: int, hh: int, mm: int = 0):
    return aware(2026, 3, day, hh, mm)


def readme_limit() -> int:
    """The most e-mails the README says one simple case sends its customer."""
    found = re.search(r"A simple case sends its customer at most \*\*(\d+)\*\* e-mails", README.read_text())
    assert found, "the README lists the e-mails a customer gets, and how many at most"
    return int(found.group(1))


def readme_emails() -> list[str]:
    """The subject lines in the README's table of a simple case's e-mails, in order."""
    text = README.read_text()
    table = text[text.index("| E-mail | When | Why |") :].split("\n\n", 1)[0]
    return re.findall(r"^\s*\| “([^”]+)” \|", table, flags=re.MULTILINE)


def subjects(mailbox, case) -> list[str]:
    prefix = f"[{case.reference}] "
    got = mailbox.subjects_to(CUSTOMER)
    assert all(s.startswith(prefix) for s in got), got
    return [s.removeprefix(prefix) for s in got]


def reported(customer: Client) -> Case:
    """The customer reports on the web form (Monday 09:00)."""
    with clock.frozen(at(MON, 9)):
        response = customer.post(reverse("portal:report"), report_data())
    assert response.status_code in (302, 303)
    return Case.objects.get()


def understood_and_agreed(customer: Client, alice, case: Case) -> None:
    """The agent summarises; the customer confirms on their page; an option within authority is recommended
    and the customer agrees on their page (all on Monday)."""
    with clock.frozen(at(MON, 10)):
        services.case_summarise_understanding(
            actor=alice,
            case=case,
            summary="The lamp arrived with its base snapped; you would like a new one.",
        )
    with clock.frozen(at(MON, 11)):
        assert (
            customer.post(open_case(customer, case, "understanding"), {"confirm": "yes"}).status_code == 303
        )
    with clock.frozen(at(MON, 13)):
        option = services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(
                title="Send a replacement lamp",
                remedy_type=RemedyType.REPLACEMENT,
                amount=Decimal("0"),
                customer_advantages="A whole lamp within days",
                organisation_disadvantages="The cost of a second lamp",
            ),
        )
        services.option_recommend(
            actor=alice,
            option=option,
            justification="What they asked for",
            factors=["customer_benefit", "cost"],
        )
    with clock.frozen(at(MON, 14)):
        response = customer.post(open_case(customer, case, "agreement"), {"agree": "yes", "comment": ""})
    assert response.status_code == 303


def plan(agent: Client, case: Case, rows=PLAN) -> list[ActionStep]:
    """The agent plans the steps on the case page's step form (Monday 14:30)."""
    for i, (description, wording) in enumerate(rows):
        with clock.frozen(at(MON, 14, 30 + i)):
            response = agent.post(
                reverse("cases:step_add", args=[case.reference]),
                {
                    "description": description,
                    "customer_wording": wording,
                    "owner": case.assignee_id,
                    "due_date": "2026-03-06",
                },
            )
        assert response.status_code == 302
    return list(ActionStep.objects.filter(case=case).order_by("pk"))


def tick(agent: Client, step: ActionStep, moment) -> None:
    with clock.frozen(moment):
        response = agent.post(reverse("cases:step_complete", args=[step.case.reference, step.pk]))
    assert response.status_code == 302


def sweep(moment) -> None:
    with clock.frozen(moment):
        services.sweep_run(now=moment)


def deliver(alice, case: Case, moment) -> None:
    with clock.frozen(moment):
        services.case_mark_delivered(actor=alice, case=case, upheld="upheld")


@pytest.mark.django_db(transaction=True)
def test_one_simple_case_from_report_to_closure_sends_the_emails_the_readme_lists(client, alice, mailbox):
    customer = Client()
    case = reported(customer)
    understood_and_agreed(customer, alice, case)
    client.force_login(alice)
    ordered, internal, sent = plan(client, Case.objects.get(pk=case.pk))
    tick(client, ordered, at(MON, 15))
    sweep(at(MON, 15, 55))  # the sweep every few minutes: nothing yet
    sweep(at(MON, 16, 0))  # the day's progress message
    tick(client, internal, at(TUE, 10))
    sweep(at(TUE, 10, 5))
    tick(client, sent, at(TUE, 11))
    deliver(alice, case, at(TUE, 11, 30))  # tells what is still untold, and asks
    sweep(at(TUE, 16, 0))  # nothing left to tell
    with clock.frozen(at(TUE, 18)):
        response = customer.post(open_case(customer, case, "satisfaction"), {"resolved": "yes"})
    assert response.status_code == 303
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED_RESOLVED

    got = subjects(mailbox, case)
    assert got == [
        "We have your report",
        "Have we understood your problem?",
        "Our proposal to put things right",
        "Thank you: we are putting it right",
        "Progress on your case",
        "Is your problem resolved?",
        "Your case is closed",
    ]
    assert got == readme_emails()
    assert len(got) <= readme_limit()
    mails = mailbox.to(CUSTOMER)
    assert "- Your replacement lamp has been ordered." in plain_text(mails[4])
    assert plain_text(mails[5]).replace("\r\n", "\n").split("\n\n")[1] == (
        "Since we last wrote:\n- Your replacement lamp is on its way by courier."
    )
    # Customers never see internal text: not in any e-mail (either part), nor on their page or record.
    with clock.frozen(at(TUE, 19)):
        pages = [
            customer.get(open_case(customer, case, name)).content.decode() for name in ("case", "record")
        ]
    for text in [plain_text(m) for m in mails] + [html_part(m) for m in mails] + pages:
        for description, _ in PLAN:
            assert description not in text
        assert "PO 4471" not in text and "LX-20" not in text
    assert all("Progress: Your replacement lamp has been ordered." in page for page in pages)


@pytest.mark.django_db(transaction=True)
def test_a_case_reminded_then_closed_with_no_reply_sends_seven(client, alice, mailbox):
    customer = Client()
    case = reported(customer)
    understood_and_agreed(customer, alice, case)
    client.force_login(alice)
    [step] = plan(client, Case.objects.get(pk=case.pk), rows=[PLAN[0]])
    tick(client, step, at(MON, 15))
    deliver(alice, case, at(MON, 15, 30))  # the same day: its progress goes in the question
    sweep(at(MON, 16))
    sweep(at(8, 10))  # five days on: the one reminder
    sweep(at(17, 10, 30))  # nine days after that: closed as resolved, no reply
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED_NO_REPLY
    assert subjects(mailbox, case) == [
        "We have your report",
        "Have we understood your problem?",
        "Our proposal to put things right",
        "Thank you: we are putting it right",
        "Is your problem resolved?",
        "A reminder: is your problem resolved?",
        "Your case is closed",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_case_closed_unresolved_sends_three_and_no_progress_after_the_letter(client, alice, mailbox):
    customer = Client()
    case = reported(customer)
    with clock.frozen(at(MON, 10)):
        services.case_summarise_understanding(actor=alice, case=case, summary="The lamp's base snapped.")
    with clock.frozen(at(MON, 11)):
        assert (
            customer.post(open_case(customer, case, "understanding"), {"confirm": "yes"}).status_code == 303
        )
    with clock.frozen(at(MON, 15)):
        services.case_close_unresolved(
            actor=alice,
            case=case,
            reasons="The lamp was a clearance line sold as seen, and the fault was described on the label.",
            other_routes=["The Retail ADR scheme: www.retailadr.org.uk"],
            reason_code="other",
            upheld="not_upheld",
        )
    sweep(at(MON, 16))
    assert subjects(mailbox, case) == [
        "We have your report",
        "Have we understood your problem?",
        "Our final response",
    ]
