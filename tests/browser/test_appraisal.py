"""The statutory position and weighed options in a real browser (E4, P1, P3, P4).

alice has a faulty kettle case, delivered a week ago. She fills in the purchase facts on the case
page, sees the customer's legal position in plain English with the rule ids and dates, adds the
statutory remedies as options and sees the suggested best with its reasons — without looking
anything up. The clock is frozen on 10 March 2026 so the dates on the page are fixed.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from tests.browser.helpers import PHONE, assert_no_horizontal_scroll, expect_flash, sign_in
from tests.conftest import aware

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = aware(2026, 3, 10, 9, 0)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def kettle_case(report_case, alice):
    case = report_case(
        subject="Kettle switches itself off before boiling",
        description="My Lumo kettle arrived last Tuesday and already switches itself off before it boils.",
        desired_outcome="My money back please",
        amount_in_dispute=Decimal("39.99"),
    )
    services.case_summarise_understanding(actor=alice, case=case, summary="Kettle faulty; wants a refund.")
    services.case_confirm_understanding(actor=None, case=case)
    return case


def test_an_agent_fills_the_facts_sees_the_legal_position_and_the_weighed_options(
    live_server, new_page, screenshot, alice, kettle_case
):
    base = live_server.url
    agent = new_page()
    sign_in(agent, base, "alice")
    agent.goto(f"{base}/cases/{kettle_case.reference}/")

    legal = agent.get_by_role("region", name="The customer's legal position")
    expect(legal).to_contain_text("No purchase facts yet.")
    legal.get_by_label("What was bought").select_option("goods")
    legal.get_by_label("Date of the contract").fill("2026-03-01")
    legal.get_by_label("Date delivered or supplied").fill("2026-03-03")
    legal.get_by_label("It is faulty or not as described").check()
    legal.get_by_label("Date the fault was reported").fill("2026-03-09")
    legal.get_by_role("button", name="Save the facts and check the law").click()

    expect_flash(agent, "Purchase facts saved: on these facts this is a statutory breach.")
    legal = agent.get_by_role("region", name="The customer's legal position")
    # With a finding recorded the section folds (issue 15 §1); its heading says the finding.
    expect(legal.get_by_role("heading", level=2)).to_contain_text("Statutory breach")
    legal.get_by_role("heading", level=2).click()
    expect(legal).to_contain_text("Statutory breach")
    expect(legal).to_contain_text(
        "Short-term right to reject for a full refund, with no deduction for use, until 2 April 2026"
    )
    expect(legal.get_by_role("listitem").filter(has_text="until 2 April 2026").first).to_contain_text("(G1)")
    expect(legal).to_contain_text("presumed to have been there at delivery unless we prove otherwise (G9)")
    expect(legal).to_contain_text("Unconfirmed: G13")
    screenshot(agent, "15-statutory-position")

    options = agent.get_by_role("region", name="Ways to put it right")
    options.get_by_role("button", name="Add the statutory remedies as options").click()
    expect_flash(agent, "Listed 3 statutory option(s)")
    options = agent.get_by_role("region", name="Ways to put it right")
    suggestion = options.get_by_role("region", name=re.compile("Suggested best"))
    expect(suggestion.get_by_role("heading")).to_have_text(
        "Suggested best: Short-term right to reject: full refund (G1)"
    )
    reasons = suggestion.get_by_role("listitem")
    assert reasons.count() >= 2
    expect(reasons.first).to_contain_text("It is what the customer asked for")
    refund = options.get_by_role(
        "article", name=re.compile(r"Short-term right to reject: full refund \(G1\)")
    )
    expect(refund).to_contain_text("Within your authority")
    refund.get_by_text("Details and appraisal").click()
    expect(refund.get_by_role("table", name=re.compile("was weighed"))).to_contain_text("Legal obligation")

    case = Case.objects.get(pk=kettle_case.pk)
    assert case.is_statutory_breach is True
    assert case.options.count() == 3

    # At phone width the panel and the appraisal fit the screen.
    phone = new_page(**PHONE)
    sign_in(phone, base, "alice")
    phone.goto(f"{base}/cases/{kettle_case.reference}/#statutory")
    expect(phone.get_by_role("region", name="The customer's legal position")).to_contain_text(
        "Statutory breach"
    )
    assert_no_horizontal_scroll(phone)
