"""Issue 13 §1 in Chromium: the customer follows the e-mailed link for a CSAT score, finds the form filled in
(nothing recorded yet), and answers by keyboard alone, with visible focus, at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from putright.audit.models import Event
from putright.cases.models import SatisfactionSettings
from putright.vocab import Status
from tests.browser.helpers import email_body, expect_flash
from tests.browser.test_unresolved import CUSTOMER, _delivered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_customer_answers_with_scores_by_keyboard_from_the_emailed_link(
    live_server, settings, new_page, screenshot, mailbox, case_with_options, alice
):
    settings.SITE_URL = live_server.url
    SatisfactionSettings.objects.update_or_create(pk=1, defaults={"ask_ces": True})
    case = _delivered(case_with_options, alice)
    asking = [m for m in mailbox.to(CUSTOMER) if str(m["Subject"]).endswith("Is your problem resolved?")][-1]
    link = re.search(r"4 \(satisfied\): (\S+)", email_body(asking)).group(1)
    events = Event.objects.filter(case=case).count()

    customer = new_page()
    customer.set_viewport_size({"width": 390, "height": 844})
    customer.goto(link)
    form = customer.locator("form.satisfaction-form")
    expect(form.get_by_label("4", exact=True).first).to_be_checked()
    expect(customer.get_by_role("status").filter(has_text="nothing is sent until you do")).to_be_visible()
    # Following the link recorded nothing.
    case.refresh_from_db()
    assert (case.status, case.csat, Event.objects.filter(case=case).count()) == (
        Status.AWAITING_CONFIRMATION,
        None,
        events,
    )
    screenshot(customer, "20-satisfaction-prefilled")

    # By keyboard: into the yes/no group, choose yes; the CSAT group already holds 4; effort: 6.
    yes = form.get_by_label("Yes, it is resolved")
    yes.focus()
    customer.keyboard.press("Space")
    expect(yes).to_be_checked()
    focus = customer.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert focus != "none"
    ces = form.locator("fieldset").filter(has_text="How easy was it")
    ces.get_by_label("5", exact=True).focus()
    customer.keyboard.press("ArrowRight")
    expect(ces.get_by_label("6", exact=True)).to_be_checked()
    form.get_by_label("Anything you want to tell us?").focus()
    customer.keyboard.type("Thank you for sorting it.")
    customer.keyboard.press("Tab")
    expect(form.get_by_role("button", name="Send my answer")).to_be_focused()
    customer.keyboard.press("Enter")
    expect_flash(customer, "Thank you. We are glad it is resolved, and we have closed your case.")
    screenshot(customer, "21-satisfaction-sent")

    case.refresh_from_db()
    assert (case.status, case.csat, case.ces, case.nps, case.satisfaction_comment) == (
        Status.CLOSED_RESOLVED,
        4,
        6,
        None,
        "Thank you for sorting it.",
    )
