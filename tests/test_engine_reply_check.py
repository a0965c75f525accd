"""K5, the reply checker (putright/engines/text/reply_check.py): exact findings per rule, near-misses
that must not fire, the API a send form calls, and that the engine is pure."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from putright.engines.text import Finding, check_reply
from putright.engines.text.reply_check import RULES

ROOT = Path(__file__).resolve().parent.parent
NEXT = " I'll call you on Thursday afternoon to go through it."  # a next step, so K5.no_next_step is quiet


def found(text: str, **context) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in check_reply(text, **context)]


def rules(text: str, **context) -> set[str]:
    return {f.rule for f in check_reply(text, **context)}


def test_a_good_reply_has_no_findings():
    reply = (
        "Dear Mrs Okafor,\n\n"
        "I'm so sorry for the worry the two payments have caused you. I have looked at your account and the "
        "second payment of £84.20 was our mistake, not yours. I've refunded it to your card today; banks "
        "usually take 3 to 5 working days to show it. Refunds only go back to the card you paid with, "
        "because that protects you if someone else has your details.\n\n"
        "I'll call you on Thursday afternoon to check it has arrived.\n\n"
        "Kind regards,\nJordan Ellis\nCustomer Relations"
    )
    assert (
        check_reply(reply, authority_limit=Decimal("100"), customer_state="distressed", date_limit_days=14)
        == []
    )


def test_each_finding_names_its_rule_the_exact_words_and_a_hint():
    reply = "Dear Mr Patel,\n\nYou failed to send us a meter reading.\n\nKind regards,\nSam"
    findings = check_reply(reply)
    assert [(f.rule, f.text, f.start, f.end) for f in findings] == [
        ("K5.blame", "You failed to", 16, 29),
        ("K5.no_next_step", "You failed to send us a meter reading.", 16, 54),
    ]
    for f in findings:
        assert isinstance(f, Finding)
        assert reply[f.start : f.end] == f.text
        assert f.hint and f.rule in RULES
        assert f.as_dict() == {"rule": f.rule, "text": f.text, "hint": f.hint}


def test_the_rule_ids_are_exactly_those_of_the_issue():
    assert list(RULES) == [
        "K5.blame",
        "K5.jargon",
        "K5.beyond_authority_money",
        "K5.beyond_authority_date",
        "K5.no_empathy",
        "K5.policy_without_reason",
        "K5.no_next_step",
        "K5.shouting",
    ]


# ---------------------------------------------------------------- K5.blame


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Unfortunately you failed to submit a reading.", "you failed to"),
        ("You should have checked the order before paying.", "You should have checked"),
        ("If you had read the terms, you would know about the fee.", "If you had read"),
        ("The missed payment was your mistake.", "your mistake"),
        ("As you were told on the phone, the offer had ended.", "As you were told"),
        ("This is a case of user error.", "user error"),
        ("You gave our engineer the wrong postcode.", "You gave our engineer the wrong"),
        ("Once again, you have not provided the documents.", "you have not provided"),
        ("The damage is down to misuse.", "misuse"),
    ],
)
def test_blame_is_found(sentence, words):
    assert found(sentence + NEXT) == [("K5.blame", words)]


@pytest.mark.parametrize(
    "sentence",
    [
        "We will not blame you for the late reading.",
        "This was not your fault in any way.",
        "Through no fault of your own, the payment was taken twice.",
        "You should have received a letter from us, and I'm sorry you didn't.",
        "You should have been told about the fee.",
        "You did nothing wrong here.",
        "Nobody is suggesting you were at fault.",
        "If you have not sent the form yet, please send it by Friday.",
        "I can hear how fed up you are, and I don't blame you.",
        "The mistake was ours, not yours.",
    ],
)
def test_words_that_clear_the_customer_are_not_blame(sentence):
    assert "K5.blame" not in rules(sentence + NEXT)


# ---------------------------------------------------------------- K5.jargon


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Your ticket has been escalated to L2 for RCA.", "escalated to L2 for RCA"),
        ("The fault has been raised as INC0048213.", "INC0048213"),
        ("Your account shows status code PND-07.", "status code PND-07"),
        ("We applied an adjustment via the back office.", "back office"),
        ("The refund was blocked by a KYC check.", "KYC"),
        ("This falls outside our SLA.", "SLA"),
        ("The payment bounced with a BACS ARUDD code 0.", "ARUDD code 0"),
        ("Your statement came from the batch run.", "batch run"),
    ],
)
def test_jargon_and_internal_codes_are_found(sentence, words):
    assert found(sentence + NEXT) == [("K5.jargon", words)]


@pytest.mark.parametrize(
    "sentence",
    [
        "The price includes VAT, and you can visit any UK branch.",
        "Please quote PR-2026-000123 if you call us.",
        "I've sent a PDF of the bill by SMS and email.",
        "Your NHS letter is on file; we will never ask for your PIN.",
        "You can refer your complaint to the Financial Ombudsman Service (FOS).",
        "The O2 mast near NG1 5FT was down on Monday.",
    ],
)
def test_acronyms_customers_know_and_the_case_reference_are_not_jargon(sentence):
    assert rules(sentence + NEXT) == set()


# ---------------------------------------------------------------- K5.beyond_authority_money


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("I have arranged a refund of £450 to your card.", "£450"),
        ("We will pay you £1,200.00 in compensation.", "£1,200.00"),
        ("As a gesture of goodwill we will credit GBP 300 to your account.", "GBP 300"),
        ("I'd like to offer 250 pounds for the trouble.", "250 pounds"),
        ("I'm putting £100.01 back into your account.", "£100.01"),
    ],
)
def test_money_offered_beyond_authority_is_found(sentence, words):
    assert found(sentence + NEXT, authority_limit=Decimal("100")) == [("K5.beyond_authority_money", words)]


def test_the_money_hint_says_the_limit_and_the_amount():
    [finding] = check_reply("We will refund £450." + NEXT, authority_limit=Decimal("100"))
    assert "up to £100" in finding.hint and "£450" in finding.hint


@pytest.mark.parametrize(
    ("sentence", "limit"),
    [
        ("I have refunded £40 to your card.", Decimal("50")),
        ("I have refunded £50.00 to your card.", Decimal("50")),  # at the limit is within it
        ("Your last bill was £312.40, which included an estimate.", Decimal("50")),  # not offered
        ("Your balance is £900 in credit after the correction.", Decimal("50")),
        ("I have refunded £450 to your card.", None),  # no limit given: not checked
    ],
)
def test_money_within_authority_or_not_offered_is_not_found(sentence, limit):
    assert "K5.beyond_authority_money" not in rules(sentence + NEXT, authority_limit=limit)


# ---------------------------------------------------------------- K5.beyond_authority_date


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        (
            "Our engineer will definitely be with you on Tuesday.",
            "Our engineer will definitely be with you on Tuesday",
        ),
        (
            "Your refund will be in your bank account by Friday.",
            "Your refund will be in your bank account by Friday",
        ),
        ("I promise the fault will be fixed by Monday.", "I promise the fault will be fixed by Monday"),
        ("You'll get your money back by Friday.", "You'll get your money back by Friday"),
        ("The courier will deliver it on 12 March.", "The courier will deliver it on 12 March"),
    ],
)
def test_a_firm_date_for_what_others_do_is_found(sentence, words):
    assert found(sentence) == [("K5.beyond_authority_date", words)]


def test_a_promise_further_ahead_than_the_date_limit_is_found():
    assert found("I will send you our decision within 6 weeks.", date_limit_days=14) == [
        ("K5.beyond_authority_date", "within 6 weeks")
    ]
    # 10 working days are 14 calendar days: within a 14-day limit, beyond a 13-day one.
    assert found("I will write to you within 10 working days.", date_limit_days=14) == []
    assert found("I will write to you within 10 working days.", date_limit_days=13) == [
        ("K5.beyond_authority_date", "within 10 working days")
    ]
    assert found("I will send you our decision within 6 weeks.") == []  # no limit given


@pytest.mark.parametrize(
    "sentence",
    [
        "I will call you on Tuesday afternoon.",
        "I'll email you by the end of Friday with the corrected bill.",
        "You will hear from me again within two working days.",
        "Banks usually take 3 to 5 working days, so it should reach you by Friday.",
        "The courier expects to deliver on Friday; I'll let you know if that changes tomorrow.",
        "If all goes to plan, the meter will be exchanged on 11 October. I'll confirm by Monday.",
        "I'll send you a text tomorrow with the name of the person who will visit.",
    ],
)
def test_own_next_steps_and_hedged_dates_are_not_beyond_authority(sentence):
    assert "K5.beyond_authority_date" not in rules(sentence, date_limit_days=14)


# ---------------------------------------------------------------- K5.no_empathy

COLD = "Thank you for your email. I have checked your account." + NEXT


@pytest.mark.parametrize("state", ["angry", "distressed"])
def test_no_acknowledgement_for_an_upset_customer_is_found_at_the_first_sentence(state):
    assert found(COLD, customer_state=state) == [("K5.no_empathy", "Thank you for your email.")]


def test_any_inconvenience_is_a_formula_not_an_acknowledgement():
    reply = "We apologise for any inconvenience caused. I have checked your account." + NEXT
    assert found(reply, customer_state="angry") == [
        ("K5.no_empathy", "We apologise for any inconvenience caused")
    ]


@pytest.mark.parametrize(
    "opening",
    [
        "I'm really sorry for the worry this has caused.",
        "I can understand why you are so frustrated.",
        "That must have been really distressing.",
        "Please accept my sincere apologies for how upsetting this has been.",
        "You have every right to be angry about this.",
    ],
)
def test_an_acknowledgement_of_feelings_satisfies_an_upset_customer(opening):
    assert rules(opening + " " + COLD, customer_state="angry") == set()


def test_no_empathy_is_not_checked_for_a_calm_customer_or_an_unknown_state():
    assert rules(COLD, customer_state="calm") == set()
    assert rules(COLD) == set()


# ---------------------------------------------------------------- K5.policy_without_reason


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Our policy is that we do not refund delivery charges.", "Our policy"),
        ("In line with our terms and conditions, the fee stands.", "In line with our terms"),
        ("Unfortunately we can't refund this as it's against policy.", "against policy"),
        ("Under clause 14 of the agreement, the charge is payable.", "clause 14"),
        ("We're unable to extend the deadline because of our policy.", "our policy"),
    ],
)
def test_policy_without_a_reason_is_found(sentence, words):
    assert found(sentence + NEXT) == [("K5.policy_without_reason", words)]


@pytest.mark.parametrize(
    "sentence",
    [
        "We only refund to the card you paid with, because that protects you from fraud.",
        "Our policy is to speak only to the account holder; this is to keep your information safe.",
        "Our policy is that items must be unused. This is because we sell them again.",
    ],
)
def test_policy_with_its_reason_is_not_found(sentence):
    assert rules(sentence + NEXT) == set()


# ---------------------------------------------------------------- K5.no_next_step


@pytest.mark.parametrize(
    ("reply", "last"),
    [
        (
            "I have checked the account. We will be in touch in due course.",
            "We will be in touch in due course.",
        ),
        ("I've passed this on. Someone will contact you soon.", "Someone will contact you soon."),
        ("We are looking into it and will update you as soon as possible.", None),
    ],
)
def test_no_next_step_and_when_is_found_at_the_last_sentence(reply, last):
    expected = last or reply
    assert found(reply) == [("K5.no_next_step", expected)]


@pytest.mark.parametrize(
    "reply",
    [
        "I will call you on Tuesday.",
        "I'll write to you within 5 working days with our decision.",
        "Please reply by 3 May with the photos.",
        "Expect a call from me between 2pm and 4pm tomorrow.",
        "Your new card should arrive within 7 working days.",
    ],
)
def test_a_next_step_with_a_time_is_enough(reply):
    assert rules(reply) == set()


def test_the_greeting_and_sign_off_are_not_the_last_sentence():
    reply = "Hi Priya,\n\nWe'll keep you posted.\n\nBest wishes,\nChloe Martin\nCustomer Care"
    assert found(reply) == [("K5.no_next_step", "We'll keep you posted.")]


# ---------------------------------------------------------------- K5.shouting


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("PLEASE NOTE that we cannot accept photos.", ["PLEASE NOTE"]),
        ("We will NOT be able to help further.", ["NOT"]),
        ("URGENT ACTION REQUIRED on your account.", ["URGENT ACTION REQUIRED"]),
        ("Your refund has been processed!!", ["Your refund has been processed!!"]),
        ("Great news! It is fixed! Thanks again!", ["Great news!"]),
    ],
)
def test_shouting_is_found(sentence, words):
    assert [t for r, t in found(sentence + NEXT) if r == "K5.shouting"] == words


@pytest.mark.parametrize(
    "sentence",
    [
        "The price includes VAT and GBP is the only currency we use.",
        "Dear Mr SMITH, thank you for your letter.",
        "Your ISA, your PIN and your IBAN are unaffected.",
        "Thanks for your patience!",
        "Your reference is PR-2026-000123.",
    ],
)
def test_acronyms_names_and_one_exclamation_mark_are_not_shouting(sentence):
    assert "K5.shouting" not in rules(sentence + NEXT)


# ---------------------------------------------------------------- the API


def test_findings_come_in_reading_order_and_one_reply_can_break_several_rules():
    reply = (
        "Dear Mr Hughes,\n\nThank you for your email. You should have checked the order. "
        "Our policy is that fees are non-refundable. I'll refund £500 as a gesture of goodwill. "
        "We'll be in touch!!\n\nRegards,\nSam"
    )
    assert found(reply, authority_limit=Decimal("100"), customer_state="angry") == [
        ("K5.no_empathy", "Thank you for your email."),
        ("K5.blame", "You should have checked"),
        ("K5.policy_without_reason", "Our policy"),
        ("K5.beyond_authority_money", "£500"),
        ("K5.no_next_step", "We'll be in touch!!"),
        ("K5.shouting", "We'll be in touch!!"),
    ]


def test_empty_and_blank_replies_have_no_findings():
    assert check_reply("") == []
    assert check_reply("   \n\n ") == []


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"customer_state": "furious"}, "customer_state must be one of angry, distressed, calm"),
        ({"authority_limit": Decimal("-1")}, "authority_limit must be a sum of money of 0 or more"),
        ({"authority_limit": Decimal("NaN")}, "authority_limit must be a sum of money of 0 or more"),
        ({"date_limit_days": -3}, "date_limit_days must be 0 or more"),
    ],
)
def test_bad_context_is_a_value_error(context, message):
    with pytest.raises(ValueError, match=message):
        check_reply("I will call you on Tuesday.", **context)


def test_a_long_reply_is_checked_quickly_enough_for_a_send_form():
    # Not a timing: a pathological input must not make a regex backtrack for ever (it would hang here).
    reply = ("you " * 5000) + ("A" * 5000) + ("!" * 2000) + (" will " * 3000)
    assert {f.rule for f in check_reply(reply)} >= {"K5.shouting"}


def test_the_engine_imports_no_django():
    code = (
        "import sys; import putright.engines.text.reply_check as m; "
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')); "
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == ""


def test_a_one_line_reply_with_its_greeting_and_sign_off_inline_is_read_as_its_body():
    assert found("Hi Sarah, I can confirm the parcel will arrive tomorrow. Thanks, Ben") == [
        ("K5.beyond_authority_date", "I can confirm the parcel will arrive tomorrow")
    ]


def test_a_range_of_days_is_a_time_and_its_far_end_counts_against_the_limit():
    assert found("Your refund should appear in 3-5 working days.") == []
    assert found("I will have an answer for you within 5 to 8 weeks.", date_limit_days=28) == [
        ("K5.beyond_authority_date", "within 5 to 8 weeks")
    ]


def test_sorry_with_a_word_between_is_still_an_acknowledgement():
    reply = "Thanks for getting back to me, and sorry again that the washer was faulty." + NEXT
    assert rules(reply, customer_state="angry") == set()
