"""The statistics engine against scipy on fixed data: every figure recomputed here, never hard-coded."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from putright.engines.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    MIN_PER_WINDOW,
    Statistic,
    StatTest,
    Verdict,
    compare_counts,
    compare_rates,
    compare_samples,
    newcombe_interval,
)


def wilson(k, n):
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def newcombe(k1, n1, k2, n2):
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p2 - p1
    return d - math.hypot(p2 - l2, u1 - p1), d + math.hypot(u2 - p2, p1 - l1)


RATES = [
    # (k_before, n_before, k_after, n_after, higher_is_better)
    (120, 200, 150, 200, True),  # 60% → 75%: improved
    (120, 200, 150, 200, False),  # the same rise where lower is better: worse
    (80, 100, 82, 100, True),  # no detectable difference
    (30, 40, 39, 40, True),  # expected failures under 5: Fisher
    (1, 60, 0, 60, False),  # rare events: Fisher
    (10, 20, 19, 20, True),  # fewer than 30 per window
]


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "hib"), RATES)
def test_rates_match_scipy(k1, n1, k2, n2, hib):
    got = compare_rates(k_before=k1, n_before=n1, k_after=k2, n_after=n2, higher_is_better=hib)
    table = np.array([[k2, n2 - k2], [k1, n1 - k1]])
    expected_cells = sps.contingency.expected_freq(table)
    if expected_cells.min() < 5:
        assert got.test is StatTest.FISHER_EXACT
        assert got.p_value == pytest.approx(sps.fisher_exact(table).pvalue, rel=1e-12)
    else:
        assert got.test is StatTest.TWO_PROPORTION_Z
        # The pooled two-proportion z test is the chi-squared test of the 2×2 table without correction.
        assert got.p_value == pytest.approx(sps.chi2_contingency(table, correction=False).pvalue, rel=1e-9)
    low, high = newcombe(k1, n1, k2, n2)
    assert (got.ci_low, got.ci_high) == (pytest.approx(low, rel=1e-12), pytest.approx(high, rel=1e-12))
    assert got.effect == pytest.approx(k2 / n2 - k1 / n1)
    assert (got.n_before, got.n_after) == (n1, n2)
    assert got.ci_method == "newcombe"


def test_rate_verdicts_follow_the_better_direction_and_the_evidence():
    verdicts = [
        compare_rates(k_before=a, n_before=b, k_after=c, n_after=d, higher_is_better=h).verdict
        for a, b, c, d, h in RATES
    ]
    assert verdicts == [
        Verdict.IMPROVED,
        Verdict.WORSE,
        Verdict.NO_DIFFERENCE,
        Verdict.IMPROVED,
        Verdict.NO_DIFFERENCE,
        Verdict.TOO_FEW,
    ]


def test_a_large_effect_on_too_few_cases_is_not_claimed():
    got = compare_rates(k_before=0, n_before=29, k_after=29, n_after=29, higher_is_better=True)
    assert got.p_value < 1e-10
    assert got.verdict is Verdict.TOO_FEW


def test_an_empty_window_is_too_few_with_no_figures():
    got = compare_rates(k_before=5, n_before=10, k_after=0, n_after=0, higher_is_better=True)
    assert (got.effect, got.p_value, got.after_value, got.verdict) == (None, None, None, Verdict.TOO_FEW)


def test_newcombe_is_exported_for_the_pages():
    assert newcombe_interval(120, 200, 150, 200) == pytest.approx(newcombe(120, 200, 150, 200))


def test_a_rate_cannot_have_more_successes_than_trials():
    with pytest.raises(ValueError, match="numerator"):
        compare_rates(k_before=5, n_before=4, k_after=1, n_after=4, higher_is_better=True)


# ---------------------------------------------------------------- per-case values

RNG = np.random.default_rng(7)
BEFORE = [round(float(x), 2) for x in RNG.gamma(2.0, 24.0, 80)]
AFTER_FASTER = [round(float(x), 2) for x in RNG.gamma(2.0, 14.0, 70)]
AFTER_SAME = [round(float(x), 2) for x in RNG.gamma(2.0, 24.0, 75)]


def scipy_bootstrap(before, after, fn):
    return sps.bootstrap(
        (np.asarray(after, dtype=float), np.asarray(before, dtype=float)),
        lambda a, b, axis=-1: fn(a, axis=axis) - fn(b, axis=axis),
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        vectorized=True,
        batch=100,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    ).confidence_interval


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [(BEFORE, AFTER_FASTER, Verdict.IMPROVED), (BEFORE, AFTER_SAME, Verdict.NO_DIFFERENCE)],
)
def test_durations_by_mann_whitney_with_a_bootstrap_of_the_median(before, after, verdict):
    got = compare_samples(before=before, after=after, higher_is_better=False)
    assert got.test is StatTest.MANN_WHITNEY_U
    assert got.p_value == pytest.approx(sps.mannwhitneyu(after, before, alternative="two-sided").pvalue)
    assert got.effect == pytest.approx(np.median(after) - np.median(before))
    ci = scipy_bootstrap(before, after, np.median)
    assert (got.ci_low, got.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert (got.n_before, got.n_after) == (len(before), len(after))
    assert got.verdict is verdict


def test_slower_durations_are_worse():
    got = compare_samples(before=AFTER_FASTER, after=BEFORE, higher_is_better=False)
    assert got.verdict is Verdict.WORSE


def test_scores_use_the_metrics_own_statistic():
    rng = np.random.default_rng(3)
    before = [float(x) for x in rng.integers(0, 11, 90)]
    after = [float(min(10, x + 2)) for x in rng.integers(0, 11, 90)]

    def nps(x, axis=-1):
        return 100.0 * (np.mean(x >= 9, axis=axis) - np.mean(x <= 6, axis=axis))

    got = compare_samples(before=before, after=after, higher_is_better=True, statistic=Statistic.NET_PROMOTER)
    assert got.before_value == pytest.approx(nps(np.array(before)))
    assert got.effect == pytest.approx(nps(np.array(after)) - nps(np.array(before)))
    ci = scipy_bootstrap(before, after, nps)
    assert (got.ci_low, got.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert got.p_value == pytest.approx(sps.mannwhitneyu(after, before, alternative="two-sided").pvalue)
    assert got.verdict is Verdict.IMPROVED

    mean = compare_samples(before=before, after=after, higher_is_better=True, statistic=Statistic.MEAN)
    assert mean.effect == pytest.approx(np.mean(after) - np.mean(before))


def test_values_below_thirty_per_window_are_too_few_to_tell():
    got = compare_samples(before=BEFORE[: MIN_PER_WINDOW - 1], after=[0.1] * 40, higher_is_better=False)
    assert got.p_value < ALPHA_STRICT
    assert got.verdict is Verdict.TOO_FEW


ALPHA_STRICT = 1e-6


def test_identical_windows_show_no_difference():
    got = compare_samples(before=[5.0] * 40, after=[5.0] * 40, higher_is_better=False)
    assert (got.effect, got.p_value, got.verdict) == (0.0, 1.0, Verdict.NO_DIFFERENCE)


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("k1", "t1", "k2", "t2", "hib", "verdict"),
    [
        (90, 28, 50, 28, False, Verdict.IMPROVED),  # fewer complaints
        (90, 28, 50, 28, True, Verdict.WORSE),
        (40, 28, 44, 28, False, Verdict.NO_DIFFERENCE),
        (12, 28, 3, 28, False, Verdict.TOO_FEW),
        (60, 30, 20, 10, False, Verdict.NO_DIFFERENCE),  # windows of different lengths: equal rates
    ],
)
def test_counts_by_the_exact_conditional_poisson_test(k1, t1, k2, t2, hib, verdict):
    got = compare_counts(count_before=k1, days_before=t1, count_after=k2, days_after=t2, higher_is_better=hib)
    assert got.test is StatTest.POISSON_RATE
    assert got.p_value == pytest.approx(min(1.0, sps.binomtest(k2, k1 + k2, t2 / (t1 + t2)).pvalue))
    assert got.effect == pytest.approx(k2 - k1 * t2 / t1)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws_before, draws_after = rng.poisson(k1, BOOTSTRAP_RESAMPLES), rng.poisson(k2, BOOTSTRAP_RESAMPLES)
    low, high = np.percentile(draws_after - draws_before * (t2 / t1), [2.5, 97.5])
    assert (got.ci_low, got.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert got.rate_ratio == pytest.approx((k2 / t2) / (k1 / t1))
    assert got.verdict is verdict


def test_no_events_in_either_window():
    got = compare_counts(count_before=0, days_before=7, count_after=0, days_after=7, higher_is_better=False)
    assert (got.p_value, got.verdict, got.rate_ratio) == (1.0, Verdict.TOO_FEW, None)
