"""The cases behind a figure (issue 13 §3): every count of cases the dashboard shows links to the queue
listing exactly those cases. ``cases_behind`` answers the queryset for one metric, one part of its row
(what was counted: e.g. the cases escalated, or all the cases opened it is a share of) and one group,
built from the metric's own querysets in ``insights.metrics`` so the list and the number cannot drift.

Figures that count something other than cases (promises, clocks, agreed options, approvals) and the
medians have no list of cases behind them: asking for one is a ``ValueError`` naming what can be asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet

from putright.cases.models import UnresolvedReason
from putright.engines.metrics import BY_ID, STATISTIC, Dimension, Period
from putright.insights import metrics, sql
from putright.insights.metrics import Context
from putright.insights.sql import Filters
from putright.vocab import SourceKind, Status

# Dimensions a row of cases can be narrowed to (a route is one of several in a list: not a column).
GROUPABLE = frozenset(
    {
        Dimension.TEAM,
        Dimension.HANDLER,
        Dimension.CATEGORY,
        Dimension.CHANNEL,
        Dimension.SOURCE_KIND,
        Dimension.PRIORITY,
        Dimension.OUTCOME,
        Dimension.REASON,
        Dimension.UPHELD,
        Dimension.AGE_BAND,
    }
)


def _closed_here(ctx: Context) -> Q:
    return Q(status__in=metrics.CLOSED_COUNTED, closed_at__gte=ctx.lo, closed_at__lt=ctx.hi)


def _resolved(ctx: Context) -> QuerySet:
    return metrics.cases_closed(ctx, [Status.CLOSED_RESOLVED])


def _with_finding(ctx: Context) -> QuerySet:
    return metrics.cases_closed(ctx, [Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED])


Part = tuple[str, Callable[[Context], QuerySet]]

# metric id → part → (what the cases are, in words; the cases).
PARTS: dict[str, dict[str, Part]] = {
    "volume": {"opened": ("opened", metrics.cases_opened)},
    "escalation_rate": {
        "escalated": ("escalated", lambda c: metrics.cases_opened(c).filter(metrics.escalated())),
        "opened": ("opened", metrics.cases_opened),
    },
    "repeated_problem_share": {
        "linked": (
            "linked to a problem",
            lambda c: metrics.cases_opened(c).filter(metrics.linked_to_problem()),
        ),
        "opened": ("opened", metrics.cases_opened),
    },
    "first_contact_resolution": {
        "first_contact": (
            "resolved with no further contact",
            lambda c: _resolved(c).exclude(metrics.contacted_again(c)),
        ),
        "resolved": ("closed resolved", _resolved),
    },
    "reopen_rate": {
        "reopened": ("reopened", lambda c: metrics.cases_closed(c).filter(metrics.reopened(c))),
        "closed": ("closed", metrics.cases_closed),
    },
    "csat": {
        "satisfied": ("satisfied (4 or 5)", lambda c: metrics.cases_asked(c).filter(csat__gte=4)),
        "answered": ("answered", lambda c: metrics.cases_asked(c).filter(csat__isnull=False)),
        "asked": ("asked", metrics.cases_asked),
    },
    "ces": {
        "answered": ("answered", lambda c: metrics.cases_asked(c).filter(ces__isnull=False)),
        "asked": ("asked", metrics.cases_asked),
    },
    "nps": {
        "answered": ("answered", lambda c: metrics.cases_asked(c).filter(nps__isnull=False)),
        "asked": ("asked", metrics.cases_asked),
    },
    "unresolved_outcomes": {
        "unresolved": (
            "closed unresolved",
            lambda c: metrics.cases_closed(c).filter(status=Status.CLOSED_UNRESOLVED),
        ),
        "closed": ("closed", metrics.cases_closed),
    },
    "upheld": {
        "upheld": (
            "upheld or partly upheld",
            lambda c: _with_finding(c).filter(upheld__in=["upheld", "partly"]),
        ),
        "recorded": ("closed resolved or unresolved", _with_finding),
    },
    "backlog_age": {
        "open": ("open at the end", lambda c: metrics.cases_in_scope(c).filter(metrics.open_at(c.hi)))
    },
    "workload": {
        "open": ("open at the end", lambda c: metrics.cases_in_scope(c).filter(metrics.open_at(c.hi))),
        "closed": ("closed", lambda c: metrics.cases_in_scope(c).filter(_closed_here(c))),
    },
    "expectation_gaps": {
        "opened": (
            "opened, kind c",
            lambda c: metrics.cases_opened(c).filter(source_kind=SourceKind.EXPECTATION_GAP),
        ),
    },
}


@dataclass(frozen=True)
class Behind:
    metric_id: str
    title: str
    part: str
    part_label: str
    group: str
    period: Period
    cases: QuerySet  # of Case, unordered
    # The group's value in words where the database keeps them (a reason code's label).
    value_words: str = ""

    @property
    def description(self) -> str:
        """E.g. "Closed unresolved, closed unresolved, reason 'No fault found'"."""
        words = [self.title, self.part_label]
        if self.group:
            dimension, _, value = self.group.partition("=")
            words.append(f"{dimension.replace('_', ' ')} '{self.value_words or value}'")
        return ", ".join(words)


def parts_of(metric_id: str) -> dict[str, Part]:
    return PARTS.get(metric_id, {})


def _narrow(ctx: Context, qs: QuerySet, group: str) -> QuerySet:
    if not group:
        return qs
    if f"{STATISTIC}=" in group or ";" in group:
        raise ValueError("a group is one dimension=value")
    dimension, sep, value = group.partition("=")
    if not sep or dimension not in GROUPABLE or dimension not in ctx.metric.dimensions:
        raise ValueError(
            f"{ctx.metric.id} cannot list cases by {dimension!r}; it can by: "
            + ", ".join(d.value for d in ctx.metric.dimensions if d in GROUPABLE)
        )
    qs = qs.annotate(g=sql.dimension_expression(dimension, at=ctx.hi))
    if value == "none":
        return qs.filter(Q(g__isnull=True) | Q(g=""))
    return qs.filter(g=value)


def cases_behind(
    metric_id: str,
    *,
    part: str,
    start: date,
    end: date,
    filters: Filters | None = None,
    group: str = "",
    now: datetime | None = None,
) -> Behind:
    """The cases counted in one cell of a metric's row (``part``) for ``group`` ("" for the total).
    ValueError (with a sentence a person can read) for a metric, part or group that lists no cases."""
    definition = BY_ID.get(metric_id)
    if definition is None:
        raise ValueError(f"There is no metric {metric_id!r}.")
    parts = parts_of(metric_id)
    if not parts:
        raise ValueError(f"{definition.title} counts no cases, so there is no list of cases behind it.")
    if part not in parts:
        raise ValueError(f"{definition.title} lists cases that are: {', '.join(parts)}; not {part!r}.")
    period = Period(start, end)
    ctx = metrics.context(definition, period, filters=filters, now=now)
    part_label, of = parts[part]
    cases = _narrow(ctx, of(ctx), group)
    dimension, _, value = group.partition("=")
    words = ""
    if dimension == Dimension.REASON:
        words = UnresolvedReason.objects.filter(code=value).values_list("label", flat=True).first() or ""
    return Behind(metric_id, definition.title, part, part_label, group, period, cases, words)
