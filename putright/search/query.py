"""Searching cases: what a search term means, and the filter and ranking it puts on a list of cases.

One function, ``cases_matching``, serves the queue, the header's search box and the API's ``q``. A term is
split on spaces; a case matches when every part is found somewhere in its reference, its customer's name,
e-mail or phone, its order reference, its subject, the customer's words or its messages. Parts match
anywhere inside a word ("241" finds PR-2026-000241, "shah" finds "Priya Shah"), case-insensitively.
"2026-241" and "PR-2026-241" are read as the reference PR-2026-000241 (the number padded as references are).

The database's own index answers (see this room's migration): SQLite's FTS5 trigram table, ranked by
bm25; PostgreSQL's trigram index, ranked by ``ts_rank`` on a weighted tsvector (which also finds other
forms of a word there: "refunds" finds "refund"). A part shorter than three
characters cannot use a trigram index: it is still honoured, by a scan of the matches of the other parts
(or of every case when it is the only part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

# Trigram indexes need three characters; shorter parts are matched by scanning.
INDEXED_PART = 3
MAX_PARTS = 8
MAX_LENGTH = 200

# What a search looks at, in words, for the page that says what was searched.
SEARCHED_FIELDS = "reference, customer's name, e-mail and phone, order reference, subject, the customer's words and messages"

_REFERENCE_WITH_YEAR = re.compile(r"^(?:pr-)?(\d{4})-0*(\d{1,6})$")

# SQLite bm25 weights, in the FTS table's column order: a hit in the reference counts most, messages least.
_SQLITE_WEIGHTS = "10.0, 6.0, 8.0, 3.0, 1.0, 0.5"
_SQLITE_COLUMNS = "reference, customer, order_reference, subject, words, messages"
# An exact reference outranks everything else.
_EXACT_REFERENCE_BONUS = 1000


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
    return narrowed.order_by("-search_score", *cases.query.order_by)


def _sqlite(cases: QuerySet, term: SearchTerm) -> QuerySet:
    indexed = [p for p in term.parts if len(p) >= INDEXED_PART]
    short = [p for p in term.parts if len(p) < INDEXED_PART]
    where = ["search_case_fts.rowid = cases_case.id"]
    params: list[str] = []
    select_params: list[str] = [term.parts[0]]
    if indexed:
        # Each part quoted: a trigram phrase matches anywhere in the text; quotes inside are doubled.
        match = " AND ".join('"' + p.replace('"', '""') + '"' for p in indexed)
        where.append("search_case_fts MATCH %s")
        params.append(match)
        score = f"-bm25(search_case_fts, {_SQLITE_WEIGHTS})"
    else:
        score = "0"
    everything = " || ' ' || ".join(f"search_case_fts.{c.strip()}" for c in _SQLITE_COLUMNS.split(","))
    for part in short:
        where.append(f"({everything}) LIKE %s ESCAPE '\\'")
        params.append(_like(part))
    return cases.extra(
        tables=["search_case_fts"],
        where=where,
        params=params,
        select={
            "search_score": (
                f"{score} + CASE WHEN lower(cases_case.reference) = %s THEN {_EXACT_REFERENCE_BONUS} ELSE 0 END"
            )
        },
        select_params=select_params,
    )


def _postgresql(cases: QuerySet, term: SearchTerm) -> QuerySet:
    words = " ".join(term.parts)
    return cases.extra(
        tables=["search_case_document"],
        where=[
            "search_case_document.case_id = cases_case.id",
            # Every part anywhere (trigram index), or every word in another form ("refunds" finds "refund").
            "(search_case_document.haystack LIKE ALL(%s::text[])"
            " OR search_case_document.document @@ plainto_tsquery('english', %s))",
        ],
        params=[[_like(p) for p in term.parts], words],
        select={
            # Any of the words counts towards the rank (parts of words simply add nothing).
            "search_score": (
                "ts_rank(search_case_document.document,"
                " replace(plainto_tsquery('english', %s)::text, '&', '|')::tsquery)"
                f" + CASE WHEN lower(cases_case.reference) = %s THEN {_EXACT_REFERENCE_BONUS} ELSE 0 END"
            )
        },
        select_params=[words, term.parts[0]],
    )
