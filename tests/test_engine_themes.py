"""S4 rising themes (``putright.engines.text.themes``): rules T1–T6 as tables, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from putright.engines.text.themes import Theme, fold, terms_of, trending_terms


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("Parcels", "parcel"),
        ("parcel", "parcel"),
        ("deliveries", "delivery"),
        ("boxes", "box"),
        ("couriers", "courier"),
        ("courier's", "courier"),
        ("glass", "glass"),  # -ss is not a plural
        ("status", "status"),  # nor -us
        ("analysis", "analysis"),  # nor -is
        ("bus", "bus"),  # too short to fold
    ],
)
def test_t1_folds_plurals_and_possessives_into_one_key(word, key):
    assert fold(word) == key


def test_t1_drops_stop_words_short_words_and_numbers_and_keeps_phrases_within_a_clause():
    terms = terms_of("The courier left my parcel outside, in the rain. It was 2 days late!")
    assert set(terms) == {
        ("courier",),
        ("left",),
        ("parcel",),
        ("outside",),
        ("rain",),
        ("day",),
        ("late",),
        ("courier", "left"),
        ("left", "parcel"),
        ("outside", "parcel"),  # a phrase's key is its words in order, whichever way round they came
        ("day", "late"),
    }
    # "outside" and "rain" are in different clauses: no phrase across the comma.
    assert ("outside", "rain") not in terms
    assert terms[("day",)] == "days"


def test_t2_counts_each_text_once_however_often_it_repeats_a_word():
    [theme] = trending_terms(["refund refund refund refund", "refund please"], [], min_count=2)
    assert theme == Theme(term="refund", current_count=2, previous_count=0, growth=3.0)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        # T3/T4: new this period (nothing before): growth = count + 1.
        (["late parcel"] * 3, [], [("late parcel", 3, 0, 4.0)]),
        # Same share of a same-sized period: not rising.
        (["late parcel", "fine"], ["late parcel", "fine"], []),
        # Twice the mentions in a same-sized period: expected 2, growth (4+1)/(2+1) = 1.67.
        (["late parcel"] * 4, ["late parcel"] * 2 + ["fine"] * 2, [("late parcel", 4, 2, 1.67)]),
        # The previous period was twice as big: 2 mentions then are 1 expected now; growth 3/2 = 1.5.
        (["late parcel", "late parcel"], ["late parcel"] * 2 + ["fine"] * 2, [("late parcel", 2, 2, 1.5)]),
        # Below the minimum count: nothing, however new.
        (["late parcel"], [], []),
    ],
)
def test_t3_t4_rising_is_more_than_expected_by_at_least_the_minimum_growth(current, previous, expected):
    themes = trending_terms(current, previous, min_count=2)
    assert [(t.term, t.current_count, t.previous_count, t.growth) for t in themes] == expected


def test_t4_growth_threshold_is_inclusive():
    # (2 + 1) / (1 + 1) = 1.5 exactly.
    current = ["damaged box", "damaged box", "other", "other"]
    previous = ["damaged box", "other", "other", "other"]
    assert [t.term for t in trending_terms(current, previous, min_count=2, min_growth=1.5)] == ["damaged box"]
    assert trending_terms(current, previous, min_count=2, min_growth=1.51) == []


def test_t5_ranks_by_extra_mentions_then_growth_then_alphabetically():
    current = ["alpha"] * 5 + ["beta"] * 3 + ["gamma"] * 3
    themes = trending_terms(current, [], min_count=2)
    assert [t.term for t in themes] == ["alpha", "beta", "gamma"]
    assert [t.growth for t in themes] == [6.0, 4.0, 4.0]


def test_t6_a_phrase_that_explains_a_word_replaces_it():
    current = [
        "Parcel left outside again",
        "my parcels were left outside in the rain",
        "driver left it outside",
        "left a voicemail",
    ]
    themes = trending_terms(current, [], min_count=2)
    terms = [t.term for t in themes]
    assert terms == ["left", "left outside", "parcel left"]
    # "outside" (3 mentions, all in "left outside") and "parcel" (2, both in "parcel left") are
    # explained by their phrases; "left" has 4 mentions, only 3 of them (75% < 80%) in one phrase.
    phrase = themes[1]
    assert (phrase.current_count, phrase.rule_ids[-1]) == (3, "T6")


def test_t1_a_phrase_is_one_term_whichever_way_round_its_words_come():
    [theme] = trending_terms(
        ["parcel left outside", "left parcel by the door", "parcel left again"], [], min_count=3
    )
    assert (theme.term, theme.current_count) == ("parcel left", 3)


def test_t6_a_word_spread_over_several_rising_phrases_gives_way_to_them():
    current = ["left outside", "left outside", "parcel left", "parcel left", "left"]
    terms = [t.term for t in trending_terms(current, [], min_count=2)]
    # "left": 4 of its 5 texts (80%) hold one of the phrases, so the phrases stand for it.
    assert terms == ["left outside", "parcel left"]


def test_the_commonest_spelling_labels_a_theme():
    themes = trending_terms(["Parcels lost", "parcel lost", "parcel lost"], [], min_count=3)
    assert [t.term for t in themes] == ["parcel lost"]


def test_top_limits_the_list_and_nonsense_limits_return_nothing():
    current = [f"word{i} word{i}x" for i in range(5)] * 2
    assert len(trending_terms(current, [], top=3, min_count=2)) == 3
    assert trending_terms(current, [], top=0) == []
    assert trending_terms(current, [], min_count=0) == []


def test_empty_periods_give_no_themes():
    assert trending_terms([], []) == []
    assert trending_terms([], ["late delivery"] * 5) == []


@given(
    current=st.lists(st.text(max_size=80), max_size=15),
    previous=st.lists(st.text(max_size=80), max_size=15),
)
def test_any_texts_give_a_deterministic_well_formed_answer(current, previous):
    first = trending_terms(current, previous)
    assert first == trending_terms(list(current), list(previous))
    for theme in first:
        assert theme.current_count >= 2
        assert theme.growth >= 1.5
        assert 1 <= theme.words <= 2
