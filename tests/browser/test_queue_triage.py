"""The queue built for triage, in a real browser (issue 12 §3): 15 rows and more on a laptop screen, search
from the queue's own box, sorting by clicking a column header, a bulk assignment, the customer's page from a
case, the keyboard reaching the sort links and the bulk bar with visible focus, and stacked rows on a phone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _report(**overrides) -> Case:
    case, _ = services.case_report(report=make_report(**overrides))
    return case


@pytest.fixture
def many_cases(alice):
    """Twenty open cases reported an hour apart, the oldest first; the first one belongs to Priya Shah."""
    now = clock.now()
    made = []
    for i in range(20):
        with clock.frozen(now - timedelta(hours=20 - i)):
            if i == 0:
                made.append(
                    _report(customer_name="Priya Shah", order_reference="HH-55102", subject="Kettle stopped")
                )
            else:
                made.append(
                    _report(
                        customer_name=f"Customer {i}",
                        customer_email=f"c{i}@example.net",
                        order_reference=f"ORD-{700000 + i}",
                        subject=f"Problem number {i}",
                    )
                )
    return made


def _team_queue(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/cases/?scope=team{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team queue")


def _rows_fully_visible(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('table.queue tbody tr')].filter(r => {
             const b = r.getBoundingClientRect();
             return b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0;
           }).length"""
    )


def test_fifteen_rows_fit_a_laptop_screen_and_a_header_click_sorts(
    live_server, new_page, many_cases, screenshot
):
    base = live_server.url
    page = new_page(width=1366, height=768)
    sign_in(page, base, "alice")
    _team_queue(page, base)
    assert _rows_fully_visible(page) >= 15
    screenshot(page, "queue-dense-laptop")

    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_have_attribute("data-reference", many_cases[-1].reference)
    # "Age": the oldest first, then the other way round.
    page.get_by_role("link", name="Age").click()
    expect(page.locator("th.c-age")).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_have_attribute("data-reference", many_cases[0].reference)
    expect(page.get_by_role("status").filter(has_text="20 cases")).to_contain_text("oldest first")
    page.get_by_role("link", name="Age").click()
    expect(page.locator("th.c-age")).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_have_attribute("data-reference", many_cases[-1].reference)
    # The next deadline: soonest first (cases due the same moment: newest first).
    page.get_by_role("link", name="Next deadline").click()
    expect(page.locator("th.c-deadline")).to_have_attribute("aria-sort", "ascending")
    dues = page.locator("td.c-deadline time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert len(dues) == 20 and dues == sorted(dues)
    page.get_by_role("link", name="Next deadline").click()
    expect(page.locator("th.c-deadline")).to_have_attribute("aria-sort", "descending")
    dues = page.locator("td.c-deadline time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dues == sorted(dues, reverse=True)
    assert page.url.endswith("/cases/?scope=team&sort=-deadline")


def test_the_queues_search_box_finds_by_name_part_of_the_reference_and_order_reference(
    live_server, new_page, many_cases
):
    base = live_server.url
    priya = many_cases[0]
    page = new_page(width=1366, height=768)
    sign_in(page, base, "alice")
    _team_queue(page, base)
    number = priya.reference.split("-")[-1]  # PR-2026-000001: "000001"
    for text in ["Priya Shah", number, "HH-55102"]:
        box = page.get_by_role("textbox", name="Search cases")
        box.fill(text)
        box.press("Enter")
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-reference", priya.reference)
        expect(page.locator("#queue-count")).to_contain_text(f"1 case matches “{text}”")


def test_bulk_assign_two_cases_then_read_the_customers_page(
    live_server, new_page, dave, many_cases, screenshot
):
    base = live_server.url
    first, second = many_cases[0], many_cases[1]
    page = new_page(width=1366, height=768)
    sign_in(page, base, "alice")
    _team_queue(page, base, "&sort=oldest")
    bar = page.get_by_role("group", name="Bulk actions")
    expect(bar).to_be_hidden()
    page.get_by_label(f"Select {first.reference}").check()
    page.get_by_label(f"Select {second.reference}").check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("2 cases selected:")
    screenshot(page, "queue-bulk-bar")
    bar.get_by_label("Assign to").select_option(label="Dave")
    bar.get_by_role("button", name="Assign").click()
    expect_flash(page, f"Assigned to Dave: 2 cases: {first.reference}, {second.reference}.")
    assert "sort=oldest" in page.url and "scope=team" in page.url
    for case in (first, second):
        expect(page.locator(f'tr[data-reference="{case.reference}"] td.c-assignee')).to_have_text("Dave")
    assert set(Case.objects.filter(assignee__username="dave").values_list("reference", flat=True)) == {
        first.reference,
        second.reference,
    }

    # From the case to the customer's own page.
    page.get_by_role("link", name=first.reference).click()
    page.get_by_role("link", name="Priya Shah").first.click()
    expect(page).to_have_url(f"{base}/customers/{first.customer_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya Shah")
    expect(page.get_by_role("main")).to_contain_text(first.reference)


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"""
    )


def test_the_keyboard_reaches_the_sort_links_and_the_bulk_bar_with_visible_focus(
    live_server, new_page, many_cases
):
    base = live_server.url
    page = new_page(width=1366, height=768)
    sign_in(page, base, "alice")
    _team_queue(page, base)
    page.get_by_role("textbox", name="Search cases").focus()
    reached = None
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('sort-link')"):
            reached = page.evaluate("() => document.activeElement.textContent")
            break
    assert reached and reached.startswith("Reference")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("th.c-reference")).to_have_attribute("aria-sort", "ascending")

    # Tick a case with the space bar, then go back to the bar that appeared.
    pick = page.get_by_label(f"Select {many_cases[0].reference}")
    pick.focus()
    page.keyboard.press("Space")
    expect(pick).to_be_checked()
    in_bar = False
    for _ in range(20):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => !!document.activeElement.closest('#bulk-bar')"):
            in_bar = True
            break
    assert in_bar
    assert _focus_is_visible(page)
    expect(page.get_by_role("group", name="Bulk actions")).to_contain_text("1 case selected:")


def test_on_a_phone_each_case_is_a_readable_card_and_nothing_scrolls_sideways(
    live_server, new_page, many_cases, screenshot
):
    base = live_server.url
    phone = new_page(**PHONE)
    sign_in(phone, base, "alice")
    _team_queue(phone, base)
    first_row = phone.locator("table.queue tbody tr").first
    # Each value is labelled with its column's name (drawn before it), the cells stacked in a card.
    labels = first_row.locator("td").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"Next deadline: "' in labels and '"Assignee: "' in labels
    box = first_row.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 60
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "queue-phone")
