"""The unresolved path in a real browser: the customer says 'No', and alice closes it with reasons and routes.

Getting to "checking it is resolved" is set up through the services (the journey test walks those
pages); from the customer's 'No' onwards everything happens in the browser.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from putright.cases import services
from putright.vocab import JustificationFactor, RemedyType, Status
from tests.browser.helpers import (
    assert_no_horizontal_scroll,
    case_link_from_email,
    customer_status,
    email_body,
    expect_flash,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "priya@example.com"
STILL_WRONG = "The engineer came but the machine still leaks from the door seal."
REASONS = (
    "The leak comes from the plumbing under your sink, not the machine, so a repair by us cannot fix it."
)
EXTRA = "We have refunded the engineer's call-out charge."
ROUTES = ["Manufacturer's warranty claim", "Alternative dispute resolution (ADR) scheme"]


def _delivered(case, alice):
    """Fast-forward through the services: repair agreed, the one step done, delivered."""
    option = services.option_add(
        actor=alice,
        case=case,
        option=services.OptionInput(
            title="Repair the door seal",
            remedy_type=RemedyType.REPAIR,
            amount=Decimal("80.00"),
            days_to_deliver=3,
        ),
    )
    services.option_recommend(
        actor=alice,
        option=option,
        justification="A seal repair fixes the leak quickly.",
        factors=[JustificationFactor.FEASIBILITY, JustificationFactor.TIME_TO_DELIVER],
    )
    services.option_customer_respond(case=case, agree=True)
    step = services.step_add(
        actor=alice,
        case=case,
        description="Engineer visit to replace the seal",
        owner=alice,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    services.step_complete(actor=alice, step=step)
    services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CONFIRMATION
    return case


def test_a_customer_who_says_not_resolved_gets_reasons_and_other_routes_when_it_is_closed(
    live_server, settings, new_page, screenshot, mailbox, case_with_options, alice
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = _delivered(case_with_options, alice)
    case_path = case_link_from_email(mailbox, CUSTOMER, case.reference)

    # ---- Priya says it is not resolved, and what is still wrong.
    customer = new_page()
    customer.goto(f"{base}{case_path}")
    expect(customer.get_by_role("heading", name="Is your problem resolved?")).to_be_visible()
    customer.get_by_label("No, it is not resolved").check()
    customer.get_by_label("Anything you want to tell us?").fill(STILL_WRONG)
    customer.get_by_role("button", name="Send my answer").click()
    expect_flash(customer, "We are sorry it is not resolved yet. We have told the person handling your case.")
    expect(customer_status(customer)).to_have_text(
        "You told us it is not resolved: we are looking at what to do next"
    )
    expect(customer.get_by_role("region", name="You told us it is not resolved")).to_contain_text(STILL_WRONG)

    # ---- alice sees it, and closes it unresolved with reasons and two other routes.
    agent = new_page()
    sign_in(agent, base, "alice")
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Team queue").click()
    row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Customer says not resolved")
    row.get_by_role("link", name=case.reference).click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Customer says not resolved")
    outcome = agent.get_by_role("region", name="Check and close")
    expect(outcome.get_by_text("The customer says:")).to_be_visible()
    expect(outcome.get_by_role("blockquote")).to_have_text(STILL_WRONG)

    outcome.get_by_text("Close without resolving it").click()
    outcome.get_by_label("Reason code").select_option("cannot_provide")
    outcome.get_by_label("Why we cannot resolve it").fill(REASONS)
    for route in ROUTES:
        outcome.get_by_label(route).check()
    screenshot(agent, "10-close-unresolved-form")
    outcome.get_by_role("button", name="Close unresolved and tell the customer").click()

    # ---- Issue 15 §7: the review shows exactly what Priya will receive; nothing is sent yet.
    expect(agent.get_by_role("heading", level=1)).to_have_text(
        f"Review before closing {case.reference} unresolved"
    )
    review = agent.locator("#review-text")
    expect(review).to_contain_text("Dear Priya Shah,")
    expect(review).to_contain_text(REASONS)
    expect(agent.locator("#review-subject")).to_have_text(f"[{case.reference}] Our final response")
    expect(agent.locator("#review-upheld")).to_have_text("Not upheld")
    screenshot(agent, "10b-close-unresolved-review")
    assert not [m for m in mailbox.to(CUSTOMER) if "Our final response" in str(m["Subject"])]
    # "Change it" goes back to the form with everything kept; the agent adds a sentence and reviews again.
    agent.get_by_role("button", name="Change it").click()
    reasons = agent.get_by_label("Why we cannot resolve it")
    expect(reasons).to_have_value(REASONS)
    for route in ROUTES:
        expect(agent.get_by_label(route)).to_be_checked()
    reasons.fill(REASONS + " " + EXTRA)
    agent.get_by_role("button", name="Close unresolved and tell the customer").click()
    expect(review).to_contain_text(EXTRA)
    shown = review.inner_text()
    # Tidy on a phone too: the e-mail wraps, nothing scrolls sideways.
    agent.set_viewport_size({"width": 390, "height": 844})
    assert_no_horizontal_scroll(agent)
    agent.set_viewport_size({"width": 1280, "height": 900})
    agent.get_by_role("button", name="Send and close").click()
    expect_flash(agent, "Closed unresolved; the reasons and other routes were sent to the customer.")
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Closed: unresolved")
    expect(outcome).to_contain_text(REASONS + " " + EXTRA)
    for route in ROUTES:
        expect(outcome.get_by_role("listitem").filter(has_text=route)).to_be_visible()

    # ---- Priya's page gives the reasons and the routes.
    customer.reload()
    expect(customer_status(customer)).to_have_text("Closed: we could not resolve it")
    final = customer.get_by_role("region", name="We could not resolve your problem")
    expect(final).to_contain_text(REASONS)
    expect(final.get_by_role("listitem")).to_have_text(ROUTES)
    screenshot(customer, "11-customer-closed-unresolved")

    # ---- The final response email says the same.
    finals = [
        m for m in mailbox.to(CUSTOMER) if str(m["Subject"]) == f"[{case.reference}] Our final response"
    ]
    assert len(finals) == 1
    body = email_body(finals[0])
    assert REASONS in body
    # The text part is what the review showed (the browser reads the same text; line endings aside).
    assert body.replace("\r\n", "\n").strip() == shown.replace("\r\n", "\n").strip()
    for route in ROUTES:
        assert re.search(rf"•\s+{re.escape(route)}", body), f"{route!r} not listed in the email"
    case.refresh_from_db()
    assert case.status == Status.CLOSED_UNRESOLVED
    assert case.other_routes == ROUTES
    assert (case.unresolved_reason.code, case.upheld) == ("cannot_provide", "not_upheld")
