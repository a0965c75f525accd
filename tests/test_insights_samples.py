"""The samples a Check tests (issue 14 §2): the per-case values agree with ``measure()`` on the same data."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pytest

from putright import clock
from putright.authority.models import Approval
from putright.insights.metrics import measure
from putright.insights.samples import NotABaseline, SampleKind, baseline_metric, per_case_values, sample
from putright.insights.sql import Filters
from putright.vocab import Channel, OptionStatus, SourceKind, Status
from tests.insights_fixtures import JULY, at, case, message, option

pytestmark = pytest.mark.django_db
NOW = at(2026, 8, 15, 12)


def total(metric_id, filters=None):
    found = measure(metric_id, start=JULY[0], end=JULY[1], filters=filters, now=NOW).rows
    return next(r for r in found if r.group == "")


def test_durations_median_of_the_samples_is_measures_median(alice):
    rng = random.Random(5)
    closed_in_july = 0
    for i in range(41):
        start = at(2026, 7, 1 + i % 28, 8)
        channel = Channel.EMAIL if i % 3 else Channel.WEB
        closed = start + timedelta(hours=round(rng.uniform(1, 400), 2))
        closed_in_july += closed < at(2026, 8, 1, 0)
        c = case(
            start, status=Status.CLOSED_RESOLVED, closed=closed, channel=channel, category_slug="deliveries"
        )
        message(c, start, automatic=True)
        message(c, start + timedelta(hours=round(rng.uniform(0.2, 60), 2)), author=alice)
    case(at(2026, 7, 2), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 3))
    with clock.frozen(NOW):
        for metric_id in ("time_to_resolve", "time_to_acknowledge"):
            for filters in (Filters(), Filters(channel=Channel.EMAIL), Filters(category="deliveries")):
                got = sample(metric_id, start=JULY[0], end=JULY[1], filters=filters)
                assert got.kind is SampleKind.VALUES
                assert got.value == total(metric_id, filters).value
                assert got.value == pytest.approx(round(float(np.median(got.values)), 2))
    everything = sample("time_to_resolve", start=JULY[0], end=JULY[1])
    assert everything.n == closed_in_july  # the duplicate is left out, as measure() leaves it out
    assert everything.values == sorted(everything.values)


def test_approval_turnaround_values(alice):
    c = case(at(2026, 7, 6, 8))
    o = option(c, "10.00", status=OptionStatus.PROPOSED)
    common = dict(case=c, option=o, requested_by=alice)
    Approval.objects.create(
        **common, status="approved", created_at=at(2026, 7, 6, 9), decided_at=at(2026, 7, 6, 13)
    )
    Approval.objects.create(
        **common, status="rejected", created_at=at(2026, 7, 6, 9), decided_at=at(2026, 7, 8, 9)
    )
    Approval.objects.create(**common, status="pending", created_at=at(2026, 7, 6, 9))
    assert per_case_values("approval_turnaround", start=JULY[0], end=JULY[1], filters=Filters()) == [
        4.0,
        48.0,
    ]
    with clock.frozen(NOW):
        assert (
            sample("approval_turnaround", start=JULY[0], end=JULY[1]).value
            == total("approval_turnaround").value
        )


def test_scores_give_each_answer_and_the_metrics_figure():
    for csat, ces, nps in [(5, 1, 10), (4, 2, 9), (3, 3, 9), (2, 4, 8), (5, 5, 3), (None, None, None)]:
        case(
            at(2026, 7, 1),
            status=Status.CLOSED_RESOLVED,
            closed=at(2026, 7, 12),
            csat=csat,
            ces=ces,
            nps=nps,
            satisfaction_asked_at=at(2026, 7, 10),
        )
    with clock.frozen(NOW):
        ces = sample("ces", start=JULY[0], end=JULY[1])
        nps = sample("nps", start=JULY[0], end=JULY[1])
        assert (ces.values, ces.value, ces.statistic) == (
            [1.0, 2.0, 3.0, 4.0, 5.0],
            total("ces").value,
            "mean",
        )
        assert (nps.values, nps.value, nps.statistic) == (
            [3.0, 8.0, 9.0, 9.0, 10.0],
            total("nps").value,
            "net_promoter",
        )


def test_rates_and_counts_come_from_measure():
    for i in range(6):
        case(
            at(2026, 7, 2 + i),
            source_kind=SourceKind.EXPECTATION_GAP if i % 2 else SourceKind.CUSTOMER_REPORTED,
        )
    with clock.frozen(NOW):
        volume = sample("volume", start=JULY[0], end=JULY[1])
        assert (volume.kind, volume.value, volume.n, volume.days) == (SampleKind.COUNT, 6, 6, 31)
        gaps = sample("expectation_gaps", start=JULY[0], end=JULY[1])
        assert (gaps.value, gaps.n) == (3, 3)
        escalations = sample("escalation_rate", start=JULY[0], end=JULY[1])
        assert (escalations.kind, escalations.numerator, escalations.denominator, escalations.n) == (
            SampleKind.RATE,
            0,
            6,
            6,
        )


@pytest.mark.parametrize("metric_id", ["backlog_age", "workload", "remedy_cost", "no_such_metric"])
def test_some_metrics_cannot_be_baselines_and_say_why(metric_id):
    with pytest.raises(NotABaseline) as refused:
        baseline_metric(metric_id)
    assert str(refused.value)


def test_a_window_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="end before"):
        sample("volume", start=JULY[1], end=JULY[0])
