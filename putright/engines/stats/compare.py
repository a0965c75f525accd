"""The three comparisons a Check makes, each by the test the metric's catalogue entry declares.

Rules, cited beside the code that applies them:

- ST1 Too few: a rate or a per-case figure needs at least ``MIN_PER_WINDOW`` (30) cases in each window;
  below that the verdict is "too few cases to tell" whatever the p-value. A count's windows are fixed
  spans of time and a fall in cases is itself the finding, so a count needs 30 in at least one window.
- ST2 Rates: two-proportion z test (pooled standard error, two-sided); Fisher's exact test (two-sided)
  instead when any expected cell of the 2×2 table is under 5. The effect is p_after − p_before with
  Newcombe's hybrid score interval (his method 10: from the two Wilson score intervals), a closed form
  that behaves near 0 and 1 where the Wald interval does not.
- ST3 Durations and scores: Mann–Whitney U (two-sided) on the per-case values. The effect is the
  difference of the metric's own statistic (median, mean or net promoter score) with a percentile
  bootstrap interval (independent resampling of each window, fixed seed, ``BOOTSTRAP_RESAMPLES``).
- ST4 Counts: the exact conditional test of two Poisson rates (the after count given the total is
  binomial with p = t_after / (t_before + t_after)). The effect is the after count minus the before count
  scaled to the after window's length, with a parametric bootstrap interval (fixed seed); the rate ratio
  is given beside it.
- ST5 Verdict: a difference is claimed only when p < ``ALPHA`` **and** the interval of the effect shown
  excludes 0 (never an effect the numbers do not support); its direction (improved or worse) follows the
  metric's better direction — for Mann–Whitney the direction of the rank shift (U against n₁n₂/2).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

ALPHA = 0.05
CONFIDENCE = 0.95
MIN_PER_WINDOW = 30
BOOTSTRAP_SEED = 20260514
BOOTSTRAP_RESAMPLES = 2000
_Z = float(sps.norm.ppf(0.5 + CONFIDENCE / 2))

FloatArray = npt.NDArray[np.float64]


class Verdict(StrEnum):
    IMPROVED = "improved"
    WORSE = "worse"
    NO_DIFFERENCE = "no detectable difference"
    TOO_FEW = "too few cases to tell"


class StatTest(StrEnum):
    TWO_PROPORTION_Z = "two_proportion_z"
    FISHER_EXACT = "fisher_exact"
    MANN_WHITNEY_U = "mann_whitney_u"
    POISSON_RATE = "poisson_rate"


class Statistic(StrEnum):
    """The figure of a window of per-case values (ST3): what the metric itself reports."""

    MEDIAN = "median"
    MEAN = "mean"
    NET_PROMOTER = "net_promoter"


@dataclass(frozen=True)
class Comparison:
    """One Check: each window's figure and n, the effect (after − before) with its 95% interval, the
    test and its p-value, the verdict and the rule ids that decided it. Figures are None where a window
    is empty (nothing to compare)."""

    test: StatTest
    before_value: float | None
    after_value: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str
    p_value: float | None
    n_before: int
    n_after: int
    verdict: Verdict
    rule_ids: tuple[str, ...]
    rate_ratio: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test.value,
            "before_value": self.before_value,
            "after_value": self.after_value,
            "effect": self.effect,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.ci_method,
            "p_value": self.p_value,
            "n_before": self.n_before,
            "n_after": self.n_after,
            "verdict": self.verdict.value,
            "rule_ids": list(self.rule_ids),
            "rate_ratio": self.rate_ratio,
        }


def verdict_for(
    *,
    enough: bool,
    p_value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    after_is_higher: bool | None,
    higher_is_better: bool,
) -> Verdict:
    """ST1 then ST5."""
    if not enough:
        return Verdict.TOO_FEW
    if p_value is None or ci_low is None or ci_high is None or after_is_higher is None:
        return Verdict.NO_DIFFERENCE
    if p_value >= ALPHA or ci_low <= 0.0 <= ci_high:
        return Verdict.NO_DIFFERENCE
    return Verdict.IMPROVED if after_is_higher == higher_is_better else Verdict.WORSE


# ---------------------------------------------------------------- rates (ST2)


def _wilson(k: int, n: int) -> tuple[float, float]:
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_interval(k_before: int, n_before: int, k_after: int, n_after: int) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p_after − p_before."""
    p1, p2 = k_before / n_before, k_after / n_after
    l1, u1 = _wilson(k_before, n_before)
    l2, u2 = _wilson(k_after, n_after)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def compare_rates(
    *, k_before: int, n_before: int, k_after: int, n_after: int, higher_is_better: bool
) -> Comparison:
    """A rate in each window as (numerator k, denominator n)."""
    for k, n in ((k_before, n_before), (k_after, n_after)):
        if n < 0 or k < 0 or k > n:
            raise ValueError(f"a rate needs 0 <= numerator <= denominator, got {k}/{n}")
    enough = min(n_before, n_after) >= MIN_PER_WINDOW
    if n_before == 0 or n_after == 0:
        return Comparison(
            StatTest.TWO_PROPORTION_Z,
            k_before / n_before if n_before else None,
            k_after / n_after if n_after else None,
            None,
            None,
            None,
            "newcombe",
            None,
            n_before,
            n_after,
            verdict_for(
                enough=False,
                p_value=None,
                ci_low=None,
                ci_high=None,
                after_is_higher=None,
                higher_is_better=True,
            ),
            ("ST1",),
        )
    p1, p2 = k_before / n_before, k_after / n_after
    pooled = (k_before + k_after) / (n_before + n_after)
    expected = [n * pooled for n in (n_before, n_after)] + [n * (1 - pooled) for n in (n_before, n_after)]
    if min(expected) < 5:
        table = [[k_after, n_after - k_after], [k_before, n_before - k_before]]
        _, p_value = sps.fisher_exact(table, alternative="two-sided")
        test = StatTest.FISHER_EXACT
    else:
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
        z = (p2 - p1) / se
        p_value = 2 * float(sps.norm.sf(abs(z)))
        test = StatTest.TWO_PROPORTION_Z
    low, high = newcombe_interval(k_before, n_before, k_after, n_after)
    p_value = min(1.0, float(p_value))
    verdict = verdict_for(
        enough=enough,
        p_value=p_value,
        ci_low=low,
        ci_high=high,
        after_is_higher=p2 > p1 if p2 != p1 else None,
        higher_is_better=higher_is_better,
    )
    return Comparison(
        test, p1, p2, p2 - p1, low, high, "newcombe", p_value, n_before, n_after, verdict, ("ST2", "ST5")
    )


