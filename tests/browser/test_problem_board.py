"""The problem board in a real browser: its trend chart draws (Chart.js), each problem's page draws its own,
the numbers are there as a table for anyone who cannot see a chart, and the board fits a phone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases import services as case_services
from putright.cases.models import Category
from putright.problems import services
from putright.problems.models import ProblemStatus
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARCELS = "Parcel marked as delivered but never arrived"


PARCEL_WORDS = (
    "Tracking says delivered, parcel never arrived",
    "My parcel is marked as delivered on the tracking but it never arrived.",
)
INSTALLER_WORDS = (
    "Installer did not come",
    "We waited in all day for the dishwasher installer and nobody came or called.",
)


def _cases(first_id: int, days_ago: list[float], words: tuple[str, str] = PARCEL_WORDS) -> list:
    """Cases reported ``days_ago`` (one each), from different customers."""
    now = clock.now()
    cases = []
    for i, days in enumerate(days_ago):
        with clock.frozen(now - timedelta(days=days)):
            case, _ = case_services.case_report(
                report=make_report(
                    customer_name=f"Customer {first_id + i}",
                    customer_email=f"customer{first_id + i}@example.com",
                    subject=words[0],
                    description=words[1],
                )
            )
        cases.append(case)
    return cases


def _problems(bob, settings):
    # The cases here are stored for real (committed), so the worker's S3 analysis runs on each; the
    # problems under test are opened by hand below, so it must not raise one of its own first.
    settings.PUTRIGHT = {**settings.PUTRIGHT, "PROBLEM_MIN_CASES": 1000}
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    services.owner_route_set(actor=bob, category=delivery, owner=bob)
    growing = services.problem_open(
        actor=None,
        title=PARCELS,
        description="Raised automatically: similar reports from many customers.",
        origin="similarity",
        source_kind="a",
        category=delivery,
        cases=_cases(0, [40, 12, 9, 6, 4, 3, 2.5, 2, 1.5, 1, 0.5, 0.2]),
    )
    quiet = services.problem_open(
        actor=None,
        title="Installer did not arrive for the booked slot",
        description="",
        origin="manual",
        source_kind="e",
        cases=_cases(100, [25, 14, 8], INSTALLER_WORDS),
    )
    return growing, quiet


def test_the_board_and_a_problem_draw_their_trend_charts(live_server, settings, new_page, screenshot, bob):
    growing, quiet = _problems(bob, settings)
    page = new_page()
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/problems/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Problem board")

    board_chart = page.locator("#board-chart")
    expect(board_chart).to_have_attribute("data-chart-state", "ready")
    expect(board_chart).to_have_attribute("role", "img")
    label = board_chart.get_attribute("aria-label")
    assert f"#{growing.pk} {PARCELS}"[:60] in label and "11 in all" in label  # the 40-day-old one is out
    # Chart.js drew something: the canvas is no longer blank.
    assert page.evaluate(
        "() => { const c = document.getElementById('board-chart');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }"
    )
    rows = page.locator("table.problem-board tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(PARCELS)  # the faster-growing one first
    expect(rows.first.locator("svg.sparkline")).to_have_attribute("role", "img")
    page.get_by_text("Show the numbers").first.click()
    expect(page.locator("table.chart-table").first).to_be_visible()
    expect(page.locator("table.chart-table").first.locator("tbody tr")).to_have_count(30)
    page.get_by_text("Show the numbers").first.click()
    screenshot(page, "18-problem-board")

    page.get_by_role("link", name=f"#{growing.pk} {PARCELS}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PARCELS)
    detail_chart = page.locator("#problem-chart")
    expect(detail_chart).to_have_attribute("data-chart-state", "ready")
    assert "New cases: 11 in all" in detail_chart.get_attribute("aria-label")
    page.get_by_role("link", name="Last 90 days").click()
    expect(page.locator("#problem-chart")).to_have_attribute("data-chart-state", "ready")
    assert "New cases: 12 in all" in page.locator("#problem-chart").get_attribute("aria-label")
    expect(page.locator("table.linked-cases tbody tr")).to_have_count(12)

    # Confirm it, with the keyboard for the last step.
    page.get_by_label("Move to", exact=True).select_option("confirmed")
    page.get_by_role("button", name="Save the stage").focus()
    page.keyboard.press("Enter")
    expect_flash(page, "The problem's stage is updated.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    screenshot(page, "19-problem-detail")
    growing.refresh_from_db()
    assert growing.status == ProblemStatus.CONFIRMED


def test_the_board_and_a_problem_fit_a_phone(live_server, settings, new_page, bob):
    growing, _ = _problems(bob, settings)
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/problems/")
    expect(page.locator("#board-chart")).to_have_attribute("data-chart-state", "ready")
    assert_no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/problems/{growing.pk}/")
    expect(page.locator("#problem-chart")).to_have_attribute("data-chart-state", "ready")
    assert_no_horizontal_scroll(page)
