"""The acts of one demo case, written in order towards its planned final status (S1–S5, P1–P4, K4, A1–A6).

Every draw comes from the planner's seeded random source, in the order written here: moving a
draw changes every case after it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from putright.demo import content, stories
from putright.demo.acts import SPOKEN, STAFF_FOUND, Act, Plan, due_time, local
from putright.vocab import AgreementMethod, Channel, JustificationFactor, Status

if TYPE_CHECKING:
    # For the annotation only: the planner makes the case scripts and each script draws from the
    # planner's random source; a run-time import either way would be a cycle inside the demo room.
    from putright.demo.planning import DemoPlanner


class CaseScript:
    """Writes the acts of one case, in order, towards its planned final status.

    The handler can change part-way (an escalation), so each act names its actor when planned;
    options and steps are referred to by the position they will have on the case once made, a
    promise kept or a question answered by the act that made it.
    """

    def __init__(self, planner: DemoPlanner, plan: Plan):
        self.planner = planner
        self.plan = plan
        self.story = plan.story
        self.rng = planner.rng
        self.handler = plan.handler
        self.texts = content.texts()
        self.planned_options = 0
        self.planned_steps = 0
        self.promised = False  # the story's own promise has been made (and kept) already

    # ------------------------------------------------------------ small helpers

    def act(self, who: str, gap: str | None, kind: str, **params) -> Act:
        hours = self.rng.uniform(*self.planner.life["gaps"][gap]) if gap else 0.0
        act = Act(who=who, gap_hours=hours, kind=kind, params=params)
        self.plan.acts.append(act)
        return act

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def users(self, name: str):
        return self.planner.users[name]

    def colleague(self):
        """Someone to consult or to own a step: usually the supervisor, sometimes another agent or the manager."""
        pool = [self.users("supervisor")] * 3 + self.planner.agents + [self.users("manager")]
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
            self.update(self.texts["no_response_update"])
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
            self.withdraw(2, self.texts["withdraw_reason"])
        if target == Status.OPTIONS:
            self.build_options_end(specs)
            return
        if target == Status.CLOSED_UNRESOLVED and self.chance(0.35):
            self.recommend_and_approve(0, specs[0])
            self.respond(agree=False)
            self.close_unresolved()
            return
        final = self.propose(specs, target)
        promises = self.texts["promises"]
        if target == Status.AWAITING_APPROVAL:
            if self.chance(0.5):
                self.open_promise(promises["awaiting_approval"])
            return
        if target == Status.AWAITING_CUSTOMER:
            if self.chance(0.5):
                self.question_and_reply()
            if self.chance(0.5):
                self.open_promise(promises["awaiting_customer"])
            return
        self.respond(agree=True)
        steps = stories.steps_for(self.story, specs[final], primary=final == 0)
        self.deliver_plan(steps, finish=target != Status.IN_PROGRESS)
        if target == Status.IN_PROGRESS:
            self.open_promise(self.rng.choice(self.texts["follow_up_promises"]) if self.promised else None)
            return
        if target == Status.AWAITING_CONFIRMATION:
            if self.chance(0.4):
                self.open_promise(promises["awaiting_confirmation"])
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
                    self.open_promise(self.texts["promises"]["fresh_report"])
            return
        self.summarise()
        if variant == "corrected":
            self.act("customer", "correct", "correct", correction=self.story.correction)
        elif self.chance(0.3):
            self.question_and_reply()

    def build_options_end(self, specs: list[stories.OptionSpec]) -> None:
        ending = self.rng.choices(["listed", "declined", "rejected"], weights=[60, 25, 15])[0]
        if ending == "rejected":
            first = self.rng.randrange(len(specs))
            if self.planner.needs_approval(self.handler, specs[first]):
                self.recommend(first, specs[first])
                self.approve(approve=False)
            else:
                ending = "declined"
        if ending == "declined":
            self.recommend_and_approve(0, specs[0])
            self.respond(agree=False)
        if self.chance(0.4):
            self.open_promise(self.texts["promises"]["options"])

    # ------------------------------------------------------------ S1, S2

    def report(self) -> None:
        plan, story = self.plan, self.story
        phone = plan.customer.phone if self.chance(0.7) or plan.channel in SPOKEN else ""
        report = {
            "customer_name": plan.customer.name,
            "customer_email": plan.customer.email,
            "customer_phone": phone,
            "subject": story.subject,
            "description": story.description,
            "desired_outcome": story.desired_outcome,
            "order_reference": story.order_reference,
            "amount_in_dispute": story.amount,
            "channel": plan.channel,
            "consent": True,
            "source_kind": plan.source_kind,
            "category": story.category,
        }
        self.act("staff" if plan.reporter else "customer", None, "report", report=report, actor=plan.reporter)

    def assign(self, by=None) -> None:
        self.act("staff", "assign", "assign", actor=by or self.users("supervisor"), assignee=self.handler)

    def summarise(self, text: str | None = None) -> None:
        self.act("staff", "summarise", "summarise", actor=self.handler, summary=text or self.story.summary)

    def understand(self) -> None:
        story, channel, actor = self.story, self.plan.channel, self.handler
        if self.plan.source_kind in STAFF_FOUND:
            # Skipping confirmation does not assign the case, so whoever triages it hands it to its handler.
            reporter = self.plan.reporter
            self.assign(by=reporter if reporter.pk == actor.pk else self.users("supervisor"))
            if self.chance(0.9):
                self.act("staff", "skip", "skip", actor=actor, reason=story.skip_reason)
                return
            self.summarise()
            self.act("staff", "confirm", "confirm", actor=actor, method=AgreementMethod.PHONE)
            return
        mode = self.rng.choices(["portal", "spoken", "corrected", "skip"], weights=[50, 20, 18, 12])[0]
        if mode == "corrected" and not story.correction:
            mode = "portal"
        if mode == "skip":
            reason = self.rng.choice(self.texts["skip_reasons_customer"])
            if self.plan.channel not in SPOKEN:
                self.assign()
            self.act("staff", "skip", "skip", actor=actor, reason=reason)
            return
        self.summarise()
        if mode == "spoken":
            method = AgreementMethod.IN_PERSON if channel == Channel.IN_PERSON else AgreementMethod.PHONE
            self.act("staff", "confirm", "confirm", actor=actor, method=method)
            return
        if mode == "corrected":
            self.act("customer", "correct", "correct", correction=story.correction)
            self.summarise(story.resummary or story.summary)
        self.act("customer", "confirm", "confirm", actor=None, method=AgreementMethod.PORTAL)

    def escalate(self) -> None:
        to_manager = self.chance(0.2)
        by, to = self.handler, self.users("manager" if to_manager else "supervisor")
        reason = (
            self.rng.choice(self.texts["manager_escalation_reasons"])
            if to_manager
            else self.story.escalation_reason or self.rng.choice(self.texts["escalation_reasons"])
        )
        self.act("staff", "escalate", "escalate", actor=by, to=to, reason=reason)
        self.handler = to

    def consult(self, *, answered: bool) -> None:
        asker, colleague = self.handler, self.colleague()
        question, answer = self.story.consult_question, self.story.consult_answer
        ask = self.act("staff", "consult", "consult", actor=asker, colleague=colleague, question=question)
        if answered:
            self.act("staff", "answer", "answer", actor=colleague, answer=answer, consultation=ask)

    # ------------------------------------------------------------ P2–P4, K4

    def choose_options(self) -> list[stories.OptionSpec]:
        """1–3 options from the story; for 'awaiting approval' make sure the first one needs approval."""
        specs = list(self.story.options)
        specs = specs[: self.rng.randint(1, len(specs))]
        target = self.plan.status
        if (
            len(specs) < 2
            and target in (Status.OPTIONS, Status.IN_PROGRESS, Status.CLOSED_RESOLVED)
            and self.chance(0.3)
        ):
            specs.append(stories.goodwill(self.rng.choice([10, 15, 20]), "for the trouble caused"))
        if target == Status.AWAITING_APPROVAL and not self.planner.needs_approval(self.handler, specs[0]):
            specs[0] = stories.with_exception(specs[0])
        return specs

    def option_add(self, spec: stories.OptionSpec) -> int:
        """Plan adding ``spec``; returns the position the option will have on the case."""
        option = {
            "title": spec.title,
            "remedy_type": str(spec.remedy_type),
            "description": spec.description,
            "amount": spec.amount,
            "cost_to_organisation": spec.cost.quantize(Decimal("0.01")),
            "days_to_deliver": spec.days,
            "customer_advantages": spec.customer_advantages,
            "customer_disadvantages": spec.customer_disadvantages,
            "organisation_advantages": spec.organisation_advantages,
            "organisation_disadvantages": spec.organisation_disadvantages,
            "is_exception": spec.is_exception,
        }
        self.act("staff", "option", "option_add", actor=self.handler, option=option)
        self.planned_options += 1
        return self.planned_options - 1

    def withdraw(self, index: int, reason: str) -> None:
        self.act("staff", "withdraw", "option_withdraw", actor=self.handler, option=index, reason=reason)

    def recommend(self, index: int, spec: stories.OptionSpec) -> None:
        labels = ", ".join(JustificationFactor(f).label.lower() for f in spec.factors)
        justification = spec.justification or self.texts["justification"].format(labels=labels)
        factors = [str(f) for f in spec.factors]
        self.act(
            "staff",
            "recommend",
            "recommend",
            actor=self.handler,
            option=index,
            justification=justification,
            factors=factors,
        )

    def approve(self, *, approve: bool) -> None:
        note = "" if approve else (self.story.reject_note or self.texts["reject_note"])
        if approve and self.chance(0.4):
            note = self.rng.choice(self.texts["approval_notes"])
        # The approver is whoever the request was assigned to: known only once it is made.
        self.act("staff", "approve", "approval_decide", approve=approve, note=note)

    def recommend_and_approve(self, index: int, spec: stories.OptionSpec) -> None:
        self.recommend(index, spec)
        if self.planner.needs_approval(self.handler, spec):
            self.approve(approve=True)

    def propose(self, specs: list[stories.OptionSpec], target: str) -> int:
        """Recommend until an option is before the customer (or, for that target, waiting for approval).

        Returns the position of the option finally recommended.
        """
        final = 0
        if len(specs) >= 2 and target != Status.AWAITING_APPROVAL:
            detour = self.rng.choices(["none", "rejected", "declined"], weights=[70, 15, 15])[0]
            if detour == "rejected" and self.planner.needs_approval(self.handler, specs[0]):
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
        comment = "" if agree else (self.story.decline_comment or self.texts["decline_comment"])
        if self.plan.channel in SPOKEN or self.chance(0.25):
            method = (
                AgreementMethod.IN_PERSON
                if self.plan.channel == Channel.IN_PERSON
                else self.rng.choice([AgreementMethod.PHONE, AgreementMethod.PHONE, AgreementMethod.EMAIL])
            )
            self.act(
                "staff", "respond", "respond", agree=agree, actor=self.handler, method=method, comment=comment
            )
            return
        if agree and self.chance(0.3):
            comment = self.rng.choice(self.texts["agree_comments"])
        self.act(
            "customer",
            "respond",
            "respond",
            agree=agree,
            actor=None,
            method=AgreementMethod.PORTAL,
            comment=comment,
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
        for text, owner in zip(descriptions, owners, strict=True):
            days = self.rng.randint(1, 7)
            # "What we do >> what the customer is told when it is done" (stories.yaml); no ">>": internal.
            description, _, wording = (part.strip() for part in text.partition(">>"))
            act = self.act(
                "staff",
                "step_add",
                "step_add",
                actor=handler,
                description=description,
                owner=owner,
                customer_wording=wording,
            )
            act.prepare = _due_in_days(days)
        self.planned_steps += len(descriptions)
        make = self.act("staff", "promise", "promise_make") if self.chance(0.7) else None
        if self.chance(0.5):
            self.question_and_reply()
        done = len(descriptions) if finish else self.rng.randint(0, len(descriptions) - 1)
        for i in range(done):
            self.act("staff", "step_done", "step_complete", actor=owners[i], step=first + i)
            if i == 0 and self.chance(0.5):
                self.update(self.rng.choice(self.story.updates or self.texts["generic_updates"]))
        if make is not None:
            self._promise_kept(make, late=self.chance(0.2))
            self.promised = True
        if finish:
            self.act("staff", "deliver", "deliver", actor=handler)

    def _promise_kept(self, make: Act, *, late: bool) -> None:
        """Fill in ``make`` so its promise falls due after (or, if ``late``, before) the act that keeps it."""
        handler, text, rng = self.handler, self.story.promise, self.rng
        keep = self.act("staff", "keep", "promise_keep", actor=handler, promise=make)
        slack = rng.uniform(1, 30)

        def prepare(act: Act) -> None:
            due = act.at + (keep.at - act.at) / 2 if late else keep.at + timedelta(hours=slack)
            act.params["due_at"] = max(due_time(due, rng), act.at + timedelta(minutes=5))

        make.params = {"actor": handler, "description": text, "owner": handler}
        make.prepare = prepare

    def question_and_reply(self) -> None:
        story = self.story
        if story.questions and self.chance(0.7):
            i = self.rng.randrange(len(story.questions))
            question = story.questions[i]
            reply = story.replies[i] if i < len(story.replies) else None
        else:
            i = self.rng.randrange(len(self.texts["generic_questions"]))
            question, reply = self.texts["generic_questions"][i], self.texts["generic_replies"][i]
        self.act("customer", "question", "message_receive", body=question)
        if reply:
            self.act(
                "staff",
                "reply",
                "message_send",
                actor=self.handler,
                body=self._fmt(reply),
                requested=True,
                subject="",
            )

    def update(self, text: str) -> None:
        self.act(
            "staff",
            "update",
            "message_send",
            actor=self.handler,
            body=self._fmt(text),
            requested=False,
            subject=self.texts["update_subject"],
        )

    def open_promise(self, description: str | None = None) -> None:
        """A promise still outstanding at the end: due in days, due soon (at risk) or already past due."""
        kind = self.rng.choices(["open", "due_soon", "past_due"], weights=[40, 25, 35])[0]
        text, handler, now, rng = description or self.story.promise, self.handler, self.planner.now, self.rng
        frac, soon, later = rng.uniform(0.3, 0.8), rng.uniform(2, 20), rng.uniform(2, 8)

        def prepare(act: Act) -> None:
            chosen = "due_soon" if kind == "past_due" and now - act.at < timedelta(hours=3) else kind
            if chosen == "past_due":
                due = act.at + (now - act.at) * frac
            elif chosen == "due_soon":
                due = now + timedelta(hours=soon)
            else:
                due = now + timedelta(days=later)
            rounded = due_time(due, rng)
            # Rounding into opening hours must not carry a past-due promise beyond now, or a soon one past a day.
            if (
                chosen == "open"
                or (chosen == "past_due" and rounded < now)
                or (chosen == "due_soon" and rounded < now + timedelta(hours=24))
            ):
                due = rounded
            act.params["due_at"] = max(due, act.at + timedelta(minutes=5))

        make = self.act("staff", "promise", "promise_make", actor=handler, description=text, owner=handler)
        make.prepare = prepare

    def satisfaction(self, *, resolved: bool) -> None:
        story = self.story
        if resolved:
            comment = story.resolved_comment if self.chance(0.6) else ""
        else:
            comment = story.not_resolved_comment or self.texts["not_resolved_comment"]
        if self.chance(0.25):
            self.act(
                "staff",
                "satisfaction",
                "satisfaction",
                resolved=resolved,
                comment=comment,
                actor=self.handler,
                method=AgreementMethod.PHONE,
            )
            return
        self.act(
            "customer",
            "satisfaction",
            "satisfaction",
            resolved=resolved,
            comment=comment,
            actor=None,
            method=AgreementMethod.PORTAL,
        )

    def reopen_and_resolve(self) -> None:
        story = self.story
        reason = story.reopen_reason or self.texts["reopen_reason"]
        self.act("staff", "reopen", "reopen", actor=self.handler, reason=reason)
        spec = story.reopen_option
        index = self.option_add(spec)
        self.recommend_and_approve(index, spec)
        self.respond(agree=True)
        self.deliver_plan(stories.steps_for(story, spec, primary=False), finish=True)

    def close_unresolved(self, *, no_response: bool = False) -> None:
        story, routes = self.story, content.data("organisation")["routes"]
        if no_response:
            reasons, other = self.texts["close_no_response"], [routes["citizens_advice"], routes["adr"]]
        else:
            reasons, other = story.unresolved_reasons, story.other_routes or [routes["citizens_advice"]]
        self.act(
            "staff", "close", "close_unresolved", actor=self.handler, reasons=reasons, other_routes=other
        )


def _due_in_days(days: int) -> Callable[[Act], None]:
    """A step's due date: ``days`` after the day it is planned, in the organisation's time zone."""

    def prepare(act: Act) -> None:
        act.params["due_date"] = (local(act.at) + timedelta(days=days)).date()

    return prepare
