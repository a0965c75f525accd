"""Issue 15 §3 and §8 in a real browser: an agent types in the saved-reply picker, inserts one filled in
for the case, the reply checker stops the send and says why, and the agent sends it anyway with a reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from putright import clock
from putright.cases.models import Case
from putright.channels.models import Message
from putright.replies.models import SavedReply
from tests.browser.helpers import expect_flash, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "Dear {customer_name}, we can offer you a goodwill payment of £250 for {reference}. I will call you on Tuesday."
REASON = "The manager agreed the £250 on the phone this morning."


def test_an_agent_uses_a_saved_reply_and_sends_it_anyway_with_a_reason(
    live_server, new_page, screenshot, case_with_options, alice
):
    case = case_with_options
    Case.objects.filter(pk=case.pk).update(emotion="calm")
    SavedReply.objects.create(title="Goodwill offer", body=BODY, updated_at=clock.now(), uses=3)
    SavedReply.objects.create(
        title="Refund on its way", body="I will call you on Tuesday.", updated_at=clock.now()
    )
    filled = BODY.replace("{customer_name}", "Priya Shah").replace("{reference}", case.reference)

    page = new_page()
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    messages = page.get_by_role("region", name="Write to the customer")

    picker = messages.get_by_label("Start from a saved reply")
    picker.press_sequentially("Goodw")
    options = page.locator("#reply-picker-list option")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("value", "Goodwill offer")  # the most used first
    picker.fill("Goodwill offer")
    picker.press("Escape")  # closes the list of suggestions, as a person clicking elsewhere would
    messages.get_by_role("button", name="Insert").click()
    box = messages.get_by_label("Message", exact=True)
    expect(box).to_have_value(filled)
    expect(messages.locator("#reply-picker-status")).to_have_text(
        "Inserted “Goodwill offer”: read it through before you send."
    )
    assert SavedReply.objects.get(title="Goodwill offer").uses == 4

    messages.get_by_label("We are sending it unprompted").check()
    messages.get_by_role("button", name="Send", exact=True).click()
    findings = page.locator(".reply-findings")
    expect(findings).to_contain_text("K5.beyond_authority_money")
    expect(findings.locator("mark")).to_have_text("£250")
    expect(page.get_by_label("Message", exact=True)).to_have_value(filled)
    assert not Message.objects.filter(case=case, author=alice).exists()
    screenshot(page, "15-reply-checker-findings")

    page.get_by_label("Reason to send anyway").fill(REASON)
    page.get_by_role("button", name="Send anyway").click()
    expect_flash(page, "Message sent to the customer. (sent anyway: the reason is recorded)")
    sent = Message.objects.get(case=case, author=alice)
    assert sent.body == filled
    event = case.events.get(kind="message.sent")
    assert event.after["reply_check"] == [{"rule": "K5.beyond_authority_money", "text": "£250"}]
    assert event.after["send_anyway_reason"] == REASON
