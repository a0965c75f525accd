"""How two spellings of one person's details are compared: the keys a report is matched on.

Pure functions, so the model, the migration that fills the keys and the bulk writers all agree.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D+")


def email_key(email: str) -> str:
    """Addresses differ only in case and surrounding space for our purposes (we never rewrite the local part:
    plus-addressing and dots can name different mailboxes)."""
    return (email or "").strip().casefold()


def name_key(name: str) -> str:
    """ "José  O'Brien" and "jose obrien" are one name: accents, punctuation, case and spacing dropped."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = _NOT_WORD.sub("", bare.casefold()).replace("_", "")
    return _SPACES.sub(" ", bare).strip()


def phone_key(phone: str) -> str:
    """Digits only, so "07700 900 123" finds "07700900123"."""
    return _NOT_DIGIT.sub("", phone or "")
