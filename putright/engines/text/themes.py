"""S4: themes rising in customer feedback — the words and two-word phrases mentioned more this period.

Pure and deterministic: two lists of texts in (this period's feedback and the
previous period's), a ranked list of ``Theme`` out. It imports nothing from the
rest of ``putright.engines.text`` so it can be used and tested on its own.

How a theme is found (the rule ids name each step; tests cite them):

- T1 terms: each text is lower-cased and cut into clauses at punctuation; words
  of fewer than three letters, numbers and common stop words are dropped; a
  light plural folding makes "parcels" and "parcel" one term. Terms are single
  words and two-word phrases of neighbouring kept words within a clause; a
  phrase is the same term in either order ("parcel left" and "left parcel").
- T2 counting: a term counts once per text that mentions it (document
  frequency), so one long rant cannot make a trend on its own.
- T3 expected: the previous period's count scaled to the size of this period,
  ``previous_count * len(current) / len(previous)`` (0 when the previous period
  is empty: everything is new).
- T4 rising: at least ``min_count`` mentions now, more than expected, and
  ``growth = (current_count + 1) / (expected + 1)`` of at least ``min_growth``.
- T5 ranking: most extra mentions first (current minus expected), then growth,
  then the term alphabetically, so equal inputs always give the same order.
- T6 phrases first: a single word is left out when at least 80% of the texts
  mentioning it also mention a rising phrase that contains it ("left outside"
  instead of "left" and "outside" as well).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TEXT_CHARS = 5000
MIN_WORD_LENGTH = 3
PHRASE_SHARE = 0.8

STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each even ever every few for from further get got had hadn't has hasn't have haven't having he
    he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
    into is isn't it it's its itself just let's me more most much must mustn't my myself no nor not now of
    off on once one only or other ought our ours ourselves out over own same shan't she she'd she'll she's
    should shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up upon very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who
    who's whom why why's will with won't would wouldn't yet you you'd you'll you're you've your yours
    yourself yourselves
    thank thanks thankyou please hello dear regards ok okay yes really still just also got get getting
    would could said told say says
    """.split()
)

_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]\n\r\t\"]+")
_WORD = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?")


@dataclass(frozen=True)
class Theme:
    """One term or phrase rising in feedback. Counts are texts mentioning it in each period."""

    term: str
    current_count: int
    previous_count: int
    growth: float
    rule_ids: tuple[str, ...] = ("T1", "T2", "T3", "T4", "T5")

    @property
    def is_new(self) -> bool:
        return self.previous_count == 0

    @property
    def words(self) -> int:
        return len(self.term.split())


def fold(word: str) -> str:
    """T1: the key a word is counted under: lower case, no possessive, light plural folding."""
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _clauses(text: str) -> list[list[str]]:
    """T1: the kept words of each clause, in order."""
    result = []
    for clause in _CLAUSE_BREAK.split(text[:MAX_TEXT_CHARS].lower()):
        words = [
            w
            for w in _WORD.findall(clause.replace("\u2019", "'"))
            if len(w) >= MIN_WORD_LENGTH and w not in STOP_WORDS and fold(w) not in STOP_WORDS
        ]
        if words:
            result.append(words)
    return result


def terms_of(text: str) -> dict[tuple[str, ...], str]:
    """T1: each term a text mentions (folded key → the words as written), once per text."""
    found: dict[tuple[str, ...], str] = {}
    for words in _clauses(text):
        for i, word in enumerate(words):
            found.setdefault((fold(word),), word)
            if i + 1 < len(words):
                nxt = words[i + 1]
                if fold(word) != fold(nxt):
                    key = (fold(word), fold(nxt)) if fold(word) < fold(nxt) else (fold(nxt), fold(word))
                    found.setdefault(key, f"{word} {nxt}")
    return found


def _count(
    texts: Iterable[str], surfaces: dict[tuple[str, ...], Counter[str]]
) -> tuple[Counter[tuple[str, ...]], list[frozenset[tuple[str, ...]]]]:
    """T2: in how many texts each term appears, and each text's terms; remembers how each was written."""
    counts: Counter[tuple[str, ...]] = Counter()
    per_text: list[frozenset[tuple[str, ...]]] = []
    for text in texts:
        found = terms_of(text or "")
        per_text.append(frozenset(found))
        for key, surface in found.items():
            counts[key] += 1
            surfaces.setdefault(key, Counter())[surface] += 1
    return counts, per_text


def _display(key: tuple[str, ...], surfaces: dict[tuple[str, ...], Counter[str]]) -> str:
    # The commonest spelling; alphabetical among equals, so the label is stable.
    written = surfaces.get(key)
    if not written:
        return " ".join(key)
    return sorted(written.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def trending_terms(
    current: Sequence[str],
    previous: Sequence[str],
    *,
    top: int = 10,
    min_count: int = 2,
    min_growth: float = 1.5,
) -> list[Theme]:
    """The terms and phrases rising in ``current`` compared with ``previous`` (see the module's rules)."""
    if top < 1 or min_count < 1:
        return []
    surfaces: dict[tuple[str, ...], Counter[str]] = {}
    now_counts, now_texts = _count(current, surfaces)
    before_counts, _ = _count(previous, surfaces)
    scale = len(current) / len(previous) if previous else 0.0

    rising: list[tuple[float, float, str, tuple[str, ...], Theme]] = []
    for key, count in now_counts.items():
        if count < min_count:
            continue
        before = before_counts.get(key, 0)
        expected = before * scale  # T3
        growth = (count + 1) / (expected + 1)
        if count <= expected or growth < min_growth:  # T4
            continue
        term = _display(key, surfaces)
        theme = Theme(term=term, current_count=count, previous_count=before, growth=round(growth, 2))
        rising.append((-(count - expected), -growth, term, key, theme))
    rising.sort(key=lambda row: (row[0], row[1], row[2]))  # T5

    phrases = [row[3] for row in rising if len(row[3]) == 2]
    chosen: list[Theme] = []
    for _, _, _, key, theme in rising:
        if len(key) == 1:
            containing = [phrase for phrase in phrases if key[0] in phrase]
            covered = sum(1 for terms in now_texts if key in terms and any(p in terms for p in containing))
            if containing and covered >= PHRASE_SHARE * theme.current_count:
                continue  # T6
        if len(key) == 2:
            theme = Theme(
                term=theme.term,
                current_count=theme.current_count,
                previous_count=theme.previous_count,
                growth=theme.growth,
                rule_ids=(*theme.rule_ids, "T6"),
            )
        chosen.append(theme)
        if len(chosen) == top:
            break
    return chosen


__all__ = ["STOP_WORDS", "Theme", "fold", "terms_of", "trending_terms"]
