"""Searching cases: what a search term means, and the filter and ranking it puts on a list of cases.

One function, ``cases_matching``, serves the queue, the header's search box and the API's ``q``. A term is
split on spaces (a part with no letter or digit, such as "&", is left out when there are others); a case
matches when every part is found in one of its fields:
- its reference, its customer's name, e-mail or phone, or its order reference: anywhere, by any part
  ("241" finds PR-2026-000241, "shah" finds "Priya Shah", "55102" finds "HH-55102");
- its subject, the customer's words or its messages: by whole words or their beginnings ("kett" and
  "kettle" find "kettle", "refund" finds "refunded").
Case does not matter. "2026-241" and "PR-2026-241" are read as the reference PR-2026-000241 (the number
padded as references are). In the texts, a one-letter word beside longer ones in a part is not looked for
by itself: "o'neill" is looked for as "neill" (nearly every text has a word beginning with "o").

The database's own indexes answer (see this room's migrations). A part shorter than three characters cannot
use the trigram index, and is in half the identifiers: it narrows, by the beginnings of words in the texts
("kettle sw" finds "switch"), and anywhere in the identifiers of the cases a longer part found there ("priya
sh" finds Priya Shah); when every part is that short, the identifiers are scanned.

A search counts and lists at most COUNT_LIMIT (1,000) cases, best first: past that it says "more than 1,000"
(``SearchResults.capped``), so a common word costs no more than a rare one.

Ranking, the same on both databases, in three tiers, so that the count and the first page are worked out
over the index before any case row is read (a common word or name part, matching thousands of cases, no
longer costs a score for each of them):
1. the cases where a part is found in an identifier (reference, order reference, customer's name, e-mail or
   phone) and every part matches: an exact reference first; then by score, each part found in the
   reference (8), the order reference or the customer's name, e-mail or phone (6), or the subject (3)
   adding its weight;
2. then the other matches whose subject holds every part's words (by their beginnings);
3. then the rest (found by the customer's words or messages).
Within a tier and among equal scores, newest reference first (references are given in the order cases are
logged). The queue's own sort (by priority, say) does not apply to a search's results.
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
    words = text.lower().split(" ")
    # A part with no letter or digit ("&", "-") beside real words is left out: no text is searched by it,
    # so it would hide every case ("Click & Collect" would find nothing). Alone, it is kept and matches
    # what holds it (an identifier), which is usually nothing.
    if any(_WORD.search(word) for word in words):
        words = [word for word in words if _WORD.search(word)]
    for word in words:
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


def _words(part: str) -> list[str]:
    """The words of a part, as the texts are searched: a one-letter word beside longer ones is not looked for
    by itself ("o'neill" is looked for as "neill"; nearly every text has a word beginning with "o")."""
    words = _WORD.findall(part)
    return [w for w in words if len(w) > 1] or words


def cases_matching(cases: QuerySet, term: SearchTerm) -> QuerySet | SearchResults:
    """``cases`` narrowed to those matching ``term``, best match first (see the ranking above).

    An empty term leaves ``cases`` as it was. Otherwise the answer is a ``SearchResults``: it counts and
    is cut into pages (``count()``, ``[a:b]``) as a queryset is, by two queries whatever the number of
    matches — one over the index for the count (up to COUNT_LIMIT) and the ranked page, one for those cases'
    rows.
    """
    if not term:
        return cases
    vendor = connections[cases.db].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"search: no index for the {vendor} database")
    return SearchResults(cases, term, vendor)


class SearchResults:
    """The cases a search found, best first; counted and ranked by the index before any case row is read."""

    ordered = True  # for the Paginator: the order is the ranking's

    def __init__(self, cases: QuerySet, term: SearchTerm, vendor: str):
        self.cases, self.term, self.vendor = cases, term, vendor
        self._total: int | None = None
        self._ranked: list[int] = []
        self._depth = 0  # how many of the best the last ranking fetched (all of them when fewer matched)

    def _rank(self, depth: int) -> None:
        if self._total is not None and (self._depth >= depth or len(self._ranked) >= self._total):
            return
        sql, params = (_sqlite if self.vendor == "sqlite" else _postgresql)(self.cases, self.term, depth)
        with connections[self.cases.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # The first row carries the count; the others are the ranked ids, best first.
        self._total = int(rows[0][1])
        self._ranked = [row[1] for row in rows[1:]]
        self._depth = depth

    def count(self) -> int:
        """How many cases match, up to COUNT_LIMIT (see ``capped``)."""
        self._rank(max(self._depth, FIRST_PAGE))
        return min(self._total, COUNT_LIMIT)

    @property
    def capped(self) -> bool:
        """More than COUNT_LIMIT cases match: ``count()`` says COUNT_LIMIT, and only that many are listed."""
        self.count()
        return self._total > COUNT_LIMIT

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        return self.count() > 0

    def __getitem__(self, key):
        if isinstance(key, int):
            if key < 0:
                raise IndexError("search results take no negative index")
            found = self[key : key + 1]
            if not found:
                raise IndexError("search results index out of range")
            return found[0]
        start, stop = key.start or 0, key.stop
        if key.step not in (None, 1) or start < 0 or (stop is not None and stop < 0):
            raise ValueError("search results take plain, non-negative slices")
        # No further than the count: past COUNT_LIMIT, matches are not listed.
        stop = self.count() if stop is None else min(stop, self.count())
        self._rank(max(stop, FIRST_PAGE))
        ids = self._ranked[start:stop]
        if not ids:
            return []
        rows = {case.pk: case for case in self.cases.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]

    def __iter__(self):
        return iter(self[0 : self.count()])

    def ids(self) -> list[int]:
        """Every matching case's id, best first: for a list the caller orders its own way (a queue sorted
        by a column while searching). Costs a ranking of every match, so only for that."""
        self._rank(self.count())
        return self._ranked[: self.count()]


# The page the queue and the API show first: ranking this many costs no more than ranking fewer.
FIRST_PAGE = 50
# A search counts and lists its matches up to this many, best first; past it, the answer is "more than 1,000"
# (as Zendesk's search lists 1,000 results at most). Counting the 15,000 cases that hold a common word costs a
# visit to each of them, where the first thousand are found at once; nobody reads past a thousand matches —
# they add a word.
COUNT_LIMIT = 1000


def _queue(cases: QuerySet) -> tuple[str, list] | None:
    """The queue's own filters as a subquery of case ids, or None when it has none (every case)."""
    if not cases.query.where:
        return None
    sql, params = cases.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _score_sqlite(term: SearchTerm) -> tuple[str, list]:
    sql, params = ["(k.reference = %s) * " + str(_EXACT_REFERENCE_BONUS)], [term.parts[0]]
    for part in term.parts:
        for column, weight in _KEY_WEIGHTS:
            sql.append(f"(instr(k.{column}, %s) > 0) * {weight}")
            params.append(part)
    return " + ".join(sql), params


