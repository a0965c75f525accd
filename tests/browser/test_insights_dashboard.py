"""The insights dashboard in a real browser: the page answers at once, the sections arrive as fragments
with their charts drawn and their tables readable, the filters work by keyboard, the page fits a laptop and
a phone, and a count followed to the queue lists that many cases."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.authority.models import Team
from putright.vocab import Status
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.insights_fixtures import at, case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JULY = "period=custom&from=2026-07-01&to=2026-07-31"


@pytest.mark.parametrize("size", [(1366, 768), (PHONE["width"], PHONE["height"])], ids=["laptop", "phone"])
def test_a_manager_reads_the_dashboard_and_follows_a_count_to_the_queue(
    live_server, new_page, screenshot, carol, size
):
    red = Team.objects.create(name="Red")
    for day in (1, 2, 3):
        case(at(2026, 7, day), team=red, category_slug="delivery")
    case(at(2026, 7, 4), category_slug="faulty", status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 6))
    case(at(2026, 8, 4), category_slug="delivery")  # after the period: not counted
    page = new_page(*size)
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/insights/?{JULY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    # The fragments arrive on their own; the volume chart is drawn from its JSON.
    volume = page.locator('[data-section="volume"]')
    expect(volume).to_be_visible()
    expect(page.locator("#volume-trend-canvas")).to_have_attribute("data-chart-state", "ready")
    expect(page.locator('[data-section="backlog"]')).to_be_visible()
    expect(page.get_by_text("Loading…")).to_have_count(0)
    tile = page.locator(".insight-tile", has=page.get_by_role("heading", name="Cases opened"))
    expect(tile.locator(".tile-value")).to_have_text("4")
    expect(tile.locator(".change")).to_contain_text("▲ up +4 from 0")
    by_category = volume.get_by_role("table", name="Cases opened by category")
    row = by_category.get_by_role("row", name="delivery")
    expect(row).to_contain_text("3")
    assert_no_horizontal_scroll(page)
    screenshot(page, f"insights-dashboard-{size[0]}")
    # By keyboard: the period box is labelled and takes the focus.
    box = page.get_by_label("Period", exact=True)
    box.focus()
    expect(box).to_be_focused()
    # Follow the count: the queue lists exactly those 3 cases.
    row.get_by_role("link", name="List the 3 cases: Cases opened, opened, delivery").click()
    expect(page.locator("#insight-banner")).to_contain_text(
        "Cases behind: Cases opened, opened, category 'delivery', 1–31 Jul 2026 — 3 cases"
    )
    expect(page.locator("table.queue tbody tr")).to_have_count(3)
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
