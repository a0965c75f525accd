"""Comparing a baseline window with an after window (issue 14 §2, Check). Pure: no Django.

``compare_rates``, ``compare_samples`` and ``compare_counts`` answer a ``Comparison``: the figure of each
window, the effect (after − before) with its 95% confidence interval, the p-value of the test the metric's
catalogue entry declares, the n of each window and a verdict in plain words. ``compare`` picks the function
from the catalogue's ``Test``.
"""

from putright.engines.stats.compare import (
    ALPHA,
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    MIN_PER_WINDOW,
    Comparison,
    Statistic,
    StatTest,
    Verdict,
    compare_counts,
    compare_rates,
    compare_samples,
    newcombe_interval,
    verdict_for,
)

__all__ = [
    "ALPHA",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "MIN_PER_WINDOW",
    "Comparison",
    "Statistic",
    "StatTest",
    "Verdict",
    "compare_counts",
    "compare_rates",
    "compare_samples",
    "newcombe_interval",
    "verdict_for",
]
