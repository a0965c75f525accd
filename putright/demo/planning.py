"""Plans each demo case: its final status, its story and the acts that take it there, in time.

Each case is first *planned* (a list of acts, each "who", "what" and "how long after the previous
one"), then the plan is fitted between the report time and now — staff acts land in opening hours —
and only then run, by the services (``runner.py``) or, for history, by the bulk writer
(``bulk/``). Planning first is what lets a promise be due just before (or after) the moment it
is later kept. An act is plain data: the runners read the same acts, so the two ways of writing a
case cannot drift apart in what happens, only in how it is written.

Every draw comes from one seeded ``random.Random`` in a fixed order (plans, then each case's acts,
its schedule and the due times its promises get as they are made), so a seed gives the same demo.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from putright.demo import content, stories
from putright.demo.acts import SPOKEN, STAFF_FOUND, Plan, local, snap
from putright.demo.script import CaseScript
from putright.engines.authority import limits as authority_engine
from putright.vocab import Channel, SourceKind, Status

# The statuses a story is written to end in. A closed duplicate is not a story of its own: it is the same
# problem as another case, closed by a colleague who noticed (the burst in ``extras`` has one). A case
# closed with no reply is closed by the sweep, not by a story.
PLANNED_STATUSES = [s for s in Status if s not in (Status.CLOSED_DUPLICATE, Status.CLOSED_NO_REPLY)]


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class DemoPlanner:
    """Plans the demo cases. Reads ``now`` once so every case fits before it."""

    def __init__(self, *, seed: int, now: datetime, users: dict, limits: Callable):
        self.rng = random.Random(seed)
        self.now = now
        self.deadline = now - timedelta(minutes=10)
        self.users = users
        self._limits = limits
        self.life = content.lifecycle()

    @property
    def agents(self) -> list:
        return [self.users[m.username] for m in content.staff() if m.role == "agent"]

    def needs_approval(self, user, spec: stories.OptionSpec) -> bool:
        request = authority_engine.OptionRequest(
            remedy_type=spec.remedy_type, amount=spec.amount, is_exception=spec.is_exception
        )
        return authority_engine.decide(self._limits(user), request).needs_approval

    def plans_make(self, count: int) -> list[Plan]:
        """Decide every case's final status, source and start; the first few cover every status and source."""
        rng = self.rng
        statuses = list(PLANNED_STATUSES)
        sources = list(SourceKind)
        plans = []
        for i in range(count):
            status = statuses[i] if i < len(statuses) else _weighted(rng, self.life["status_weights"])
            source = sources[i] if i < len(sources) else _weighted(rng, self.life["source_weights"])
            plans.append(self._plan(status, source))
        plans.sort(key=lambda p: p.created_at)
        return plans

    def _plan(self, status: str, source: str) -> Plan:
        rng = self.rng
        agents = self.agents
        # The demo login "agent" handles a larger share, so its own queue is full when someone signs in.
        handler = rng.choices(agents, weights=[4] + [2] * (len(agents) - 1))[0]
        if source in STAFF_FOUND:
            channel = Channel.INTERNAL
            reporter = rng.choice([*agents, self.users["supervisor"], self.users["manager"]])
        else:
            channel = _weighted(rng, self.life["customer_channels"])
            if source == SourceKind.EXPECTATION_GAP and channel == Channel.API:
                channel = Channel.WEB
            reporter = handler if channel in SPOKEN else None
        lo, hi = self.life["ages"][status]
        created = self.now - timedelta(days=rng.uniform(lo, hi))
        created = snap(created, "staff" if reporter is not None else "customer", rng)
        if created > self.deadline - timedelta(minutes=30):
            created = self.deadline - timedelta(hours=rng.uniform(1, 3))
        ctx = stories.Ctx(
            rng,
            reported_on=local(created).date(),
            tone=rng.choice(content.data("organisation")["tones"]),
            handler_first=handler.first_name,
            spoken=str(channel) if channel in SPOKEN else "",
        )
        story = stories.story_for(source, ctx)
        return Plan(
            status=status,
            source_kind=source,
            channel=channel,
            created_at=created,
            handler=handler,
            reporter=reporter,
            story=story,
            customer=ctx.customer,
        )

    def acts_make(self, plan: Plan) -> None:
        """Write the plan's acts and give each its time."""
        CaseScript(self, plan).build()
        self._schedule(plan)

    def _schedule(self, plan: Plan) -> None:
        """Give every act a time after the one before, all before now; squeeze the gaps if they do not fit."""
        acts = plan.acts
        acts[0].at = plan.created_at
        scale = 1.0
        for _ in range(8):
            t = plan.created_at
            times = []
            for act in acts[1:]:
                t = snap(t + timedelta(hours=act.gap_hours * scale), act.who, self.rng)
                times.append(t)
            if not times or times[-1] <= self.deadline:
                for act, at in zip(acts[1:], times, strict=True):
                    act.at = at
                return
            scale /= 2
        # Still too long (a case reported late last night with many steps): spread evenly, ignoring hours.
        span = (self.deadline - plan.created_at) / len(acts)
        for i, act in enumerate(acts[1:], start=1):
            act.at = plan.created_at + span * i
