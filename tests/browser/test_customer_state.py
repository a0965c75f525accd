"""K2 in a real browser: an angry customer's case stands out in the queue, the workspace switches to
HEAT guidance, and the agent records their own reading from the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services
from putright.cases.models import Case
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANGRY = (
    "This is OUTRAGEOUS. You charged me twice for the same sofa and nobody answers the phone!!! "
    "I am absolutely furious. Sort it out now."
)


def test_an_angry_customer_gets_heat_guidance_and_the_agent_records_their_own_reading(
    live_server, new_page, screenshot, alice
):
    base = live_server.url
    calm, _ = services.case_report(report=make_report(customer_email="calm@example.com"))
    angry, _ = services.case_report(
        report=make_report(customer_email="angry@example.com", subject="Charged twice", description=ANGRY)
    )
    page = new_page()
    sign_in(page, base, "alice")

    # The queue, most urgent first: the angry customer's case leads, flagged.
    page.goto(f"{base}/cases/?scope=team&sort=priority")
    rows = page.locator("tr[data-reference]")
    expect(rows.first).to_have_attribute("data-reference", angry.reference)
    expect(rows.first).to_contain_text("High priority")
    expect(rows.first).to_contain_text("Angry")

    page.get_by_role("link", name=angry.reference).click()
    panel = page.locator("#customer-state")
    expect(panel.get_by_role("heading", name="The customer sounds angry: use HEAT")).to_be_visible()
    expect(panel.get_by_text("Take ownership")).to_be_visible()
    screenshot(page, "22-heat-guidance")

    # After a call the agent records the customer as calm again, using the keyboard only.
    panel.get_by_text("Record your own reading").focus()
    page.keyboard.press("Enter")
    panel.get_by_label("How the customer is").select_option("calm")
    panel.get_by_label("What tells you so").fill("Apologised on the phone; the double charge is refunded.")
    panel.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect_flash(page, "Your reading of the customer is recorded.")
    expect(page.locator("#customer-state")).not_to_contain_text("use HEAT")
    angry.refresh_from_db()
    assert (angry.emotion, angry.priority, angry.emotion_assessed_by) == ("calm", "normal", "agent")
    assert Case.objects.get(pk=calm.pk).priority == "normal"

    phone = new_page(**PHONE)
    sign_in(phone, base, "alice")
    phone.goto(f"{base}/cases/{angry.reference}/")
    assert_no_horizontal_scroll(phone)
