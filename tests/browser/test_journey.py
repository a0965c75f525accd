"""The whole journey in a real browser: a customer reports a problem and it is put right, through the UI only.

Three people each use their own browser: Priya (the customer, on the public form and then her
private link), alice (the agent handling it) and bob (the supervisor who approves the remedy).
The database is only read, to check the end state.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from putright.audit.events import chain_verify
from putright.cases.models import Case
from putright.vocab import Status
from tests.browser.helpers import (
    PHONE,
    assert_no_horizontal_scroll,
    case_link_from_email,
    customer_status,
    definition,
    expect_flash,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "priya@example.com"
OPTION = "Replace the washing machine"
STEP = "Deliver the new machine and take the old one away"
PROMISE = "We will phone you the day before delivery"


def _fill_report(page) -> None:
    page.get_by_label("Your name").fill("Priya Shah")
    page.get_by_label("Your email address").fill(CUSTOMER)
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("What went wrong?").fill("Washing machine leaks after a week")
    page.get_by_label("Tell us in your own words").fill(
        "My new washing machine started leaking water on the kitchen floor after 6 days."
    )
    page.get_by_label("What would you like us to do?").fill("A replacement machine")
    page.get_by_label("Order or account reference").fill("ORD-558812")
    page.get_by_label("Amount paid or in dispute (£)").fill("449.00")
    page.get_by_label(re.compile("^I agree that .* may use the details")).check()


def _status_heading(page):
    return page.get_by_role("heading", level=1)


def test_a_reported_problem_is_put_right_and_closed_through_the_pages(
    live_server, settings, new_page, screenshot, mailbox, alice, bob
):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    base = live_server.url

    # ---- Priya reports the problem on the public form (at phone width first: it must fit the screen).
    phone = new_page(**PHONE)
    phone.goto(f"{base}/report/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tell us about a problem")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "01-report-form-phone")

    customer = new_page()
    customer.goto(f"{base}/report/")
    _fill_report(customer)
    screenshot(customer, "01-report-form")
    customer.get_by_role("button", name="Send my report").click()

    expect(customer.get_by_role("heading", level=1)).to_have_text("Thank you: we have your report")
    said = customer.get_by_text("Your reference is").inner_text()
    reference = re.fullmatch(r"Your reference is (PR-\d{4}-\d{6})\.", said).group(1)
    case = Case.objects.get(reference=reference)
    assert case.customer.email == CUSTOMER
    case_path = case_link_from_email(mailbox, CUSTOMER, reference)
    # The private link is in the email; this browser is on the case already, at an address without it.
    assert customer.url == f"{base}/my-case/{reference}/thanks/"
    screenshot(customer, "02-thanks")
    customer.get_by_role("link", name="Go to your case").click()
    expect(customer_status(customer)).to_have_text("We are making sure we understand your problem")

    # ---- alice finds it in the team queue and records her summary of the problem.
    agent = new_page()
    sign_in(agent, base, "alice")
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Team queue").click()
    row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=reference))
    expect(row).to_contain_text("Washing machine leaks after a week")
    expect(row).to_contain_text("Understanding the problem")
    expect(row).to_contain_text("Unassigned")
    screenshot(agent, "03-queue")
    row.get_by_role("link", name=reference).click()

    expect(_status_heading(agent)).to_contain_text(f"{reference}: Washing machine leaks after a week")
    expect(_status_heading(agent)).to_contain_text("Understanding the problem")
    understanding = agent.get_by_role("region", name=re.compile("Have we understood it"))
    understanding.get_by_label("Our summary of the problem").fill(
        "Your new washing machine leaks onto the floor; you would like it replaced."
    )
    understanding.get_by_role("button", name="Send the summary to the customer").click()
    expect_flash(agent, "Summary recorded and sent to the customer to confirm.")
    expect(understanding.get_by_role("heading", level=2)).to_contain_text("Awaiting customer's confirmation")

    # ---- Priya confirms the summary on her link.
    customer.goto(f"{base}{case_path}")
    question = customer.get_by_role("region", name="Have we understood your problem?")
    expect(question).to_contain_text(
        "Your new washing machine leaks onto the floor; you would like it replaced."
    )
    customer.get_by_role("button", name="Yes, that’s right").click()
    expect_flash(customer, "Thank you for confirming. We will now work out how to put it right.")
    expect(customer_status(customer)).to_have_text("We are working out how to put it right")

    # ---- alice lists the replacement, with its appraisal, and recommends it: beyond her £100 limit.
    agent.reload()
    expect(_status_heading(agent)).to_contain_text("Choosing a resolution")
    options = agent.get_by_role("region", name="Ways to put it right")
    options.get_by_label("What we would do").fill(OPTION)
    options.get_by_label("Remedy type").select_option(label="Replacement")
    options.get_by_label("Details").fill("A new machine of the same model, delivered and installed.")
    options.get_by_label("Value to the customer (£)").fill("449")
    options.get_by_label("Cost to us (£)").fill("310")
    options.get_by_label("Days to deliver").fill("5")
    options.get_by_label(re.compile("^Advantages for the customer")).fill("A working machine, like new")
    options.get_by_label(re.compile("^Disadvantages for the customer")).fill("Waits up to 5 days")
    options.get_by_label(re.compile("^Advantages for us")).fill("Keeps a loyal customer")
    options.get_by_label(re.compile("^Disadvantages for us")).fill("Costs more than a repair")
    options.get_by_role("button", name="List this option").click()
    expect_flash(agent, "Option listed.")

    option = options.get_by_role("article", name=re.compile(OPTION))
    expect(option.get_by_role("heading", level=3)).to_contain_text("Listed")
    # The workspace (issue 15 §1) folds each option's appraisal under its one-line summary.
    option.get_by_text("Details and appraisal").click()
    appraisal = option.get_by_role("table", name=f"Appraisal of {OPTION}")
    expect(appraisal.get_by_role("row", name=re.compile("For the customer"))).to_contain_text(
        "A working machine, like new"
    )
    expect(appraisal.get_by_role("row", name=re.compile("For us"))).to_contain_text(
        "Costs more than a repair"
    )
    expect(option).to_contain_text("£449.00")
    expect(option).to_contain_text("£310.00")

    option.get_by_text("Recommend this option").click()
    option.get_by_label("Why this option").fill(
        "The machine is faulty within 30 days, so the customer is entitled to a replacement, which they asked for."
    )
    option.get_by_label("What the customer asked for").check()
    option.get_by_label("Legal obligation").check()
    option.get_by_role("button", name="Recommend", exact=True).click()
    expect_flash(agent, "This option needs approval; it has gone to a colleague with enough authority.")
    expect(_status_heading(agent)).to_contain_text("Awaiting approval")
    expect(
        agent.get_by_text("The recommended option is waiting for approval before it goes to the customer.")
    ).to_be_visible()
    expect(options.get_by_role("heading", name=f"Recommended: {OPTION}")).to_be_visible()
    screenshot(agent, "04-workspace-options")

    # ---- bob approves it on his Approvals page.
    supervisor = new_page()
    sign_in(supervisor, base, "bob")
    supervisor.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Approvals")
    request = supervisor.get_by_role("article", name=f"{reference}: {OPTION}")
    expect(request).to_contain_text("£449.00")
    expect(request).to_contain_text("Replacement")
    screenshot(supervisor, "05-approvals")
    request.get_by_label("Note").fill("Agreed: faulty within 30 days.")
    request.get_by_role("button", name="Approve").click()
    expect_flash(supervisor, f"Approved “{OPTION}” on {reference}.")
    supervisor.reload()  # decided in place (htmx); the list, loaded again, has nothing left
    expect(supervisor.get_by_text("Nothing is waiting for your decision.")).to_be_visible()

    # ---- Priya sees the proposal (also at phone width) and agrees.
    customer.goto(f"{base}{case_path}")
    expect(customer_status(customer)).to_have_text(
        "We have proposed a way to put it right: please tell us if you agree"
    )
    proposal = customer.get_by_role("region", name="Our proposal to put it right")
    expect(proposal).to_contain_text(OPTION)
    expect(proposal).to_contain_text("£449.00")
    expect(proposal).to_contain_text("Within 5 days of your agreement")
    screenshot(customer, "06-customer-awaiting-agreement")

    phone.goto(f"{base}{case_path}")
    expect(phone.get_by_role("heading", name="Our proposal to put it right")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "06-customer-case-phone")

    customer.get_by_role("button", name="Yes, I agree").click()
    expect_flash(customer, "Thank you for agreeing. We are now putting it right and will keep you updated.")
    expect(customer_status(customer)).to_have_text("We are putting it right")

    # ---- alice plans the work, makes a promise, ticks the step done and marks it delivered.
    agent.reload()
    expect(_status_heading(agent)).to_contain_text("Putting it right")
    due = timezone.localdate() + timedelta(days=5)
    plan = agent.get_by_role("region", name="Action plan")
    plan.get_by_label("Step").fill(STEP)
    plan.get_by_label("Owner").select_option(label="Alice (alice)")
    plan.get_by_label("Due by").fill(due.isoformat())
    plan.get_by_role("button", name="Add the step").click()
    expect_flash(agent, "Step added to the plan.")
    expect(plan.get_by_role("listitem").filter(has_text=STEP)).to_contain_text("To do")

    promises = agent.get_by_role("region", name="Promises")
    promises.get_by_text("Make a promise").click()
    promises.get_by_label("What we promise").fill(PROMISE)
    promises.get_by_label("Owner").select_option(label="Alice (alice)")
    promises.get_by_label("Due by (UK time)").fill(f"{(due - timedelta(days=1)).isoformat()}T17:00")
    promises.get_by_role("button", name="Make the promise").click()
    expect_flash(agent, "Promise made and sent to the customer.")
    expect(promises.get_by_role("listitem").filter(has_text=PROMISE)).to_contain_text("Open")
    screenshot(agent, "07-workspace-plan")

    plan.get_by_role("button", name=f"Mark done: {STEP}").click()
    # The tick answers in place (htmx): the list says so without a page load.
    expect(plan.get_by_role("status")).to_have_text(f"Done: {STEP}")
    expect(plan.get_by_role("listitem").filter(has_text=STEP)).to_contain_text("Done")
    agent.get_by_label("Was the complaint upheld?").select_option("upheld")
    agent.get_by_role("button", name="Mark delivered").click()
    expect_flash(agent, "Marked as delivered; the customer is asked whether it is resolved.")
    expect(_status_heading(agent)).to_contain_text("Checking it is resolved")

    # ---- Priya says it is resolved.
    customer.goto(f"{base}{case_path}")
    expect(customer_status(customer)).to_have_text(
        "We have done what we agreed: please tell us if it is resolved"
    )
    expect(customer.get_by_role("region", name="What we have promised")).to_contain_text(PROMISE)
    customer.get_by_label("Yes, it is resolved").check()
    customer.get_by_role("button", name="Send my answer").click()
    expect_flash(customer, "Thank you. We are glad it is resolved, and we have closed your case.")
    expect(customer_status(customer)).to_have_text("Closed: resolved")
    expect(customer.get_by_role("heading", name="Your case is closed")).to_be_visible()
    screenshot(customer, "09-customer-closed")

    # ---- alice sees it closed.
    agent.reload()
    expect(_status_heading(agent)).to_contain_text("Closed: resolved")
    facts = agent.get_by_role("region", name="Case", exact=True)
    expect(definition(facts, "Status")).to_have_text("Closed: resolved")
    screenshot(agent, "08-closed-case")

    # ---- The record underneath says the same, and its audit chain is intact.
    case.refresh_from_db()
    assert case.status == Status.CLOSED_RESOLVED
    assert case.assignee == alice
    assert case.recommended_option.title == OPTION
    assert case.approvals.get().decided_by == bob
    assert case.agreements.get().agreed is True
    assert case.steps.get().done_by == alice
    checked, breaks = chain_verify([case.pk])
    assert breaks == []
    assert checked == case.events.count() >= 10
