"""Approvals with context in a real browser (K4): bob, a supervisor, sees what waits longest first with
how long it has waited, the options weighed beside the customer's legal position, and decides from the
list without leaving the page (htmx under the Content-Security-Policy); tidy at laptop and phone widths.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.authority.models import Approval
from putright.cases import services
from putright.resolution import services as resolution_services
from putright.vocab import RemedyType, Status
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.conftest import aware

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = aware(2026, 3, 10, 9, 0)
TV = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": True,
    "fault_reported_date": "2026-03-04",
}
# The landing page is the team or the person's own queue, whichever the desk settles on.
QUEUE = re.compile(r"(Team|My) queue")


def ask(alice, report_case, *, at, amount, subject):
    with clock.frozen(at):
        case = report_case(subject=subject)
        services.case_skip_understanding(actor=alice, case=case, reason="Urgent")
        resolution_services.case_facts_record(actor=alice, case=case, facts=TV)
        option = services.option_add(
            actor=alice,
            case=case,
            option=services.OptionInput(
                title=f"Replace ({amount})", remedy_type=RemedyType.REPLACEMENT, amount=Decimal(amount)
            ),
        )
        services.option_recommend(
            actor=alice, option=option, justification="Faulty", factors=["cost", "risk"]
        )
    return Approval.objects.get(case=case)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


def test_bob_decides_from_the_list(live_server, new_page, screenshot, alice, bob, report_case):
    older = ask(alice, report_case, at=NOW - timedelta(days=2, hours=1), amount="300", subject="TV is dead")
    newer = ask(alice, report_case, at=NOW - timedelta(hours=5), amount="450", subject="TV flickers")
    page = new_page()
    sign_in(page, live_server.url, "bob", lands_on=QUEUE)
    page.goto(f"{live_server.url}/approvals/")
    articles = page.locator("article.approval")
    expect(articles).to_have_count(2)
    expect(articles.nth(0)).to_contain_text("Waiting 2 days 1 hour")
    expect(articles.nth(1)).to_contain_text("Waiting 5 hours")
    expect(articles.nth(0)).to_contain_text("The customer's legal position")
    expect(articles.nth(0).get_by_role("cell", name="£300.00")).to_be_visible()
    screenshot(page, "approvals-laptop")

    # Sorting by value puts the dearer request first.
    page.get_by_label("Sort by").select_option("value_high")
    page.get_by_role("button", name="Sort").click()
    expect(page.locator("article.approval").nth(0)).to_contain_text(newer.case.reference)

    # Approve the older one in place: its card becomes the outcome, the other stays.
    card = page.locator(f"#approval-{older.pk}")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#approval-{older.pk}").get_by_role("status")).to_have_text(
        f"Approved \u201cReplace (300)\u201d on {older.case.reference}."
    )
    expect(page.locator(f"#approval-{newer.pk}")).to_be_visible()
    older.refresh_from_db()
    assert older.status == Approval.Status.APPROVED

    # Rejecting needs a note: refused beside the field, then done with one.
    card = page.locator(f"#approval-{newer.pk}")
    card.get_by_role("button", name="Reject").click()
    expect(page.locator(f"#approval-{newer.pk}")).to_contain_text("Say why the option is not approved.")
    newer.refresh_from_db()
    assert newer.status == Approval.Status.PENDING
    page.locator(f"#approval-{newer.pk}").get_by_label("Note").fill("Repair first")
    page.locator(f"#approval-{newer.pk}").get_by_role("button", name="Reject").click()
    expect(page.locator(f"#approval-{newer.pk}").get_by_role("status")).to_contain_text("Rejected")
    newer.refresh_from_db()
    assert (newer.status, newer.case.status) == (Approval.Status.REJECTED, Status.OPTIONS)


def test_the_list_fits_a_phone(live_server, new_page, screenshot, alice, bob, report_case):
    ask(alice, report_case, at=NOW - timedelta(days=1), amount="300", subject="TV is dead")
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "bob", lands_on=QUEUE)
    page.goto(f"{live_server.url}/approvals/")
    expect(page.locator("article.approval")).to_have_count(1)
    assert_no_horizontal_scroll(page)
    screenshot(page, "approvals-phone")
