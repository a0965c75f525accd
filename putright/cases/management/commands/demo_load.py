"""``manage.py demo_load``: the Harbour & Hearth demo organisation, with a few hundred lived-in cases.

Every case is created and moved along its lifecycle through ``putright.cases.services``
(the one way in), each step inside ``clock.frozen(t)`` so timelines carry
realistic times over the last ~120 days. The whole load is one transaction: a
failure part-way leaves the database as it was, so the command can simply be
run again.

Each case is first *planned* (a list of acts, each "who" and "how long after the
previous one"), then the plan is fitted between the report time and now —
staff acts land in opening hours — and only then run. Planning first is what
lets a promise be due just before (or after) the moment it is later kept.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.authority.defaults import roles_ensure
from putright.authority.models import Approval
from putright.authority.selectors import limit_for_user
from putright.cases import demo_data as demo
from putright.cases import services
from putright.cases.models import Case, Category
from putright.channels.portal_links import portal_url
from putright.engines.authority import limits as authority_engine
from putright.feedback.demo import feedback_demo_load
from putright.monitoring.demo import monitoring_demo_load
from putright.problems import demo as problems_demo
from putright.progress import ProgressBar
from putright.regulation.demo import regulation_demo_load
from putright.resolution.demo import demo_enrich
from putright.vocab import AgreementMethod, Channel, JustificationFactor, SourceKind, Status

# Hours between one act and the one before it, drawn uniformly from each range.
GAPS = {
    "summarise": (0.3, 20),
    "confirm": (0.5, 30),
    "correct": (1, 24),
    "resummarise": (0.5, 6),
    "skip": (0.2, 6),
    "assign": (0.1, 3),
    "escalate": (0.5, 24),
    "consult": (0.1, 3),
    "answer": (0.3, 8),
    "option": (0.05, 1.5),
    "withdraw": (0.5, 24),
    "recommend": (0.05, 1),
    "approve": (0.5, 20),
    "respond": (1, 48),
    "step_add": (0.05, 0.5),
    "step_done": (6, 96),
    "promise": (0.05, 1),
    "keep": (2, 48),
    "question": (12, 72),
    "reply": (0.3, 6),
    "update": (20, 72),
    "deliver": (0.5, 24),
    "satisfaction": (6, 96),
    "reopen": (0.5, 8),
    "close": (1, 48),
}
# How old a case with each final status may be, in days: open cases are recent, closed ones older.
AGES = {
    Status.NEW: (0.1, 5),
    Status.OPTIONS: (1, 12),
    Status.AWAITING_APPROVAL: (1, 10),
    Status.AWAITING_CUSTOMER: (2, 14),
    Status.IN_PROGRESS: (3, 28),
    Status.AWAITING_CONFIRMATION: (4, 28),
    Status.NOT_RESOLVED: (6, 40),
    Status.CLOSED_RESOLVED: (6, 120),
    Status.CLOSED_UNRESOLVED: (10, 120),
}
STATUS_WEIGHTS = {
    Status.NEW: 9,
    Status.OPTIONS: 9,
    Status.AWAITING_APPROVAL: 6,
    Status.AWAITING_CUSTOMER: 8,
    Status.IN_PROGRESS: 14,
    Status.AWAITING_CONFIRMATION: 7,
    Status.NOT_RESOLVED: 4,
    Status.CLOSED_RESOLVED: 33,
    Status.CLOSED_UNRESOLVED: 10,
}
SOURCE_WEIGHTS = {
    SourceKind.CUSTOMER_REPORTED: 62,
    SourceKind.FOUND_INTERNALLY: 8,
    SourceKind.EXPECTATION_GAP: 12,
    SourceKind.SYSTEM_FAILURE: 9,
    SourceKind.RESOURCES_OR_ERROR: 9,
}
CUSTOMER_CHANNELS = {
    Channel.WEB: 30,
    Channel.EMAIL: 20,
    Channel.PHONE: 25,
    Channel.IN_PERSON: 10,
    Channel.API: 15,
}
STAFF_FOUND = {SourceKind.FOUND_INTERNALLY, SourceKind.SYSTEM_FAILURE, SourceKind.RESOURCES_OR_ERROR}
SPOKEN = {Channel.PHONE, Channel.IN_PERSON}


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass
class Act:
    """One thing that happens on a case: by staff (in opening hours) or by the customer (any waking hour)."""

    who: str
    gap_hours: float
    run: Callable[[Act], object]
    at: datetime | None = None


@dataclass
class Plan:
    status: str
    source_kind: str
    channel: str
    created_at: datetime
    handler: object
    reporter: object | None
    story: demo.Story
    customer: demo.Customer
    acts: list[Act] = field(default_factory=list)


def _local(t: datetime) -> datetime:
    return timezone.localtime(t)


def _snap(t: datetime, who: str, rng: random.Random) -> datetime:
    """Move ``t`` forward into opening hours (staff) or waking hours (customers)."""
    local = _local(t)
    if who == "customer":
        if local.hour < 6 or (local.hour == 6 and local.minute < 30):
            local = local.replace(hour=6, minute=30, second=0) + timedelta(minutes=rng.uniform(0, 120))
        return local
    # The contact centre: Monday–Saturday 08:30–18:30, Sunday 10:00–16:00.
    for _ in range(8):
        sunday = local.weekday() == 6
        opens = local.replace(hour=10 if sunday else 8, minute=0 if sunday else 30, second=0, microsecond=0)
        closes = local.replace(hour=16 if sunday else 18, minute=0 if sunday else 30, second=0, microsecond=0)
        if local < opens:
            return opens + timedelta(minutes=rng.uniform(0, 50))
        if local <= closes:
            return local
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local


def _due(t: datetime, rng: random.Random) -> datetime:
    """A promise's due time as people give it: in opening hours, on the quarter hour."""
    local = _local(_snap(t, "staff", rng))
    return local.replace(minute=(local.minute // 15) * 15, second=0, microsecond=0)


class DemoLoader:
    """Plans and runs the demo cases. Reads ``now`` once so every case fits before it."""

    def __init__(self, *, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.deadline = now - timedelta(minutes=10)
        self.users: dict[str, object] = {}
        self.by_pk: dict[int, object] = {}
        self.categories: dict[str, Category] = {}
        self._limits: dict[int, object] = {}

    # ------------------------------------------------------------ organisation

    def staff_create(self) -> None:
        roles_ensure()  # the migration made them, unless the database was emptied since
        User = get_user_model()
        for member in demo.STAFF:
            user, _ = User.objects.get_or_create(username=member.username)
            user.first_name, user.last_name, user.email = member.first_name, member.last_name, member.email
            user.is_active = True
            user.is_staff = user.is_superuser = member.superuser
            user.set_password(member.password)
            user.save()
            user.groups.set([Group.objects.get(name=member.role)])
            self.users[member.username] = user
            self.by_pk[user.pk] = user

    def categories_create(self) -> None:
        for name, slug, description in demo.CATEGORIES:
            category, _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            self.categories[slug] = category

    @property
    def agents(self) -> list:
        return [self.users[m.username] for m in demo.STAFF if m.role == "agent"]

    def _limit(self, user):
        if user.pk not in self._limits:
            self._limits[user.pk] = limit_for_user(user)
        return self._limits[user.pk]

    def needs_approval(self, user, spec: demo.OptionSpec) -> bool:
        request = authority_engine.OptionRequest(
            remedy_type=spec.remedy_type, amount=spec.amount, is_exception=spec.is_exception
        )
        return authority_engine.decide(self._limit(user), request).needs_approval

    # ------------------------------------------------------------ planning

    def plans_make(self, count: int) -> list[Plan]:
        """Decide every case's final status, source and start; the first few cover every status and source."""
        rng = self.rng
        statuses = list(Status)
        sources = list(SourceKind)
        plans = []
        for i in range(count):
            status = statuses[i] if i < len(statuses) else _weighted(rng, STATUS_WEIGHTS)
            source = sources[i] if i < len(sources) else _weighted(rng, SOURCE_WEIGHTS)
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
            channel = _weighted(rng, CUSTOMER_CHANNELS)
            if source == SourceKind.EXPECTATION_GAP and channel == Channel.API:
                channel = Channel.WEB
            reporter = handler if channel in SPOKEN else None
        lo, hi = AGES[status]
        created = self.now - timedelta(days=rng.uniform(lo, hi))
        created = _snap(created, "staff" if reporter is not None else "customer", rng)
        if created > self.deadline - timedelta(minutes=30):
            created = self.deadline - timedelta(hours=rng.uniform(1, 3))
        ctx = demo.Ctx(
            rng,
            reported_on=_local(created).date(),
            tone=rng.choice(demo.TONES),
            handler_first=handler.first_name,
            spoken=str(channel) if channel in SPOKEN else "",
        )
        story = demo.story_for(source, ctx)
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

    # ------------------------------------------------------------ running

    def run(self, plan: Plan) -> Case:
        script = CaseScript(self, plan)
        script.build()
        self._schedule(plan)
        for act in plan.acts:
            # Freeze in UTC: the audit chain hashes the time as given, and the database hands it back in UTC.
            with clock.frozen(act.at.astimezone(UTC)):
                act.run(act)
        return script.case

    def _schedule(self, plan: Plan) -> None:
        """Give every act a time after the one before, all before now; squeeze the gaps if they do not fit."""
        acts = plan.acts
        acts[0].at = plan.created_at
        scale = 1.0
        for _ in range(8):
            t = plan.created_at
            times = []
            for act in acts[1:]:
                t = _snap(t + timedelta(hours=act.gap_hours * scale), act.who, self.rng)
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


class CaseScript:
    """Writes the acts of one case, in order, towards its planned final status.

    Acts run later, so each binds what it needs now: the handler can change
    part-way (an escalation), and options and steps are referred to by the
    position they will have once created.
    """

    def __init__(self, loader: DemoLoader, plan: Plan):
        self.loader = loader
        self.plan = plan
        self.story = plan.story
        self.rng = loader.rng
        self.handler = plan.handler
        self.case: Case | None = None
        self.options: list = []
        self.steps: list = []
        self.planned_options = 0
        self.planned_steps = 0
        self.promised = False  # the story's own promise has been made (and kept) already

    # ------------------------------------------------------------ small helpers

    def act(self, who: str, gap: str | None, run: Callable[[Act], object]) -> Act:
        hours = self.rng.uniform(*GAPS[gap]) if gap else 0.0
        act = Act(who=who, gap_hours=hours, run=run)
        self.plan.acts.append(act)
        return act

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def users(self, name: str):
        return self.loader.users[name]

    def colleague(self):
        """Someone to consult or to own a step: usually the supervisor, sometimes another agent or the manager."""
        pool = [self.users("supervisor")] * 3 + self.loader.agents + [self.users("manager")]
        return self.rng.choice([u for u in pool if u.pk != self.handler.pk])

    def _fmt(self, text: str) -> str:
        return text.format(first=self.plan.customer.first, handler=self.handler.first_name)

    # ------------------------------------------------------------ the lifecycle

    def build(self) -> None:
        target = self.plan.status
        self.report()
        if target == Status.NEW:
            self.build_new()
            return
        if (
            target == Status.CLOSED_UNRESOLVED
            and self.plan.source_kind not in STAFF_FOUND
            and self.chance(0.15)
        ):
            self.summarise()
            self.update(
                "We tried to call you today about your case but could not reach you. Please reply on your "
                "case link when you can, {first}."
            )
            self.close_unresolved(no_response=True)
            return
        self.understand()
        if self.plan.source_kind not in STAFF_FOUND and self.chance(0.12):
            self.escalate()
        specs = self.choose_options()
        if self.story.consult_question and self.chance(0.4):
            self.consult(answered=not (target == Status.OPTIONS and self.chance(0.5)))
        for spec in specs:
            self.option_add(spec)
        if len(specs) >= 3 and self.chance(0.1):
            self.withdraw(2, "Checked with the supplier: this is not possible for this model.")
        if target == Status.OPTIONS:
            self.build_options_end(specs)
            return
        if target == Status.CLOSED_UNRESOLVED and self.chance(0.35):
            self.recommend_and_approve(0, specs[0])
            self.respond(agree=False)
            self.close_unresolved()
            return
        final = self.propose(specs, target)
        if target == Status.AWAITING_APPROVAL:
            if self.chance(0.5):
                self.open_promise("Let you know our decision")
            return
        if target == Status.AWAITING_CUSTOMER:
            if self.chance(0.5):
                self.question_and_reply()
            if self.chance(0.5):
                self.open_promise("Call you to talk through our proposal")
            return
        self.respond(agree=True)
        steps = demo.steps_for(self.story, specs[final], primary=final == 0)
        self.deliver_plan(steps, finish=target != Status.IN_PROGRESS)
        if target == Status.IN_PROGRESS:
            self.open_promise(self.rng.choice(demo.FOLLOW_UP_PROMISES) if self.promised else None)
            return
        if target == Status.AWAITING_CONFIRMATION:
            if self.chance(0.4):
                self.open_promise("Call you to check everything is working")
            return
        if target == Status.NOT_RESOLVED:
            self.satisfaction(resolved=False)
            return
        if target == Status.CLOSED_RESOLVED:
            if self.chance(0.12) and self.story.reopen_option is not None:
                self.satisfaction(resolved=False)
                self.reopen_and_resolve()
            self.satisfaction(resolved=True)
            return
        # Closed unresolved after the customer said the fix did not work.
        self.satisfaction(resolved=False)
        self.close_unresolved()

    def build_new(self) -> None:
        variant = self.rng.choices(["fresh", "summarised", "corrected"], weights=[35, 40, 25])[0]
        if self.plan.source_kind in STAFF_FOUND:
            variant = "fresh"
        if variant == "corrected" and not self.story.correction:
            variant = "summarised"
        if variant == "fresh":
            if self.plan.channel not in SPOKEN and self.chance(0.5):
                self.assign()
                if self.chance(0.4):
                    self.open_promise("Call you back to talk it through")
            return
        self.summarise()
        if variant == "corrected":
            correction = self.story.correction
            self.act(
                "customer",
                "correct",
                lambda a: services.case_correct_understanding(case=self.case, correction=correction),
            )
        elif self.chance(0.3):
            self.question_and_reply()

    def build_options_end(self, specs: list[demo.OptionSpec]) -> None:
        ending = self.rng.choices(["listed", "declined", "rejected"], weights=[60, 25, 15])[0]
        if ending == "rejected":
            first = self.rng.randrange(len(specs))
            if self.loader.needs_approval(self.handler, specs[first]):
                self.recommend(first, specs[first])
                self.approve(approve=False)
            else:
                ending = "declined"
        if ending == "declined":
            self.recommend_and_approve(0, specs[0])
            self.respond(agree=False)
        if self.chance(0.4):
            self.open_promise("Call you with our proposal")

    # ------------------------------------------------------------ S1, S2

    def report(self) -> None:
        plan, story = self.plan, self.story
        category = self.loader.categories[story.category]
        report = services.ReportInput(
            customer_name=plan.customer.name,
            customer_email=plan.customer.email,
            customer_phone=plan.customer.phone if self.chance(0.7) or plan.channel in SPOKEN else "",
            subject=story.subject,
            description=story.description,
            desired_outcome=story.desired_outcome,
            order_reference=story.order_reference,
            amount_in_dispute=story.amount,
            channel=plan.channel,
            consent=True,
            source_kind=plan.source_kind,
            category_id=category.pk,
        )

        def run(act):
            self.case, _ = services.case_report(report=report, actor=plan.reporter)

        self.act("staff" if plan.reporter else "customer", None, run)

    def assign(self, by=None) -> None:
        by, to = by or self.users("supervisor"), self.handler
        self.act("staff", "assign", lambda a: services.case_assign(actor=by, case=self.case, assignee=to))

    def summarise(self, text: str | None = None) -> None:
        summary, actor = text or self.story.summary, self.handler
        self.act(
            "staff",
            "summarise",
            lambda a: services.case_summarise_understanding(actor=actor, case=self.case, summary=summary),
        )

    def understand(self) -> None:
        story, channel, actor = self.story, self.plan.channel, self.handler
        if self.plan.source_kind in STAFF_FOUND:
            # Skipping confirmation does not assign the case, so whoever triages it hands it to its handler.
            reporter = self.plan.reporter
            self.assign(by=reporter if reporter.pk == actor.pk else self.users("supervisor"))
            if self.chance(0.9):
                self.act(
                    "staff",
                    "skip",
                    lambda a: services.case_skip_understanding(
                        actor=actor, case=self.case, reason=story.skip_reason
                    ),
                )
                return
            self.summarise()
            self.act(
                "staff",
                "confirm",
                lambda a: services.case_confirm_understanding(
                    actor=actor, case=self.case, method=AgreementMethod.PHONE
                ),
            )
            return
        mode = self.rng.choices(["portal", "spoken", "corrected", "skip"], weights=[50, 20, 18, 12])[0]
        if mode == "corrected" and not story.correction:
            mode = "portal"
        if mode == "skip":
            reason = self.rng.choice(demo.SKIP_REASONS_CUSTOMER)
            if self.plan.channel not in SPOKEN:
                self.assign()
            self.act(
                "staff",
                "skip",
                lambda a: services.case_skip_understanding(actor=actor, case=self.case, reason=reason),
            )
            return
        self.summarise()
        if mode == "spoken":
            method = AgreementMethod.IN_PERSON if channel == Channel.IN_PERSON else AgreementMethod.PHONE
            self.act(
                "staff",
                "confirm",
                lambda a: services.case_confirm_understanding(actor=actor, case=self.case, method=method),
            )
            return
        if mode == "corrected":
            self.act(
                "customer",
                "correct",
                lambda a: services.case_correct_understanding(case=self.case, correction=story.correction),
            )
            self.summarise(story.resummary or story.summary)
        self.act(
            "customer", "confirm", lambda a: services.case_confirm_understanding(actor=None, case=self.case)
        )

    def escalate(self) -> None:
        to_manager = self.chance(0.2)
        by, to = self.handler, self.users("manager" if to_manager else "supervisor")
        reason = (
            self.rng.choice(demo.MANAGER_ESCALATION_REASONS)
            if to_manager
            else self.story.escalation_reason or self.rng.choice(demo.ESCALATION_REASONS)
        )
        self.act(
            "staff",
            "escalate",
            lambda a: services.case_escalate(actor=by, case=self.case, to_user=to, reason=reason),
        )
        self.handler = to

    def consult(self, *, answered: bool) -> None:
        asker, colleague = self.handler, self.colleague()
        question, answer = self.story.consult_question, self.story.consult_answer
        holder: dict = {}

        def ask(act):
            holder["c"] = services.consultation_request(
                actor=asker, case=self.case, colleague=colleague, question=question
            )

        self.act("staff", "consult", ask)
        if answered:
            self.act(
                "staff",
                "answer",
                lambda a: services.consultation_answer(
                    actor=colleague, consultation=holder["c"], answer=answer
                ),
            )

    # ------------------------------------------------------------ P2–P4, K4

    def choose_options(self) -> list[demo.OptionSpec]:
        """1–3 options from the story; for 'awaiting approval' make sure the first one needs approval."""
        specs = list(self.story.options)
        specs = specs[: self.rng.randint(1, len(specs))]
        target = self.plan.status
        if (
            len(specs) < 2
            and target in (Status.OPTIONS, Status.IN_PROGRESS, Status.CLOSED_RESOLVED)
            and self.chance(0.3)
        ):
            specs.append(demo.goodwill(self.rng.choice([10, 15, 20]), "for the trouble caused"))
        if target == Status.AWAITING_APPROVAL and not self.loader.needs_approval(self.handler, specs[0]):
            specs[0] = demo.with_exception(specs[0])
        return specs

    def option_add(self, spec: demo.OptionSpec) -> int:
        """Plan adding ``spec``; returns the position the option will have on the case."""
        data = services.OptionInput(
            title=spec.title,
            remedy_type=str(spec.remedy_type),
            description=spec.description,
            amount=spec.amount,
            cost_to_organisation=spec.cost.quantize(Decimal("0.01")),
            days_to_deliver=spec.days,
            customer_advantages=spec.customer_advantages,
            customer_disadvantages=spec.customer_disadvantages,
            organisation_advantages=spec.organisation_advantages,
            organisation_disadvantages=spec.organisation_disadvantages,
            is_exception=spec.is_exception,
        )
        actor = self.handler
        self.act(
            "staff",
            "option",
            lambda a: self.options.append(services.option_add(actor=actor, case=self.case, option=data)),
        )
        self.planned_options += 1
        return self.planned_options - 1

    def withdraw(self, index: int, reason: str) -> None:
        actor = self.handler
        self.act(
            "staff",
            "withdraw",
            lambda a: services.option_withdraw(actor=actor, option=self.options[index], reason=reason),
        )

    def recommend(self, index: int, spec: demo.OptionSpec) -> None:
        labels = ", ".join(JustificationFactor(f).label.lower() for f in spec.factors)
        justification = spec.justification or f"The best balance for the customer and for us: {labels}."
        factors = [str(f) for f in spec.factors]
        actor = self.handler
        self.act(
            "staff",
            "recommend",
            lambda a: services.option_recommend(
                actor=actor, option=self.options[index], justification=justification, factors=factors
            ),
        )

    def approve(self, *, approve: bool) -> None:
        note = (
            ""
            if approve
            else (self.story.reject_note or "Please look for an option within usual policy first.")
        )
        if approve and self.chance(0.4):
            note = self.rng.choice(
                [
                    "Agreed — the evidence supports it.",
                    "Fine, go ahead.",
                    "Approved; note the supplier claim on the case.",
                ]
            )

        def run(act):
            approval = Approval.objects.get(case=self.case, status=Approval.Status.PENDING)
            approver = self.loader.by_pk.get(approval.assigned_to_id) or self.users("manager")
            services.approval_decide(actor=approver, approval=approval, approve=approve, note=note)

        self.act("staff", "approve", run)

    def recommend_and_approve(self, index: int, spec: demo.OptionSpec) -> None:
        self.recommend(index, spec)
        if self.loader.needs_approval(self.handler, spec):
            self.approve(approve=True)

    def propose(self, specs: list[demo.OptionSpec], target: str) -> int:
        """Recommend until an option is before the customer (or, for that target, waiting for approval).

        Returns the position of the option finally recommended.
        """
        final = 0
        if len(specs) >= 2 and target != Status.AWAITING_APPROVAL:
            detour = self.rng.choices(["none", "rejected", "declined"], weights=[70, 15, 15])[0]
            if detour == "rejected" and self.loader.needs_approval(self.handler, specs[0]):
                self.recommend(0, specs[0])
                self.approve(approve=False)
                final = 1
            elif detour == "declined":
                self.recommend_and_approve(0, specs[0])
                self.respond(agree=False)
                final = 1
        if target == Status.AWAITING_APPROVAL:
            self.recommend(final, specs[final])
        else:
            self.recommend_and_approve(final, specs[final])
        return final

    # ------------------------------------------------------------ A1–A6

    def respond(self, *, agree: bool) -> None:
        comment = "" if agree else (self.story.decline_comment or "I'd rather have something else.")
        if self.plan.channel in SPOKEN or self.chance(0.25):
            method = (
                AgreementMethod.IN_PERSON
                if self.plan.channel == Channel.IN_PERSON
                else self.rng.choice([AgreementMethod.PHONE, AgreementMethod.PHONE, AgreementMethod.EMAIL])
            )
            actor = self.handler
            self.act(
                "staff",
                "respond",
                lambda a: services.option_customer_respond(
                    case=self.case, agree=agree, actor=actor, method=method, comment=comment
                ),
            )
            return
        if agree and self.chance(0.3):
            comment = self.rng.choice(
                ["Yes please, that's fine.", "OK, go ahead.", "Thank you, that works for me."]
            )
        self.act(
            "customer",
            "respond",
            lambda a: services.option_customer_respond(case=self.case, agree=agree, comment=comment),
        )

    def deliver_plan(self, step_texts: list[str], *, finish: bool) -> None:
        """A2–A4: the action plan, a promise kept (or kept late), the customer kept informed.

        With ``finish`` every step is done and the case is marked delivered;
        otherwise some steps are left to do.
        """
        handler = self.handler
        descriptions = step_texts[: self.rng.randint(1, len(step_texts))]
        owners = [handler if self.chance(0.75) else self.colleague() for _ in descriptions]
        first = self.planned_steps
        for description, owner in zip(descriptions, owners, strict=True):
            days = self.rng.randint(1, 7)
            self.act(
                "staff",
                "step_add",
                lambda a, d=description, o=owner, n=days: self.steps.append(
                    services.step_add(
                        actor=handler,
                        case=self.case,
                        description=d,
                        owner=o,
                        due_date=(_local(a.at) + timedelta(days=n)).date(),
                    )
                ),
            )
        self.planned_steps += len(descriptions)
        make = self.act("staff", "promise", lambda a: None) if self.chance(0.7) else None
        if self.chance(0.5):
            self.question_and_reply()
        done = len(descriptions) if finish else self.rng.randint(0, len(descriptions) - 1)
        for i in range(done):
            self.act(
                "staff",
                "step_done",
                lambda a, i=i: services.step_complete(actor=owners[i], step=self.steps[first + i]),
            )
            if i == 0 and self.chance(0.5):
                self.update(self.rng.choice(self.story.updates or demo.GENERIC_UPDATES))
        if make is not None:
            self._promise_kept(make, late=self.chance(0.2))
            self.promised = True
        if finish:
            self.act(
                "staff", "deliver", lambda a: services.case_mark_delivered(actor=handler, case=self.case)
            )

    def _promise_kept(self, make: Act, *, late: bool) -> None:
        """Fill in ``make`` so its promise falls due after (or, if ``late``, before) the act that keeps it."""
        handler, text = self.handler, self.story.promise
        holder: dict = {}
        keep = self.act("staff", "keep", lambda a: services.promise_keep(actor=handler, promise=holder["p"]))
        slack = self.rng.uniform(1, 30)

        def run(act):
            due = act.at + (keep.at - act.at) / 2 if late else keep.at + timedelta(hours=slack)
            due = max(_due(due, self.rng), act.at + timedelta(minutes=5))
            holder["p"] = services.promise_make(
                actor=handler, case=self.case, description=text, owner=handler, due_at=due
            )

        make.run = run

    def question_and_reply(self) -> None:
        story, actor = self.story, self.handler
        if story.questions and self.chance(0.7):
            i = self.rng.randrange(len(story.questions))
            question = story.questions[i]
            reply = story.replies[i] if i < len(story.replies) else None
        else:
            i = self.rng.randrange(len(demo.GENERIC_QUESTIONS))
            question, reply = demo.GENERIC_QUESTIONS[i], demo.GENERIC_REPLIES[i]
        self.act("customer", "question", lambda a: services.message_receive(case=self.case, body=question))
        if reply:
            text = self._fmt(reply)
            self.act(
                "staff",
                "reply",
                lambda a: services.message_send(actor=actor, case=self.case, body=text, requested=True),
            )

    def update(self, text: str) -> None:
        body, actor = self._fmt(text), self.handler
        self.act(
            "staff",
            "update",
            lambda a: services.message_send(
                actor=actor, case=self.case, body=body, requested=False, subject="An update on your case"
            ),
        )

    def open_promise(self, description: str | None = None) -> None:
        """A promise still outstanding at the end: due in days, due soon (at risk) or already past due."""
        kind = self.rng.choices(["open", "due_soon", "past_due"], weights=[40, 25, 35])[0]
        text, handler, now = description or self.story.promise, self.handler, self.loader.now
        frac, soon, later = self.rng.uniform(0.3, 0.8), self.rng.uniform(2, 20), self.rng.uniform(2, 8)

        def run(act):
            chosen = "due_soon" if kind == "past_due" and now - act.at < timedelta(hours=3) else kind
            if chosen == "past_due":
                due = act.at + (now - act.at) * frac
            elif chosen == "due_soon":
                due = now + timedelta(hours=soon)
            else:
                due = now + timedelta(days=later)
            rounded = _due(due, self.rng)
            # Rounding into opening hours must not carry a past-due promise beyond now, or a soon one past a day.
            if (
                chosen == "open"
                or (chosen == "past_due" and rounded < now)
                or (chosen == "due_soon" and rounded < now + timedelta(hours=24))
            ):
                due = rounded
            due = max(due, act.at + timedelta(minutes=5))
            services.promise_make(actor=handler, case=self.case, description=text, owner=handler, due_at=due)

        self.act("staff", "promise", run)

    def satisfaction(self, *, resolved: bool) -> None:
        story = self.story
        if resolved:
            comment = story.resolved_comment if self.chance(0.6) else ""
        else:
            comment = story.not_resolved_comment or "It's still not right."
        if self.chance(0.25):
            actor = self.handler
            self.act(
                "staff",
                "satisfaction",
                lambda a: services.case_satisfaction_record(
                    case=self.case,
                    resolved=resolved,
                    comment=comment,
                    actor=actor,
                    method=AgreementMethod.PHONE,
                ),
            )
            return
        self.act(
            "customer",
            "satisfaction",
            lambda a: services.case_satisfaction_record(case=self.case, resolved=resolved, comment=comment),
        )

    def reopen_and_resolve(self) -> None:
        story, actor = self.story, self.handler
        reason = story.reopen_reason or "The customer says it is not resolved yet."
        self.act(
            "staff", "reopen", lambda a: services.case_reopen(actor=actor, case=self.case, reason=reason)
        )
        spec = story.reopen_option
        index = self.option_add(spec)
        self.recommend_and_approve(index, spec)
        self.respond(agree=True)
        self.deliver_plan(demo.steps_for(story, spec, primary=False), finish=True)

    def close_unresolved(self, *, no_response: bool = False) -> None:
        story, actor = self.story, self.handler
        if no_response:
            reasons, routes = demo.CLOSE_NO_RESPONSE, [demo.ROUTE_CITIZENS_ADVICE, demo.ROUTE_ADR]
        else:
            reasons, routes = story.unresolved_reasons, story.other_routes or [demo.ROUTE_CITIZENS_ADVICE]
        self.act(
            "staff",
            "close",
            lambda a: services.case_close_unresolved(
                actor=actor, case=self.case, reasons=reasons, other_routes=routes
            ),
        )


class Command(BaseCommand):
    help = (
        "Load the Harbour & Hearth Ltd demo organisation (staff, categories and lived-in cases) "
        "into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=240, help="how many cases to create (default 240)")
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="random seed: the same seed writes the same staff, customers and stories (times follow the clock)",
        )
        parser.add_argument(
            "--reset-if-empty",
            action="store_true",
            help="load only if there are no cases yet; otherwise say 'demo already loaded' and exit 0",
        )

    def handle(self, *args, **opts):
        count = opts["cases"]
        if count < 1:
            raise CommandError("--cases must be at least 1.")
        existing = Case.objects.count()
        if existing:
            if opts["reset_if_empty"]:
                self.stdout.write("demo already loaded")
                return
            raise CommandError(
                f"This database already has {existing} case(s); demo_load only loads into an empty one, so "
                "nothing was added. Use a fresh database, or --reset-if-empty to skip quietly."
            )
        started = time.monotonic()
        loader = DemoLoader(seed=opts["seed"], now=clock.now())
        bar = ProgressBar(
            count,
            write=lambda s: self.stderr.write(s, style_func=lambda m: m, ending=""),
            flush=self.stderr.flush,
            label="Loading demo cases ",
        )
        cases = []
        # S3: part of the count is a burst of similar complaints that raises a problem (when the count leaves
        # room for one case of every status beside it).
        burst = len(problems_demo.BURST) if count >= len(problems_demo.BURST) + len(Status) else 0
        problem = None
        with transaction.atomic():
            loader.staff_create()
            loader.categories_create()
            plans = loader.plans_make(count - burst)
            bar.update(0)
            for done, plan in enumerate(plans, start=1):
                cases.append(loader.run(plan))
                bar.update(done)
            if burst:
                burst_cases, problem = problems_demo.problem_burst_load(
                    users=loader.users, categories=loader.categories, now=loader.now
                )
                cases.extend(burst_cases)
                bar.update(len(cases))
            bar.finish()
            # S4 a feedback feed with a rising theme; S5 a signal breach, its problem and the proactive notice.
            feedback_demo_load(users=loader.users, now=loader.now)
            signals = monitoring_demo_load(users=loader.users, now=loader.now)
            # E4/P1: purchase facts on a few goods, digital and service cases, so the statutory position
            # and the weighed options show; then the organisation's regimes and some deadlines due and missed.
            with clock.frozen(loader.now):
                enriched = demo_enrich(cases, loader.users["agent"])
            deadlines = regulation_demo_load(
                users=loader.users, now=loader.now, organisation=demo.ORGANISATION
            )
            # The promise and cadence parts of the worker's periodic sweep, once, now: past-due promises
            # become broken, near ones at risk, long-silent cases flagged. Not ``sweep_run`` itself: its
            # email-retry part would enqueue every message above a second time, since each was
            # stamped with a past time and is still waiting for the worker that will send it.
            now = clock.now()
            at_risk, broken = services.promises_sweep(now=now)
            flagged = services.cadence_sweep(now=now)
        self._report(
            cases, at_risk=at_risk, broken=broken, flagged=flagged, seconds=time.monotonic() - started
        )
        self.stdout.write(
            f"\nPurchase facts recorded on {len(enriched)} cases (their statutory position shows on the case page); "
            f"deadlines at risk: {deadlines['at_risk']}, missed: {deadlines['missed']}: "
            f"{settings.SITE_URL}{reverse('regulation:deadlines')}"
        )
        if problem is not None:
            self.stdout.write(
                f"\nA burst of similar complaints raised suspected problem {problem.pk} ({problem.title}), "
                f"owned by {problem.owner.get_username() if problem.owner else 'nobody'}: "
                f"{settings.SITE_URL}{reverse('problems:detail', kwargs={'pk': problem.pk})}"
            )
        if signals.breach is not None:
            self.stdout.write(
                f"\nDelivery delays breached '{signals.threshold.name}': problem {signals.breach.problem_id} opened "
                f"and {signals.notified} customers told unprompted: "
                f"{settings.SITE_URL}{reverse('monitoring:breach', args=[signals.breach.pk])}"
            )

    def _report(self, cases: list[Case], *, at_risk: int, broken: int, flagged: int, seconds: float) -> None:
        out = self.stdout
        statuses = Counter(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True))
        out.write(self.style.SUCCESS(f"\n{demo.ORGANISATION}: {len(cases)} cases loaded in {seconds:.1f}s."))
        for status in Status:
            out.write(f"  {status.label:<32} {statuses.get(status, 0):>4}")
        out.write(
            f"  Promises broken: {broken}; at risk: {at_risk}; customers waiting too long for an update: {flagged}"
        )
        site = settings.SITE_URL
        out.write(f"\nOpen {site}/ and sign in as one of the staff:")
        for member in demo.STAFF:
            who = f"{member.first_name} {member.last_name}, {member.role}"
            extra = " (also Django admin at /admin/)" if member.superuser else ""
            out.write(f"  {member.username:<11} password {member.password:<22} {who}{extra}")
        out.write(f"\nReport a problem as a customer: {site}{reverse('portal:report')}")
        proposal = (
            Case.objects.filter(pk__in=[c.pk for c in cases], status=Status.AWAITING_CUSTOMER)
            .select_related("customer")
            .order_by("-created_at")
            .first()
        )
        sample = proposal or (
            Case.objects.filter(pk__in=[c.pk for c in cases])
            .select_related("customer")
            .order_by("-created_at")
            .first()
        )
        what = "answer our proposal" if proposal else "follow the case"
        out.write(
            f"Follow a case as its customer ({sample.customer.name}, {sample.reference}) and {what}:\n"
            f"  {portal_url(sample)}"
        )
