"""Search in a real browser (issue 12 §2): an agent finds a case from the header's box by the customer's
name, by part of its reference and by the order reference, is told how many match, and is told plainly
when nothing does — at laptop and at phone width.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cases(alice):
    priya, _ = services.case_report(
        report=make_report(customer_name="Priya Shah", order_reference="HH-55102", subject="Kettle stopped")
    )
    other, _ = services.case_report(
        report=make_report(
            customer_name="Tom Baker",
            customer_email="tom@example.net",
            order_reference="ORD-771100",
            subject="Parcel never arrived",
        )
    )
    return priya, other


def _search_from_header(page, text: str) -> None:
    box = page.get_by_role("searchbox", name="Search all cases")
    box.fill(text)
    box.press("Enter")


def test_an_agent_finds_a_case_by_name_part_of_its_reference_and_order_reference(
    live_server, new_page, alice, cases, screenshot
):
    priya, other = cases
    page = new_page()
    sign_in(page, live_server.url, "alice")
    year, number = priya.reference.split("-")[1:]  # PR-2026-000001: "2026", "000001"
    # The name; part of the reference, padded or with its year and no zeros; the order reference.
    for text in ["Priya Shah", number, f"{year}-{int(number)}", "HH-55102"]:
        _search_from_header(page, text)
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-reference", priya.reference)
        expect(page.get_by_role("status")).to_contain_text(f"1 case matches “{text}”")
    screenshot(page, "search-found")
    rows.first.get_by_role("link", name=priya.reference).click()
    expect(page).to_have_url(f"{live_server.url}/cases/{priya.reference}/")


def test_no_match_is_said_plainly_with_what_was_searched_and_the_box_works_by_keyboard_on_a_phone(
    live_server, new_page, alice, cases, screenshot
):
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "alice")
    page.get_by_role("searchbox", name="Search all cases").focus()
    page.keyboard.type("Nobody Here")
    page.keyboard.press("Enter")
    expect(page.get_by_text("No cases match “Nobody Here”.")).to_be_visible()
    expect(page.get_by_text("in open and closed cases")).to_be_visible()
    expect(page.locator("table.queue")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    screenshot(page, "search-no-match-phone")
