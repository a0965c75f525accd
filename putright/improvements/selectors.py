"""Reads about improvements that the pages and the API share. Staff only (PermissionDenied otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.engines.metrics import metric as catalogue_metric
from putright.errors import PermissionDenied
from putright.improvements.models import (
    Evidence,
    EvidenceKind,
    Improvement,
    ImprovementEvent,
    Stage,
    Step,
)
from putright.problems.models import ProblemCase
from putright.procedures.acknowledgements import receipts_for
from putright.vocab import Status

# What a problem's counts leave out (as the problem board's do): cases closed as a duplicate.
COUNTED_STATUSES = [s for s in Status if s != Status.CLOSED_DUPLICATE]
PROBLEM_WINDOW_DAYS = 28


def require_staff(user) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("only staff may see improvements")


@dataclass(frozen=True)
class BoardFilters:
    stage: str = ""  # "" = every stage
    owner_id: int | None = None


def improvements_listed() -> QuerySet:
    """Improvements with the people and step counts a row shows, in one query."""
    return Improvement.objects.select_related("proposer", "owner", "approver", "parent").annotate(
        steps_total=Count("steps", distinct=True),
        steps_done=Count("steps", filter=Q(steps__done_at__isnull=False), distinct=True),
    )


def improvement_board(*, user, filters: BoardFilters) -> QuerySet:
    require_staff(user)
    qs = improvements_listed()
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    return qs.order_by("-updated_at", "-pk")


def board_by_stage(improvements) -> list[tuple[Stage, list[Improvement]]]:
    """The board's sections: every stage in order, with its improvements (empty ones too)."""
    grouped: dict[str, list[Improvement]] = {s.value: [] for s in Stage}
    for improvement in improvements:
        grouped[improvement.stage].append(improvement)
    return [(Stage(stage), rows) for stage, rows in grouped.items()]


def improvement_get_for_user(*, user, pk: int) -> Improvement:
    """One improvement; PermissionDenied for outsiders, Improvement.DoesNotExist if absent."""
    require_staff(user)
    return improvements_listed().get(pk=pk)


def improvement_steps(improvement: Improvement) -> list[Step]:
    return list(
        improvement.steps.select_related("owner", "done_by", "procedure", "procedure_version").order_by(
            "due_date", "pk"
        )
    )


def improvement_evidence(improvement: Improvement) -> list[Evidence]:
    return list(improvement.evidence.select_related("problem", "case", "added_by").order_by("pk"))


def improvement_events(improvement: Improvement) -> QuerySet:
    return ImprovementEvent.objects.filter(improvement=improvement).select_related("actor").order_by("seq")


def step_receipts(step: Step) -> list:
    """Who was asked to acknowledge a communicated change, and who has (the owner sees who has not)."""
    return list(receipts_for(step.subject_key))


def cycles(improvement: Improvement) -> list[Improvement]:
    """Every cycle of this improvement, first to last: up the ``parent`` links to the first, then down."""
    root = improvement
    seen = {root.pk}
    while root.parent_id is not None and root.parent_id not in seen:
        root = Improvement.objects.select_related("parent").get(pk=root.parent_id)
        seen.add(root.pk)
    chain, frontier = [root], [root.pk]
    while frontier:
        children = list(Improvement.objects.filter(parent_id__in=frontier).order_by("created_at", "pk"))
        chain.extend(children)
        frontier = [c.pk for c in children]
    return chain


@dataclass(frozen=True)
class ProblemCount:
    problem_id: int
    title: str
    before: int
    after: int | None
    before_window: tuple[date, date]
    after_window: tuple[date, date] | None
    after_complete: bool


def problem_counts(improvement: Improvement) -> list[ProblemCount]:
    """For each problem in the evidence: its cases reported in a window before Do started and in a window
    of the same length after the last Do step (the baseline's length, else four weeks)."""
    problem_ids = list(
        improvement.evidence.filter(kind=EvidenceKind.PROBLEM, problem__isnull=False).values_list(
            "problem_id", "problem__title"
        )
    )
    if not problem_ids or improvement.do_started_at is None:
        return []
    length = PROBLEM_WINDOW_DAYS
    if improvement.baseline_start and improvement.baseline_end:
        length = (improvement.baseline_end - improvement.baseline_start).days + 1
    do_day = timezone.localdate(improvement.do_started_at)
    before_window = (do_day - timedelta(days=length), do_day - timedelta(days=1))
    last = (
        improvement.steps.exclude(done_at__isnull=True).order_by("-done_at").values_list("done_at", flat=True)
    )
    last_done = last.first() if not improvement.steps.filter(done_at__isnull=True).exists() else None
    after_window = None
    if last_done is not None:
        start = timezone.localdate(last_done) + timedelta(days=1)
        after_window = (start, start + timedelta(days=length - 1))
    today = timezone.localdate(clock.now())
    out = []
    for problem_id, title in problem_ids:
        links = ProblemCase.objects.filter(
            problem_id=problem_id, unlinked_at__isnull=True, case__status__in=COUNTED_STATUSES
        )
        before = links.filter(
            case__created_at__date__gte=before_window[0], case__created_at__date__lte=before_window[1]
        ).count()
        after = None
        if after_window is not None:
            after = links.filter(
                case__created_at__date__gte=after_window[0], case__created_at__date__lte=after_window[1]
            ).count()
        out.append(
            ProblemCount(
                problem_id,
                title,
                before,
                after,
                before_window,
                after_window,
                after_window is not None and after_window[1] < today,
            )
        )
    return out


def improvements_for_problems(problem_ids: list[int]) -> dict[int, list[Improvement]]:
    """The improvements that link each problem as evidence (one query): what the problem board shows."""
    found: dict[int, list[Improvement]] = {pk: [] for pk in problem_ids}
    rows = (
        Evidence.objects.filter(kind=EvidenceKind.PROBLEM, problem_id__in=problem_ids)
        .exclude(improvement__stage__in=[Stage.REJECTED, Stage.WITHDRAWN])
        .select_related("improvement")
        .order_by("improvement_id")
    )
    for evidence in rows:
        if evidence.improvement not in found[evidence.problem_id]:
            found[evidence.problem_id].append(evidence.improvement)
    return found


def metric_title(metric_id: str) -> str:
    try:
        return catalogue_metric(metric_id).title
    except KeyError:
        return metric_id


def api_list(*, user, stage: str = "") -> QuerySet:
    """The API's list: the board's rows, newest change first."""
    return improvement_board(user=user, filters=BoardFilters(stage=stage))