# The weights of _WEIGHTS, by the columns of the SQLite key table (lower-cased copies of the fields).
_KEY_WEIGHTS = (
    ("reference", 8),
    ("order_reference", 6),
    ("name", 6),
    ("email", 6),
    ("phone", 6),
    ("subject", 3),
)


def _fts(words: list[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)


def _sqlite(cases: QuerySet, term: SearchTerm, depth: int) -> tuple[str, list]:
    """One statement: the count, then the ``depth`` best case ids (see the module's ranking)."""
    ctes, params = [], []
    queue = _queue(cases)
    if queue:
        ctes.append(f"q(id) AS MATERIALIZED ({queue[0]})")
        params += queue[1]
    in_queue = " AND +{col} IN (SELECT id FROM q)" if queue else ""
    # i<n>: the cases whose identifiers hold part n, by the trigram index (a part too short for it is looked
    # for in the key table instead: row by row, or by a scan when every part is short).
    parts = term.parts
    longs = [n for n, part in enumerate(parts) if len(part) >= INDEXED_PART]
    shorts = [n for n in range(len(parts)) if n not in longs]
    listed = longs or shorts
    for n in listed:
        if n in longs:
            ctes.append(
                f"i{n} AS MATERIALIZED (SELECT rowid AS id FROM search_case_ids WHERE search_case_ids MATCH %s)"
            )
            params.append('"' + parts[n].replace('"', '""') + '"')
        else:
            ctes.append(f"i{n} AS MATERIALIZED (SELECT id FROM search_case_key WHERE instr(ids, %s) > 0)")
            params.append(parts[n])
    # u: the cases an identifier holds some part of, that may match every part; mu: those that do. A short
    # part ("a", "17") is in half the identifiers: when there are longer parts, it only narrows the cases
    # they find.
    sources = [f"SELECT id FROM i{n}" for n in listed]
    ctes.append(
        f"u AS MATERIALIZED (SELECT id FROM ({' UNION '.join(sources)}) WHERE 1{in_queue.format(col='id')})"
    )
    if len(parts) == 1:
        ctes.append("mu AS MATERIALIZED (SELECT id FROM u)")
    else:
        # Row by row: a part's words are listed (once) only when some case's identifiers lack the part.
        conditions = []
        for n, part in enumerate(parts):
            if n in listed:
                condition = f"u.id IN (SELECT id FROM i{n})"
            else:
                condition = "instr(k.ids, %s) > 0"
                params.append(part)
            words = _words(part)
            # A part of one or two letters narrows by the identifiers alone (see _postgresql).
            if words and n in longs:
                condition += (
                    " OR u.id IN (SELECT rowid FROM search_case_words WHERE search_case_words MATCH %s"
                    " AND +rowid IN (SELECT id FROM u))"
                )
                params.append(_fts(words))
            conditions.append(f"({condition})")
        ctes.append(
            "mu AS MATERIALIZED (SELECT u.id AS id FROM u JOIN search_case_key k ON k.id = u.id WHERE "
            + " AND ".join(conditions)
            + ")"
        )
    score, score_params = _score_sqlite(term)
    params_rank: list = []
    tiers = [
        f"SELECT * FROM (SELECT 1 AS tier, {score} AS score, mu.id AS id FROM mu"
        " JOIN search_case_key k ON k.id = mu.id ORDER BY score DESC, mu.id DESC LIMIT %s)"
    ]
    params_rank += [*score_params, depth]
    all_words = [_words(part) for part in parts]
    if all(all_words):
        every = " AND ".join(f"({_fts(w)})" for w in all_words)
        in_subject = f"{{subject}} : ({every})"
        not_mu = " AND +rowid NOT IN (SELECT id FROM mu)" + in_queue.format(col="rowid")
        for tier, match in [(2, in_subject), (3, f"({every}) NOT ({in_subject})")]:
            tiers.append(
                f"SELECT * FROM (SELECT {tier}, 0, rowid FROM search_case_words"
                f" WHERE search_case_words MATCH %s{not_mu} ORDER BY rowid DESC LIMIT %s)"
            )
            params_rank += [match, depth]
        # Counted only up to the limit (see COUNT_LIMIT): a common word stops the count early.
        total = (
            "(SELECT count(*) FROM (SELECT id FROM (SELECT rowid AS id FROM search_case_words"
            " WHERE search_case_words MATCH %s"
            + in_queue.format(col="rowid")
            + " LIMIT %s) UNION SELECT id FROM mu))"
        )
        total_params = [every, COUNT_LIMIT + 1]
    else:
        total, total_params = "(SELECT count(*) FROM mu)", []
    sql = (
        f"WITH {', '.join(ctes)} SELECT 0, {total}, 0 UNION ALL SELECT * FROM ("
        f"SELECT tier, id, score FROM ({' UNION ALL '.join(tiers)}) ORDER BY tier, score DESC, id DESC LIMIT %s)"
    )
    return sql, [*params, *total_params, *params_rank, depth]


def _tsquery(words: list[str], weight: str = "") -> str:
    return " & ".join(f"'{w}':*{weight}" for w in words)


def _postgresql(cases: QuerySet, term: SearchTerm, depth: int) -> tuple[str, list]:
    """One statement: the count (up to COUNT_LIMIT + 1), then the ``depth`` best case ids (see the module's
    ranking). The identifiers are in ``search_case_document`` (narrow, with their trigram index, and the
    lower-cased fields a score is worked out from), the words in ``search_case_words``, which holds the
    identifiers too (``ids``, with a trigram index of its own: see migration 0004)."""
    ctes, params = [], []
    queue = _queue(cases)
    if queue:
        # Not materialised: inlined, the planner sees how many cases the queue holds (a materialised CTE is
        # guessed at 200 rows, and it then looked up each of 100,000 queue cases in the index one by one).
        ctes.append(f"q(id) AS NOT MATERIALIZED ({queue[0]})")
        params += queue[1]
    in_queue = " AND {t}.case_id IN (SELECT id FROM q)" if queue else ""
    parts = term.parts
    # The cases whose identifiers hold a part (the trigram index) — a part of three characters or more when
    # there is one: a shorter part is in half the identifiers, it only narrows — and that match every part.
    drivers = [part for part in parts if len(part) >= INDEXED_PART] or list(parts)

    def in_ids(table: str) -> str:
        return "(" + " OR ".join(f"{table}.ids LIKE %s" for _ in drivers) + ")"

    score_sql = [f"(d.reference = %s)::int * {_EXACT_REFERENCE_BONUS}"]
    score_params: list = [parts[0]]
    for part in parts:
        for column, weight in _KEY_WEIGHTS:
            score_sql.append(f"(strpos(d.{column}, %s) > 0)::int * {weight}")
            score_params.append(part)
    score = " + ".join(score_sql)
    if len(parts) == 1:
        # One part: its cases by the narrow table's trigram index, the score from the same row.
        ctes.append(
            f"mu AS MATERIALIZED (SELECT d.case_id AS id, {score} AS score FROM search_case_document d"
            f" WHERE {in_ids('d')}{in_queue.format(t='d')})"
        )
        params += [*score_params, *(_like(part) for part in drivers)]
    else:
        # Several parts: each found in the identifiers or (a part of three characters or more) in the words,
        # both in the one row of search_case_words, so the planner can answer the whole condition with one
        # bitmap over both of its indexes — AND of (trigram OR words) per part — and visit only the rows
        # that can match ("George White": about 250, where an identifier holds "george" or "white" 4,800
        # times). Then each match's score, from the narrow table by its key.
        checks: list[str] = [in_ids("w")]
        check_params: list = [_like(part) for part in drivers]
        for part in parts:
            words = _words(part)
            if words and len(part) >= INDEXED_PART:
                checks.append("(w.ids LIKE %s OR w.words @@ to_tsquery('simple', %s))")
                check_params += [_like(part), _tsquery(words)]
            else:
                # A part of one or two letters (or with no letter or digit) narrows the cases an identifier
                # found by the identifiers alone ("Priya S": a Priya whose name, e-mail… holds an "s"):
                # nearly every text holds a word that begins with it, so looking there would narrow nothing.
                checks.append("w.ids LIKE %s")
                check_params.append(_like(part))
        ctes.append(
            "m AS MATERIALIZED (SELECT w.case_id AS id FROM search_case_words w WHERE "
            + " AND ".join(checks)
            + f"{in_queue.format(t='w')})"
        )
        params += check_params
        ctes.append(
            f"mu AS MATERIALIZED (SELECT d.case_id AS id, {score} AS score"
            " FROM m JOIN search_case_document d ON d.case_id = m.id)"
        )
        params += score_params
    tiers = ["(SELECT 1 AS tier, score, id FROM mu ORDER BY score DESC, id DESC LIMIT %s)"]
    params_rank: list = [depth]
    all_words = [_words(part) for part in parts]
    if all(all_words):
        every = " & ".join(f"({_tsquery(w)})" for w in all_words)
        # wl: the cases whose words hold every part, counted only up to the limit: with no order asked, the
        # planner may stop a scan as soon as it has that many (a common word would cost a visit to each of
        # its thousands of rows to count exactly).
        ctes.append(
            "wl AS MATERIALIZED (SELECT d.case_id AS id FROM search_case_words d"
            f" WHERE d.words @@ to_tsquery('simple', %s){in_queue.format(t='d')} LIMIT %s)"
        )
        params += [every, COUNT_LIMIT + 1]
        # The newest first: walking the table's key backwards, a common word finds its newest cases at once.
        for tier, where in [(2, "d.subject @@ {q}"), (3, "d.words @@ {q} AND NOT d.subject @@ {q}")]:
            condition = where.format(q="to_tsquery('simple', %s)")
            tiers.append(
                f"(SELECT {tier}, 0, d.case_id FROM search_case_words d WHERE {condition}"
                f" AND d.case_id NOT IN (SELECT id FROM mu){in_queue.format(t='d')} ORDER BY d.case_id DESC LIMIT %s)"
            )
            params_rank += [every] * condition.count("%s") + [depth]
        total = "(SELECT count(*) FROM (SELECT id FROM wl UNION SELECT id FROM mu) t)"
    else:
        total = "(SELECT count(*) FROM mu)"
    sql = (
        f"WITH {', '.join(ctes)} (SELECT 0, {total}, 0) UNION ALL (SELECT * FROM ("
        f"SELECT tier, id, score FROM ({' UNION ALL '.join(tiers)}) t ORDER BY tier, score DESC, id DESC LIMIT %s) r)"
    )
    return sql, [*params, *params_rank, depth]
