"""Loads the demo organisation: staff, categories, a few hundred lived-in cases and the S3–S5 extras.

Cases of the story's present (open, or anything a user will act on) are written through the case
services; history (closed cases the customer will not see again) by the bulk writer, which writes
the same rows and the same audit events (``bulk/``). Everything happens in one transaction: a
failure part-way leaves the database as it was. Nothing is sent (``outbox.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from putright import clock
from putright.authority.defaults import roles_ensure
from putright.authority.selectors import limit_for_user
from putright.cases import services as case_services
from putright.cases.models import Case, Category, UnresolvedReason
from putright.channels.brand import brand_save
from putright.demo import content, extras, outbox
from putright.demo import history as demo_history
from putright.demo import improvements as demo_improvements
from putright.demo import procedures as demo_procedures
from putright.demo import teams as demo_teams
from putright.demo.bulk import BulkWriter
from putright.demo.history import HistoryResult
from putright.demo.planning import PLANNED_STATUSES, DemoPlanner
from putright.demo.runner import ServiceRunner
from putright.problems.models import Problem
from putright.progress import ProgressBar
from putright.quality import scoring as quality_scoring
from putright.resolution.defaults import defaults_ensure as catalogue_ensure
from putright.vocab import DEFAULT_UNRESOLVED_REASONS


@dataclass
class DemoResult:
    cases: list[Case]
    problem: Problem | None
    signals: extras.MonitoringDemo
    enriched: list[Case]
    deadlines: dict[str, int]
    at_risk: int
    broken: int
    flagged: int
    history_in_bulk: int
    scored: int = 0  # closed cases given their handling scorecard (issue 14 §4)
    history: HistoryResult | None = None
    improvements: demo_improvements.DemoImprovements | None = None


class DemoLoader:
    """Loads ``count`` cases at ``now`` from ``seed``; ``history_in_bulk=False`` runs every case through
    the services (the bulk writer's reference, in its tests)."""

    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        history_in_bulk: bool = True,
        history_months: int = 0,
        history_bar: ProgressBar | None = None,
    ):
        self.seed = seed
        self.now = now
        self.history_in_bulk = history_in_bulk
        # Issue 13 §5: that many months of closed cases before the story's present (``history.py``).
        self.history_months = history_months
        self.history_bar = history_bar
        self.users: dict[str, object] = {}
        self.categories: dict[str, Category] = {}
        self._limits: dict[int, object] = {}

    def load(self, count: int, bar: ProgressBar) -> DemoResult:
        # Password hashing is slow on purpose (PBKDF2); it runs in threads (hashlib releases the GIL)
        # while the cases load, and the hashes are stored at the end.
        with ThreadPoolExecutor(max_workers=2) as pool:
            hashes = {m.username: pool.submit(make_password, m.password) for m in content.staff()}
            with transaction.atomic():
                past = outbox.PastWork()
                past.begin()
                messages_before, alerts_before = outbox.last_ids()
                result = self._load(count, bar)
                for username, future in hashes.items():
                    user = self.users[username]
                    user.password = future.result()
                    user.save(update_fields=["password"])
                outbox.mark_delivered(messages_after=messages_before, alerts_after=alerts_before)
                past.end()
        return result

    def _load(self, count: int, bar: ProgressBar) -> DemoResult:
        self.staff_create()
        self.categories_create()
        self.brand_set()
        planner = DemoPlanner(seed=self.seed, now=self.now, users=self.users, limits=self._limit)
        runner = ServiceRunner(users=self.users, categories=self.categories)
        bulk = BulkWriter(users=self.users, categories=self.categories)
        # S3: part of the count is a burst of similar complaints that raises a problem (when the count
        # leaves room for one case of every status beside it).
        burst = len(extras.BURST) if count >= len(extras.BURST) + len(PLANNED_STATUSES) else 0
        plans = planner.plans_make(count - burst)
        cases: list[Case] = []
        in_bulk = 0
        bar.update(0)
        for done, plan in enumerate(plans, start=1):
            planner.acts_make(plan)
            if plan.is_history and self.history_in_bulk:
                cases.append(bulk.write(plan))
                in_bulk += 1
            else:
                cases.append(runner.run(plan))
            bar.update(done)
        problem = None
        if burst:
            burst_cases, problem = extras.problem_burst_load(
                users=self.users, categories=self.categories, now=self.now
            )
            cases.extend(burst_cases)
            bar.update(len(cases))
        bar.finish()
        # Issue 13 §1: a satisfaction check asked, reminded and never answered (before the demo's work of
        # today touches the waiting cases).
        extras.no_reply_demo_load(now=self.now)
        # S4 a feedback feed with a rising theme; S5 a signal breach, its problem and the proactive notice.
        extras.feedback_demo_load(users=self.users, now=self.now)
        signals = extras.monitoring_demo_load(users=self.users, now=self.now)
        # E4/P1: purchase facts on a few goods, digital and service cases, so the statutory position and
        # the weighed options show; then the organisation's regimes and some deadlines due and missed.
        with clock.frozen(self.now):
            enriched = extras.demo_enrich(cases, self.users["agent"])
        deadlines = extras.regulation_demo_load(
            users=self.users, now=self.now, organisation=content.organisation_name()
        )
        # Issue 12 §3: teams, who is away, the assignment rules, and the open cases in their teams' queues.
        demo_teams.teams_demo_load(users=self.users, categories=self.categories)
        # Issue 14 §3: the organisation's procedures, one with a second version, one overdue for review.
        demo_procedures.procedures_demo_load(users=self.users, categories=self.categories, now=self.now)
        # The promise and cadence parts of the worker's periodic sweep, once, now: past-due promises
        # become broken, near ones at risk, long-silent cases flagged. Not ``sweep_run`` itself: its
        # email-retry part is for messages the worker failed to send, and the demo's were never queued.
        now = clock.now()
        at_risk, broken = case_services.promises_sweep(now=now)
        flagged = case_services.cadence_sweep(now=now)
        # Last, so every case of the present keeps its reference, ids and everything it had.
        history = None
        if self.history_months:
            history = demo_history.history_load(
                seed=self.seed,
                now=self.now,
                months=self.history_months,
                users=self.users,
                categories=self.categories,
                limits=self._limit,
                bar=self.history_bar,
            )
        # Issue 14 §5: two improvement cycles run on the history's planted changes (one adopted, one that
        # made no detectable difference).
        improvements = (
            demo_improvements.improvements_demo_load(users=self.users, now=self.now) if history else None
        )
        # Issue 14 §4: the bulk writer closes cases (the history's too) without announcing CaseClosed, so
        # every closed case is scored here, by the function ``putright scorecard --rescore-all`` runs.
        scored = quality_scoring.cases_rescore()
        return DemoResult(
            cases=cases,
            problem=problem,
            signals=signals,
            enriched=enriched,
            deadlines=deadlines,
            at_risk=at_risk,
            broken=broken,
            flagged=flagged,
            history_in_bulk=in_bulk,
            scored=scored,
            history=history,
            improvements=improvements,
        )

    # ------------------------------------------------------------ organisation

    def brand_set(self) -> None:
        """The demo's customers deal with Harbour & Hearth: its name, signature and colour (issue 15 §6)."""
        name = content.organisation_name()
        brand_save(
            actor=self.users["admin"],
            display_name=name,
            signature=f"{name.removesuffix(' Ltd')} customer care\n0345 600 1234 · Monday to Saturday, 8am to 8pm",
            reply_to="care@harbourandhearth.example",
            colour="#1d4e5f",
        )

    def staff_create(self) -> None:
        # The migrations made the roles, the remedy catalogue, the appraisal weights and the reason codes for
        # closing unresolved, unless the database was emptied since (a test database flushed between tests,
        # say): the demo needs them.
        roles_ensure()
        catalogue_ensure()
        for position, (code, label) in enumerate(DEFAULT_UNRESOLVED_REASONS):
            UnresolvedReason.objects.get_or_create(code=code, defaults={"label": label, "position": position})
        User = get_user_model()
        for member in content.staff():
            user, _ = User.objects.get_or_create(username=member.username)
            user.first_name, user.last_name, user.email = member.first_name, member.last_name, member.email
            user.is_active = True
            user.is_staff = user.is_superuser = member.superuser
            user.set_unusable_password()  # until its hash is ready (see load)
            user.save()
            user.groups.set([Group.objects.get(name=member.role)])
            self.users[member.username] = user

    def categories_create(self) -> None:
        for name, slug, description in content.categories():
            category, _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            self.categories[slug] = category

    def _limit(self, user):
        if user.pk not in self._limits:
            self._limits[user.pk] = limit_for_user(user)
        return self._limits[user.pk]


def progress_bar(
    count: int,
    write: Callable[[str], object],
    flush: Callable[[], object],
    *,
    interactive: bool = False,
    label: str = "Loading demo cases ",
) -> ProgressBar:
    return ProgressBar(count, write=write, flush=flush, label=label, interactive=interactive)
