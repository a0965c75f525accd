"""One customer across cases, in a real browser: the agent finds a caller as they type on *Log a
report*, logs the call against that customer, and reads their page (every case, support needs,
contact details), also at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services
from putright.cases.models import Case
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, definition, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_agent_looks_a_caller_up_logs_their_call_and_reads_their_page(
    live_server, new_page, screenshot, alice
):
    base = live_server.url
    first, _ = services.case_report(
        report=make_report(customer_phone="07700 900123", order_reference="HH-55102")
    )
    customer = first.customer
    customer.support_needs = "Large print letters"
    customer.save()
    services.case_report(report=make_report(customer_name="Tom Brook", customer_email="tom@example.com"))

    page = new_page()
    sign_in(page, base, "alice")
    page.goto(f"{base}/cases/new/")
    lookup = page.get_by_label("Find an existing customer")
    lookup.fill("HH-55102")
    # Enter looks the customer up; it does not submit the (still empty) report.
    lookup.press("Enter")
    # Typing also asks 300 ms after the last key: let that answer land before picking, or it redraws the
    # list and takes the pick away (a person reads the list first; a test does not).
    page.wait_for_load_state("networkidle")
    pick = page.get_by_label("Priya Shah · priya@example.com · 07700 900123")
    expect(pick).to_be_visible()
    expect(page.get_by_text("1 customer found for “HH-55102”.")).to_be_visible()
    expect(page.locator(".errorlist")).to_have_count(0)
    assert Case.objects.count() == 2
    pick.check()
    page.get_by_role("radio", name="Phone", exact=True).check()
    page.get_by_label("Subject").fill("Dryer is noisy")
    page.get_by_label("The problem in the customer's own words").fill("It rattles on every spin.")
    page.get_by_label("The customer consented to us processing their details to handle this problem").check()
    screenshot(page, "60-log-a-report-customer-lookup")
    page.get_by_role("button", name="Log the report").click()
    expect_flash(page, "Logged as")
    logged = Case.objects.get(subject="Dryer is noisy")
    assert logged.customer_id == customer.pk

    # The case page lists the customer's other case and leads to their page.
    other = page.get_by_role("list", name="Other cases from this customer")
    expect(other.get_by_role("link", name=first.reference)).to_be_visible()
    page.get_by_role("link", name="Priya Shah").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya Shah")
    cases = page.get_by_role("table")
    expect(cases.locator("tbody tr")).to_have_count(2)
    expect(cases).to_contain_text(first.reference)
    expect(cases).to_contain_text("Dryer is noisy")
    expect(definition(page, "Phone")).to_have_text("07700 900123")
    expect(definition(page, "Support needs")).to_contain_text("Large print letters")
    expect(definition(page, "Lawful basis")).to_have_text("Consent")
    screenshot(page, "61-customer-page")

    phone = new_page(**PHONE)
    sign_in(phone, base, "alice")
    phone.goto(page.url)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Priya Shah")
    assert_no_horizontal_scroll(phone)
