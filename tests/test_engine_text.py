"""S3 text engine (``putright.engines.text``): embedders, grouping (G1–G8) and ``similar``, on small texts
the tests write themselves. No database."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from putright.engines.text import (
    BACKENDS,
    Grouping,
    GroupSummary,
    TfidfEmbedder,
    embedder_for,
    group_texts,
    similar,
)
from putright.engines.text.prep import clean, dedupe_key, fold, has_words

OUTAGE = [
    "My broadband keeps dropping out every evening, the internet connection is useless",
    "Broadband connection drops every evening and the internet stops working",
    "The internet connection keeps dropping, broadband down again this evening",
    "Every evening my broadband drops out and I lose the internet connection",
    "Internet connection dropping all the time, broadband unusable in the evening",
    "Broadband dropping out again, no internet connection most evenings",
    "Why does my broadband connection keep dropping every evening? Internet is unusable",
]
REFUND = [
    "I returned the faulty kettle three weeks ago and still have not received my refund",
    "Still waiting for my refund for the kettle I returned weeks ago",
    "Kettle returned as faulty but the refund has not been received yet",
    "Where is my refund? I sent the kettle back three weeks ago",
    "Refund for returned kettle still not received after three weeks",
]
UNRELATED = [
    "Please update the postal address on my account to the new flat",
    "The engineer who fixed the boiler was polite and tidy",
    "Can I pay my bill by cheque at the post office?",
    "Your mobile app crashes whenever I upload a photo of my meter reading",
    "The parking at your Leeds store is far too small on Saturdays",
]
TEXTS = OUTAGE + REFUND + UNRELATED
TFIDF = TfidfEmbedder()


def test_g6_g7_paraphrased_complaints_form_their_groups_and_unrelated_ones_stay_out():
    grouping = group_texts(TEXTS, embedder=TFIDF)

    outage = set(range(len(OUTAGE)))
    refund = set(range(len(OUTAGE), len(OUTAGE) + len(REFUND)))
    assert [set(g.members) for g in grouping.groups] == [outage, refund]  # largest first
    assert [g.group_id for g in grouping.groups] == [1, 2]
    assert [g.size for g in grouping.groups] == [7, 5]
    assert grouping.labels == [1] * 7 + [2] * 5 + [None] * 5


def test_g8_groups_are_labelled_by_their_own_words_with_a_member_as_representative():
    outage, refund = group_texts(TEXTS, embedder=TFIDF).groups

    assert outage.representative in outage.members and refund.representative in refund.members
    assert any("broadband" in term or "connection" in term for term in outage.top_terms)
    assert any("kettle" in term or "refund" in term for term in refund.top_terms)
    assert outage.label == ", ".join(outage.top_terms[:3])
    assert 1 <= len(outage.top_terms) <= 5


def test_g7_min_size_is_inclusive_and_a_smaller_group_is_left_out():
    assert [g.size for g in group_texts(TEXTS, embedder=TFIDF, min_size=5).groups] == [7, 5]
    assert [g.size for g in group_texts(TEXTS, embedder=TFIDF, min_size=6).groups] == [7]
    grouping = group_texts(TEXTS, embedder=TFIDF, min_size=8)
    assert grouping.groups == [] and grouping.labels == [None] * len(TEXTS)


def test_g2_repeats_count_towards_the_size_and_every_copy_is_labelled():
    texts = ["Data cap overage charge again"] * 4 + ["data cap  overage charge AGAIN 123"] + UNRELATED
    grouping = group_texts(texts, embedder=TFIDF)

    assert len(grouping.groups) == 1
    assert grouping.groups[0].members == [0, 1, 2, 3, 4]
    assert grouping.groups[0].representative == 0  # the first of the copies
    assert grouping.labels[5:] == [None] * len(UNRELATED)


def test_g1_blank_masked_and_numeric_texts_join_no_group_however_often_they_repeat():
    texts = ["", "   ", "XXXX XXXX", "12/03/2024 $500.00", "!!!"] * 3 + TEXTS
    grouping = group_texts(texts, embedder=TFIDF)

    assert grouping.labels[:15] == [None] * 15
    assert grouping.labels[15:] == group_texts(TEXTS, embedder=TFIDF).labels


def test_g1_a_word_every_text_uses_says_nothing_so_texts_of_only_that_word_are_not_a_group():
    # "Comcast" alone, sent by many, where most complaints name Comcast: it says nothing about the problem.
    named = [
        f"Comcast {a} {b}"
        for a in ["billing", "router", "engineer", "contract", "upload", "channel"]
        for b in ["error", "late", "rude", "missing", "slow", "broken", "twice", "wrong", "cancelled", "lost"]
    ]
    grouping = group_texts(["Comcast"] * 30 + named, embedder=TFIDF)

    assert grouping.labels[:30] == [None] * 30
    # With few distinct texts nothing can be judged too common, and the repeated word is a group.
    assert group_texts(["Comcast", "comcast ", "COMCAST"] * 10, embedder=TFIDF).groups != []


def test_group_texts_is_deterministic():
    first = group_texts(TEXTS * 3, embedder=TfidfEmbedder())
    second = group_texts(TEXTS * 3, embedder=TfidfEmbedder())
    assert first == second


def test_an_empty_input_gives_an_empty_grouping():
    assert group_texts([], embedder=TFIDF) == Grouping(labels=[], groups=[])


@pytest.mark.parametrize("bad", [0, -1])
def test_min_size_below_one_is_refused(bad):
    with pytest.raises(ValueError, match="min_size"):
        group_texts(TEXTS, embedder=TFIDF, min_size=bad)


@pytest.mark.parametrize("bad", [0.0, -0.2, 1.5])
def test_a_threshold_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError, match="threshold"):
        group_texts(TEXTS, embedder=TFIDF, threshold=bad)


def test_a_higher_threshold_never_groups_more():
    loose = group_texts(TEXTS, embedder=TFIDF, threshold=0.1)
    strict = group_texts(TEXTS, embedder=TFIDF, threshold=0.6)
    assert sum(g.size for g in strict.groups) <= sum(g.size for g in loose.groups)


def test_large_batches_use_the_reduction_and_their_own_threshold():
    # 400+ distinct texts over a few hundred made-up words: SVD rows of `dims` columns, and the
    # large-batch threshold.
    syllables = ["ba", "ko", "mi", "tu", "re", "sa", "lo", "ne"]
    vocabulary = [a + b + c for a in syllables for b in syllables for c in syllables[:5]]
    rng = random.Random(3)
    texts = [" ".join(rng.sample(vocabulary, 6)) for _ in range(450)]
    embedder = TfidfEmbedder()
    vectors = embedder.embed(texts)
    assert len(texts) >= embedder.svd_min_texts
    assert vectors.shape == (len(texts), embedder.dims)
    assert embedder.threshold_for(len(texts)) == embedder.threshold
    assert embedder.threshold_for(10) == embedder.small_batch_threshold


def test_tfidf_rows_are_unit_length_float32_and_blank_rows_are_zero():
    vectors = TFIDF.embed(["", *OUTAGE, "XXXX"])
    assert vectors.dtype == np.float32 and vectors.shape[0] == 9
    norms = np.linalg.norm(vectors, axis=1)
    assert norms[0] == 0 and norms[-1] == 0
    assert np.allclose(norms[1:-1], 1.0, atol=1e-5)


def test_tfidf_embed_of_nothing_comparable_is_all_zero():
    vectors = TFIDF.embed(["", "XXXX", "the and of"])
    assert vectors.shape[0] == 3 and not vectors.any()


def test_similar_finds_the_paraphrases_best_first_and_not_the_unrelated():
    hits = similar(OUTAGE[0], OUTAGE[1:] + UNRELATED, embedder=TFIDF)
    found = [i for i, _ in hits]
    assert set(found) <= set(range(len(OUTAGE) - 1)) and len(found) >= 3
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(TFIDF.small_batch_threshold <= s <= 1.0001 for s in scores)


def test_similar_threshold_is_honoured_and_blank_queries_match_nothing():
    assert similar(OUTAGE[0], OUTAGE[1:], embedder=TFIDF, threshold=0.99) == []
    assert similar("", OUTAGE, embedder=TFIDF) == []
    assert similar("XXXX 1234", OUTAGE, embedder=TFIDF) == []
    assert similar(OUTAGE[0], [], embedder=TFIDF) == []
    assert similar(OUTAGE[0], [OUTAGE[0]], embedder=TFIDF)[0][0] == 0


def test_embedder_for_names_the_backends_and_refuses_others():
    assert BACKENDS == ("tfidf", "semantic")
    assert embedder_for("tfidf").name == "tfidf"
    with pytest.raises(ValueError, match="unknown text backend"):
        embedder_for("word2vec")


def test_p1_masks_numbers_and_addresses_are_removed_and_p3_plurals_fold():
    assert (
        clean("Call XXXX on 07700 900123 or a@b.com, see https://x.y/z ref AB123!") == "call on or see ref !"
    )
    assert dedupe_key("Data  CAPS 2024") == dedupe_key("data caps")
    assert not has_words("XXXX 12/12/2024 $5.00 😀") and has_words("Ça ne marche pas")
    assert [fold(w) for w in ["caps", "charges", "batteries", "glass", "status", "bus"]] == [
        "cap",
        "charge",
        "battery",
        "glass",
        "status",
        "bus",
    ]


# ---------------------------------------------------------------- untrusted text never breaks it

messy_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        ["", " ", "XXXX XXXX", "😡😡😡", "こんにちは 世界", "Ça ne marche pas du tout", "!!!???"]
    ),
    st.builds(
        lambda w, n: (w + " ") * n, st.sampled_from(["broadband", "refund", "XXXX"]), st.integers(1, 3000)
    ),
    st.sampled_from(OUTAGE + REFUND),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messy_text, max_size=25), st.integers(min_value=1, max_value=6))
def test_grouping_any_texts_keeps_its_promises(texts, min_size):
    grouping = group_texts(texts, embedder=TFIDF, min_size=min_size)

    assert len(grouping.labels) == len(texts)
    seen: list[int] = []
    for number, group in enumerate(grouping.groups, start=1):
        assert isinstance(group, GroupSummary) and group.group_id == number
        assert group.size == len(group.members) >= min_size
        assert group.representative in group.members
        assert all(grouping.labels[m] == number for m in group.members)
        assert all(has_words(texts[m]) for m in group.members)
        seen += group.members
    assert len(seen) == len(set(seen)) == sum(label is not None for label in grouping.labels)
    assert grouping == group_texts(texts, embedder=TFIDF, min_size=min_size)


@settings(max_examples=40, deadline=None)
@given(messy_text, st.lists(messy_text, max_size=10))
def test_similar_any_texts_returns_valid_positions_best_first(query, candidates):
    hits = similar(query, candidates, embedder=TFIDF)
    assert all(0 <= i < len(candidates) for i, _ in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert all(0.0 < s <= 1.0001 for _, s in hits)
