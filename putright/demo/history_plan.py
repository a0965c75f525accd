"""Plans the demo's year of history: when each case was reported, who it was, and how it went.

The story's planner (``planning.py``) and case script (``script.py``) write each case; this module
decides what a year adds to them: a volume that follows the seasons and grows slowly, the team the
category belongs to, returning customers (some within the repeat-contact window), a personal
acknowledgement some hours after the report, the satisfaction check reminded and closed with no reply,
problems of their time, and the planted changes of ``history.py``. Every draw comes from its own seeded
``random.Random``, so the story's present draws exactly what it drew before.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from putright.demo import content, stories
from putright.demo import teams as demo_teams
from putright.demo.acts import SPOKEN, STAFF_FOUND, Act, Plan, due_time, local, snap
from putright.demo.bulk.history import sweep_after
from putright.demo.planning import DemoPlanner, _weighted
from putright.demo.script import CaseScript
from putright.vocab import Channel, SourceKind, Status


@dataclass
class HistoryPlan(Plan):
    story_name: str = ""
    no_reply: bool = False  # asked, reminded, never answered: closed as resolved with no reply
    reminded: bool = False  # answered only after the reminder
    problem: str = ""  # the key of the problem of its time the analysis links it to


@dataclass(frozen=True)
class ProblemSpec:
    """A problem of the year: the story its cases tell, when it was open, and how many cases were it."""

    key: str
    story: str
    title: str
    description: str
    source_kind: str
    category: str
    opened_days_ago: int
    resolved_days_ago: int
    share: float  # of the cases reported while it was open, the share that are this problem
    root_cause: str
    workaround: str


class HistoryScript(CaseScript):
    """The story's case script, with the year's own endings and the planted promise change."""

    plan: HistoryPlan

    def satisfaction(self, *, resolved: bool) -> None:
        plan = self.plan
        if resolved and plan.no_reply:
            self.act("system", None, "satisfaction_remind")
            self.act("system", None, "close_no_reply")
            return
        if resolved and plan.reminded:
            self.act("system", None, "satisfaction_remind")
        super().satisfaction(resolved=resolved)

    def _promise_kept(self, make: Act, *, late: bool) -> None:
        """As the story's, but whether the promise is kept on time is the planted change's (history.py): it
        depends on the category and on when the promise is kept, decided once the acts have their times."""
        handler, text, rng, planner = self.handler, self.story.promise, self.rng, self.planner
        category = self.story.category
        keep = self.act("staff", "keep", "promise_keep", actor=handler, promise=make)
        slack = rng.uniform(1, 30)

        def prepare(act: Act) -> None:
            on_time = planner.promise_on_time(category, keep.at)
            due = keep.at + timedelta(hours=slack) if on_time else act.at + (keep.at - act.at) / 2
            act.params["due_at"] = max(due_time(due, rng), act.at + timedelta(minutes=5))

        make.params = {"actor": handler, "description": text, "owner": handler}
        make.prepare = prepare

    def deliver_plan(self, step_texts: list[str], *, finish: bool) -> None:
        super().deliver_plan(step_texts, finish=finish)
        if finish and self.story.category == self.planner.promise_category:
            # Deliveries promise a call once the goods are in: the promise the planted change is about.
            make = self.act("staff", "promise", "promise_make")
            self._promise_kept(make, late=False)
            make.params["description"] = self.rng.choice(self.planner.texts["delivery_promises"])


class HistoryPlanner(DemoPlanner):
    """Plans the year before ``now``: ``plans_make`` answers every plan, acts scheduled, oldest first."""

    def __init__(self, *, seed: int, now: datetime, users: dict, limits, settings, existing_emails: set[str]):
        super().__init__(seed=seed, now=now, users=users, limits=limits)
        # Its own random source: the story's present keeps drawing what it drew before the history existed.
        self.rng = random.Random(f"history:{seed}")
        self.settings = settings
        self.texts = content.data("history")
        self.emails = {e.lower() for e in existing_emails}
        self.closed: list[tuple[datetime, stories.Customer, str]] = []
        self.problems: list[ProblemSpec] = []
        self.planted = None
        self.promises: dict[str, tuple[int, int]] = {}
        self.promise_category = ""

    # ------------------------------------------------------------ the planted change

    def promise_on_time(self, category: str, when: datetime) -> bool:
        """Whether the next promise of this category falling due ``when`` is kept on time: each side of the
        planted change keeps its share exactly (so the planted figures do not hang on the seed's luck), in an
        order drawn at random."""
        planted = self.planted
        if category != planted.promise_category:
            bucket, share = "elsewhere", planted.promise_kept_elsewhere
        elif when >= planted.promise_change_at:
            bucket, share = "after", planted.promise_kept_after
        else:
            bucket, share = "before", planted.promise_kept_before
        kept, total = self.promises.get(bucket, (0, 0))
        # Kept unless that would put the share above its mark; a random quarter of the slack decides early.
        on_time = kept + 1 <= share * (total + 1) + (0.5 if self.rng.random() < 0.25 else 0.0)
        self.promises[bucket] = (kept + on_time, total + 1)
        return on_time

    # ------------------------------------------------------------ when cases came in

    def report_times(self, *, start: datetime, end: datetime, per_month: float) -> list[datetime]:
        """Report times from ``start`` to ``end``: busier after Christmas and on Mondays, growing slowly."""
        rng, times = self.rng, []
        weekday = self.texts["weekday_factors"]
        day = local(start).replace(hour=0, minute=0, second=0, microsecond=0)
        span = (end - start).total_seconds()
        while day < end:
            season = 1 + 0.22 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 12) / 365.25)
            trend = 0.9 + 0.2 * (day - start).total_seconds() / span
            expected = per_month / 30.44 * season * trend * weekday[day.weekday()]
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for _ in range(count):
                at = day + timedelta(hours=rng.uniform(7, 22))
                if start <= at < end:
                    times.append(at)
            day = local(day + timedelta(hours=26)).replace(hour=0)
        return sorted(times)

    # ------------------------------------------------------------ each case

    def plans_make_history(self, times: list[datetime], progress=None) -> list[HistoryPlan]:
        """One plan per report time, acts made and scheduled, in the order reported."""
        plans = []
        for done, created in enumerate(times, start=1):
            plan = self._history_plan(created)
            self.acts_make(plan)
            self.closed.append((plan.acts[-1].at, plan.customer, plan.story.category))
            plans.append(plan)
            if progress is not None:
                progress(done)
        plans.sort(key=lambda p: p.created_at)
        return plans

    def _open_problem(self, created: datetime) -> ProblemSpec | None:
        for spec in self.problems:
            opened = self.now - timedelta(days=spec.opened_days_ago)
            resolved = self.now - timedelta(days=spec.resolved_days_ago)
            if opened < created < resolved - timedelta(days=1) and self.rng.random() < spec.share:
                return spec
        return None

    def _story_name(self, source: str) -> str:
        scenarios = content.data("stories")["scenarios"][source]
        if source in (SourceKind.CUSTOMER_REPORTED, SourceKind.EXPECTATION_GAP):
            boost = self.texts["story_weight_factors"]
            weights = [s["weight"] * boost.get(s["story"], 1) for s in scenarios]
            return self.rng.choices([s["story"] for s in scenarios], weights=weights)[0]
        return self.rng.choice(scenarios)

    def _handler(self, category: str):
        # The team the assignment rules give the category (the rule for everything else when none names it).
        team = next(
            team for _, slug, channel, team, _ in demo_teams.RULES if slug in (category, None) and not channel
        )
        members = next(members for name, _, members in demo_teams.TEAMS if name == team)
        people = [self.users[u] for u in members]
        return self.rng.choices(people, weights=[3 if u == "agent" else 2 for u in members])[0]

    def _customer(self, ctx: stories.Ctx, created: datetime) -> stories.Customer:
        rng = self.rng
        roll = rng.random()
        if roll < 0.16:
            # Back within the repeat-contact window after an earlier case closed (not a first-contact resolution)
            # or, more often, some weeks or months later with something else.
            within = roll < 0.07
            earlier = [
                customer
                for closed_at, customer, _ in self.closed
                if closed_at < created and (created - closed_at <= timedelta(days=6)) == within
            ]
            if earlier:
                return rng.choice(earlier[-60:])
        customer = ctx.customer
        while customer.email.lower() in self.emails:
            name, domain = customer.email.split("@")
            customer = stories.Customer(
                customer.first, customer.last, f"{name}{rng.randint(2, 99)}@{domain}", customer.phone
            )
        self.emails.add(customer.email.lower())
        return customer

    def _history_plan(self, created: datetime) -> HistoryPlan:
        rng = self.rng
        life = self.life
        problem = self._open_problem(created)
        if problem is not None:
            source, name = problem.source_kind, problem.story
        else:
            source = _weighted(rng, life["source_weights"])
            name = self._story_name(source)
        category = content.data("stories")["stories"][name]["story"]["category"]
        handler = self._handler(category)
        if source in STAFF_FOUND:
            channel = Channel.INTERNAL
            reporter = rng.choice([*self.agents, self.users["supervisor"], self.users["manager"]])
        else:
            channel = _weighted(rng, life["customer_channels"])
            if source == SourceKind.EXPECTATION_GAP and channel == Channel.API:
                channel = Channel.WEB
            reporter = handler if channel in SPOKEN else None
        created = snap(created, "staff" if reporter is not None else "customer", rng)
        ctx = stories.Ctx(
            rng,
            reported_on=local(created).date(),
            tone=rng.choice(content.data("organisation")["tones"]),
            handler_first=handler.first_name,
            spoken=str(channel) if channel in SPOKEN else "",
        )
        ctx.customer = self._customer(ctx, created)
        story = stories.story_write(name, ctx)
        unresolved = rng.random() < self.texts["unresolved_share"]
        no_reply = not unresolved and rng.random() < self.texts["no_reply_share"]
        return HistoryPlan(
            status=Status.CLOSED_UNRESOLVED if unresolved else Status.CLOSED_RESOLVED,
            source_kind=source,
            channel=channel,
            created_at=created,
            handler=handler,
            reporter=reporter,
            story=story,
            customer=ctx.customer,
            story_name=name,
            no_reply=no_reply,
            reminded=not no_reply and rng.random() < self.texts["reminded_share"],
            problem=problem.key if problem is not None else "",
        )

    def acts_make(self, plan: HistoryPlan) -> None:
        HistoryScript(self, plan).build()
        acts, rng = plan.acts, self.rng
        extra = []
        if plan.problem:
            # The worker's analysis links it to the problem of its time minutes after the report (S3).
            extra.append(
                Act(
                    "system",
                    rng.uniform(0.05, 0.5),
                    "problem_link",
                    {"problem": plan.problem, "similarity": rng.uniform(0.38, 0.82)},
                )
            )
        if plan.channel not in SPOKEN:
            extra.append(self._acknowledgement(plan))
        if plan.story_name in self.texts["regulated_stories"]:
            # The handler marks a complaint about finance as regulated (FCA DISP): its clocks count from receipt.
            extra.append(Act("staff", rng.uniform(0.3, 4), "classify_regulated", {"actor": plan.handler}))
        acts[1:1] = extra
        self._schedule(plan)

    def _acknowledgement(self, plan: HistoryPlan) -> Act:
        """A colleague's own first word to the customer, some hours after the report (in opening hours)."""
        texts = self.texts["acknowledgements"]
        after_change = plan.created_at >= self.planted.ack_change_at
        pool = texts["after_change" if after_change else "before_change"]
        supervisor = self.users["supervisor"]
        body = self.rng.choice(pool).format(first=plan.customer.first, handler=supervisor.first_name)
        hours = self.rng.lognormvariate(math.log(self.texts["acknowledge_median_hours"]), 0.8)
        return Act(
            "staff",
            min(hours, 60.0),
            "message_send",
            {"actor": supervisor, "body": body, "requested": False, "subject": texts["subject"]},
        )

    def _schedule(self, plan: HistoryPlan) -> None:
        """As the story's schedule, but the sweep's acts fall when the sweep would have run them; a case that
        would not have closed before now is reported earlier instead of squeezed."""
        acts = plan.acts
        remind = timedelta(days=self.settings.remind_after_days)
        close = timedelta(days=self.settings.close_no_reply_after_days)
        for _ in range(12):
            acts[0].at = plan.created_at
            t, asked, reminded = plan.created_at, None, None
            times = []
            for act in acts[1:]:
                if act.kind == "satisfaction_remind":
                    t = max(t + timedelta(minutes=1), sweep_after(asked + remind))
                    reminded = t
                elif act.kind == "close_no_reply":
                    t = max(t + timedelta(minutes=1), sweep_after(reminded + close))
                elif act.kind == "problem_link":
                    t = t + timedelta(hours=act.gap_hours)
                else:
                    t = snap(t + timedelta(hours=act.gap_hours), act.who, self.rng)
                if act.kind == "deliver":
                    asked = t
                times.append(t)
            if times[-1] <= self.deadline:
                for act, at in zip(acts[1:], times, strict=True):
                    act.at = at
                return
            plan.created_at -= times[-1] - self.deadline + timedelta(days=1)
        raise RuntimeError(f"a history case of {plan.created_at} does not fit before now")
