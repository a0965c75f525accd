"""``{% reply_picker case %}`` (the saved-reply picker beside the case page's message form) and
``{% reply_check form %}`` (K5's findings on a form that was not sent, with "Send anyway" and its reason;
nothing when there are none)."""

from __future__ import annotations

from django import template

from putright.engines.text.reply_check import RULES
from putright.replies import selectors

register = template.Library()


@register.inclusion_tag("replies/_picker.html", takes_context=True)
def reply_picker(context, case) -> dict:
    user = context["request"].user
    return {"case": case, "replies": list(selectors.usable(user)), "picked": context.get("picked_reply")}


def finding_rows(findings: list[dict]) -> list[dict]:
    return [{**f, "label": RULES.get(f["rule"], f["rule"])} for f in findings or []]


def findings_panel(form, case, key: str = "message") -> dict:
    """The findings' panel for ``form`` (its ``reply_findings`` set by the page after K5 stopped a send
    or the Check button ran), and the Check button for ``key``'s form on ``case``."""
    findings = getattr(form, "reply_findings", None)
    return {
        "case": case,
        "key": key,
        "findings": finding_rows(findings) if findings else [],
        "checked_clean": getattr(form, "reply_checked_clean", False),
        "reason": getattr(form, "send_anyway_reason", ""),
        "reason_error": getattr(form, "send_anyway_error", ""),
    }


@register.inclusion_tag("replies/_reply_check.html")
def reply_check(form, case, key: str = "message") -> dict:
    return findings_panel(form, case, key)