# ---------------------------------------------------------------- per-case values (ST3)


def _statistic_fn(statistic: Statistic) -> Callable[..., Any]:
    if statistic is Statistic.MEDIAN:
        return np.median
    if statistic is Statistic.MEAN:
        return np.mean

    def net_promoter(x: FloatArray, axis: int = -1) -> Any:
        return 100.0 * (np.mean(x >= 9, axis=axis) - np.mean(x <= 6, axis=axis))

    return net_promoter


def statistic_of(values: Sequence[float], statistic: Statistic) -> float | None:
    if not values:
        return None
    return float(_statistic_fn(statistic)(np.asarray(values, dtype=np.float64), axis=-1))


def bootstrap_difference(
    before: Sequence[float], after: Sequence[float], statistic: Statistic
) -> tuple[float, float]:
    """Percentile bootstrap interval of statistic(after) − statistic(before), fixed seed (ST3)."""
    fn = _statistic_fn(statistic)

    def difference(a: FloatArray, b: FloatArray, axis: int = -1) -> Any:
        return fn(a, axis=axis) - fn(b, axis=axis)

    result = sps.bootstrap(
        (np.asarray(after, dtype=np.float64), np.asarray(before, dtype=np.float64)),
        difference,
        n_resamples=BOOTSTRAP_RESAMPLES,
        confidence_level=CONFIDENCE,
        method="percentile",
        vectorized=True,
        batch=100,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def compare_samples(
    *,
    before: Sequence[float],
    after: Sequence[float],
    higher_is_better: bool,
    statistic: Statistic = Statistic.MEDIAN,
) -> Comparison:
    """Per-case values in each window (durations in hours, scores)."""
    n1, n2 = len(before), len(after)
    v1, v2 = statistic_of(before, statistic), statistic_of(after, statistic)
    if n1 == 0 or n2 == 0:
        return Comparison(
            StatTest.MANN_WHITNEY_U,
            v1,
            v2,
            None,
            None,
            None,
            "bootstrap",
            None,
            n1,
            n2,
            Verdict.TOO_FEW,
            ("ST1",),
        )
    assert v1 is not None and v2 is not None
    test = sps.mannwhitneyu(after, before, alternative="two-sided")
    p_value = float(test.pvalue)
    if math.isnan(p_value):  # every value the same in both windows
        p_value = 1.0
    u_after = float(test.statistic)
    shift = u_after - n1 * n2 / 2
    if n1 >= 2 and n2 >= 2:
        low, high = bootstrap_difference(before, after, statistic)
        if math.isnan(low) or math.isnan(high):  # a degenerate resampling distribution: every value equal
            low = high = v2 - v1
    else:
        low = high = v2 - v1
    verdict = verdict_for(
        enough=min(n1, n2) >= MIN_PER_WINDOW,
        p_value=p_value,
        ci_low=low,
        ci_high=high,
        after_is_higher=None if shift == 0 else shift > 0,
        higher_is_better=higher_is_better,
    )
    return Comparison(
        StatTest.MANN_WHITNEY_U,
        v1,
        v2,
        v2 - v1,
        low,
        high,
        "bootstrap",
        p_value,
        n1,
        n2,
        verdict,
        ("ST3", "ST5"),
    )


# ---------------------------------------------------------------- counts (ST4)


def compare_counts(
    *, count_before: int, days_before: int, count_after: int, days_after: int, higher_is_better: bool
) -> Comparison:
    """A count of events in each window, with the windows' lengths in days."""
    if min(count_before, count_after) < 0 or min(days_before, days_after) <= 0:
        raise ValueError("counts must be >= 0 and windows at least one day long")
    scale = days_after / days_before
    total = count_before + count_after
    share = days_after / (days_before + days_after)
    p_value = float(sps.binomtest(count_after, total, share).pvalue) if total else 1.0
    p_value = min(1.0, p_value)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws_before = rng.poisson(count_before, BOOTSTRAP_RESAMPLES)
    draws_after = rng.poisson(count_after, BOOTSTRAP_RESAMPLES)
    differences = draws_after - draws_before * scale
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = (float(v) for v in np.percentile(differences, [tail, 100 - tail]))
    effect = count_after - count_before * scale
    rate_ratio = (count_after / days_after) / (count_before / days_before) if count_before else None
    verdict = verdict_for(
        enough=max(count_before, count_after) >= MIN_PER_WINDOW,
        p_value=p_value,
        ci_low=low,
        ci_high=high,
        after_is_higher=None if effect == 0 else effect > 0,
        higher_is_better=higher_is_better,
    )
    return Comparison(
        StatTest.POISSON_RATE,
        float(count_before),
        float(count_after),
        effect,
        low,
        high,
        "bootstrap",
        p_value,
        count_before,
        count_after,
        verdict,
        ("ST1", "ST4", "ST5"),
        rate_ratio,
    )
