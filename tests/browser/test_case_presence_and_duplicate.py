"""Two colleagues on one case see each other (htmx reports in every 20 seconds), and one closes it as a
duplicate of the customer's other case from the case page (issue 12 §3), in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases import services
from putright.cases.models import Case
from putright.vocab import Status
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_colleagues_see_each_other_and_one_closes_the_case_as_a_duplicate(
    live_server, new_page, screenshot, alice, dave
):
    base = live_server.url
    original, _ = services.case_report(report=make_report(subject="Washing machine leaks"))
    repeat, _ = services.case_report(
        report=make_report(subject="Leaking again", description="The machine I reported still leaks.")
    )

    alice_page = new_page(1366, 768)
    sign_in(alice_page, base, "alice")
    alice_page.goto(f"{base}/cases/{repeat.reference}/")
    presence = alice_page.locator("#presence")
    expect(presence).not_to_contain_text("also working on this case")

    dave_page = new_page(1366, 768)
    sign_in(dave_page, base, "dave")
    dave_page.goto(f"{base}/cases/{repeat.reference}/")
    # Dave sees Alice at once; Alice's page learns of Dave at its next report (every 20 seconds).
    expect(dave_page.locator("#presence")).to_contain_text("Alice is also working on this case (since")
    expect(presence).to_contain_text("Dave is also working on this case (since", timeout=30_000)
    screenshot(alice_page, "12-presence-two-colleagues")

    # ---- Alice closes it as a duplicate of the customer's other case.
    outcome = alice_page.get_by_role("region", name="Check and close")
    outcome.get_by_role("heading", name="Check and close").click()  # folded while the case is new
    outcome.get_by_text("Close as duplicate", exact=True).click()
    outcome.get_by_label(f"{original.reference}: Washing machine leaks").check()
    outcome.get_by_label("Note for the record").fill("Same machine, same leak")
    # Without the tick nothing happens: the form says why.
    outcome.get_by_role("button", name="Close as duplicate and tell the customer").click()
    expect(alice_page.locator("#id_dup_confirm_error")).to_have_text(
        "Tick to confirm: the case closes and the customer is told at once."
    )
    assert Case.objects.get(pk=repeat.pk).status == Status.NEW
    outcome = alice_page.get_by_role("region", name="Check and close")
    outcome.get_by_label(f"{original.reference}: Washing machine leaks").check()
    outcome.get_by_label("Close this case and tell the customer").check()
    outcome.get_by_role("button", name="Close as duplicate and tell the customer").click()
    expect_flash(alice_page, f"Closed as a duplicate of {original.reference}")
    banner = alice_page.locator("#duplicate-of")
    expect(banner).to_contain_text(f"Duplicate of {original.reference}")
    screenshot(alice_page, "13-closed-as-duplicate")

    # ---- The link leads to the case that carries on, which lists its duplicate.
    banner.get_by_role("link", name=original.reference).click()
    expect(alice_page.locator("#duplicates")).to_contain_text(f"Duplicates: {repeat.reference}")

    # ---- Tidy on a phone.
    phone = new_page(**PHONE)
    sign_in(phone, base, "dave")
    phone.goto(f"{base}/cases/{repeat.reference}/")
    expect(phone.locator("#duplicate-of")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    repeat.refresh_from_db()
    assert (repeat.status, repeat.duplicate_of_id) == (Status.CLOSED_DUPLICATE, original.pk)
