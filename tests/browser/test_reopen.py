"""Issue 15 §5 in a real browser: a customer writes on their closed case that the problem is not put right,
the case reopens, and the agent finds it back in their queue; past the window a follow-up case opens.

The case is taken to its close through the services (the journey test walks those pages).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from putright.channels.portal_links import portal_path
from putright.vocab import Status
from tests.browser.helpers import (
    assert_no_horizontal_scroll,
    case_link_from_email,
    customer_status,
    expect_flash,
    sign_in,
)
from tests.browser.test_content_security_policy import PolicyWatch
from tests.quality_fixtures import closed_resolved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "priya@example.com"
AGAIN = "The machine started leaking again this morning, from the same place."


def test_a_customer_reopens_their_closed_case_and_the_agent_sees_it_back_in_the_queue(
    live_server, settings, new_page, screenshot, mailbox, report_case, alice
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = closed_resolved(report_case, alice)
    case_path = case_link_from_email(mailbox, CUSTOMER, case.reference)

    # ---- Priya opens her closed case on a phone: the page asks whether the problem is not put right.
    customer = new_page(390, 844)
    customer.goto(f"{base}{case_path}")
    expect(customer_status(customer)).to_contain_text("Closed")
    ask = customer.locator("#reopen")
    expect(ask.get_by_role("heading", name="Is the problem not put right?")).to_be_visible()
    assert_no_horizontal_scroll(customer)
    ask.get_by_label("Your message").fill(AGAIN)
    ask.get_by_label("Yes, it is not put right: please look at it again").check()
    screenshot(customer, "40-customer-reopens")
    ask.get_by_role("button", name="Send").click()
    expect_flash(customer, "We have reopened your case and will come back to you.")
    expect(customer.locator("#reopen")).to_have_count(0)
    expect(customer.get_by_text("We have reopened your case: the person handling it")).to_be_visible()
    assert_no_horizontal_scroll(customer)
    screenshot(customer, "41-customer-reopened")

    # ---- alice finds it back in her queue, choosing a resolution again, with Priya's words.
    agent = new_page()
    sign_in(agent, base, "alice")
    row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=case.reference))
    expect(row).to_be_visible()
    row.get_by_role("link", name=case.reference).click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text(case.reference)
    timeline = agent.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text(f"Reopened by the customer (not put right): {AGAIN}")
    screenshot(agent, "42-agent-sees-reopened-case")
    case.refresh_from_db()
    assert (case.status, case.assignee, case.closed_at) == (Status.OPTIONS, alice, None)


def test_past_the_window_the_customer_s_answer_opens_a_follow_up_case(
    live_server, settings, new_page, mailbox, report_case, alice
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    case = closed_resolved(report_case, alice)
    Case.objects.filter(pk=case.pk).update(closed_at=clock.now() - timedelta(days=40))
    case_path = case_link_from_email(mailbox, CUSTOMER, case.reference)

    customer = new_page()
    customer.goto(f"{base}{case_path}")
    ask = customer.locator("#reopen")
    ask.get_by_label("Your message").fill(AGAIN)
    ask.get_by_label("Yes, it is not put right: please look at it again").check()
    ask.get_by_role("button", name="Send").click()
    new = Case.objects.get(follow_up_of=case)
    expect_flash(customer, f"We have opened a new case, {new.reference}, to look at this")
    # The browser lands on the new case, which says what it follows up.
    expect(customer.get_by_text(f"Follow-up to your case {case.reference}.")).to_be_visible()

    agent = new_page()
    sign_in(agent, base, "alice")
    row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=new.reference))
    expect(row).to_be_visible()
    row.get_by_role("link", name=new.reference).click()
    expect(agent.locator("#follow-up-of")).to_contain_text(case.reference)


def test_the_reopen_pages_and_the_close_review_pass_the_content_security_policy(
    live_server, settings, new_page, mailbox, report_case, alice
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    closed = closed_resolved(report_case, alice)
    watch = PolicyWatch(new_page)
    page = watch.page
    watch.visit(f"{base}{portal_path(closed)}")
    expect(page.locator("#reopen")).to_be_visible()
    sign_in(page, base, "alice")
    watch.visit(f"{base}/cases/{closed.reference}/")
    expect(page.get_by_text("Reopen this case")).to_be_visible()
    open_case = report_case(subject="To close unresolved")
    services.case_assign(actor=alice, case=open_case, assignee=alice)
    watch.visit(f"{base}/cases/{open_case.reference}/")
    outcome = page.get_by_role("region", name="Check and close")
    outcome.get_by_role("heading", name="Check and close").click()  # folded while the case is new
    outcome.get_by_text("Close without resolving it").click()
    outcome.get_by_label("Reason code").select_option("outside_policy")
    outcome.get_by_label("Why we cannot resolve it").fill("It is outside anything we can put right for you.")
    outcome.get_by_label("Manufacturer's warranty claim").check()
    outcome.get_by_role("button", name="Close unresolved and tell the customer").click()
    expect(page.locator("#review-text")).to_contain_text("Dear Priya Shah,")
    watch.assert_clean()
