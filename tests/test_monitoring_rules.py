"""S5 breach rules (``putright.monitoring.rules``, pure): dimensions M1, comparisons M2, windows M3,
cooldown M4 — as tables."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from putright.monitoring import rules

T0 = datetime(2031, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wanted", "dimensions", "matches"),
    [
        ({}, {}, True),
        ({}, {"region": "north"}, True),
        ({"region": "south-west"}, {"region": "south-west", "carrier": "DPX"}, True),
        ({"region": "south-west"}, {"region": " South-West "}, True),
        ({"region": "south-west"}, {"region": "north"}, False),
        ({"region": "south-west"}, {}, False),
        ({"region": "south-west", "carrier": "DPX"}, {"region": "south-west"}, False),
        ({"depot": 7}, {"depot": 7.0}, True),
        ({"depot": 7}, {"depot": "7"}, False),
        ({"express": True}, {"express": True}, True),
        ({"express": True}, {"express": 1}, False),
        ({"express": False}, {"express": 0}, False),
    ],
)
def test_m1_dimensions_are_a_subset_match(wanted, dimensions, matches):
    assert rules.dimensions_match(wanted, dimensions) is matches


@pytest.mark.parametrize(
    ("observed", "comparison", "limit", "breaches"),
    [
        (48.0, ">", 48, False),
        (48.01, ">", 48, True),
        (48.0, ">=", 48, True),
        (47.99, ">=", 48, False),
        (5.0, "<", 5, False),
        (4.99, "<", 5, True),
        (5.0, "<=", 5, True),
        (5.01, "<=", 5, False),
        (-1.0, "<", 0, True),
        (math.inf, ">", 1, False),
        (math.nan, "<", 1, False),
    ],
)
def test_m2_comparisons_at_and_around_the_boundary(observed, comparison, limit, breaches):
    assert rules.compare(observed, comparison, limit) is breaches


def test_m2_an_unknown_comparison_is_a_programming_error():
    with pytest.raises(ValueError):
        rules.compare(1.0, "==", 1)


@pytest.mark.parametrize(
    ("values", "aggregation", "expected"),
    [
        ([1.0, 5.0, 3.0], "count", 3.0),
        ([], "count", 0.0),
        ([1.0, 5.0, 3.0], "mean", 3.0),
        ([1.0, 5.0, 3.0], "max", 5.0),
        ([1.0, 5.0, 3.0], "min", 1.0),
        ([0.1, 0.2, 0.3], "sum", 0.6),
        ([1.0, 5.0, 3.0], "reading", 3.0),
        ([], "mean", None),
        ([], "max", None),
    ],
)
def test_m3_window_summaries(values, aggregation, expected):
    result = rules.aggregate(values, aggregation)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_m3_the_window_is_the_minutes_up_to_the_reading():
    assert rules.window_start(T0, 60) == T0 - timedelta(hours=1)


@pytest.mark.parametrize(
    ("observed_at", "continues"),
    [
        (T0 + timedelta(minutes=90), True),  # within 120 minutes of the last breaching reading
        (T0 + timedelta(minutes=180), True),  # exactly at the cooldown's end
        (T0 + timedelta(minutes=181), False),
        (T0 - timedelta(minutes=120), True),  # a late-arriving earlier reading
        (T0 - timedelta(minutes=121), False),
    ],
)
def test_m4_cooldown_keeps_a_sustained_breach_together(observed_at, continues):
    assert (
        rules.continues_breach(
            observed_at, started_at=T0, last_breached_at=T0 + timedelta(minutes=60), cooldown_minutes=120
        )
        is continues
    )


@pytest.mark.parametrize(
    ("aggregation", "text"),
    [
        ("reading", "delivery_delay_hours > 48"),
        ("mean", "mean of delivery_delay_hours over 60 minutes > 48"),
        ("count", "number of readings of delivery_delay_hours over 60 minutes > 48"),
    ],
)
def test_thresholds_read_as_words(aggregation, text):
    assert rules.describe("delivery_delay_hours", aggregation, 60, ">", 48.0) == text
