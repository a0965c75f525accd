"""Keyboard use and access in a real browser: the report form without a mouse, errors that are announced,
an outsider kept out of the staff pages, and a tampered customer link that opens nothing.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from putright.cases.models import Case
from putright.channels.portal_links import portal_path, portal_token
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The report form's fields in page order; the off-screen honeypot (tabindex=-1) is never reached.
REPORT_TAB_ORDER = [
    ("id_name", "Priya Shah"),
    ("id_email", "priya@example.com"),
    ("id_phone", "07700 900123"),
    ("id_subject", "Parcel arrived damaged"),
    ("id_category", None),  # optional: passed over, leaving "Not sure, or something else"
    ("id_description", "The box was crushed and the vase inside is broken."),
    ("id_desired_outcome", "A refund"),
    ("id_order_reference", "ORD-1001"),
    ("id_amount_in_dispute", "35.50"),
    ("id_attachments", None),  # optional photos or documents (issue 15 §4): passed over
]

EMPTY_FORM_ERRORS = [
    ("Please tell us your name.", "id_name"),
    ("Please give us your email address, so we can send you your case link.", "id_email"),
    ("Please tell us in a few words what went wrong.", "id_subject"),
    ("Please tell us what happened.", "id_description"),
    ("Please tell us what you would like us to do, or that you are not sure yet.", "id_desired_outcome"),
    ("Please tick the box to let us use your details, or we cannot look into this.", "id_consent"),
]


def _focused(page) -> str:
    """The focused element, as its id, or its tag and text when it has no id."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || `${e.tagName.toLowerCase()}:${e.innerText.trim()}`; }"
    )


def test_the_report_form_can_be_filled_and_sent_with_the_keyboard_alone(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/report/")

    page.keyboard.press("Tab")
    assert _focused(page) == "a:Skip to content"
    page.keyboard.press("Tab")
    # The header's link, in the organisation's name (no brand set: neutral).
    assert _focused(page) == "a:Customer care"
    for field_id, text in REPORT_TAB_ORDER:
        page.keyboard.press("Tab")
        assert _focused(page) == field_id
        if text is not None:
            page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert _focused(page) == "id_consent"
    page.keyboard.press("Space")
    expect(page.get_by_label(re.compile("^I agree that .* may use the details"))).to_be_checked()
    page.keyboard.press("Tab")
    assert _focused(page) == "button:Send my report"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have your report")
    case = Case.objects.get()
    expect(page.get_by_text("Your reference is")).to_contain_text(case.reference)
    assert (case.customer.name, case.customer.email, case.customer.phone) == (
        "Priya Shah",
        "priya@example.com",
        "07700 900123",
    )
    assert (case.subject, case.description, case.desired_outcome) == (
        "Parcel arrived damaged",
        "The box was crushed and the vase inside is broken.",
        "A refund",
    )
    assert (case.order_reference, str(case.amount_in_dispute), case.category) == ("ORD-1001", "35.50", None)


def test_an_empty_report_shows_an_announced_error_summary_whose_links_focus_each_field(
    live_server, new_page, screenshot
):
    page = new_page()
    page.goto(f"{live_server.url}/report/")
    page.get_by_role("button", name="Send my report").press("Enter")

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("Please check these and try again")
    links = summary.get_by_role("link")
    expect(links).to_have_text([message for message, _ in EMPTY_FORM_ERRORS])
    screenshot(page, "12-report-errors")
    assert Case.objects.count() == 0

    # The summary's links are next in the Tab order after the header, and each one takes focus to its field.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == f"a:{EMPTY_FORM_ERRORS[0][0]}"
    for index, (_, field_id) in enumerate(EMPTY_FORM_ERRORS):
        links.nth(index).focus()
        page.keyboard.press("Enter")
        assert _focused(page) == field_id


def test_a_signed_in_outsider_is_refused_the_staff_pages(
    live_server, new_page, screenshot, charlie, report_case
):
    case = report_case()
    page = new_page()
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign in")

    sign_in(page, live_server.url, "charlie", lands_on="You don't have access to this page")
    screenshot(page, "13-forbidden")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    for path in ("/cases/", f"/cases/{case.reference}/", "/approvals/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access to this page")
        expect(page.get_by_text(case.subject)).to_have_count(0)


def test_a_tampered_customer_link_opens_the_not_found_page_and_no_case(
    live_server, new_page, screenshot, report_case
):
    case = report_case()
    page = new_page()
    genuine = page.goto(f"{live_server.url}{portal_path(case)}")
    assert genuine.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(case.subject)

    token = portal_token(case)
    # One character in the middle of the signature, so every bit of it counts.
    at = len(token) - 10
    tampered = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
    response = page.goto(f"{live_server.url}/track/{tampered}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We cannot find that case link")
    expect(page.get_by_text(case.reference)).to_have_count(0)
    expect(page.get_by_text(case.subject)).to_have_count(0)
    screenshot(page, "14-link-not-found")
