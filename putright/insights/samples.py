"""What a statistical test needs from a metric over a window (issue 14 §2): not only the figure.

``sample(metric_id, start=, end=, filters=)`` answers, by the metric's kind:

- a rate: (numerator, denominator), read from ``measure()``'s total row — the same definition, one way;
- a count: the count and the window's length in days, from ``measure()`` too;
- a duration or a score: the per-case values (hours from receipt to the moment the metric measures, or
  the answers given), by the definitions ``measure()`` uses (its docstrings in ``insights.metrics``): a
  Mann–Whitney test ranks cases, which an aggregate cannot give. ``tests/test_insights_samples.py`` pins
  that the median (or mean, or net score) of these values equals ``measure()``'s figure on the same data.

The per-case queries are written here rather than in ``metrics.py`` (the metrics' internals are being
reworked for speed): the case scope below repeats ``sql.apply_filters``' rule (closed duplicates out, then
the filter) on purpose, and the test keeps the two in step.

Three metrics cannot be a baseline: ``backlog_age`` and ``workload`` are snapshots at the end of a period,
not events counted over it, and ``remedy_cost`` is a total of money the test on amounts would not be
testing. ``BASELINE_REFUSALS`` says why, for the error a planner sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.db.models import QuerySet

from putright.authority.models import Approval
from putright.cases.models import Case
from putright.engines.metrics import Metric, Unit
from putright.engines.metrics import metric as catalogue_metric
from putright.engines.stats import Statistic
from putright.engines.stats.compare import statistic_of
from putright.insights import sql
from putright.insights.metrics import acknowledged_at, measure
from putright.vocab import Status


class SampleKind(StrEnum):
    RATE = "rate"
    COUNT = "count"
    VALUES = "values"


# Per-case metrics: the statistic the metric reports (what the effect is a difference of).
VALUE_METRICS: dict[str, Statistic] = {
    "time_to_acknowledge": Statistic.MEDIAN,
    "time_to_resolve": Statistic.MEDIAN,
    "approval_turnaround": Statistic.MEDIAN,
    "ces": Statistic.MEAN,
    "nps": Statistic.NET_PROMOTER,
}
BASELINE_REFUSALS: dict[str, str] = {
    "backlog_age": "Backlog by age counts the cases open at one moment, not cases over a window: it "
    "cannot be compared by a rate test. Use volume or time to resolve instead.",
    "workload": "Workload counts the cases open at one moment per handler, not cases over a window: it "
    "cannot be compared by a rate test. Use volume or time to resolve instead.",
    "remedy_cost": "Cost of remedies is a total of money; the test on single amounts would not test that "
    "total. Use a rate or a duration instead.",
}


class NotABaseline(ValueError):
    """The metric cannot be a baseline; the message says why in plain words."""


@dataclass(frozen=True)
class Sample:
    metric_id: str
    kind: SampleKind
    start: date
    end: date
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    # Rates: the denominator; counts: the count; values: how many values.
    n: int = 0
    days: int = 0
    values: list[float] = field(default_factory=list)
    statistic: str = ""

    def as_dict(self) -> dict:
        return {
            "metric_id": self.metric_id,
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "n": self.n,
            "days": self.days,
            "values": self.values,
            "statistic": self.statistic,
        }


def kind_of(definition: Metric) -> SampleKind:
    """How a metric is sampled, or NotABaseline with the reason."""
    if definition.id in BASELINE_REFUSALS:
        raise NotABaseline(BASELINE_REFUSALS[definition.id])
    if getattr(definition, "test", None) is None:
        raise NotABaseline(f"{definition.title} declares no statistical test, so it cannot be a baseline.")
    if definition.id in VALUE_METRICS:
        return SampleKind.VALUES
    if definition.unit is Unit.RATE:
        return SampleKind.RATE
    if definition.unit is Unit.COUNT:
        return SampleKind.COUNT
    raise NotABaseline(f"{definition.title} has no per-case values to compare.")


def baseline_metric(metric_id: str) -> Metric:
    """The catalogue entry of a metric that can be a baseline; NotABaseline otherwise (unknown ones too)."""
    try:
        definition = catalogue_metric(metric_id)
    except KeyError:
        raise NotABaseline(f"There is no metric {metric_id!r} in the catalogue.") from None
    kind_of(definition)
    return definition


def _scope(qs: QuerySet, filters: sql.Filters, prefix: str = "") -> QuerySet:
    """Closed duplicates out, then the filter: the rule every metric applies (see the module docstring)."""
    qs = qs.exclude(**{f"{prefix}status": Status.CLOSED_DUPLICATE})
    wanted = {
        "team_id__in": list(filters.team_ids) if filters.team_ids is not None else None,
        "team_id": filters.team,
        "assignee_id": filters.handler,
        "category__slug": filters.category or None,
        "channel": filters.channel or None,
        "source_kind": filters.source_kind or None,
    }
    return qs.filter(**{f"{prefix}{k}": v for k, v in wanted.items() if v is not None})


def _hours(pairs) -> list[float]:
    return [(end - start).total_seconds() / 3600.0 for start, end in pairs if start and end]


def per_case_values(metric_id: str, *, start: date, end: date, filters: sql.Filters) -> list[float]:
    """The per-case values of a duration (hours) or a score metric over [start, end], sorted."""
    lo, hi = sql.bounds(start, end)
    cases = _scope(Case.objects.all(), filters)
    if metric_id == "time_to_acknowledge":
        rows = (
            cases.filter(created_at__gte=lo, created_at__lt=hi)
            .annotate(ack_at=acknowledged_at())
            .values_list("created_at", "ack_at")
        )
        values = _hours(rows)
    elif metric_id == "time_to_resolve":
        rows = cases.filter(status=Status.CLOSED_RESOLVED, closed_at__gte=lo, closed_at__lt=hi).values_list(
            "created_at", "closed_at"
        )
        values = _hours(rows)
    elif metric_id == "approval_turnaround":
        rows = (
            _scope(Approval.objects.all(), filters, "case__")
            .filter(
                status__in=[Approval.Status.APPROVED, Approval.Status.REJECTED],
                decided_at__gte=lo,
                decided_at__lt=hi,
            )
            .values_list("created_at", "decided_at")
        )
        values = _hours(rows)
    elif metric_id in ("ces", "nps"):
        asked = cases.filter(satisfaction_asked_at__gte=lo, satisfaction_asked_at__lt=hi)
        values = [
            float(v)
            for v in asked.filter(**{f"{metric_id}__isnull": False}).values_list(metric_id, flat=True)
        ]
    else:
        raise NotABaseline(f"{metric_id} has no per-case values.")
    return sorted(values)


def sample(metric_id: str, *, start: date, end: date, filters: sql.Filters | None = None) -> Sample:
    """What the test needs of ``metric_id`` over the inclusive local dates [start, end] (see the module)."""
    if end < start:
        raise ValueError("a window cannot end before it starts")
    definition = baseline_metric(metric_id)
    kind = kind_of(definition)
    filters = filters or sql.Filters()
    days = (end - start).days + 1
    if kind is SampleKind.VALUES:
        statistic = VALUE_METRICS[metric_id]
        values = per_case_values(metric_id, start=start, end=end, filters=filters)
        figure = statistic_of(values, statistic)
        return Sample(
            metric_id,
            kind,
            start,
            end,
            None if figure is None else round(figure, 2),
            n=len(values),
            days=days,
            values=values,
            statistic=statistic.value,
        )
    total = next(
        row for row in measure(metric_id, start=start, end=end, filters=filters).rows if row.group == ""
    )
    if kind is SampleKind.RATE:
        numerator, denominator = int(total.numerator or 0), int(total.denominator or 0)
        return Sample(
            metric_id, kind, start, end, total.value, numerator, denominator, n=denominator, days=days
        )
    count = int(total.value or 0)
    return Sample(metric_id, kind, start, end, count, count, None, n=count, days=days)
