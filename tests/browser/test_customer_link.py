"""The customer's e-mailed link in a real browser: followed once, the token leaves the address bar.

What a browser keeps of an address (history, bookmarks, the Referer it sends, a proxy's logs) then holds
only the case's reference, and a reference opens nothing in a browser that never followed the link.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.channels.models import Message
from putright.channels.portal_links import portal_token
from tests.browser.helpers import case_link_from_email, expect_flash, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "priya@example.com"


def test_the_emailed_link_opens_the_case_at_an_address_without_the_token(
    live_server, settings, new_page, screenshot, mailbox, report_case
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = report_case(customer_email=CUSTOMER)
    token = portal_token(case)
    link = case_link_from_email(mailbox, CUSTOMER, case.reference)
    assert link == f"/track/{token}/"

    customer = new_page()
    response = customer.goto(f"{base}{link}")

    assert response.status == 200
    assert customer.url == f"{base}/my-case/{case.reference}/"
    expect(customer.get_by_role("heading", level=1)).to_have_text(case.subject)
    assert token not in customer.content()
    assert customer.evaluate("() => document.location.href") == f"{base}/my-case/{case.reference}/"
    screenshot(customer, "15-case-without-token")

    # The forms post to token-free addresses too, and the answer lands back on one.
    customer.get_by_label("Your message").fill("Could you call me after 5pm, please?")
    customer.get_by_role("button", name="Send message").click()
    expect_flash(customer, "Thank you. We have your message and will reply.")
    assert customer.url == f"{base}/my-case/{case.reference}/#status"
    assert token not in customer.content()
    assert Message.objects.filter(case=case, body="Could you call me after 5pm, please?").count() == 1

    # Another browser, given only the address in the first one's bar, sees nothing of the case.
    stranger = new_page()
    refused = stranger.goto(f"{base}/my-case/{case.reference}/")
    assert refused.status == 403
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Please open your case from our email")
    expect(stranger.get_by_text(case.subject)).to_have_count(0)


def test_a_signed_in_staff_member_who_follows_a_customer_link_stays_signed_in(
    live_server, settings, new_page, mailbox, report_case, alice
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = report_case(customer_email=CUSTOMER)
    page = new_page()
    sign_in(page, base, "alice")

    page.goto(f"{base}{case_link_from_email(mailbox, CUSTOMER, case.reference)}")

    assert page.url == f"{base}/my-case/{case.reference}/"
    expect(page.get_by_role("heading", level=1)).to_have_text(case.subject)
    page.goto(f"{base}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My queue")
