"""Issue 15 §6: the step form says, as the agent types, what the customer will be told when the step is
done; the plan then shows it, and ticking the step leaves it for the day's progress message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright.cases.models import ActionStep
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, sign_in
from tests.test_progress_digest import in_progress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_step_form_says_what_the_customer_will_be_told_as_it_is_typed(
    live_server, new_page, screenshot, alice
):
    base = live_server.url
    case = in_progress(alice)
    page = new_page(1366, 768)
    sign_in(page, base, "alice")
    page.goto(f"{base}/cases/{case.reference}/")
    plan = page.get_by_role("region", name="Action plan")
    plan.get_by_label("Step", exact=True).fill("Raise PO 4471 with Hearth logistics")
    wording = plan.get_by_label("What to tell the customer when it is done")
    preview = plan.locator(".wording-preview")
    expect(preview).to_have_text("Internal step: the customer will not be told.")
    wording.press_sequentially("Your replacement has been ordered.")
    expect(preview).to_have_text("The customer will be told: “Your replacement has been ordered.”")
    screenshot(page, "15-step-wording-preview")
    plan.get_by_label("Owner").select_option(label="Alice (alice)")
    plan.get_by_label("Due by").fill("2026-03-06")
    plan.get_by_role("button", name="Add the step").click()
    plan = page.get_by_role("region", name="Action plan")
    expect(plan.locator("#plan-steps")).to_contain_text(
        "Customer will be told when done: “Your replacement has been ordered.”"
    )
    plan.get_by_role("button", name="Mark done: Raise PO 4471 with Hearth logistics").click()
    expect(plan.locator("#plan-steps")).to_contain_text(
        "Customer to be told in the day's progress message: “Your replacement has been ordered.”"
    )
    step = ActionStep.objects.get(case=case)
    assert step.done_at is not None and step.customer_told_at is None

    phone = new_page(**PHONE)
    sign_in(phone, base, "alice")
    phone.goto(f"{base}/cases/{case.reference}/#plan")
    assert_no_horizontal_scroll(phone)
