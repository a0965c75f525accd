"""S5 and S4 in a real browser: a supervisor sees a signal breach, sends the proactive notice, and
finds it on a customer's case as sent unprompted; then reads the feedback feed and its rising theme.

The readings arrive through the service (as ``POST /api/signals`` would send them); from the
supervisor signing in onwards everything happens in the browser.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.channels.models import Message
from putright.feedback import services as feedback_services
from putright.monitoring import services as monitoring_services
from putright.monitoring.models import SignalThreshold
from putright.vocab import SourceKind
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, email_body, expect_flash, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Your delivery may be late: we are sorry"


def _breach(alice, report_case):
    SignalThreshold.objects.create(
        name="Deliveries to the south-west more than two days late",
        measurement="delivery_delay_hours",
        dimensions={"region": "south-west"},
        comparison=">",
        value=48,
        source_kind=SourceKind.SYSTEM_FAILURE,
        notice_subject=SUBJECT,
    )
    priya = report_case()  # priya@example.com, an open case
    tom = report_case(customer_name="Tom Okafor", customer_email="tom@example.com")
    now = clock.now()
    for hours, delay in ((6, 40), (4, 51), (2, 57)):
        monitoring_services.signal_record(
            actor=alice,
            signal=monitoring_services.SignalInput(
                name="delivery_delay_hours",
                value=delay,
                observed_at=now - timedelta(hours=hours),
                dimensions={"region": "south-west"},
                customers=["priya@example.com", "tom@example.com"] if delay > 48 else [],
            ),
        )
    return priya, tom


def test_a_supervisor_sends_the_proactive_notice_and_it_shows_on_the_case_as_unprompted(
    live_server, settings, new_page, screenshot, mailbox, alice, bob, report_case
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    priya, tom = _breach(alice, report_case)
    mailbox.clear()

    page = new_page()
    sign_in(page, base, "bob")
    page.goto(f"{base}/signals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operational signals")
    breaches = page.get_by_role("region", name="Recent breaches")
    row = breaches.get_by_role("row").filter(has_text="Deliveries to the south-west")
    expect(row).to_contain_text("Not sent")
    row.get_by_role("link", name="Deliveries to the south-west more than two days late").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Deliveries to the south-west more than two days late"
    )
    affected = page.get_by_role("region", name="Customers likely to be affected (2)")
    expect(affected.get_by_role("row").filter(has_text="Priya Shah")).to_contain_text(priya.reference)
    expect(affected.get_by_role("row").filter(has_text="Tom Okafor")).to_contain_text("Not sent")
    notice = page.get_by_role("region", name="Proactive notice")
    expect(notice.get_by_label("Subject")).to_have_value(SUBJECT)
    notice.get_by_label("What we tell each customer").fill(
        "We are sorry: deliveries in your area are running two days late. We spotted it before it reached "
        "you and are moving parcels to another depot. We will tell you when yours is on its way."
    )
    screenshot(page, "20-signal-breach")
    notice.get_by_role("button", name="Send to 2 customers").click()
    expect_flash(page, "Notice sent to 2 customers, recorded on each one's case as sent unprompted.")
    expect(affected.get_by_role("row").filter(has_text="Priya Shah")).to_contain_text("Sent unprompted")
    expect(notice).to_contain_text("Every affected customer has been told.")

    # Priya's case says it was sent unprompted.
    affected.get_by_role("link", name=priya.reference).click()
    messages = page.get_by_role("region", name="Conversation")
    sent = messages.get_by_role("listitem").filter(has_text=SUBJECT)
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("sent unprompted")
    expect(sent).to_contain_text("bob")

    # Each customer got one email; the message behind it is recorded as unprompted.
    for address in ("priya@example.com", "tom@example.com"):
        emails = [m for m in mailbox.to(address) if SUBJECT in str(m["Subject"])]
        assert len(emails) == 1
        assert "moving parcels to another depot" in email_body(emails[0])
        message = Message.objects.get(pk=int(emails[0]["X-Putright-Message"]))
        assert message.prompt == Message.Prompt.UNPROMPTED

    # At phone width the breach page still fits the screen.
    phone = new_page(**PHONE)
    sign_in(phone, base, "bob")
    phone.goto(f"{base}/signals/")
    assert_no_horizontal_scroll(phone)


def test_the_feedback_feed_shows_a_rising_theme_and_the_weekly_chart(
    live_server, new_page, screenshot, alice
):
    now = clock.now()
    earlier = ["Friendly driver", "Refund was slow", "Easy to book", "Parcel left outside by the bins"]
    rising = [
        "Parcel left outside in the rain",
        "Courier left my parcel outside without knocking",
        "Left outside the front door again",
        "My parcel was left outside, soaked",
        "Great service, quick refund",
    ]
    for i, text in enumerate(earlier):
        with clock.frozen(now - timedelta(days=16 + i)):
            feedback_services.feedback_receive(actor=alice, source="survey", text=text)
    for i, text in enumerate(rising):
        with clock.frozen(now - timedelta(days=1 + i)):
            feedback_services.feedback_receive(actor=alice, source="survey", text=text, satisfied=i == 4)

    page = new_page()
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    themes = page.get_by_role("region", name="Rising themes")
    expect(themes.get_by_role("link", name="left outside")).to_be_visible()
    expect(page.locator("#feedback-volume-chart")).to_have_attribute("data-chart-state", "ready")
    screenshot(page, "21-feedback-feed")

    themes.get_by_role("link", name="left outside").click()
    expect(page.get_by_role("searchbox", name="Words")).to_have_value("left outside")
    expect(page.get_by_role("status").filter(has_text="item")).to_have_text("4 items")
