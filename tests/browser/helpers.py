"""Small steps the browser tests share: signing in as a member of the cast, finding the customer's link.

Each person acts in their own browser context (``new_page()``), so their sessions never mix.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.conftest import plain_text

PASSWORD = "correct-horse-battery"
PHONE = {"width": 375, "height": 812}
# The private case link as it appears in an email.
CASE_LINK = re.compile(r"https?://[^\s\"'<>]+/track/[^\s\"'<>/]+/")


# Agents land on their own queue; supervisors and up on the team's (pages.desk.default_scope).
AGENTS = {"alice", "dave"}


def sign_in(page: Page, base_url: str, username: str, *, lands_on: str | None = None) -> None:
    """Sign in through the staff login page, as a person would, and check where they land."""
    lands_on = lands_on or ("My queue" if username in AGENTS else "Team queue")
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def case_link_from_email(mailbox, address: str, reference: str) -> str:
    """The private link in the newest email to the customer about this case (path only: the test's server)."""
    messages = [m for m in mailbox.to(address) if str(m["Subject"]).startswith(f"[{reference}]")]
    assert messages, f"no email to {address} about {reference}"
    body = plain_text(messages[-1])
    match = CASE_LINK.search(body)
    assert match, f"no case link in the email: {body!r}"
    return urlsplit(match.group(0)).path


def email_body(message) -> str:
    return plain_text(message)


def assert_no_horizontal_scroll(page: Page) -> None:
    """At phone width nothing may stick out sideways: the page is as wide as the screen, no wider."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px screen"


def definition(scope, term: str):
    """The <dd> that follows a <dt> in a key–value list, e.g. the case's "Status"."""
    return scope.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def customer_status(page: Page):
    """The status the customer sees on their case link ("Where it stands")."""
    return definition(page, "Where it stands")


def expect_flash(page: Page, text: str) -> None:
    """The page's message area (role=status) says ``text`` after an action."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
