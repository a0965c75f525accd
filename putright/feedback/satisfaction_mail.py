"""A5: the satisfaction check's answer links in the customer's e-mails (registered with
``channels.delivery`` in this app's ``ready``). A link only opens the case page with that answer filled in."""

from __future__ import annotations

from urllib.parse import urlencode

from putright.cases.models import Case
from putright.cases.services import SCORE_RANGES, satisfaction_settings_get
from putright.channels.portal_links import portal_url
from putright.vocab import Status

CSAT_WORDS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neither satisfied nor dissatisfied",
    4: "Satisfied",
    5: "Very satisfied",
}
SCORE_LABELS: dict[str, str] = {
    "csat": "How satisfied are you with how we handled your problem?",
    "ces": "How easy was it to get your problem resolved?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
}
SCORE_ENDS: dict[str, tuple[str, str]] = {
    "csat": ("very dissatisfied", "very satisfied"),
    "ces": ("very difficult", "very easy"),
    "nps": ("not at all likely", "extremely likely"),
}


def satisfaction_link(case: Case, **answer) -> str:
    """The customer's case link carrying an answer to pre-fill (``?resolved=yes&csat=4``)."""
    return f"{portal_url(case)}?{urlencode(answer)}"


def satisfaction_email_links(case: Case, message) -> str:
    """While the case waits for the customer's answer, each e-mail carries one link per answer. A link only
    opens the case page with that answer filled in: the customer checks it and presses Send (mail scanners
    follow links, so following one never records anything)."""
    if case.status != Status.AWAITING_CONFIRMATION:
        return ""
    lines = [
        "Answer in a moment: each link below opens your case with that answer filled in, "
        "ready for you to check and send.",
        "",
        "Is your problem resolved?",
        f"  Yes, it is resolved: {satisfaction_link(case, resolved='yes')}",
        f"  No, it is not resolved: {satisfaction_link(case, resolved='no')}",
    ]
    if satisfaction_settings_get().ask_csat:
        low, high = SCORE_RANGES["csat"]
        lines += [
            "",
            f"{SCORE_LABELS['csat']} ({low} = {SCORE_ENDS['csat'][0]}, {high} = {SCORE_ENDS['csat'][1]})",
        ]
        lines += [
            f"  {n} ({CSAT_WORDS[n].lower()}): {satisfaction_link(case, csat=n)}"
            for n in range(high, low - 1, -1)
        ]
    return "\n".join(lines)
