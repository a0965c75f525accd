"""S5: when does a reading breach a threshold? Pure functions on plain values (no Django), so the
comparisons, windows and dimension filters are tested as tables.

Rule ids, cited where each applies:

- M1 dimensions: a threshold's dimensions are a filter; a reading matches when it carries every one of
  them with an equal value (a subset match; extra dimensions on the reading do not matter). Text is
  compared without regard to case or surrounding spaces, numbers by value (2 == 2.0), booleans exactly.
- M2 comparison: ``>``, ``>=``, ``<``, ``<=`` against the threshold's value; equal to the value breaches
  only ``>=`` and ``<=``.
- M3 window: for "each reading" the reading's own value is compared; otherwise the readings of the same
  measurement that match the dimensions, observed in the ``window_minutes`` up to and including the
  reading's time, are summarised (count, mean, max, min or sum) and that is compared.
- M4 cooldown: a breach within ``cooldown_minutes`` of the last breaching reading of the same threshold
  continues that breach (the same problem, more readings and customers) instead of opening a new one,
  so a sustained breach opens one problem, not one per reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

COMPARISONS = (">", ">=", "<", "<=")
AGGREGATIONS = ("reading", "count", "mean", "max", "min", "sum")

Scalar = str | int | float | bool


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip().casefold() == actual.strip().casefold()
    return False


def dimensions_match(wanted: Mapping[str, object], dimensions: Mapping[str, object]) -> bool:
    """M1: every wanted dimension is on the reading with an equal value."""
    return all(key in dimensions and _same(value, dimensions[key]) for key, value in wanted.items())


def compare(observed: float, comparison: str, limit: float) -> bool:
    """M2: does ``observed`` breach ``limit``?"""
    if not math.isfinite(observed):
        return False
    if comparison == ">":
        return observed > limit
    if comparison == ">=":
        return observed >= limit
    if comparison == "<":
        return observed < limit
    if comparison == "<=":
        return observed <= limit
    raise ValueError(f"unknown comparison {comparison!r}")


def aggregate(values: Sequence[float], aggregation: str) -> float | None:
    """M3: the window's summary; None when there is nothing to summarise (no reading, no breach)."""
    if aggregation == "count":
        return float(len(values))
    if not values:
        return None
    if aggregation in ("reading", "max"):
        return max(values) if aggregation == "max" else values[-1]
    if aggregation == "min":
        return min(values)
    if aggregation == "sum":
        return math.fsum(values)
    if aggregation == "mean":
        return math.fsum(values) / len(values)
    raise ValueError(f"unknown aggregation {aggregation!r}")


def window_start(observed_at: datetime, window_minutes: int) -> datetime:
    """M3: readings observed after this moment (and up to the reading's own time) are in the window."""
    return observed_at - timedelta(minutes=window_minutes)


def continues_breach(
    observed_at: datetime, *, started_at: datetime, last_breached_at: datetime, cooldown_minutes: int
) -> bool:
    """M4: is a breaching reading at ``observed_at`` part of the breach seen from ``started_at`` to
    ``last_breached_at``? Readings may arrive out of order, so the cooldown applies on both sides."""
    cooldown = timedelta(minutes=cooldown_minutes)
    return started_at - cooldown <= observed_at <= last_breached_at + cooldown


def describe(measurement: str, aggregation: str, window_minutes: int, comparison: str, value: float) -> str:
    """The threshold in words, e.g. "mean of delivery_delay_hours over 60 minutes > 48"."""
    limit = f"{value:g}"
    if aggregation == "reading":
        return f"{measurement} {comparison} {limit}"
    what = "number of readings of" if aggregation == "count" else f"{aggregation} of"
    return f"{what} {measurement} over {window_minutes} minutes {comparison} {limit}"
