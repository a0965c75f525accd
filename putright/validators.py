"""Input rules shared by the web forms and the API, so each is written (and fixed) once."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

# PR-<year>-<number>, as ``Case`` references are issued. Anything else cannot name a case, so lookups
# answer 404 before reaching the database: a NUL byte in a URL, for one, is an error on PostgreSQL.
# [0-9] rather than \d, which would also let through other scripts' digits.
CASE_REFERENCE_RE = re.compile(r"PR-[0-9]{4}-[0-9]{6,9}")
# The largest id a row can have (a 64-bit key): a larger one in an address is answered 404 without asking
# the database, which would fail on the overflow.
MAX_ROW_ID = 9_223_372_036_854_775_807

# Cc: tabs, line breaks, NUL, escape and the other control characters; Zl/Zp: the Unicode line and
# paragraph separators, which some mail and text tools also treat as line breaks.
_NOT_ON_ONE_LINE = {"Cc", "Zl", "Zp"}
SINGLE_LINE_MESSAGE = "Please use ordinary letters, numbers and punctuation here (no tabs or line breaks)."


def single_line(value: str) -> str:
    """Names, subjects, titles and references are one line: tabs, line breaks and control characters are refused.

    They end up in email headers, email text and page headings. A subject with a
    line break is an invalid email header, so the message could never be sent;
    elsewhere a hidden control character would only confuse the reader.
    """
    if any(unicodedata.category(ch) in _NOT_ON_ONE_LINE for ch in value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control")
    return value
