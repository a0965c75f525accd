"""A small run of the search benchmark (bench/bench_search.py) in the test database: the same bulk seeding
(cases, then three messages on each, indexed by the triggers as they go in), the same terms, the same
search and baseline, so the figures in the README come from code this test keeps working."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from putright.cases.models import Case, Category
from putright.channels.models import Message
from putright.demo.content import categories as demo_categories

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))  # the scripts import their neighbours (_common, bench_cases) by name

import bench_cases  # noqa: E402
import bench_search  # noqa: E402

pytestmark = pytest.mark.django_db

CASES = 120


@pytest.fixture
def seeded():
    rng = random.Random(7)
    for name, slug, description in demo_categories():
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users, _ = bench_cases.staff_create()
    pool = bench_cases.story_pool(rng, 40)
    bench_cases.background_seed(CASES, users, pool, rng, lambda done: None)
    written = bench_search.messages_seed(3, rng, pool, lambda done: None)
    return users["agent1"], rng, written


def test_the_seeding_writes_three_messages_on_every_case(seeded):
    _, _, written = seeded
    assert Case.objects.count() == CASES
    assert written == Message.objects.count() == 3 * CASES


def test_every_kind_of_term_finds_the_case_it_was_drawn_from_among_what_it_counts(seeded):
    agent, rng, _ = seeded
    terms = bench_search.terms_pick(rng, 24)
    assert sorted({kind for kind, _, _ in terms}) == sorted(
        [
            "e-mail",
            "full name",
            "order reference",
            "phone",
            "reference number",
            "subject words",
            "surname",
            "year-number",
        ]
    )
    for kind, term, reference in terms:
        count, page = bench_search.search_page(agent, term)
        assert count >= 1, (kind, term)
        if count <= bench_search.PAGE:
            assert reference in page, (kind, term)


def test_on_identifiers_the_search_counts_exactly_what_icontains_counts(seeded):
    agent, rng, _ = seeded
    for kind, term, _ in bench_search.terms_pick(rng, 24):
        if kind in {"full name", "e-mail", "order reference", "year-number"}:
            assert bench_search.search_page(agent, term)[0] == bench_search.baseline_page(agent, term)[0], (
                term
            )


def test_the_timed_run_reports_every_operation_for_every_term(seeded):
    agent, rng, _ = seeded
    terms = bench_search.terms_pick(rng, 8)
    results = bench_cases.measure_interleaved(
        [
            ("search", lambda i: 200 if bench_search.search_page(agent, terms[i % 8][1])[0] else 204),
            ("baseline", lambda i: 200 if bench_search.baseline_page(agent, terms[i % 8][1])[0] else 204),
        ],
        len(terms),
    )
    assert [r.name for r in results] == ["search", "baseline"]
    assert [len(r.latencies_ms) for r in results] == [8, 8]
    assert results[0].statuses == {200: 8}
    assert "search" in bench_cases.table(results)
