"""Finding the colleagues a note @mentions: ``@username``, or ``@First Last`` where exactly one active
member of staff has that full name. Anything else after an ``@`` is left as text (and reported)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from putright.authority.selectors import staff_users

# Django's usernames: letters, digits and @ . + - _. A mention starts a word (not inside an e-mail address).
MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
# Punctuation that ends a sentence, not a username: "thanks @bob." mentions bob.
_TRAILING = ".-+@"


@dataclass
class Mentions:
    users: list = field(default_factory=list)  # matched colleagues, in the order first mentioned
    unknown: list[str] = field(default_factory=list)  # @names that matched nobody, as written
    spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each matched mention


def _full_names(colleagues) -> dict[str, object]:
    """Lower-cased full name → the one colleague with it (names two colleagues share are left out)."""
    seen: dict[str, list] = {}
    for user in colleagues:
        name = " ".join(user.get_full_name().split()).lower()
        if " " in name:
            seen.setdefault(name, []).append(user)
    return {name: users[0] for name, users in seen.items() if len(users) == 1}


def mentions_find(text: str, colleagues=None) -> Mentions:
    """The colleagues ``text`` mentions (``colleagues``: the active staff, read once if not given)."""
    found = Mentions()
    if "@" not in text:
        return found
    colleagues = list(staff_users()) if colleagues is None else list(colleagues)
    by_username = {u.get_username().lower(): u for u in colleagues}
    by_name = _full_names(colleagues)
    for match in MENTION_RE.finditer(text):
        start = match.start()
        after = text[start + 1 :]
        user, length = None, 0
        # A full name first, longest first ("@Ann Lee" before a username "ann").
        for name in sorted(by_name, key=len, reverse=True):
            end = len(name)
            if after[:end].lower() == name and (len(after) == end or not after[end].isalnum()):
                user, length = by_name[name], end
                break
        if user is None:
            token = match.group(1)
            while token and token.lower() not in by_username and token[-1] in _TRAILING:
                token = token[:-1]
            user = by_username.get(token.lower())
            length = len(token)
            if user is None:
                written = match.group(1).rstrip(_TRAILING)
                if written and written not in found.unknown:
                    found.unknown.append(written)
                continue
        found.spans.append((start, start + 1 + length))
        if user not in found.users:
            found.users.append(user)
    return found
