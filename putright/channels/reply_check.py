"""K5 wiring (issue 15 §8): the reply checker (``engines.text.reply_check``) run on what a person sends a
customer — a message, a letter, the summary of their problem — and on saved replies when they are kept.

The inputs come from the records: the sender's money limit from their roles (``authority``; no limit: not
checked), the customer's state from the case (K2's ``emotion``: angry or distressed asks for an
acknowledgement of feelings) and no date limit (the authority rules set none; only promises made for
others are checked).

``acknowledge`` is what the case core's services call before they send: with findings and no reason it
raises ``ReplyCheckFindings`` (nothing is sent; the API answers 409 ``reply_check_findings``), with a
reason it returns what the audit event records — ``{"reply_check": [{"rule", "text"}],
"send_anyway_reason": …}`` — so each override is kept, per finding, in the case's hash-chained record.
Automatic messages (acknowledgements, clock notices, promise notes) never come here.
"""

from __future__ import annotations

from putright.authority.selectors import limit_for_user
from putright.engines.text.reply_check import CUSTOMER_STATES, Finding, check_reply
from putright.errors import DomainError, ErrorCode, ReplyCheckFindings

MAX_REASON = 500

# K5 on the summary of the customer's problem: it restates their problem (their amounts, their dates, their
# feelings) for them to check, and its message asks them to confirm or correct it. Blame, jargon, policy
# and shouting are checked; offers, promises, empathy and the next step are what replies are checked for.
SUMMARY_EXEMPT = (
    "K5.no_next_step",
    "K5.beyond_authority_money",
    "K5.beyond_authority_date",
    "K5.no_empathy",
)
# K5 on the final response: the other routes it gives (with their time limits) are its next step.
LETTER_EXEMPT = ("K5.no_next_step",)
EXEMPT: dict[str, tuple[str, ...]] = {"reply": (), "summary": SUMMARY_EXEMPT, "letter": LETTER_EXEMPT}


def customer_state(case) -> str | None:
    """The engine's customer state from the case's K2 emotion (None when not assessed)."""
    emotion = getattr(case, "emotion", "") or ""
    return emotion if emotion in CUSTOMER_STATES else None


def findings_for(*, sender, case, text: str, exempt: tuple[str, ...] = ()) -> list[Finding]:
    """What the checker finds in ``text`` written by ``sender`` to ``case``'s customer; ``exempt`` rule ids
    are left out (where the message around the text already does that part)."""
    limit = limit_for_user(sender)
    found = check_reply(
        text or "",
        authority_limit=limit.max_amount if limit is not None else None,
        customer_state=customer_state(case),
        date_limit_days=None,
    )
    return [f for f in found if f.rule not in exempt]


def findings_data(findings: list[Finding]) -> list[dict]:
    return [{**f.as_dict(), "start": f.start, "end": f.end} for f in findings]


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"The reason to send anyway is at most {MAX_REASON} characters."
        )
    return reason


def acknowledge(sender, case, text: str, send_anyway_reason: str | None = "", kind: str = "reply") -> dict:
    """Check ``text`` before it is sent (``kind``: "reply", "summary" or "letter", which picks the rules the
    message around it already satisfies). No findings: ``{}``. Findings and no reason: raises
    ``ReplyCheckFindings``. Findings and a reason: what the audit event records (``reply_check``: each
    finding's rule and words; ``send_anyway_reason``)."""
    exempt = EXEMPT[kind]
    reason = clean_reason(send_anyway_reason)
    findings = findings_for(sender=sender, case=case, text=text, exempt=exempt)
    if not findings:
        return {}
    if not reason:
        raise ReplyCheckFindings(findings_data(findings))
    return {
        "reply_check": [{"rule": f.rule, "text": f.text} for f in findings],
        "send_anyway_reason": reason,
    }
