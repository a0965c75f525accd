"""An improvement from candidate to adopted in a real browser (issue 14 §5): a manager proposes a suggested
candidate in one step and plans it, another manager approves it, the owner does the step, runs the Check
after the review date and adopts it; the problem board then links the problem to it. The clock is frozen
(``clock.frozen`` holds for the live server's threads too) so the windows are in the past when checked.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.improvements import cycle
from putright.improvements.models import Improvement
from putright.problems.models import Problem, ProblemCase
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, definition, expect_flash, sign_in
from tests.browser.test_content_security_policy import PolicyWatch
from tests.conftest import _user
from tests.improvements_fixtures import CHECKED, DONE, PLANNED, after_cases, done, june_cases
from tests.insights_fixtures import at, case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def erin(django_user_model):
    return _user(django_user_model, "erin", "manager", "Erin")


def test_an_improvement_goes_from_candidate_to_adopted(live_server, new_page, screenshot, bob, carol, erin):
    problem = Problem.objects.create(
        title="Courier misses slots",
        origin="manual",
        status="confirmed",
        created_at=at(2026, 6, 1),
        updated_at=at(2026, 6, 1),
    )
    for day in (5, 12, 19):
        ProblemCase.objects.create(problem=problem, case=case(at(2026, 6, day)), linked_at=at(2026, 6, day))
    june_cases(40)
    base = live_server.url

    with clock.frozen(PLANNED):
        manager = new_page(1366, 768)
        sign_in(manager, base, "carol")
        manager.get_by_text("Improve", exact=True).click()
        manager.get_by_role("link", name="Improvements").click()
        manager.get_by_role("link", name="What the figures suggest improving").click()
        title = f"Remove the cause of problem #{problem.pk}: Courier misses slots"
        manager.get_by_role("button", name=f"Propose: {title}").first.click()
        expect_flash(manager, "with its evidence linked")
        expect(manager.get_by_role("heading", level=1)).to_contain_text(title)
        expect(manager.locator("#evidence")).to_contain_text("Problem #")

        plan = manager.locator("form[action$='/plan/']")
        expect(plan.get_by_label("Baseline metric")).to_have_value("repeated_problem_share")  # suggested
        plan.get_by_label("Baseline metric").select_option(label="Cases opened")
        plan.get_by_label("Baseline from").fill("2026-06-01")
        plan.get_by_label("Baseline to").fill("2026-06-28")
        plan.get_by_label("Target").fill("20")
        plan.get_by_label("Review date").fill("2026-07-31")
        plan.get_by_label("Owner").select_option(label="Bob (bob)")
        plan.get_by_role("button", name="Save the plan").click()
        expect_flash(manager, "Plan saved.")

        step = manager.locator("form[action$='/steps/']")
        step.get_by_label("Kind of step").select_option(label="Change a system")
        step.get_by_label("What").fill("Text customers a two-hour delivery slot")
        step.get_by_label("Owner").select_option(label="Bob (bob)")
        step.get_by_label("Due").fill("2026-07-02")
        step.get_by_role("button", name="Add the step").click()
        expect_flash(manager, "Step added to the plan.")
        expect(manager.locator("#approval")).to_contain_text("You proposed it: another manager approves it.")
        improvement = Improvement.objects.get()

        approver = new_page(1366, 768)
        sign_in(approver, base, "erin")
        approver.goto(f"{base}/improvements/{improvement.pk}/")
        approver.get_by_role("button", name="Approve the plan").click()
        expect_flash(approver, "Approved: the plan and its baseline are frozen.")
        # 43: the 40 June cases and the problem's 3.
        expect(definition(approver.locator("#plan"), "Frozen baseline")).to_contain_text("43 (n = 43)")

        owner = new_page(1366, 768)
        sign_in(owner, base, "bob")
        owner.goto(f"{base}/improvements/{improvement.pk}/")
        owner.get_by_role("button", name="Start Do").click()
        expect_flash(owner, "Do started")

    with clock.frozen(DONE):
        done_form = owner.locator("form[action$='/done/']")
        done_form.get_by_label("Evidence", exact=True).fill(
            "Slot texts live since 2 July; 30 checked by hand."
        )
        done_form.get_by_role("button", name="Mark done").click()
        expect_flash(owner, "Step done.")
        expect(owner.locator("#check")).to_contain_text(
            "Not ready for the Check: The review date is 31 Jul 2026."
        )

    after_cases(12)
    with clock.frozen(CHECKED):
        owner.reload()
        owner.get_by_role("button", name="Run the Check").click()
        expect_flash(owner, "Checked")
        check = owner.locator("#check")
        expect(check).to_contain_text("Improved.")
        expect(check.get_by_role("table")).to_contain_text("43")
        expect(check.get_by_role("table")).to_contain_text("12")
        expect(definition(check, "Test")).to_have_text("Exact conditional test of two Poisson rates")
        expect(definition(check, "Effect (after − before)")).to_have_text("-31")
        screenshot(owner, "improvement-checked")

        owner.get_by_label("Adopt: make the change the standard").check()
        owner.locator("form[action$='/act/']").get_by_label("Reason").fill(
            "Complaints fell from 43 to 12 a month."
        )
        owner.get_by_role("button", name="Record the decision").click()
        expect_flash(owner, "Decided.")
        expect(owner.locator("h1 .badge")).to_have_text("Acted")
        expect(owner.locator("#act")).to_contain_text("Adopt: make the change the standard")
        expect(owner.locator("#history")).to_contain_text("decided to adopt")

        owner.goto(f"{base}/improvements/?stage=acted")
        expect(owner.locator(f'tr[data-improvement="{improvement.pk}"]')).to_contain_text("improved · adopt")

        owner.goto(f"{base}/problems/?status=all")
        link = owner.locator(f'tr[data-problem="{problem.pk}"]').get_by_role(
            "link", name=f"#{improvement.pk} {title}"
        )
        expect(link).to_be_visible()

        phone = new_page(**PHONE)
        sign_in(phone, base, "bob")
        phone.goto(f"{base}/improvements/{improvement.pk}/")
        expect(phone.get_by_role("heading", level=1)).to_contain_text(title)
        assert_no_horizontal_scroll(phone)
        phone.goto(f"{base}/improvements/")
        assert_no_horizontal_scroll(phone)

    assert Improvement.objects.get().act_decision == "adopt"


def test_the_improvement_pages_keep_the_content_security_policy(live_server, new_page, alice, bob, carol):
    june_cases(40)
    improvement = done(alice, bob, carol)
    after_cases(12)
    with clock.frozen(CHECKED):
        cycle.check_run(actor=bob, improvement=improvement)
        watch = PolicyWatch(new_page)
        sign_in(watch.page, live_server.url, "bob")
        for path in (
            "/improvements/",
            "/improvements/candidates/",
            "/improvements/new/",
            f"/improvements/{improvement.pk}/",
        ):
            watch.visit(f"{live_server.url}{path}")
            expect(watch.page.get_by_role("heading", level=1)).to_be_visible()
        watch.assert_clean()
