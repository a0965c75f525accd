"""K5: the reply checker — what in an outgoing reply is known to make a complaint worse.

``check_reply(text, authority_limit=..., customer_state=..., date_limit_days=...)`` reads one outgoing
message, saved reply or letter and returns a ``Finding`` for each problem: the rule id, the exact words
of the reply that triggered it (``text``, with ``start``/``end`` offsets so a form can mark them) and a
better way to put it (``hint``). An empty list means nothing was found. Pure Python, no Django: a send
form, the console (``putright reply check``) and the benchmark (bench/bench_reply_check.py) call it
alike. The rules, by id:

- ``K5.blame``: the customer is blamed ("you failed to", "you should have checked", "your mistake",
  "as you were told", "if you had read the terms"). Statements that clear the customer ("this was not
  your fault", "we will not blame you") and the organisation's own failings put to the customer ("you
  should have received a letter", "you should have been told") do not count.
- ``K5.jargon``: internal words and codes the customer cannot be expected to know: support tiers
  ("escalated to L2", "second line", "resolver group"), internal systems and processes ("back office",
  "CRM", "batch run", "BAU", "SLA"), industry codes ("BACS ARUDD", "D0010", "FTTC"), ticket and error
  codes ("INC0048213", "status code PND-07"). Acronyms every customer knows (UK, VAT, GBP, PIN, PDF,
  NHS) and the case's own reference (``PR-2026-000123``) are not jargon.
- ``K5.beyond_authority_money``: an amount offered to the customer (a refund, credit, compensation,
  goodwill payment, voucher, write-off; in £, "GBP 300" or "300 pounds") above ``authority_limit``.
  Amounts that are not offered ("your bill of £312") do not count; with no limit given, the rule is
  not applied.
- ``K5.beyond_authority_date``: a firm promise of a date or time for something the sender does not
  do themselves: another team, an engineer, a courier, the bank, or an outcome such as "the fault
  will be fixed by Friday" or "your refund will be in your account tomorrow". Promises of the
  sender's own next contact ("I will call you on Tuesday") are what a good reply should make and do
  not count, nor are hedged dates ("should arrive", "we expect", "usually"). Also, when
  ``date_limit_days`` is given, any promise to act "within N days / working days / weeks / months"
  further ahead than that (working days count as 7/5 of a calendar day). Firm calendar dates are read
  only as promised dates; they are not measured against the limit (that needs today's date, which a
  pure engine does not assume).
- ``K5.no_empathy``: the customer is angry or distressed (``customer_state``) and the reply does not
  acknowledge how they feel ("I'm sorry", "I understand how frustrating", "that must have been").
  "Any inconvenience" and "sorry if you feel" are formulas, not acknowledgement. Calm customers, or
  no state given: not applied. The finding's text is the formula if there is one, else the reply's
  first sentence (where the acknowledgement belongs).
- ``K5.policy_without_reason``: a policy, the terms, a clause or "our procedures" quoted as the answer
  without a reason in the same sentence or a reason opening the next ("because", "so that", "this is
  to", "to protect you", "the reason is").
- ``K5.no_next_step``: nothing says what happens next and when: no sentence with a next action (ours
  or the customer's) and a time ("I will call you on Tuesday", "within 5 working days", "please reply
  by 3 May"). Vague times ("soon", "in due course", "as soon as possible") are not times. The
  finding's text is the reply's last sentence before the sign-off.
- ``K5.shouting``: words in capitals ("PLEASE NOTE", "NOT", "FINAL REMINDER"), not acronyms; or
  repeated exclamation marks ("!!", "?!", or three "!" in one reply).

Ordering: findings come in the order their words appear in the reply, rule order within one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from putright.engines.text.reply_rules import (
    find_blame,
    find_dates,
    find_jargon,
    find_money,
    find_no_empathy,
    find_policy,
    find_shouting,
    has_next_step,
    sentences,
)

RULES: dict[str, str] = {
    "K5.blame": "blames the customer",
    "K5.jargon": "jargon or an internal code",
    "K5.beyond_authority_money": "offers more money than the sender may agree",
    "K5.beyond_authority_date": "promises a date the sender cannot guarantee",
    "K5.no_empathy": "no acknowledgement of how the customer feels",
    "K5.policy_without_reason": "quotes a policy without the reason for it",
    "K5.no_next_step": "no next step and when",
    "K5.shouting": "shouting (capitals or exclamation marks)",
}
CUSTOMER_STATES = ("angry", "distressed", "calm")
_UPSET_STATES = ("angry", "distressed")
MAX_CHARS = 100_000  # a reply longer than this is checked in its first MAX_CHARS characters


@dataclass(frozen=True)
class Finding:
    """One problem: ``rule`` id, the exact ``text`` of the reply that triggered it (``text ==
    reply[start:end]``), and ``hint``, a better way to put it."""

    rule: str
    text: str
    hint: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str]:
        """The published shape (``{"rule", "text", "hint"}``), for JSON."""
        return {"rule": self.rule, "text": self.text, "hint": self.hint}


# ---------------------------------------------------------------- hints and the checker


def _money_text(value: Decimal) -> str:
    return f"£{value:,.2f}".replace(".00", "")


def _hint(
    rule: str,
    *,
    limit: Decimal | None = None,
    value: Decimal | None = None,
    kind: str = "",
    date_limit_days: int | None = None,
) -> str:
    if rule == "K5.blame":
        return (
            "Describe what happened without saying whose fault it was, and own the next step: "
            '"The reading we had was an estimate, so I\'ve corrected the bill."'
        )
    if rule == "K5.jargon":
        return (
            "Say it in everyday words and leave out internal codes and team names: "
            '"I\'ve asked our network specialists to look at the fault on your line."'
        )
    if rule == "K5.beyond_authority_money":
        assert limit is not None and value is not None
        return (
            f"You can agree up to {_money_text(limit)}. Ask someone with authority to approve "
            f"{_money_text(value)} before offering it, or say: \"I've asked my manager to approve "
            f"{_money_text(value)} and I'll confirm by [day].\""
        )
    if rule == "K5.beyond_authority_date":
        if kind == "far":
            return (
                f"Promise only what you can keep within {date_limit_days} days: give the date of your "
                'next update instead, e.g. "I\'ll update you by [date] on progress."'
            )
        return (
            "Don't promise a date for something another team, contractor or bank does. Say what you have "
            "asked for and when you will check: \"I've asked for the earliest visit and I'll confirm the "
            'date with you by [day]."'
        )
    if rule == "K5.no_empathy":
        return (
            "Acknowledge how they feel before the facts, in your own words: \"I'm sorry - I can "
            'understand how frustrating it has been to chase us for this." ("any inconvenience" is '
            "not an acknowledgement.)"
        )
    if rule == "K5.policy_without_reason":
        return (
            'Give the reason for the rule and what you can do instead: "We only refund to the card you '
            'paid with, because that protects you if someone else has your details - what I can do is…"'
        )
    if rule == "K5.no_next_step":
        return (
            "Say what happens next, who does it and by when: \"I'll call you on Thursday afternoon with "
            'the outcome."'
        )
    return (
        "Write in sentence case and with no more than one exclamation mark; to stress a point, say "
        'why it matters: "Please keep the packaging, as the courier needs it for the collection."'
    )


def check_reply(
    text: str,
    *,
    authority_limit: Decimal | None = None,
    customer_state: str | None = None,
    date_limit_days: int | None = None,
) -> list[Finding]:
    """The findings for one outgoing reply (an empty list when nothing was found).

    ``authority_limit``: the most money (in pounds) the sender may offer on their own; None: not checked.
    ``customer_state``: "angry", "distressed" or "calm" (K5.no_empathy applies to the first two); None:
    not known. ``date_limit_days``: the furthest ahead, in calendar days, the sender may commit to; None:
    only promises for others are checked. Raises ValueError for an unknown state or a negative limit.
    """
    if customer_state is not None and customer_state not in CUSTOMER_STATES:
        raise ValueError(
            f"customer_state must be one of {', '.join(CUSTOMER_STATES)}, not {customer_state!r}"
        )
    if authority_limit is not None and (not authority_limit.is_finite() or authority_limit < 0):
        raise ValueError(f"authority_limit must be a sum of money of 0 or more, not {authority_limit}")
    if date_limit_days is not None and date_limit_days < 0:
        raise ValueError(f"date_limit_days must be 0 or more, not {date_limit_days}")
    text = text[:MAX_CHARS]
    body = sentences(text)
    if not body:
        return []
    found: list[Finding] = []

    def add(rule: str, start: int, end: int, hint: str) -> None:
        found.append(Finding(rule, text[start:end], hint, start, end))

    for start, end in find_blame(body):
        add("K5.blame", start, end, _hint("K5.blame"))
    for start, end in find_jargon(body):
        add("K5.jargon", start, end, _hint("K5.jargon"))
    for start, end, value in find_money(body, authority_limit):
        add(
            "K5.beyond_authority_money",
            start,
            end,
            _hint("K5.beyond_authority_money", limit=authority_limit, value=value),
        )
    for start, end, kind in find_dates(body, date_limit_days):
        add(
            "K5.beyond_authority_date",
            start,
            end,
            _hint("K5.beyond_authority_date", kind=kind, date_limit_days=date_limit_days),
        )
    if customer_state in _UPSET_STATES:
        where = find_no_empathy(body, text)
        if where is not None:
            add("K5.no_empathy", *where, _hint("K5.no_empathy"))
    for start, end in find_policy(body):
        add("K5.policy_without_reason", start, end, _hint("K5.policy_without_reason"))
    if not has_next_step(body):
        last = body[-1]
        add("K5.no_next_step", last.start, last.end, _hint("K5.no_next_step"))
    seen: set[tuple[int, int]] = set()
    for start, end in find_shouting(text, body):
        if (start, end) not in seen:
            seen.add((start, end))
            add("K5.shouting", start, end, _hint("K5.shouting"))
    order = list(RULES)
    found.sort(key=lambda f: (f.start, order.index(f.rule), f.end))
    return found
