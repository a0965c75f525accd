"""The demo organisation's year of history (issue 13 §5), with two changes planted in it (issue 14 §5).

About a hundred closed cases a month for the twelve months before the story's present, each a whole
record written by the bulk writer (``bulk/history.py``) from the story templates: acknowledged by a
person hours after the report, clocks met, met late and missed, promises kept, kept late and broken,
options agreed with money, approvals over authority, escalations, closed unresolved with reasons and
routes, DISP clocks on the finance complaints marked regulated, satisfaction asked and answered by under half (some after the reminder; the rest closed as
resolved with no reply), customers who come back, reopened cases, problems of their time. Its volume
follows the seasons and grows slowly. Written after the story's present, so every case of the present
keeps its reference and everything it had.

Two changes are planted for the improvement cycles of issue 14 to find:

- **The promise change** (``PROMISE_CHANGE_DAYS_BEFORE``): from that day the Deliveries category
  (``PROMISE_CATEGORY``) keeps its promises on time far more often (``PROMISE_KEPT_BEFORE`` →
  ``PROMISE_KEPT_AFTER``): the courier-slot problem's fix. Over the ``WINDOW_DAYS`` either side,
  ``promises_kept`` filtered to the category differs, significantly by a two-proportion test.
- **The acknowledgement change** (``ACK_CHANGE_DAYS_BEFORE``): from that day the personal
  acknowledgement says what happens next (``data/history.yaml``), hoped to lift satisfaction. It does
  not: ``csat`` (``ACK_METRIC``) is drawn the same way both sides, so an honest test finds no difference.

``planted(now)`` gives the dates for a given "now" (the demo is loaded at whatever time it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from putright import clock
from putright.cases import services as case_services
from putright.customers.models import Customer
from putright.demo import content
from putright.demo.bulk.history import HistoryWriter
from putright.demo.history_plan import HistoryPlanner, ProblemSpec
from putright.problems import services as problem_services
from putright.problems.models import Problem, ProblemOrigin, ProblemStatus
from putright.progress import ProgressBar
from putright.regulation import services as regulation_services

MONTHS = 12
# The last history case is reported this long before now: every one has closed (reminders and all) by now.
END_DAYS_BEFORE = 35
BATCH = 100

PROMISE_CATEGORY = "delivery"
PROMISE_METRIC = "promises_kept"
PROMISE_CHANGE_DAYS_BEFORE = 154  # 22 weeks
PROMISE_KEPT_BEFORE = 0.68
PROMISE_KEPT_AFTER = 0.90
PROMISE_KEPT_ELSEWHERE = 0.8  # every other category, all year

ACK_METRIC = "csat"
ACK_CHANGE_DAYS_BEFORE = 91  # 13 weeks
# How long the windows before and after each change are, as an improvement's baseline would be.
WINDOW_DAYS = 56


@dataclass(frozen=True)
class Planted:
    promise_category: str
    promise_change_at: datetime
    promise_kept_before: float
    promise_kept_after: float
    promise_kept_elsewhere: float
    ack_change_at: datetime

    @property
    def promise_change_date(self) -> date:
        return timezone.localdate(self.promise_change_at)

    @property
    def ack_change_date(self) -> date:
        return timezone.localdate(self.ack_change_at)

    @staticmethod
    def windows(change: date) -> tuple[tuple[date, date], tuple[date, date]]:
        """The ``WINDOW_DAYS`` before the change day and the ``WINDOW_DAYS`` from it (inclusive dates)."""
        before = (change - timedelta(days=WINDOW_DAYS), change - timedelta(days=1))
        after = (change, change + timedelta(days=WINDOW_DAYS - 1))
        return before, after


def _midnight(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def planted(now: datetime) -> Planted:
    """The planted changes for a demo loaded at ``now``: each starts at local midnight."""
    return Planted(
        promise_category=PROMISE_CATEGORY,
        promise_change_at=_midnight(now - timedelta(days=PROMISE_CHANGE_DAYS_BEFORE)),
        promise_kept_before=PROMISE_KEPT_BEFORE,
        promise_kept_after=PROMISE_KEPT_AFTER,
        promise_kept_elsewhere=PROMISE_KEPT_ELSEWHERE,
        ack_change_at=_midnight(now - timedelta(days=ACK_CHANGE_DAYS_BEFORE)),
    )


@dataclass
class HistoryResult:
    cases: int
    months: int
    first: datetime | None
    last: datetime | None
    problems: list[Problem]
    planted: Planted


def problem_specs() -> list[ProblemSpec]:
    return [ProblemSpec(**spec) for spec in content.data("history")["problems"]]


def history_load(
    *, seed: int, now: datetime, months: int, users: dict, categories: dict, limits, bar: ProgressBar | None
) -> HistoryResult:
    """Plan and write ``months`` of closed cases before ``now`` (inside the caller's transaction)."""
    marks = planted(now)
    # The administrator asks all three scores (issue 13 §1), as the history's answers show.
    settings_row = case_services.satisfaction_settings_get()
    settings_row.ask_csat = settings_row.ask_ces = settings_row.ask_nps = True
    settings_row.save(update_fields=["ask_csat", "ask_ces", "ask_nps"])
    # Harbour & Hearth arranges finance on large items (consumer credit): the FCA's complaint rules (DISP) apply
    # to complaints about it, which colleagues mark as regulated; every other complaint keeps its own service
    # levels only.
    regime = regulation_services.regime_settings_get()
    regime.disp_on, regime.disp_all_complaints = True, False
    regulation_services.regime_settings_save(actor=users["admin"], settings_row=regime)
    data = content.data("history")
    start = now - timedelta(days=round(months * 30.44))
    end = now - timedelta(days=END_DAYS_BEFORE)
    specs = [s for s in problem_specs() if now - timedelta(days=s.opened_days_ago) > start]
    planner = HistoryPlanner(
        seed=seed,
        now=now,
        users=users,
        limits=limits,
        settings=settings_row,
        existing_emails=set(Customer.objects.values_list("email", flat=True)),
    )
    planner.planted, planner.promise_category, planner.problems = marks, PROMISE_CATEGORY, specs
    times = planner.report_times(start=start, end=end, per_month=data["per_month"])
    if bar is not None:
        bar.total = len(times)
        bar.update(0)
    problems = {spec.key: _problem_open(spec, users=users, categories=categories, now=now) for spec in specs}
    # Half the bar is planning (the stories written, the acts timed), half is writing.
    half = (lambda done: bar.update(done // 2)) if bar is not None else None
    plans = planner.plans_make_history(times, progress=half)
    writer = HistoryWriter(users=users, categories=categories, problems=problems)
    written = 0
    for i in range(0, len(plans), BATCH):
        drafts = [writer.play(plan) for plan in plans[i : i + BATCH]]
        written += len(writer.write_many(drafts))
        if bar is not None:
            bar.update((len(plans) + written) // 2)
    writer.problems_seen()
    for spec in specs:
        _problem_resolve(spec, problems[spec.key], users=users, now=now)
    if bar is not None:
        bar.finish()
    return HistoryResult(
        cases=written,
        months=months,
        first=plans[0].created_at if plans else None,
        last=plans[-1].created_at if plans else None,
        problems=list(problems.values()),
        planted=marks,
    )


def _problem_open(spec: ProblemSpec, *, users: dict, categories: dict, now: datetime) -> Problem:
    """Opened by the supervisor who noticed the pattern, confirmed, then a known error with its workaround."""
    opened = now - timedelta(days=spec.opened_days_ago)
    with clock.frozen(opened):
        problem = problem_services.problem_open(
            actor=users["supervisor"],
            title=spec.title,
            description=spec.description,
            origin=ProblemOrigin.MANUAL,
            source_kind=spec.source_kind,
            category=categories[spec.category],
        )
    with clock.frozen(opened + timedelta(days=2, hours=3)):
        problem = problem_services.problem_transition(
            actor=users["manager"], problem=problem, status=ProblemStatus.CONFIRMED
        )
    with clock.frozen(opened + timedelta(days=9, hours=5)):
        problem = problem_services.problem_transition(
            actor=users["manager"],
            problem=problem,
            status=ProblemStatus.KNOWN_ERROR,
            root_cause=" ".join(spec.root_cause.split()),
            workaround=" ".join(spec.workaround.split()),
        )
    return problem


def _problem_resolve(spec: ProblemSpec, problem: Problem, *, users: dict, now: datetime) -> None:
    problem.refresh_from_db()
    with clock.frozen(now - timedelta(days=spec.resolved_days_ago)):
        problem_services.problem_transition(
            actor=users["manager"],
            problem=problem,
            status=ProblemStatus.RESOLVED,
            note="The fix is in place and no new cases have come in since.",
        )
