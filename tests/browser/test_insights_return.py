"""The complaints return in a real browser: a manager picks a half-year by keyboard, reads the table,
and the page fits a laptop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.vocab import Status, Upheld
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.insights_fixtures import at, case, option

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1366, 768), (PHONE["width"], PHONE["height"])], ids=["laptop", "phone"])
def test_a_manager_reads_the_complaints_return(live_server, new_page, screenshot, carol, size):
    closed = case(
        at(2026, 7, 6),
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 8),
        category_slug="delivery",
        upheld=Upheld.UPHELD,
    )
    option(closed, "40.00")
    case(at(2026, 8, 1), category_slug="faulty")
    page = new_page(*size)
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/insights/return/?half=2025H1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints return 2025H1")
    expect(page.get_by_text("No complaints opened or closed in this half-year.")).to_be_visible()
    # By keyboard: the labelled box, a new half-year, Enter.
    box = page.get_by_label("Half-year")
    box.focus()
    expect(box).to_be_focused()
    box.fill("2026H2")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints return 2026H2")
    table = page.get_by_role("table", name="Complaints return 2026H2 by category")
    expect(table.get_by_role("row", name="Delivery")).to_contain_text("1 1 1 0 0 0 100.0% 1 0 0 40.00")
    expect(table.get_by_role("row", name="All categories")).to_contain_text("2 1 1 0 0 0 100.0% 1 0 0 40.00")
    expect(page.get_by_role("link", name="Download CSV of the complaints return 2026H2")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, f"complaints-return-{size[0]}")
