"""The handling scorecard in a real browser (issue 14 §4): alice, who handled a closed case, follows a failed
check to its event in the timeline and disputes it; carol, a manager, finds it on "Disputed checks" and
upholds it; the case page then shows the check as overturned. Keyboard-reachable, no sideways scroll at
phone width, and the coverage page draws its chart under the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from putright.quality.models import Dispute
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.browser.test_content_security_policy import PolicyWatch
from tests.quality_fixtures import closed_resolved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHY = "Only one remedy fits a leak: a refund was what the customer asked for."


def test_a_handler_disputes_a_failed_check_and_a_manager_upholds_it(
    live_server, new_page, screenshot, report_case, alice, carol
):
    case = closed_resolved(report_case, alice, options=1)
    page = new_page(1366, 768)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/cases/{case.reference}/")

    panel = page.locator("#scorecard")
    expect(panel.get_by_role("heading", name="Handling scorecard")).to_be_visible()
    check = panel.locator("#check-options_weighed")
    expect(check).to_contain_text("Fail")
    expect(check).to_contain_text("Only one option (“Refund £60”) was listed")

    # The fail's link lands on its event in the timeline.
    check.get_by_role("link", name="See the event in the timeline").click()
    expect(page).to_have_url(re.compile(r"#event-\d+$"))
    expect(page.locator("#timeline li:target")).to_contain_text("Option listed")

    # By keyboard: open the dispute, write why, send it.
    check.locator("summary", has_text="Dispute this check").focus()
    page.keyboard.press("Enter")
    check.get_by_label("Why the check is wrong").fill(WHY)
    check.get_by_role("button", name="Send the dispute to my manager").click()
    expect_flash(page, "Your dispute is recorded")
    expect(page.locator("#check-options_weighed")).to_contain_text("Disputed: Waiting for a decision")
    screenshot(page, "scorecard-disputed")

    manager = new_page(*PHONE.values())
    sign_in(manager, live_server.url, "carol", lands_on="Team queue")
    manager.goto(f"{live_server.url}/quality/disputes/")
    dispute = manager.locator("article", has_text=case.reference)
    expect(dispute).to_contain_text(WHY)
    assert_no_horizontal_scroll(manager)
    dispute.get_by_label("Uphold: overturn the fail to a pass").check()
    dispute.get_by_role("button", name="Decide").click()
    expect_flash(manager, "overturned to a pass")
    assert Dispute.objects.get().status == "upheld"

    page.reload()
    expect(page.locator("#check-options_weighed")).to_contain_text("Pass (overturned on dispute)")
    expect(page.locator("#check-options_weighed")).to_contain_text("Decided by Carol")

    manager.goto(f"{live_server.url}/quality/coverage/")
    expect(manager.get_by_role("heading", name="Coverage", level=1)).to_be_visible()
    expect(manager.locator("#coverage-trend-canvas")).to_have_attribute("data-chart-state", "ready")
    assert_no_horizontal_scroll(manager)
    screenshot(manager, "coverage-phone")


def test_the_quality_pages_work_under_the_content_security_policy(live_server, new_page, report_case, alice):
    case = closed_resolved(report_case, alice, options=1)
    watch = PolicyWatch(new_page)
    sign_in(watch.page, live_server.url, "alice")
    watch.visit(f"{live_server.url}/cases/{case.reference}/")
    expect(watch.page.locator("#check-options_weighed")).to_contain_text("Fail")
    watch.visit(f"{live_server.url}/quality/coverage/")
    expect(watch.page.locator("#coverage-trend-canvas")).to_have_attribute("data-chart-state", "ready")
    watch.visit(f"{live_server.url}/quality/disputes/")
    watch.assert_clean()
