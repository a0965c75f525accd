"""A small run of the insights benchmark (bench/bench_insights.py) in the test database: the same bulk
seeding of what the metrics read, then every fragment and export timed and reported, so the figures in
bench/README.md come from code this test keeps working. Timings are not asserted: only that the run
completes, prints a row for every metric, period and grouping, and a verdict for every target."""

from __future__ import annotations

import io
import random
import sys
from datetime import date
from pathlib import Path

import pytest

from putright.authority.models import Approval, Escalation
from putright.cases.models import Case, Category, Option, Promise
from putright.channels.models import Message
from putright.demo.content import categories as demo_categories
from putright.engines.metrics import METRICS
from putright.insights import rollup
from putright.insights.models import CaseFact
from putright.problems.models import ProblemCase
from putright.regulation.models import CaseClock
from putright.vocab import CLOSED_STATUSES, PromiseStatus

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))  # the scripts import their neighbours (_common, bench_cases) by name

import bench_cases  # noqa: E402
import bench_insights  # noqa: E402

pytestmark = pytest.mark.django_db

CASES = 300


@pytest.fixture
def seeded():
    rng = random.Random(7)
    for name, slug, description in demo_categories():
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users, _ = bench_cases.staff_create()
    teams = bench_insights.teams_create(users)
    pool = bench_cases.story_pool(rng, 40)
    bench_cases.background_seed(CASES, users, pool, rng, lambda done: None)
    return bench_insights.insights_seed(users, teams, rng, lambda done: None)


def test_the_seed_writes_what_every_metric_reads(seeded):
    closed = Case.objects.filter(status__in=CLOSED_STATUSES)
    assert Case.objects.count() == CASES
    assert Case.objects.filter(team__isnull=True).count() == 0
    assert closed.filter(satisfaction_asked_at__isnull=False).exists()
    assert closed.filter(csat__isnull=False, nps__isnull=False, ces__isnull=False).exists()
    assert closed.exclude(upheld="").exists()
    assert Case.objects.filter(unresolved_reason__isnull=False).exists()
    assert Message.objects.filter(automatic=True).count() == CASES  # the acknowledgement on every case
    assert Message.objects.filter(automatic=False, direction="out").exists()
    assert CaseClock.objects.filter(met_at__isnull=False).exists()
    assert CaseClock.objects.filter(missed_at__isnull=False).exists()
    assert set(Promise.objects.values_list("status", flat=True)) >= {PromiseStatus.KEPT}
    assert Option.objects.filter(status="agreed", amount__gt=0).exists()
    assert seeded["approvals"] == Approval.objects.count()
    assert seeded["escalations"] == Escalation.objects.count()
    assert seeded["problem links"] == ProblemCase.objects.count()
    assert seeded["messages"] == Message.objects.count()


def test_the_rollup_after_the_bulk_seed_holds_every_case(seeded):
    # The bulk inserts and the UPDATEs sent as a batch were noted by the triggers like any other change.
    assert rollup.pending() > 0
    rollup.refresh()
    assert rollup.pending() == 0
    assert rollup.size() == CASES
    facts = CaseFact.objects.all()
    assert facts.filter(escalated=True).count() == Escalation.objects.values("case").distinct().count()
    assert facts.filter(ack_at__isnull=False).count() > CASES // 2


def test_the_run_completes_and_reports_every_fragment_export_and_target(seeded):
    out = io.StringIO()
    status = bench_insights.measure_and_report(1, out, show_progress=False)
    text = out.getvalue()
    assert status in (0, 1)
    names = [name for name, *_ in bench_insights.fragments(date(2026, 12, 7))]
    assert len(names) == 2 * sum(1 + len(m.dimensions) for m in METRICS)
    for name in names:
        assert f"\n{name} " in text, name
    for metric in METRICS:
        assert f"\n{metric.id} 30d total " in text and f"\n{metric.id} 365d total " in text
    assert "rollup refresh after 100 changed cases: " in text
    assert "insights export --from" in text
    assert "insights cases --from" in text and "rows/s" in text
    assert "insights return --half" in text
    assert "cases export peak memory (tracemalloc)" in text
    for verdict in ("fragment p95 under 300 ms: ", "case export at least 20,000 rows/s: ", "memory flat ("):
        assert verdict in text
