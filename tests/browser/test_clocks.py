"""Deadlines and the final letter in a real browser.

alice sees what falls due soon and what was missed on the deadlines page, then closes a case she
cannot resolve: she drafts the letter from the rules, edits it, and sends it. The customer's email
and their case page carry exactly what she sent. Time stands at Friday 13 November 2026, 09:00.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from putright.regulation import services as regulation
from putright.vocab import Status
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import case_link_from_email, email_body, expect_flash, sign_in
from tests.conftest import aware, make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = aware(2026, 11, 13, 9)
CUSTOMER = "priya@example.com"
REASONS = (
    "The leak comes from the plumbing under your sink, not the machine, so a repair by us cannot fix it."
)
ADDED = "We are sorry for the three visits this took before we found the cause."


def _cases(alice):
    """One case of alice's whose 10-day target falls due on Monday, one nobody has picked up that is late."""
    with clock.frozen(aware(2026, 11, 2, 9)):
        mine, _ = services.case_report(report=make_report())
        services.case_summarise_understanding(actor=alice, case=mine, summary="The machine leaks.")
    with clock.frozen(aware(2026, 10, 26, 9)):
        late, _ = services.case_report(
            report=make_report(customer_email="sam@example.com", subject="Fridge door will not close")
        )
    with clock.frozen(aware(2026, 11, 12, 9)):
        regulation.clock_start(actor=alice, case=mine, kind="subject_access")
    regulation.clocks_sweep(now=NOW)
    return mine, late


def test_an_agent_sees_deadlines_then_drafts_edits_and_sends_the_final_letter(
    live_server, settings, new_page, screenshot, mailbox, alice, bob
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    mine, late = _cases(alice)
    with clock.frozen(NOW):
        page = new_page()
        sign_in(page, base, "alice")

        # ---- The deadlines page: due soon and missed, each with its rule.
        page.goto(f"{base}/deadlines/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Deadlines")
        due_row = page.locator(f'tr[data-reference="{mine.reference}"][data-kind="resolve"]')
        expect(due_row).to_contain_text("At risk")
        expect(due_row).to_contain_text("SLA.resolve")
        expect(due_row).to_contain_text("Mon 16 Nov 2026")
        late_row = page.locator(f'tr[data-reference="{late.reference}"][data-kind="resolve"]')
        expect(late_row).to_contain_text("Missed")
        expect(late_row).to_contain_text("Unassigned")
        page.get_by_label("Cases", exact=True).select_option("mine")
        page.get_by_role("button", name="Show deadlines").click()
        expect(page.locator(f'tr[data-reference="{late.reference}"]')).to_have_count(0)
        page.get_by_label("Cases", exact=True).select_option("team")
        page.get_by_role("button", name="Show deadlines").click()
        expect(late_row).to_be_visible()
        screenshot(page, "17-deadlines")

        # ---- The case: close it unresolved with a letter drafted from the rules.
        due_row.get_by_role("link", name=mine.reference).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(mine.reference)
        outcome = page.get_by_role("region", name="Check and close")
        outcome.get_by_role("heading", name="Check and close").click()  # folded while the case is new
        outcome.get_by_text("Close without resolving it").click()
        outcome.get_by_label("Reason code").select_option("outside_policy")
        outcome.get_by_label("Why we cannot resolve it").fill(REASONS)
        outcome.get_by_label("Our decision on the complaint").select_option("not_upheld")
        outcome.get_by_label("What we supplied").select_option("goods")
        outcome.get_by_role("button", name="Draft the letter").click()
        letter = outcome.get_by_label("The letter to the customer")
        expect(letter).to_have_value(re.compile(r"^Thank you for giving us the chance"))
        expect(outcome.get_by_role("status").filter(has_text="Drafted from the rules.")).to_contain_text(
            "The manufacturer's guarantee or warranty"
        )
        drafted = letter.input_value()
        assert REASONS in drafted
        assert "Citizens Advice consumer service" in drafted
        assert "europa.eu" not in drafted
        edited = drafted.replace("Why\n", f"Why\n{ADDED}\n", 1)
        letter.fill(edited)
        # The close-unresolved part of the page only: the whole workspace would shrink it to nothing.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        outcome.screenshot(path=str(SCREENSHOTS / "16-final-letter.png"))
        outcome.get_by_role("button", name="Close unresolved and tell the customer").click()
        # Issue 15 §7: the review shows the letter as it will be sent; nothing goes until it is confirmed.
        expect(page.locator("#review-text")).to_contain_text(ADDED)
        page.get_by_role("button", name="Send and close").click()
        expect_flash(page, "Closed unresolved; our final response letter was sent to the customer.")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Closed: unresolved")
        timeline = page.get_by_role("region", name="Timeline")
        expect(timeline).to_contain_text(
            "Closed unresolved (Outside our policy or terms; not upheld); reasons and other routes sent in our "
            "final response letter"
        )

        # ---- What was sent: the email and the customer's page carry the edited letter.
        finals = [
            m
            for m in mailbox.to(CUSTOMER)
            if str(m["Subject"]) == f"[{mine.reference}] Our final response to your complaint"
        ]
        assert len(finals) == 1
        body = email_body(finals[0]).replace("\r\n", "\n")
        assert edited.strip() in body
        assert ADDED in body
        customer = new_page()
        customer.goto(f"{base}{case_link_from_email(mailbox, CUSTOMER, mine.reference)}")
        expect(customer.get_by_text(ADDED)).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == Status.CLOSED_UNRESOLVED
    assert mine.other_routes[0].startswith("The manufacturer's guarantee or warranty")
    assert Case.objects.get(pk=late.pk).status == Status.NEW
