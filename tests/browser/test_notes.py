"""Internal notes in a real browser (issue 15 §2): an agent writes a note, picks a colleague from the @
autocomplete by keyboard and saves it; the colleague signs in, sees the mention alert and the note on the
case. The agent then logs a phone call (no e-mail). Both pages fit a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services as case_services
from putright.channels.models import Message
from putright.notes.models import Note
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_note_with_a_mention_reaches_the_colleague(live_server, new_page, alice, bob, screenshot):
    case, _ = case_services.case_report(report=make_report())
    page = new_page()
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/cases/{case.reference}/")

    note = page.get_by_label("New internal note")
    note.focus()
    page.keyboard.type("Customer sent photos of the leak, can you approve a replacement @bo")
    options = page.get_by_role("listbox", name="Colleagues to mention").get_by_role("option")
    expect(options).to_have_text(["Bob (@bob)"])
    expect(note).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(note).to_have_value("Customer sent photos of the leak, can you approve a replacement @bob ")
    expect(page.get_by_role("listbox", name="Colleagues to mention")).to_be_hidden()
    page.keyboard.type("please? Thanks @nobody")
    page.get_by_role("button", name="Add note").click()

    expect_flash(
        page, "Note added. Alerted: Bob. No colleague is called @nobody, so nobody was alerted for it."
    )
    saved = page.locator(f"#note-{Note.objects.get().pk}")
    expect(saved).to_contain_text("Internal note")
    expect(saved.locator("mark.mention")).to_have_text("@bob")
    screenshot(page, "notes-added-laptop")

    # Log the call that followed: no e-mail, on the conversation at once.
    page.get_by_text("Log a phone call or visit").click()
    page.get_by_label("Phone call").check()
    page.get_by_label("We contacted the customer").check()
    page.get_by_label("We contacted them unprompted").check()
    page.get_by_label("What was said").fill("Told them a replacement is being approved today.")
    page.get_by_role("button", name="Log contact").click()
    expect_flash(page, "Contact logged. No e-mail was sent.")
    expect(page.locator("#thread")).to_contain_text("Phone call: we contacted the customer (unprompted)")
    assert Message.objects.get(logged_via="phone").email_status == "none"

    colleague = new_page()
    sign_in(colleague, live_server.url, "bob")
    expect(colleague.locator("#unread-alert-count")).to_have_text("1")
    colleague.get_by_role("link", name="Alerts").click()
    row = colleague.locator(".alert-row", has_text="Alice mentioned you in a note")
    expect(row).to_contain_text("Alice mentioned you in a note: Customer sent photos of the leak")
    expect(row).to_contain_text("A colleague mentioned you")
    row.get_by_role("link", name=case.reference).click()
    notes = colleague.get_by_role("region", name="Conversation")
    expect(notes).to_contain_text("please? Thanks @nobody")
    expect(notes.locator("mark.mention")).to_have_text("@bob")

    phone = new_page(**PHONE)
    sign_in(phone, live_server.url, "bob")
    phone.goto(f"{live_server.url}/cases/{case.reference}/#notes")
    expect(phone.get_by_role("region", name="Internal notes")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "notes-phone")
