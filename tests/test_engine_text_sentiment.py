"""K2 emotional state (``putright.engines.text.sentiment_of``): rules E1–E6 on messages written here."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from putright.engines.text import SentimentResult, sentiment_of
from putright.engines.text.sentiment import LABELS, MAX_CHARS


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "Thank you so much, the replacement arrived quickly and works perfectly. Great service!",
            "positive",
        ),
        ("Brilliant, really happy with how you handled this.", "positive"),
        ("This is the worst service I have ever had. Terrible and rude staff.", "negative"),
        ("I hate this company, an awful experience from start to finish.", "negative"),
        ("Please can you tell me when my engineer visit is booked.", "neutral"),
        ("My account number changed last month.", "neutral"),
        ("", "neutral"),
    ],
)
def test_e1_e6_clear_examples_get_their_label(text, label):
    assert sentiment_of(text).label == label


def test_e2_a_plain_report_of_a_fault_reads_negative_and_names_the_problem():
    result = sentiment_of("My parcel has not arrived and the tracking page stopped working.")
    assert result.label == "negative"
    assert "problem: not arrived" in result.cues and "problem: stopped working" in result.cues
    assert not result.anger and not result.distress


def test_e2_a_polite_refund_request_is_not_read_as_positive():
    # VADER alone reads "love" and "please" as warmth; the refund request is the point.
    assert sentiment_of("I would love a refund please, the kettle is faulty").label == "negative"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I am absolutely furious about this", "anger: furious"),
        ("Disgusted by how I was treated", "anger: disgusted"),
        ("This is outrageous", "anger: outrageous"),
        ("Just sort it out", "anger: sort it out"),
        ("Your service is an absolute joke", "anger: an absolute joke"),
        ("Still no refund 😡", "anger: pouting face emoji"),
    ],
)
def test_e3_anger_words(text, cue):
    result = sentiment_of(text)
    assert result.anger is True and cue in result.cues and result.label == "negative"


def test_e3_capitals_and_exclamations_are_anger_only_in_a_negative_message():
    shouting = sentiment_of("THIS IS THE THIRD TIME THE ROUTER HAS FAILED AND NOBODY CARES")
    assert shouting.anger and "anger: writing in capitals" in shouting.cues
    exclaiming = sentiment_of("Still broken after three visits!!!")
    assert exclaiming.anger and "anger: repeated exclamation marks" in exclaiming.cues

    assert not sentiment_of("I LOVE THIS SERVICE SO MUCH").anger
    assert not sentiment_of("Thank you!!! Brilliant work!!").anger
    # Acronyms and redaction masks are not shouting.
    assert not sentiment_of("I wrote to the CFPB about the FCRA dispute with XXXX XXXX XXXX").anger


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I am desperate, please help", "distress: desperate"),
        ("I can't afford to pay this bill", "distress: can't afford"),
        ("I have been crying all night about this", "distress: crying"),
        ("I am worried sick about the debt", "distress: worried sick"),
        ("My husband passed away last month and the account is in his name", "distress: passed away"),
        ("I am in hospital and cannot get to the branch", "distress: in hospital"),
        ("As a vulnerable customer I need more time", "distress: vulnerable"),
        ("We are about to lose our home", "distress: lose our home"),
    ],
)
def test_e4_distress_phrases(text, cue):
    result = sentiment_of(text)
    assert result.distress is True and cue in result.cues and result.label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not angry, I just want to know when it ships",
        "I am not desperate for it, whenever suits",
        "No longer worried, it arrived",
        "I was never furious with your staff",
    ],
)
def test_e5_negated_anger_and_distress_do_not_count(text):
    result = sentiment_of(text)
    assert not result.anger and not result.distress
    assert not any(c.startswith(("anger:", "distress:")) for c in result.cues)


def test_e4_phrases_not_single_words_a_dead_battery_is_not_a_bereavement():
    assert not sentiment_of("The battery died after a week").distress
    assert not sentiment_of("The hospital parking machine took my card").distress


def test_cues_are_listed_once_in_order_anger_then_distress_then_problems():
    result = sentiment_of("Furious. FURIOUS. I can't afford this and the app stopped working, furious!!")
    assert result.cues[0] == "anger: furious"
    assert result.cues.count("anger: furious") == 1
    kinds = [c.split(":")[0] for c in result.cues]
    assert kinds == sorted(kinds, key=["anger", "distress", "problem"].index)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.sampled_from(["XXXX XXXX", "😭😭", "Ça ne marche pas!!!", "壊れています", "!!!!!!", "NOT HAPPY"]),
        st.builds(
            lambda w, n: (w + " ") * n, st.sampled_from(["furious", "refund", "XXXX"]), st.integers(1, 4000)
        ),
    )
)
def test_any_text_gives_a_valid_result(text):
    result = sentiment_of(text)
    assert isinstance(result, SentimentResult)
    assert result.label in LABELS
    assert -1.0 <= result.score <= 1.0
    assert isinstance(result.cues, tuple) and all(isinstance(c, str) for c in result.cues)
    assert (result.anger or result.distress) <= (result.label == "negative")
    assert sentiment_of(text) == result  # deterministic


def test_very_long_text_is_read_only_up_to_the_limit():
    tail = " I am furious and desperate." * 10
    result = sentiment_of("a" * MAX_CHARS + tail)
    assert not result.anger and not result.distress
