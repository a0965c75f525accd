"""Placeholders in saved replies (issue 15 §3): ``{customer_name}``, ``{reference}``, ``{next_deadline}``,
``{agent_name}`` and ``{organisation}``, filled from the case when an agent chooses the reply.

Pure Python, no Django: the replies room checks a reply's placeholders when it is saved
(``unknown_placeholders``) and fills them when it is chosen (``fill``). A placeholder is a name in braces,
letters, digits and underscores, spaces inside the braces allowed (``{ reference }``); ``{{`` and ``}}``
stand for a literal brace. Anything else in braces (``{ see below }``, ``{}``) is plain text. No input
raises: an unknown name is left as written, a known one without a value becomes a visible gap
(``[next deadline not known]``) for the agent to fill before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

PLACEHOLDERS: dict[str, str] = {
    "customer_name": "the customer's name",
    "reference": "the case reference",
    "next_deadline": "the nearest running deadline, in words (e.g. Friday 11 December)",
    "agent_name": "your name (the person writing)",
    "organisation": "the organisation's name, as customers see it",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def placeholders_in(text: str) -> list[str]:
    """Every placeholder name in ``text``, in order, each once."""
    seen: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        name = match.group(1)
        if name is not None and name not in seen:
            seen.append(name)
    return seen


def unknown_placeholders(text: str) -> list[str]:
    """The names in braces that are not placeholders (``{customer}``, ``{Reference}``), in order."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def gap(name: str) -> str:
    """What a known placeholder without a value becomes: visible, so the agent fills it in."""
    return f"[{name.replace('_', ' ')} not known]"


def fill(text: str, values: Mapping[str, str | None]) -> str:
    """``text`` with each known placeholder replaced by its value (a gap where the value is None or
    empty), unknown names left as written and ``{{``/``}}`` as single braces."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return token
        value = values.get(name)
        return value if value else gap(name)

    return _TOKEN.sub(one, text or "")


def date_in_words(day: date, *, today: date) -> str:
    """``Friday 11 December``; with the year when it is not this year's (``Monday 4 January 2027``)."""
    words = f"{day:%A} {day.day} {day:%B}"
    return words if day.year == today.year else f"{words} {day.year}"
