"""Searching cases: what a search term means, and the filter and ranking it puts on a list of cases.

One function, ``cases_matching``, serves the queue, the header's search box and the API's ``q``. A term is
split on spaces; a case matches when every part is found in one of its fields:
- its reference, its customer's name, e-mail or phone, or its order reference: anywhere, by any part
  ("241" finds PR-2026-000241, "shah" finds "Priya Shah", "55102" finds "HH-55102");
- its subject, the customer's words or its messages: by whole words or their beginnings ("kett" and
  "kettle" find "kettle", "refund" finds "refunded").
Case does not matter. "2026-241" and "PR-2026-241" are read as the reference PR-2026-000241 (the number
padded as references are).

The database's own indexes answer (see this room's migration). A part shorter than three characters cannot
use the trigram index: it is still honoured, by a scan of the identifiers.

Ranking, the same on both databases: an exact reference first; then each part found in the reference
(8), the order reference or the customer's name, e-mail or phone (6), or the subject (3) adds its weight;
a part found only in the customer's words or messages adds none (scoring long texts would cost more than
it tells); among equals, the queue's own order (newest first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import add

from django.db import connections
from django.db.models import Case, QuerySet, Value, When

# Trigram indexes need three characters; shorter parts are matched by scanning.
INDEXED_PART = 3
MAX_PARTS = 8
MAX_LENGTH = 200

# What a search looks at, in words, for the page that says what was searched.
SEARCHED_FIELDS = "reference, customer's name, e-mail and phone, order reference, subject, the customer's words and messages"

_REFERENCE_WITH_YEAR = re.compile(r"^(?:pr-)?(\d{4})-0*(\d{1,6})$")

# A part found in a field adds its weight to the case's score.
_WEIGHTS = (
    ("reference", 8),
    ("order_reference", 6),
    ("customer__name", 6),
    ("customer__email", 6),
    ("customer__phone", 6),
    ("subject", 3),
)
# An exact reference outranks everything else.
_EXACT_REFERENCE_BONUS = 1000
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchTerm:
    text: str
    parts: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.parts)


def term_parse(text: str) -> SearchTerm:
    """The parts searched for: lower-cased, at most MAX_PARTS of them, a reference with its year padded."""
    text = " ".join((text or "").split())[:MAX_LENGTH]
    parts: list[str] = []
    for word in text.lower().split(" "):
        if not word:
            continue
        reference = _REFERENCE_WITH_YEAR.match(word)
        if reference:
            word = f"{reference.group(1)}-{int(reference.group(2)):06d}"
        if word not in parts:
            parts.append(word)
    return SearchTerm(text=text, parts=tuple(parts[:MAX_PARTS]))


def _like(part: str) -> str:
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def cases_matching(cases: QuerySet, term: SearchTerm) -> QuerySet:
    """``cases`` narrowed to those matching ``term``, best match first (then in ``cases``' own order).

    Annotates ``search_score`` (higher is better). An empty term leaves ``cases`` as it was.
    """
    if not term:
        return cases
    vendor = connections[cases.db].vendor
    if vendor == "sqlite":
        narrowed = _sqlite(cases, term)
    elif vendor == "postgresql":
        narrowed = _postgresql(cases, term)
    else:
        raise RuntimeError(f"search: no index for the {vendor} database")
    hits = [
        Case(When(**{f"{field}__icontains": part}, then=Value(weight)), default=Value(0))
        for part in term.parts
        for field, weight in _WEIGHTS
    ]
    exact = Case(
        When(reference__iexact=term.parts[0], then=Value(_EXACT_REFERENCE_BONUS)),
        default=Value(0),
    )
    score = reduce(add, hits, exact)
    return narrowed.annotate(search_score=score).order_by("-search_score", *cases.query.order_by)


def _words(part: str) -> list[str]:
    return _WORD.findall(part)


def _sqlite(cases: QuerySet, term: SearchTerm) -> QuerySet:
    where, params = [], []
    for part in term.parts:
        sources = []
        if len(part) >= INDEXED_PART:
            # Quoted, a trigram phrase matches anywhere in the text; quotes inside are doubled.
            sources.append("SELECT rowid FROM search_case_ids WHERE search_case_ids MATCH %s")
            params.append('"' + part.replace('"', '""') + '"')
        else:
            sources.append(
                "SELECT rowid FROM search_case_ids"
                " WHERE (reference || ' ' || customer || ' ' || order_reference) LIKE %s ESCAPE '\\'"
            )
            params.append(_like(part))
        words = _words(part)
        if words:
            # Each word, or a word it begins: "kett" finds "kettle".
            match = " AND ".join(f'"{w}"*' for w in words)
            sources.append("SELECT rowid FROM search_case_text WHERE search_case_text MATCH %s")
            sources.append("SELECT case_id FROM search_message_text WHERE search_message_text MATCH %s")
            params += [match, match]
        where.append(f"cases_case.id IN ({' UNION '.join(sources)})")
    return cases.extra(where=where, params=params)


def _postgresql(cases: QuerySet, term: SearchTerm) -> QuerySet:
    where, params = ["search_case_document.case_id = cases_case.id"], []
    for part in term.parts:
        words = _words(part)
        if words:
            where.append(
                "(search_case_document.ids LIKE %s"
                " OR search_case_document.document @@ to_tsquery('simple', %s))"
            )
            params += [_like(part), " & ".join(f"'{w}':*" for w in words)]
        else:
            where.append("search_case_document.ids LIKE %s")
            params.append(_like(part))
    return cases.extra(tables=["search_case_document"], where=where, params=params)
