"""Reading alerts in a real browser: filter by kind, mark one read from the keyboard (htmx swaps the row and
the header's count follows without a reload), mark the rest read at once, follow a problem's link, and
the page fits a phone.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from putright.cases import services as case_services
from putright.channels import services as channel_services
from putright.channels.models import Alert
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _alerts(bob):
    case, _ = case_services.case_report(report=make_report())
    for text in ("Customer wrote: the leak is worse", "Customer wrote: photos attached"):
        channel_services.alert_create(recipient=bob, case=case, kind=Alert.Kind.CUSTOMER_MESSAGE, text=text)
    channel_services.alert_create(
        recipient=bob,
        case=None,
        kind=Alert.Kind.PROBLEM_SUSPECTED,
        text=f"Repeated problem suspected: door seals {settings.SITE_URL}/problems/999/",
    )
    return case


def test_reading_and_marking_alerts(live_server, new_page, bob, screenshot):
    case = _alerts(bob)
    page = new_page()
    sign_in(page, live_server.url, "bob")
    header_count = page.locator("#unread-alert-count")
    expect(header_count).to_have_text("3")

    page.get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    expect(page.get_by_role("link", name="Problem 999")).to_have_attribute("href", "/problems/999/")
    expect(page.get_by_text(f"{settings.SITE_URL}/problems/999/")).to_have_count(0)

    page.get_by_label("Kind").select_option("customer_message")
    page.get_by_label("Case reference").fill(case.reference.removeprefix("PR-"))
    page.get_by_role("button", name="Show alerts").click()
    expect(page.get_by_role("status").filter(has_text="2 alerts match · 2 unread")).to_be_visible()

    # Mark one read from the keyboard: the row is swapped in place and the header says 2.
    first = page.get_by_role("button", name="Mark read").first
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Mark read")).to_have_count(1)
    expect(
        page.locator(".alert-row", has_text="Read").filter(has_not=page.get_by_role("button"))
    ).to_have_count(1)
    expect(header_count).to_have_text("2")
    # The keyboard focus stays where the button was.
    assert page.evaluate("() => document.activeElement.textContent") == "Read"

    page.get_by_role("button", name="Mark all matching read").click()
    expect(page.get_by_role("status").filter(has_text="Marked 1 alert read.")).to_be_visible()
    expect(page.get_by_text("Nothing unread here.")).to_be_visible()
    expect(header_count).to_have_text("1")  # the problem alert, outside the filter, is still unread
    assert page.url.endswith("/alerts/?kind=customer_message&case=" + case.reference.removeprefix("PR-"))
    screenshot(page, "alerts-laptop")

    phone = new_page(**PHONE)
    sign_in(phone, live_server.url, "bob")
    phone.goto(f"{live_server.url}/alerts/")
    expect(phone.get_by_role("button", name="Mark all read")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "alerts-phone")
    phone.get_by_role("button", name="Mark all read").click()
    expect(phone.get_by_text("Nothing unread.")).to_be_visible()
    expect(phone.locator("#unread-alert-count")).to_have_text("")
    assert Alert.objects.filter(recipient=bob, read_at__isnull=True).count() == 0


def test_escalations_show_open_cases_and_closed_on_request(live_server, new_page, alice, bob):
    open_case, _ = case_services.case_report(report=make_report(subject="Dryer drum squeaks"))
    closed_case, _ = case_services.case_report(
        report=make_report(
            subject="Kettle lid broke", customer_email="tom@example.com", customer_name="Tom Reed"
        )
    )
    for case in (open_case, closed_case):
        case_services.case_escalate(actor=alice, case=case, to_user=bob, reason="Customer asks for a manager")
    case_services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=bob,
        case=closed_case,
        reasons="We cannot help with this, for the reasons in our letter.",
        other_routes=["Financial Ombudsman Service"],
    )
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/escalations/")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=open_case.reference)).to_be_visible()
    expect(table.get_by_role("link", name=closed_case.reference)).to_have_count(0)
    assert_no_horizontal_scroll(page)

    page.get_by_label("Cases", exact=True).select_option("closed")
    page.get_by_role("button", name="Show escalations").click()
    expect(page.get_by_role("heading", name="Escalated to me · closed cases")).to_be_visible()
    expect(table.get_by_role("link", name=closed_case.reference)).to_be_visible()
    expect(table.get_by_role("link", name=open_case.reference)).to_have_count(0)
