"""Two-factor sign-in in a real browser: a supervisor, whose role owes a code, signs in with their password
and then a backup code (a static token: a test cannot read a phone's app), and a wrong code is announced."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORD, expect_flash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_signs_in_with_a_code_after_the_password(
    live_server, new_page, bob, settings, screenshot
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "TWO_FACTOR_ROLES": ("administrator", "supervisor")}
    backup = StaticDevice.objects.create(user=bob, name="Backup codes", confirmed=True)
    backup.token_set.create(token="browser1")
    page = new_page()

    page.goto(f"{live_server.url}/cases/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in code")
    # Nothing of the staff pages before the code: no navigation, and the queue sends back here.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in code")

    page.get_by_label("Code").fill("wrong-one")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That code did not work. Check your app shows the code for Putright, and try again."
    )
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")

    # Typed and sent with the keyboard alone.
    page.get_by_label("Code").fill("BROWSER1")
    page.get_by_label("Code").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team queue")
    expect_flash(page, "You used a backup code; 0 left.")
    screenshot(page, "two-factor-signed-in")
    assert not backup.token_set.exists()


def test_a_supervisor_without_an_app_is_shown_how_to_set_one_up(
    live_server, new_page, bob, settings, screenshot
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "TWO_FACTOR_ROLES": ("supervisor",)}
    page = new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".qr-code svg")).to_be_visible()
    key = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    assert len(key) == 32
    expect(page.get_by_label("Code from your app")).to_be_visible()
    screenshot(page, "two-factor-enrolment")
