"""What to improve next: candidates suggested from the evidence, with the figures behind them (issue 14 §1).

Five sources, each giving at most ``PER_SOURCE`` candidates, over the last ``PERIOD_DAYS`` days that have
ended (to yesterday) against the same span before:

- the largest open problems (most cases) and the fastest-growing (most new cases this week);
- the metrics furthest from the organisation's target (``insights.MetricTarget``), in their bad direction;
- the metrics that moved most in their bad direction against the previous period;
- rising feedback themes (the feedback room's own comparison);
- categories whose expectation gaps (source kind c) rose against the previous period.

A candidate carries a stable ``key``, its figures in words, the evidence a proposal made from it links,
and the metric it suggests as the baseline. ``improvement_propose_from_candidate`` makes that proposal in
one step (a manager's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from putright import clock
from putright.engines.metrics import Unit
from putright.engines.metrics import metric as catalogue_metric
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.feedback.selectors import FeedFilters, feedback_themes
from putright.improvements.models import EvidenceKind, Improvement
from putright.improvements.present import figure_text
from putright.improvements.services import EvidenceInput, improvement_propose, is_manager, require_staff
from putright.insights.metrics import measure
from putright.insights.models import MetricTarget
from putright.problems.models import OPEN_PROBLEM_STATUSES
from putright.problems.selectors import problems_annotated

PERIOD_DAYS = 28
PER_SOURCE = 3
# The metrics compared with the previous period: those with a better direction that a change to the
# service can move (volumes and money are left to the problem and gap candidates).
WATCHED = (
    "first_contact_resolution",
    "reopen_rate",
    "promises_kept",
    "deadline_compliance",
    "escalation_rate",
    "time_to_acknowledge",
    "time_to_resolve",
    "csat",
)
# A metric moving by less than this share of its previous value is noise, not a candidate.
MIN_RELATIVE_CHANGE = 0.05


class Source:
    LARGEST_PROBLEM = "largest_problem"
    GROWING_PROBLEM = "growing_problem"
    OFF_TARGET = "off_target"
    WORSE_THAN_BEFORE = "worse_than_before"
    RISING_THEME = "rising_theme"
    EXPECTATION_GAP = "expectation_gap"


SOURCE_LABELS = {
    Source.LARGEST_PROBLEM: "Largest problem",
    Source.GROWING_PROBLEM: "Fastest-growing problem",
    Source.OFF_TARGET: "Furthest from target",
    Source.WORSE_THAN_BEFORE: "Worse than the previous period",
    Source.RISING_THEME: "Rising feedback theme",
    Source.EXPECTATION_GAP: "Expectation gaps rising",
}


@dataclass(frozen=True)
class Candidate:
    key: str
    source: str
    title: str
    summary: str
    figures: list[tuple[str, str]]
    evidence: list[EvidenceInput] = field(default_factory=list)
    metric_id: str = ""
    metric_filter: dict = field(default_factory=dict)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def _periods(today: date) -> tuple[date, date, date, date]:
    end = today - timedelta(days=1)
    start = end - timedelta(days=PERIOD_DAYS - 1)
    previous_end = start - timedelta(days=1)
    return start, end, previous_end - timedelta(days=PERIOD_DAYS - 1), previous_end


def _value(unit: str, value) -> str:
    return "no figure" if value is None else figure_text(value, unit)


def _total(metric_id: str, start: date, end: date, **kwargs):
    rows = measure(metric_id, start=start, end=end, **kwargs).rows
    return next((r for r in rows if r.group == ""), None)


# ---------------------------------------------------------------- the sources


def problem_candidates() -> list[Candidate]:
    open_problems = problems_annotated().filter(status__in=OPEN_PROBLEM_STATUSES)
    largest = list(open_problems.filter(case_count__gt=0).order_by("-case_count", "-pk")[:PER_SOURCE])
    growing = list(open_problems.filter(recent_count__gt=0).order_by("-recent_count", "-pk")[:PER_SOURCE])
    out: list[Candidate] = []
    for source, problems in ((Source.LARGEST_PROBLEM, largest), (Source.GROWING_PROBLEM, growing)):
        for problem in problems:
            figures = [
                ("Cases", str(problem.case_count)),
                ("New this week", str(problem.recent_count)),
                ("Customers", str(problem.customer_count)),
            ]
            category = problem.category.slug if problem.category else ""
            out.append(
                Candidate(
                    key=f"{source}:{problem.pk}",
                    source=source,
                    title=f"Remove the cause of problem #{problem.pk}: {problem.title}"[:200],
                    summary=f"Problem #{problem.pk} has {problem.case_count} cases from {problem.customer_count} "
                    f"customers, {problem.recent_count} of them new this week.",
                    figures=figures,
                    evidence=[
                        EvidenceInput(
                            kind=EvidenceKind.PROBLEM,
                            problem=problem,
                            figures={"case_count": problem.case_count, "recent_count": problem.recent_count},
                        )
                    ],
                    metric_id="repeated_problem_share",
                    metric_filter={"category": category} if category else {},
                )
            )
    return out


def _is_worse(higher_is_better: bool, now: float, then: float) -> bool:
    return now < then if higher_is_better else now > then


def target_candidates(today: date) -> list[Candidate]:
    start, end, _, _ = _periods(today)
    found = []
    for target in MetricTarget.objects.order_by("metric_id"):
        try:
            definition = catalogue_metric(target.metric_id)
        except KeyError:
            continue
        if definition.higher_is_better is None:
            continue
        row = _total(definition.id, start, end)
        if (
            row is None
            or row.value is None
            or not _is_worse(definition.higher_is_better, row.value, target.target)
        ):
            continue
        gap = abs(row.value - target.target) / (abs(target.target) or 1.0)
        found.append((gap, definition, row, target))
    found.sort(key=lambda item: (-item[0], item[1].id))
    out = []
    for gap, definition, row, target in found[:PER_SOURCE]:
        unit = definition.unit.value
        text = (
            f"{definition.title} was {_value(unit, row.value)} over {start:%d %b}–{end:%d %b %Y} against a "
            f"target of {_value(unit, target.target)}."
        )
        out.append(
            Candidate(
                key=f"{Source.OFF_TARGET}:{definition.id}",
                source=Source.OFF_TARGET,
                title=f"Bring {definition.title.lower()} to its target"[:200],
                summary=text,
                figures=[
                    ("Now", _value(unit, row.value)),
                    ("Target", _value(unit, target.target)),
                    ("Off by", f"{gap:.0%}"),
                ],
                evidence=[
                    EvidenceInput(
                        kind=EvidenceKind.METRIC,
                        term=definition.id,
                        text=text,
                        figures={
                            "value": row.value,
                            "target": target.target,
                            "start": start.isoformat(),
                            "end": end.isoformat(),
                        },
                    )
                ],
                metric_id=definition.id,
            )
        )
    return out


def trend_candidates(today: date) -> list[Candidate]:
    start, end, previous_start, previous_end = _periods(today)
    found = []
    for metric_id in WATCHED:
        definition = catalogue_metric(metric_id)
        now_row = _total(metric_id, start, end)
        then_row = _total(metric_id, previous_start, previous_end)
        if now_row is None or then_row is None or now_row.value is None or then_row.value is None:
            continue
        assert definition.higher_is_better is not None
        if not _is_worse(definition.higher_is_better, now_row.value, then_row.value):
            continue
        change = abs(now_row.value - then_row.value) / (abs(then_row.value) or 1.0)
        if change < MIN_RELATIVE_CHANGE:
            continue
        found.append((change, definition, now_row, then_row))
    found.sort(key=lambda item: (-item[0], item[1].id))
    out = []
    for _change, definition, now_row, then_row in found[:PER_SOURCE]:
        unit = definition.unit.value
        moved = "rose" if now_row.value > then_row.value else "fell"
        text = (
            f"{definition.title} {moved} to {_value(unit, now_row.value)} over {start:%d %b}–{end:%d %b %Y}, from "
            f"{_value(unit, then_row.value)} the {PERIOD_DAYS} days before."
        )
        figures = [("Now", _value(unit, now_row.value)), ("Before", _value(unit, then_row.value))]
        if definition.unit is Unit.RATE:
            figures.append(("Of", f"{now_row.numerator} / {now_row.denominator}"))
        out.append(
            Candidate(
                key=f"{Source.WORSE_THAN_BEFORE}:{definition.id}",
                source=Source.WORSE_THAN_BEFORE,
                title=f"Turn round {definition.title.lower()}"[:200],
                summary=text,
                figures=figures,
                evidence=[
                    EvidenceInput(
                        kind=EvidenceKind.METRIC,
                        term=definition.id,
                        text=text,
                        figures={
                            "value": now_row.value,
                            "previous": then_row.value,
                            "start": start.isoformat(),
                            "end": end.isoformat(),
                        },
                    )
                ],
                metric_id=definition.id,
            )
        )
    return out


def theme_candidates(user) -> list[Candidate]:
    report = feedback_themes(user=user, filters=FeedFilters())
    rising = [t for t in report.themes if t.current_count > t.previous_count][:PER_SOURCE]
    out = []
    for theme in rising:
        text = (
            f"“{theme.term}” came up in {theme.current_count} feedback texts in the last {report.period_days} days, "
            f"{theme.previous_count} in the {report.period_days} before."
        )
        out.append(
            Candidate(
                key=f"{Source.RISING_THEME}:{theme.term}",
                source=Source.RISING_THEME,
                title=f"Act on what customers say about “{theme.term}”"[:200],
                summary=text,
                figures=[("Mentions now", str(theme.current_count)), ("Before", str(theme.previous_count))],
                evidence=[
                    EvidenceInput(
                        kind=EvidenceKind.FEEDBACK_THEME,
                        term=theme.term[:100],
                        text=text,
                        figures={"current": theme.current_count, "previous": theme.previous_count},
                    )
                ],
                metric_id="csat",
            )
        )
    return out


def gap_candidates(today: date) -> list[Candidate]:
    start, end, _, _ = _periods(today)
    rows = measure("expectation_gaps", start=start, end=end, group_by="category").rows
    now = {r.group: r.value or 0 for r in rows if r.group.startswith("category=") and ";" not in r.group}
    before = {
        r.group.split(";")[0]: r.value or 0
        for r in rows
        if r.group.startswith("category=") and r.group.endswith(";statistic=previous_period")
    }
    rising = sorted(
        ((now[g] - before.get(g, 0), g) for g in now if now[g] > before.get(g, 0)),
        key=lambda item: (-item[0], item[1]),
    )
    out = []
    for increase, group in rising[:PER_SOURCE]:
        slug = group.split("=", 1)[1]
        text = (
            f"{now[group]} cases in {slug} were gaps between what customers expected and what was offered "
            f"(source kind c) over {start:%d %b}–{end:%d %b %Y}, {before.get(group, 0)} the {PERIOD_DAYS} days before."
        )
        out.append(
            Candidate(
                key=f"{Source.EXPECTATION_GAP}:{slug}",
                source=Source.EXPECTATION_GAP,
                title=f"Close the expectation gap in {slug}"[:200],
                summary=text,
                figures=[
                    ("Now", str(now[group])),
                    ("Before", str(before.get(group, 0))),
                    ("Rise", f"+{increase}"),
                ],
                evidence=[
                    EvidenceInput(
                        kind=EvidenceKind.METRIC,
                        term="expectation_gaps",
                        text=text,
                        figures={"category": slug, "value": now[group], "previous": before.get(group, 0)},
                    )
                ],
                metric_id="expectation_gaps",
                metric_filter={"category": slug},
            )
        )
    return out


def candidates(*, user, now=None) -> list[Candidate]:
    """Every candidate, by source in the order above."""
    require_staff(user)
    today = timezone.localdate(now or clock.now())
    return [
        *problem_candidates(),
        *target_candidates(today),
        *trend_candidates(today),
        *theme_candidates(user),
        *gap_candidates(today),
    ]


def improvement_propose_from_candidate(*, actor, key: str, owner=None) -> Improvement:
    """A manager turns a candidate into a proposal in one step, its evidence linked."""
    require_staff(actor)
    if not is_manager(actor):
        raise PermissionDenied("only a manager may propose a suggested candidate in one step")
    found = next((c for c in candidates(user=actor) if c.key == key), None)
    if found is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "That candidate is no longer suggested: its figures have changed."
        )
    suggestion = {"suggested_metric": found.metric_id, "suggested_filter": found.metric_filter}
    evidence = [
        EvidenceInput(
            kind=e.kind,
            text=e.text,
            problem=e.problem,
            case=e.case,
            term=e.term,
            figures={**e.figures, **suggestion},
        )
        for e in found.evidence
    ]
    rationale = f"{found.source_label}: {found.summary}"
    return improvement_propose(
        actor=actor, title=found.title, rationale=rationale, owner=owner, evidence=evidence
    )
