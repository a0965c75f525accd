"""S3 for the whole history in one batch, run by the worker (the ``regroup`` task lives here, beside
what it runs, so starting a run needs no import of the room's tasks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min

from putright import clock
from putright.cases.models import Case
from putright.engines import text as text_engine
from putright.errors import DomainError, ErrorCode
from putright.jobs import queues
from putright.jobs.outbox import later
from putright.jobs.runner import job_task
from putright.problems.models import Problem, ProblemOrigin, RegroupRun
from putright.problems.services._common import _require_supervisor
from putright.problems.services.grouping import (
    _Candidate,
    _candidates,
    _common_category,
    _common_source,
    _describe_group,
    _embedder,
    _open_links_by_case,
    _threshold,
)
from putright.problems.services.lifecycle import _open, problem_link_case


def regroup_run_open(*, actor) -> RegroupRun:
    """Record a regrouping about to start, so the board shows its progress; one at a time.

    ``actor`` None is the console command (``problems regroup``); from the board it is a supervisor.
    """
    if actor is not None:
        _require_supervisor(actor)
    with transaction.atomic():
        active = RegroupRun.objects.select_for_update().filter(
            status__in=[RegroupRun.Status.QUEUED, RegroupRun.Status.RUNNING]
        )
        if active.exists():
            raise DomainError(ErrorCode.ALREADY_DONE, "A regrouping is already under way.")
        return RegroupRun.objects.create(requested_by=actor, created_at=clock.now())


def regroup_start(*, actor) -> RegroupRun:
    """Ask the worker to re-group the whole history (supervisor and above)."""
    _require_supervisor(actor)
    with transaction.atomic():
        run = regroup_run_open(actor=actor)
        later(regroup, run.pk)
    return run


@dataclass(frozen=True)
class RegroupResult:
    total: int
    problems_opened: int
    cases_linked: int


def problems_regroup(
    *, progress: Callable[[int, int], object] | None = None, run: RegroupRun | None = None
) -> RegroupResult:
    """Re-group the whole history: every window of ``PROBLEM_WINDOW_DAYS`` (overlapping by half) is grouped
    with the text engine; a group from enough customers that no problem covers yet becomes a suspected
    problem, and its members not yet in any problem join the open problem that already holds some of them.

    Idempotent: run twice on the same history, the second run opens and links nothing. Problems found in
    windows that ended long ago are opened without alerting anyone (they are history, not news).
    """
    conf = settings.PUTRIGHT
    window = timedelta(days=conf["PROBLEM_WINDOW_DAYS"])
    min_cases = conf["PROBLEM_MIN_CASES"]
    now = clock.now()
    if run is not None:
        RegroupRun.objects.filter(pk=run.pk).update(
            status=RegroupRun.Status.RUNNING, started_at=now, error=""
        )
    total = Case.objects.count()
    span = Case.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    opened = linked = processed = 0

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)
        if run is not None:
            RegroupRun.objects.filter(pk=run.pk).update(
                total=total, processed=done, problems_opened=opened, cases_linked=linked
            )

    report(0)
    try:
        if span["first"] is not None:
            embedder = _embedder()
            start = span["first"]
            while start <= span["last"]:
                end = start + window
                members = _candidates(
                    Case.objects.filter(created_at__gte=start, created_at__lt=end).order_by(
                        "created_at", "pk"
                    )
                )
                if len(members) >= min_cases:
                    o, k = _regroup_window(
                        members, embedder=embedder, min_cases=min_cases, alert=end >= now - window
                    )
                    opened, linked = opened + o, linked + k
                processed = Case.objects.filter(created_at__lt=end).count()
                report(min(processed, total))
                start += window / 2
        report(total)
    except BaseException as exc:  # an interrupted console run too: the board must not show it running forever
        if run is not None:
            RegroupRun.objects.filter(pk=run.pk).update(
                status=RegroupRun.Status.FAILED,
                error=(str(exc) or type(exc).__name__)[:2000],
                finished_at=clock.now(),
            )
        raise
    if run is not None:
        RegroupRun.objects.filter(pk=run.pk).update(status=RegroupRun.Status.DONE, finished_at=clock.now())
    return RegroupResult(total=total, problems_opened=opened, cases_linked=linked)


def _regroup_window(members: list[_Candidate], *, embedder, min_cases: int, alert: bool) -> tuple[int, int]:
    grouping = text_engine.group_texts(
        [m.text for m in members], embedder=embedder, min_size=min_cases, threshold=_threshold(embedder)
    )
    opened = linked = 0
    for group in grouping.groups:
        group_members = [members[i] for i in group.members]
        if len({m.email for m in group_members}) < min_cases:
            continue
        with transaction.atomic():
            any_links = _open_links_by_case([m.pk for m in group_members], open_only=False)
            open_links = _open_links_by_case([m.pk for m in group_members])
            uncovered = [m for m in group_members if m.pk not in any_links]
            if open_links:
                tally = Counter(pid for pids in open_links.values() for pid in pids)
                problem = Problem.objects.get(pk=max(tally, key=lambda pid: (tally[pid], -pid)))
                for m in uncovered:
                    try:
                        problem_link_case(actor=None, problem=problem, case=Case(pk=m.pk), similarity=None)
                    except DomainError:
                        continue
                    linked += 1
            elif any_links:
                # Its cases already belong to a problem that was resolved or dismissed: that was decided.
                continue
            elif len({m.email for m in uncovered}) >= min_cases:
                title, description = _describe_group(
                    group_members,
                    terms=group.top_terms,
                    typical_subject=members[group.representative].text.split("\n", 1)[0],
                )
                _open(
                    actor=None,
                    title=title,
                    description=description,
                    origin=ProblemOrigin.SIMILARITY,
                    source_kind=_common_source(group_members),
                    category=_common_category(group_members),
                    product="",
                    cases=list(
                        Case.objects.filter(pk__in=[m.pk for m in uncovered]).order_by("created_at", "pk")
                    ),
                    similarity={},
                    alert=alert,
                )
                opened += 1
                linked += len(uncovered)
    return opened, linked


@job_task(queue=queues.ANALYSIS)
def regroup(run_id: int) -> dict:
    """The batch re-grouping a supervisor started from the board; its progress is on the RegroupRun."""
    # RUNNING too: the job runs again only when the worker that started it died (claims are exclusive).
    run = RegroupRun.objects.filter(
        pk=run_id, status__in=[RegroupRun.Status.QUEUED, RegroupRun.Status.RUNNING]
    ).first()
    if run is None:
        return {"skipped": True}
    return asdict(problems_regroup(run=run))
