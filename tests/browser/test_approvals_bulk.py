"""Bulk decisions on approvals in a real browser (issue 12 §5): bob ticks two of three requests and
approves them with one note; the page comes back in the order it was sorted, with what was decided."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.authority.models import Approval
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.browser.test_approvals import NOW, QUEUE, ask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


def test_a_supervisor_approves_two_requests_at_once(
    live_server, new_page, screenshot, alice, bob, report_case
):
    first = ask(alice, report_case, at=NOW - timedelta(days=3), amount="300", subject="Dryer broke")
    second = ask(alice, report_case, at=NOW - timedelta(days=2), amount="900", subject="Fridge warm")
    third = ask(alice, report_case, at=NOW - timedelta(days=1), amount="150", subject="Kettle leaks")
    page = new_page(1366, 768)
    sign_in(page, live_server.url, "bob", lands_on=QUEUE)
    page.goto(f"{live_server.url}/approvals/?sort=value_high")
    page.get_by_label(f"Select {first.case.reference}").check()
    page.get_by_label(f"Select {third.case.reference}").check()
    bulk = page.get_by_role("form", name="Decide several at once")
    bulk.get_by_label("Note for every request ticked").fill("Fair for faulty goods")
    screenshot(page, "14-approvals-bulk")
    bulk.get_by_role("button", name="Approve selected").click()
    expect_flash(page, f"Approved 2 requests: {first.case.reference}")
    assert page.url.endswith("/approvals/?sort=value_high")
    expect(page.locator("article.approval h3")).to_have_count(1)
    expect(page.locator("article.approval h3")).to_contain_text(second.case.reference)
    statuses = {a.pk: a.status for a in Approval.objects.all()}
    assert statuses == {first.pk: "approved", second.pk: "pending", third.pk: "approved"}

    phone = new_page(**PHONE)
    sign_in(phone, live_server.url, "bob", lands_on=QUEUE)
    phone.goto(f"{live_server.url}/approvals/")
    expect(phone.get_by_role("button", name="Approve selected")).to_be_visible()
    assert_no_horizontal_scroll(phone)
