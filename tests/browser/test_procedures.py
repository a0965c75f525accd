"""Procedures in a real browser (issue 14 §3): a manager writes a new version, previews it in place (htmx)
and publishes it; an agent sees it in "My reading", acknowledges it in place, and the manager sees who has
read it; the case workspace shows the procedure for the step, and every page passes the
Content-Security-Policy and fits a laptop and a phone."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from putright.cases import services as case_services
from putright.cases.models import Case, Category
from putright.procedures import acknowledgements, services
from putright.procedures.models import Stage
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.browser.test_content_security_policy import PolicyWatch
from tests.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "# Late delivery\n\n1. Apologise.\n2. Check the courier's tracking."


def _late(carol, alice, delivery=None):
    return services.procedure_create(
        actor=carol,
        details=services.ProcedureDetails(
            title="Handling a late delivery",
            owner=alice,
            review_due=date(2030, 1, 1),
            categories=(delivery,) if delivery else (),
            stages=(Stage.UNDERSTANDING, Stage.OPTIONS),
        ),
        body=FIRST,
    )


def test_a_manager_publishes_a_version_with_a_preview_and_an_agent_acknowledges_it(
    live_server, new_page, screenshot, carol, alice, dave
):
    procedure = _late(carol, alice)
    acknowledgements.acknowledge(
        actor=dave, subject_key=acknowledgements.version_key(procedure.versions.get())
    )
    base = live_server.url

    watch = PolicyWatch(new_page)
    page = watch.page
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, base, "carol")
    page.get_by_role("navigation", name="Main").get_by_text("Improve", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Procedures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedures")
    page.get_by_role("link", name="Handling a late delivery").click()
    page.get_by_role("link", name="Publish a new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 2 of “Handling a late delivery”")
    page.get_by_label("Text", exact=True).fill(
        "# Late delivery\n\n1. **Ring the courier** first.\n2. Apologise.\n\n<script>alert('x')</script>"
    )
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.locator("strong")).to_have_text("Ring the courier")
    expect(preview).to_contain_text("<script>alert('x')</script>")  # shown as text, never run
    assert page.evaluate("() => window.__samePage") is True  # swapped in place, nothing posted to publish
    assert procedure.versions.count() == 1
    page.get_by_label("What changed").fill("Courier first")
    screenshot(page, "procedure-publish-laptop")
    page.get_by_role("button", name="Publish version 2").click()
    expect_flash(page, "Version 2 published; colleagues have been asked to read it.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Handling a late delivery v2")
    expect(page.locator("#receipts-unread")).to_contain_text("Dave")
    watch.assert_clean()

    agent = new_page(1366, 768)
    sign_in(agent, base, "dave")
    nav = agent.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My reading (1 to read )")).to_be_visible()
    nav.get_by_role("link", name="My reading").click()
    expect(agent.get_by_role("heading", name="To read (1)")).to_be_visible()
    agent.get_by_role("link", name="Handling a late delivery (version 2): Courier first").click()
    expect(agent.locator(".prose strong")).to_have_text("Ring the courier")
    agent.go_back()
    agent.evaluate("() => { window.__samePage = true; }")
    agent.get_by_role(
        "button", name="Acknowledge: Handling a late delivery (version 2): Courier first"
    ).click()
    expect(agent.locator(".reading-row")).to_contain_text("Read")
    assert agent.evaluate("() => window.__samePage") is True

    page.reload()
    expect(page.locator("#receipts-read")).to_contain_text("Dave")
    expect(page.locator("#receipts-unread")).not_to_contain_text("Dave")


def test_the_workspace_shows_the_procedure_for_the_step_under_the_policy(
    live_server, new_page, screenshot, carol, alice
):
    delivery = Category.objects.create(name="Delivery", slug="delivery")
    procedure = _late(carol, alice, delivery)
    case = case_services.case_report(report=make_report(subject="Parcel late"))[0]
    Case.objects.filter(pk=case.pk).update(category=delivery)
    base = live_server.url
    watch = PolicyWatch(new_page)
    page = watch.page
    sign_in(page, base, "alice")
    watch.visit(f"{base}/cases/{case.reference}/")
    panel = page.locator("#procedure")
    expect(panel.get_by_role("heading", level=2)).to_have_text(
        "Procedure for this step (Understanding the problem)"
    )
    expect(panel.locator(".prose")).not_to_be_visible()  # collapsed until opened
    panel.locator("summary", has_text="Handling a late delivery").click()
    expect(panel.locator(".prose li").first).to_have_text("Apologise.")
    screenshot(page, "workspace-procedure")
    page.get_by_text("Write our summary").first.scroll_into_view_if_needed()
    page.get_by_label("Our summary of the problem").fill("Parcel three weeks late; wants it or a refund.")
    page.get_by_role("button", name="Send the summary to the customer").click()
    expect(page.locator("#timeline")).to_contain_text("Procedure: Handling a late delivery v1")
    event = case.events.get(kind="understanding.summarised")
    assert event.after["procedure_version"] == procedure.versions.get().pk
    watch.assert_clean()


def test_the_procedures_pages_fit_a_phone(live_server, new_page, screenshot, carol, alice, dave):
    procedure = _late(carol, alice)
    services.version_publish(
        actor=carol,
        procedure=procedure,
        body="| Delay | What we offer |\n|---|---|\n| Up to 5 working days | Apology and a firm new date confirmed by the courier |\n",
        change_note="A table of what we offer, by how late the parcel is",
    )
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "carol")
    for path, name in [
        ("/procedures/", "procedures-list-phone"),
        (f"/procedures/{procedure.pk}/", "procedure-page-phone"),
        (f"/procedures/{procedure.pk}/versions/1/", "procedure-version-phone"),
        (f"/procedures/{procedure.pk}/publish/", "procedure-publish-phone"),
        ("/procedures/new/", "procedure-new-phone"),
        ("/procedures/reading/", "reading-phone"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_no_horizontal_scroll(page)
        screenshot(page, name)
