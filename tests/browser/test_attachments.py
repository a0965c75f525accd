"""Issue 15 §4 in a real browser: the customer attaches a photo on their case page; the agent sees its
thumbnail on the staff case page and downloads the original, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from putright.channels.models import Attachment
from tests.attachment_files import SVG, jpeg_with_gps
from tests.browser.helpers import (
    PHONE,
    assert_no_horizontal_scroll,
    case_link_from_email,
    expect_flash,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "priya@example.com"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_customer_attaches_a_photo_and_the_agent_sees_and_downloads_it(
    live_server, settings, new_page, screenshot, mailbox, report_case, alice, tmp_path
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = report_case(customer_email=CUSTOMER)
    photo = jpeg_with_gps(width=1600, height=1200, orientation=1)

    customer = new_page(**PHONE)
    customer.goto(f"{base}{case_link_from_email(mailbox, CUSTOMER, case.reference)}")
    # A file that is not allowed first: refused by name, and the words typed are kept.
    customer.get_by_label("Your message").fill("Here is a photo of the crack.")
    customer.get_by_label("Photos or documents").set_input_files(
        [{"name": "crack.svg", "mimeType": "image/svg+xml", "buffer": SVG}]
    )
    customer.get_by_role("button", name="Send message").click()
    expect(customer.get_by_role("alert")).to_contain_text("crack.svg: this kind of file can't be accepted")
    expect(customer.get_by_label("Your message")).to_have_value("Here is a photo of the crack.")
    assert Attachment.objects.count() == 0

    customer.get_by_label("Photos or documents").set_input_files(
        [{"name": "crack.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    customer.get_by_role("button", name="Send message").click()
    expect_flash(customer, "Thank you. We have your message and will reply.")
    thumb = customer.locator(".portal-messages .attachment-thumb img").first
    expect(thumb).to_be_visible()
    thumb.scroll_into_view_if_needed()
    # The preview, re-encoded at most 1024 px wide, is served and passes the Content-Security-Policy.
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1024
    expect(customer.get_by_role("link", name="crack.jpg").first).to_be_visible()
    assert_no_horizontal_scroll(customer)
    screenshot(customer, "15-customer-attachment-phone")

    attachment = Attachment.objects.get()
    assert (attachment.from_customer, attachment.content_type) == (True, "image/jpeg")

    agent = new_page(1366, 768)
    sign_in(agent, base, "alice")
    agent.goto(f"{base}/cases/{case.reference}/")
    panel = agent.locator("#attachments")
    expect(panel.get_by_role("link", name="crack.jpg")).to_be_visible()
    message_thumb = agent.locator(".messages-list .attachment-thumb img").first
    expect(message_thumb).to_be_visible()
    message_thumb.scroll_into_view_if_needed()
    assert message_thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1024
    assert_no_horizontal_scroll(agent)
    panel.scroll_into_view_if_needed()
    screenshot(agent, "15-staff-attachments")

    with agent.expect_download() as info:
        panel.get_by_role("link", name="crack.jpg").click()
    download = info.value
    assert download.suggested_filename == "crack.jpg"
    saved = tmp_path / "downloaded.jpg"
    download.save_as(saved)
    assert (
        hashlib.sha256(saved.read_bytes()).hexdigest()
        == attachment.sha256
        == hashlib.sha256(photo).hexdigest()
    )
