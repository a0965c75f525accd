"""Text preparation shared by the text engine: what counts as a word, and what is masked away.

Real complaints carry case numbers, amounts, dates, account numbers and the "XXXX" masks that
redaction leaves behind. None of these say *what* the problem is, and two complaints about the same
problem almost never share them, so they are removed before words are weighed (P1). Plurals are folded into their singular (P3). Very long texts
are cut to their first ``MAX_TEXT_CHARS`` characters (P2): the opening says what a complaint is about,
and the cut keeps memory and time bounded whatever a customer pastes in.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_TEXT_CHARS = 20_000

# P1: redaction masks (XXXX, XX/XX/XXXX), web and email addresses, amounts, numbers and references.
_MASKED = re.compile(
    r"""
      \b[xX]{2,}\b                      # redaction masks
    | https?://\S+ | www\.\S+           # web addresses
    | \S+@\S+\.\S+                      # email addresses
    | [{(]?[$£€]?\s?\d[\d,./:\-]*[})]?  # amounts, dates, times, numbers
    | \b\w*\d\w*\b                      # references mixing letters and digits (AB123, 5G)
    """,
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")

# Words of two letters or more, in any alphabet; digits and underscores are not word characters here.
_WORD = re.compile(r"(?u)\b[^\W\d_]{2,}\b")

# Greetings and sign-offs that every kind of message carries; they would make unrelated emails look alike.
COURTESY_WORDS = frozenset(
    "hello hi dear thanks thank thankyou regards sincerely kind best wishes cheers please pls".split()
)


def fold(word: str) -> str:
    """P3: light plural folding, so "caps" and "cap", "charges" and "charge" count as one word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ys", "as", "os")):
        return word[:-1]
    return word


def words(cleaned: str, stop_words: frozenset[str]) -> list[str]:
    """P3: the words of an already ``clean``-ed text, stop words dropped and plurals folded."""
    return [_fold_cached(w) for w in _WORD.findall(cleaned) if w not in stop_words]


@lru_cache(maxsize=200_000)
def _fold_cached(word: str) -> str:
    return fold(word)


def clean(text: str) -> str:
    """P1/P2: lower-cased, Unicode-normalised text with masks, numbers and addresses removed."""
    cut = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    return _SPACES.sub(" ", _MASKED.sub(" ", cut)).strip().lower()


def has_words(text: str) -> bool:
    """Whether anything that can be compared is left once masks and numbers are removed."""
    return bool(_LETTER.search(clean(text)))


def dedupe_key(text: str) -> str:
    """Texts with the same key are the same complaint for grouping (case, spacing and masks aside)."""
    return clean(text)
