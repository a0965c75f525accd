"""The bulk writer: a closed case of the demo's history, written as the case services would have left it.

The services spend most of the demo's time on their one-way-in discipline — lock, re-read, check,
write, append one audit event, three queries a step. History (closed cases the customer will not
see again) needs none of that: nobody acts on it concurrently and every step is known in advance.
So the bulk writer plays the same acts (``planning.py``) on the case in memory, mirroring each
service step by step, and then writes each table's rows in one ``bulk_create``: the same rows, in
the same order, with the same ids the services would have given them.

The audit chain is computed with the audit module's own hashing (``putright.audit.events``): each
event's payload is made JSON exactly as ``event_record`` makes it, hashed with the previous hash,
and the case row ends with the chain's head, so ``audit_verify`` passes. Messages and alerts are
written as delivered when written (``outbox.py``); the regulation clocks are started and met as the
regulation receivers would have met them.

It mirrors the services only for what the demo's acts do, and only their success paths: the
services check; the demo's plans are valid by construction. ``tests/test_demo_bulk.py`` loads the
same demo both ways and requires every case record, clock, alert and feed item to be equal.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from putright.audit.events import GENESIS, _digest, _jsonable, actor_label_for
from putright.audit.models import Event
from putright.authority.models import Approval, Escalation
from putright.authority.selectors import approvers_for, limit_for_user
from putright.cases import services
from putright.cases.choices import (
    AgreementMethod,
    AssessedBy,
    Channel,
    EmotionalState,
    OptionStatus,
    PolicyFit,
    Priority,
    PromiseStatus,
    RemedyType,
    Sentiment,
    Status,
    Understanding,
)
from putright.cases.models import ActionStep, Agreement, Case, Consultation, Option, Promise, ReferenceCounter
from putright.channels.models import Alert, Message
from putright.customers.models import Customer
from putright.demo.planning import Act, Plan
from putright.engines.authority import limits as authority_engine
from putright.engines.deadlines import MetBy, clocks_for, refund_clock, warn_from
from putright.engines.text import sentiment_of
from putright.feedback.models import FeedbackItem
from putright.feedback.services import sentiment_for
from putright.problems.tasks import case_analyse
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock

# As in cases.services (K2): a distressed customer comes first, an angry one next.
PRIORITY_FOR_EMOTION = {
    EmotionalState.DISTRESSED: Priority.URGENT,
    EmotionalState.ANGRY: Priority.HIGH,
    EmotionalState.CALM: Priority.NORMAL,
    EmotionalState.UNKNOWN: Priority.NORMAL,
}
PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}
CONSENT_TEXT = "Consent to process my details to handle this problem."


class _Id:
    """An id in an event payload, known once its row is written."""

    def __init__(self, row):
        self.row = row


def _ids_filled(value):
    if isinstance(value, _Id):
        return value.row.pk
    if isinstance(value, dict):
        return {key: _ids_filled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_ids_filled(item) for item in value]
    return value


class BulkWriter:
    """Writes history cases. Reads the regime settings and authority limits once for all of them."""

    def __init__(self, *, users: dict, categories: dict):
        self.users = users
        self.by_pk = {user.pk: user for user in users.values()}
        self.categories = categories
        # Read when the first history case is written: the settings the services would read then.
        self.settings_row = None
        self.calendar = None
        self._limits: dict[int, object] = {}
        self._approvers: dict[tuple, list] = {}

    def write(self, plan: Plan) -> Case:
        if self.settings_row is None:
            self.settings_row = regulation.regime_settings_get()
            self.calendar = regulation.calendar_for(self.settings_row)
        draft = _Draft(self, plan)
        for act in plan.acts:
            if act.prepare is not None:
                act.prepare(act)
            # The services run frozen at the act's time in UTC; the rows carry that time.
            draft.now = act.at.astimezone(UTC)
            getattr(draft, act.kind)(act, **act.params)
        return draft.flush()

    # ------------------------------------------------------------ what the services would read

    def limit(self, user):
        if user.pk not in self._limits:
            self._limits[user.pk] = limit_for_user(user)
        return self._limits[user.pk]

    def approvers(self, request: authority_engine.OptionRequest, *, exclude) -> list:
        key = (request.remedy_type, request.amount, request.is_exception, exclude.pk)
        if key not in self._approvers:
            found = approvers_for(request, exclude_user_id=exclude.pk)
            self._approvers[key] = [self.by_pk.get(u.pk, u) for u in found]
        return self._approvers[key]


class _Draft:
    """One history case in memory, moved on act by act as the services would move it."""

    def __init__(self, writer: BulkWriter, plan: Plan):
        self.writer = writer
        self.plan = plan
        self.now: datetime | None = None
        self.customer: Customer | None = None
        self.case: Case | None = None
        self.events: list[dict] = []
        self.rows: dict[type, list] = {
            model: []
            for model in (
                Option,
                CaseClock,
                Consultation,
                Approval,
                Escalation,
                Agreement,
                ActionStep,
                Promise,
                Message,
                Alert,
                FeedbackItem,
            )
        }
        self.options: list[Option] = []
        self.steps: list[ActionStep] = []
        self.made: dict[int, object] = {}

    # ------------------------------------------------------------ the services' common steps

    def _add(self, row):
        self.rows[type(row)].append(row)
        return row

    def _save(self, *fields: str) -> None:
        """``case_touch``; a status change is what the regulation receiver meets clocks on."""
        self.case.updated_at = self.now
        if "status" in fields:
            self._clocks_note_status()

    def _event(
        self, actor, kind: str, summary: str, *, before=None, after=None, visible=False, as_customer=False
    ):
        label = services.CUSTOMER_LABEL if (actor is None and as_customer) else actor_label_for(actor)
        self.events.append(
            {
                "actor": actor,
                "actor_label": label,
                "kind": kind,
                "summary": summary[:500],
                "before": before or {},
                "after": after or {},
                "customer_visible": visible,
                "created_at": self.now,
            }
        )

    def _tell(self, subject: str, body: str, *, author=None, requested: bool = False) -> Message:
        message = self._add(
            Message(
                case=self.case,
                direction=Message.Direction.OUTBOUND,
                prompt=Message.Prompt.REQUESTED if requested else Message.Prompt.UNPROMPTED,
                subject=subject[:200],
                body=body,
                author=author,
                automatic=author is None,
                # Delivered when written: the demo's past is not sent again (outbox.py).
                email_status=Message.EmailStatus.SENT,
                email_attempts=1,
                emailed_at=self.now,
                created_at=self.now,
            )
        )
        self.case.last_customer_update_at = self.now
        self._clocks_note_message(message)
        return message

    def _alert(self, recipient, kind: str, text: str) -> None:
        if recipient is not None:
            self._add(
                Alert(
                    recipient=recipient,
                    case=self.case,
                    kind=kind,
                    text=text[:300],
                    created_at=self.now,
                    email_status="sent",
                    email_attempts=1,
                )
            )

    def _state(self) -> dict:
        case = self.case
        return {"sentiment": case.sentiment, "emotion": case.emotion, "priority": case.priority}

    def _emotion_read(self, text: str, message: Message | None = None) -> list[str]:
        case, result = self.case, sentiment_of(text)
        if message is not None:
            message.sentiment = result.label
        if result.distress:
            emotion = EmotionalState.DISTRESSED
        elif result.anger:
            emotion = EmotionalState.ANGRY
        else:
            emotion = EmotionalState.CALM
        case.sentiment = result.label
        if case.emotion_assessed_by != AssessedBy.AGENT:
            case.emotion = emotion
            case.emotion_cues = list(result.cues)
            case.emotion_assessed_by = AssessedBy.AUTOMATIC
        derived = PRIORITY_FOR_EMOTION[EmotionalState(case.emotion)]
        if PRIORITY_RANK[derived] > PRIORITY_RANK[Priority(case.priority)]:
            case.priority = derived
        self._save()
        return list(result.cues)

    def _back_to_choosing(self, option: Option | None, option_status: str | None) -> None:
        if option is not None and option_status is not None:
            option.status = option_status
        self.case.status = Status.OPTIONS
        self.case.recommended_option = None
        self._save("status")

    def _settle_on_close(self, actor) -> None:
        # In the order the service reads them: by due time.
        for promise in sorted(self.rows[Promise], key=lambda p: p.due_at):
            if promise.status in (PromiseStatus.OPEN, PromiseStatus.AT_RISK, PromiseStatus.BROKEN):
                before = {"promise_status": promise.status}
                promise.status = PromiseStatus.WITHDRAWN
                self._event(
                    actor,
                    "promise.withdrawn",
                    f"Promise withdrawn as the case closed: {promise.description}",
                    before=before,
                    after={"promise": _Id(promise), "promise_status": PromiseStatus.WITHDRAWN},
                )
        for approval in self.rows[Approval]:
            if approval.status == Approval.Status.PENDING:
                approval.status = Approval.Status.WITHDRAWN
                approval.decided_at = self.now
                approval.decision_note = "The case was closed."
                self._event(
                    actor,
                    "approval.withdrawn",
                    "Approval request withdrawn as the case closed",
                    before={"approval_status": Approval.Status.PENDING},
                    after={"approval": _Id(approval), "approval_status": Approval.Status.WITHDRAWN},
                )

    # ------------------------------------------------------------ regulation clocks

    def _clock(self, spec, *, counts_from, started_at) -> CaseClock:
        writer = self.writer
        warn = warn_from(spec.due, writer.settings_row.at_risk_business_days, writer.calendar)
        return self._add(
            CaseClock(
                case=self.case,
                kind=spec.kind.value,
                rule_id=spec.rule_id,
                label=spec.label,
                basis=spec.basis,
                met_by=spec.met_by.value,
                is_window=spec.window,
                started_at=started_at,
                counts_from=counts_from,
                due_date=spec.due,
                due_at=regulation.end_of_day(spec.due),
                warn_at=regulation.start_of_day(warn),
                started_by=None,
            )
        )

    def _running(self, *met_by: str) -> list[CaseClock]:
        return [
            c
            for c in self.rows[CaseClock]
            if c.met_at is None and c.stopped_at is None and (not met_by or c.met_by in met_by)
        ]

    def _clocks_note_message(self, message: Message) -> None:
        """``regulation.services.clocks_note_message``: the first message acknowledges, a later one updates."""
        running = self._running(MetBy.FIRST_MESSAGE.value, MetBy.LATER_MESSAGE.value)
        met = [c for c in running if c.met_by == MetBy.FIRST_MESSAGE.value]
        outbound = [m for m in self.rows[Message] if m.direction == Message.Direction.OUTBOUND]
        if outbound and outbound[0] is not message:
            met += [c for c in running if c.met_by == MetBy.LATER_MESSAGE.value]
        for clock_row in met:
            clock_row.met_at = message.created_at
            clock_row.met_note = f"Message to the customer: {message.subject}"[:300]

    def _clocks_note_status(self) -> None:
        """``regulation.services.clocks_note_status``: delivering pays the refund; closing ends the rest."""
        status, now = self.case.status, self.now
        if status in (Status.AWAITING_CONFIRMATION, Status.CLOSED_RESOLVED):
            for c in self._running(MetBy.DELIVERED.value):
                c.met_at, c.met_note = now, "The agreed plan was delivered"
        if status not in (Status.CLOSED_RESOLVED, Status.CLOSED_UNRESOLVED):
            return
        closed_at = self.case.closed_at or now
        how = "Closed: resolved" if status == Status.CLOSED_RESOLVED else "Closed with our final response"
        for c in self._running(MetBy.CLOSED.value):
            c.met_at, c.met_note = closed_at, how
        if status == Status.CLOSED_RESOLVED:
            for c in self._running(MetBy.CLOSED_RESOLVED.value):
                if c.due_at >= closed_at:
                    c.met_at, c.met_note = closed_at, "Resolved within the summary resolution window"
        for c in self._running():
            if c.met_by not in regulation.OUTLIVE_THE_CASE:
                c.stopped_at, c.stop_reason = closed_at, how

    # ------------------------------------------------------------ S1, S2

    def report(self, act: Act, *, report: dict, actor) -> None:
        now, writer = self.now, self.writer
        self.customer = Customer(
            name=report["customer_name"].strip(),
            email=report["customer_email"].strip(),
            phone=report["customer_phone"].strip(),
            lawful_basis=Customer.LawfulBasis.CONSENT,
            consent_given_at=now,
            consent_text=CONSENT_TEXT,
            created_at=now,
        )
        channel = report["channel"]
        case = self.case = Case(
            reference=_reference_next(now),
            customer=self.customer,
            channel=channel,
            source_kind=report["source_kind"],
            category=writer.categories[report["category"]],
            subject=report["subject"].strip(),
            description=report["description"],
            desired_outcome=report["desired_outcome"].strip(),
            order_reference=report["order_reference"].strip(),
            amount_in_dispute=report["amount_in_dispute"],
            created_by=actor,
            assignee=actor if actor is not None and channel in (Channel.PHONE, Channel.IN_PERSON) else None,
            created_at=now,
            updated_at=now,
            last_customer_update_at=now,
        )
        cues = self._emotion_read(f"{case.subject}\n{case.description}")
        settings_row = writer.settings_row
        specs = clocks_for(
            timezone.localtime(now),
            regulation.config_for(settings_row),
            writer.calendar,
            regulated=regulation.case_is_regulated(case, settings_row),
        )
        received = regulation.local_day(now)
        clocks = [self._clock(spec, counts_from=received, started_at=now) for spec in specs]
        how = "reported by the customer" if actor is None else "logged by our team"
        self._event(
            actor,
            "case.reported",
            f"Problem {how} via {Channel(channel).label}",
            after={
                "status": case.status,
                "channel": case.channel,
                "source_kind": case.source_kind,
                "subject": case.subject,
                "description": case.description,
                "desired_outcome": case.desired_outcome,
                "customer_state": {**self._state(), "cues": cues},
                "clocks": [{"kind": c.kind, "rule_id": c.rule_id, "due": c.due_date} for c in clocks],
            },
            visible=True,
            as_customer=actor is None,
        )
        if channel != Channel.INTERNAL:
            self._tell(
                "We have your report",
                f"Thank you for telling us about your problem. Your reference is {case.reference}.\n"
                "We will first make sure we have understood it correctly, then come back to you with what we "
                "can do." + regulation.acknowledgement_note(clocks),
            )

    def assign(self, act: Act, *, actor, assignee) -> None:
        case = self.case
        before = {"assignee": case.assignee.get_username() if case.assignee else None}
        case.assignee = assignee
        self._save("assignee")
        self._event(
            actor,
            "case.assigned",
            f"Assigned to {assignee.get_username()}",
            before=before,
            after={"assignee": assignee.get_username()},
        )

    def summarise(self, act: Act, *, actor, summary: str) -> None:
        case, summary = self.case, summary.strip()
        before = {
            "understanding": case.understanding,
            "summary": case.understanding_summary,
            "status": case.status,
        }
        case.understanding_summary = summary
        case.understanding = Understanding.AWAITING_CUSTOMER
        case.status = Status.NEW
        if case.assignee is None:
            case.assignee = actor
        self._save("understanding_summary", "understanding", "status", "assignee")
        self._event(
            actor,
            "understanding.summarised",
            "Summary of the problem recorded for the customer to check",
            before=before,
            after={"understanding": case.understanding, "summary": summary, "status": case.status},
            visible=True,
        )
        self._tell(
            "Have we understood your problem?",
            f"This is how we have understood your problem:\n\n{summary}\n\n"
            "Please confirm it, or tell us what we have got wrong, using your case link.",
        )

    def confirm(self, act: Act, *, actor, method: str) -> None:
        case = self.case
        before = {"understanding": case.understanding, "status": case.status}
        case.understanding = Understanding.CONFIRMED
        case.status = Status.OPTIONS
        self._save("understanding", "status")
        how = "on their case link" if actor is None else AgreementMethod(method).label.lower()
        self._event(
            actor,
            "understanding.confirmed",
            f"Customer confirmed our understanding ({how})",
            before=before,
            after={"understanding": case.understanding, "status": case.status, "method": method},
            visible=True,
            as_customer=True,
        )
        self._tell(
            "Thank you for confirming",
            "Thank you for confirming we have understood your problem. "
            "We are now working out the best way to put it right and will come back to you.",
        )

    def correct(self, act: Act, *, correction: str) -> None:
        case, correction = self.case, correction.strip()
        before = {"understanding": case.understanding}
        case.understanding = Understanding.CORRECTED
        case.understanding_correction = correction
        self._save("understanding", "understanding_correction")
        self._event(
            None,
            "understanding.corrected",
            "Customer corrected our understanding",
            before=before,
            after={"understanding": case.understanding, "correction": correction},
            visible=True,
            as_customer=True,
        )
        self._tell(
            "Thank you for putting us right",
            f"Thank you for correcting us. You told us:\n\n{correction}\n\n"
            "We will look at your problem again and send you a new summary to check.",
        )
        self._alert(
            case.assignee,
            Alert.Kind.CUSTOMER_MESSAGE,
            f"{case.reference}: the customer corrected your summary",
        )

    def skip(self, act: Act, *, actor, reason: str) -> None:
        case, reason = self.case, reason.strip()
        before = {"understanding": case.understanding, "status": case.status}
        case.understanding = Understanding.SKIPPED
        case.understanding_skip_reason = reason
        case.status = Status.OPTIONS
        self._save("understanding", "understanding_skip_reason", "status")
        self._event(
            actor,
            "understanding.skipped",
            f"Confirmation of understanding skipped: {reason}",
            before=before,
            after={"understanding": case.understanding, "status": case.status, "reason": reason},
        )

    def escalate(self, act: Act, *, actor, to, reason: str) -> None:
        case, reason = self.case, reason.strip()
        before = {"assignee": case.assignee.get_username() if case.assignee else None}
        case.assignee = to
        self._save("assignee")
        self._add(
            Escalation(
                case=case, from_user=actor, to_user=to, reason=reason, automatic=False, created_at=self.now
            )
        )
        self._event(
            actor,
            "case.escalated",
            f"Escalated to {to.get_username()}: {reason}",
            before=before,
            after={"assignee": to.get_username(), "reason": reason},
        )
        self._alert(to, Alert.Kind.ESCALATION, f"{case.reference} was escalated to you: {reason}")

    def consult(self, act: Act, *, actor, colleague, question: str) -> None:
        question = question.strip()
        consultation = self.made[id(act)] = self._add(
            Consultation(
                case=self.case, asked_by=actor, colleague=colleague, question=question, asked_at=self.now
            )
        )
        self._save()
        self._event(
            actor,
            "consultation.requested",
            f"Asked {colleague.get_username()} for input",
            after={"consultation": _Id(consultation), "question": question},
        )
        self._alert(
            colleague,
            Alert.Kind.CONSULTATION,
            f"{actor.get_username()} asks about {self.case.reference}: {question[:200]}",
        )

    def answer(self, act: Act, *, actor, answer: str, consultation: Act) -> None:
        answer, asked = answer.strip(), self.made[id(consultation)]
        asked.answer, asked.answered_at = answer, self.now
        self._save()
        self._event(
            actor,
            "consultation.answered",
            f"{actor.get_username()} gave their input",
            after={"consultation": _Id(asked), "answer": answer},
        )

    # ------------------------------------------------------------ P2–P4, K4

    def option_add(self, act: Act, *, actor, option: dict) -> None:
        data = services.OptionInput(**option)
        if data.is_exception or data.policy_fit == PolicyFit.EXCEPTION:
            data = replace(data, is_exception=True, policy_fit=PolicyFit.EXCEPTION)
        created = self._add(
            Option(
                case=self.case,
                created_by=actor,
                created_at=self.now,
                source="agent",
                rule_ids=[],
                **data.__dict__,
            )
        )
        self.options.append(created)
        self._save()
        self._event(
            actor,
            "option.added",
            f"Option listed: {created.title}",
            after={"option": _Id(created), **data.__dict__},
        )

    def option_withdraw(self, act: Act, *, actor, option: int, reason: str) -> None:
        withdrawn = self.options[option]
        withdrawn.status = OptionStatus.WITHDRAWN
        self._save()
        self._event(
            actor,
            "option.withdrawn",
            f"Option withdrawn: {withdrawn.title} ({reason.strip()})",
            before={"option_status": OptionStatus.PROPOSED},
            after={"option_status": withdrawn.status},
        )

    def recommend(self, act: Act, *, actor, option: int, justification: str, factors: list[str]) -> None:
        case, chosen = self.case, self.options[option]
        justification, factors = justification.strip(), sorted(set(factors))
        for other in self.options:
            if other.status == OptionStatus.RECOMMENDED:
                other.status = OptionStatus.PROPOSED
        chosen.status = OptionStatus.RECOMMENDED
        case.recommended_option = chosen
        case.recommendation_justification = justification
        case.recommendation_factors = factors
        request = _request(chosen)
        decision = authority_engine.decide(self.writer.limit(actor), request)
        before = {"status": case.status}
        self._event(
            actor,
            "option.recommended",
            f"Recommended: {chosen.title}",
            after={
                "option": _Id(chosen),
                "justification": justification,
                "factors": factors,
                "authority_rule_ids": list(decision.rule_ids),
                "authority_reasons": list(decision.reasons),
            },
        )
        if not decision.needs_approval:
            case.status = Status.AWAITING_CUSTOMER
            self._save("recommended_option", "status")
            self._propose(actor, chosen, before)
            return
        case.status = Status.AWAITING_APPROVAL
        self._save("recommended_option", "status")
        assigned = self.writer.approvers(request, exclude=actor)[0]
        reasons = "; ".join(decision.reasons)
        approval = self._add(
            Approval(
                case=case,
                option=chosen,
                requested_by=actor,
                assigned_to=assigned,
                reasons=list(decision.reasons),
                rule_ids=list(decision.rule_ids),
                created_at=self.now,
            )
        )
        self._event(
            actor,
            "approval.requested",
            f"Approval needed: {reasons}",
            before=before,
            after={
                "status": case.status,
                "approval": _Id(approval),
                "assigned_to": assigned.get_username(),
                "rule_ids": list(decision.rule_ids),
            },
        )
        self._add(
            Escalation(
                case=case,
                from_user=actor,
                to_user=assigned,
                automatic=True,
                reason=f"Approval needed: {reasons}",
                created_at=self.now,
            )
        )
        self._alert(
            assigned,
            Alert.Kind.APPROVAL_REQUESTED,
            f"{case.reference}: approve '{chosen.title}'? {reasons}",
        )

    def _propose(self, actor, option: Option, before: dict) -> None:
        self._event(
            actor,
            "option.proposed",
            f"Proposed to the customer: {option.title}",
            before=before,
            after={"status": self.case.status, "option": _Id(option)},
            visible=True,
        )
        lines = [f"We propose to put this right as follows: {option.title}."]
        if option.description:
            lines.append(option.description)
        if option.amount:
            lines.append(f"Value: £{option.amount:,.2f}.")
        if option.days_to_deliver:
            lines.append(
                f"We expect to complete it within {option.days_to_deliver} day(s) of your agreement."
            )
        lines.append("Please tell us on your case link whether you agree.")
        self._tell("Our proposal to put things right", "\n".join(lines))

    def approval_decide(self, act: Act, *, approve: bool, note: str) -> None:
        case = self.case
        approval = next(a for a in self.rows[Approval] if a.status == Approval.Status.PENDING)
        approver = self.writer.by_pk.get(approval.assigned_to.pk) or self.writer.users["manager"]
        option, note = approval.option, note.strip()
        approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
        approval.decided_by, approval.decided_at, approval.decision_note = approver, self.now, note
        before = {"status": case.status}
        if approve:
            case.status = Status.AWAITING_CUSTOMER
            self._save("status")
            self._event(
                approver,
                "approval.approved",
                f"Approved: {option.title}" + (f" ({note})" if note else ""),
                before=before,
                after={"status": case.status, "approval": _Id(approval)},
            )
            self._propose(approver, option, before)
        else:
            self._back_to_choosing(option, OptionStatus.REJECTED)
            self._event(
                approver,
                "approval.rejected",
                f"Not approved: {option.title} ({note})",
                before=before,
                after={"status": case.status, "approval": _Id(approval), "note": note},
            )
        self._alert(
            approval.requested_by,
            Alert.Kind.APPROVAL_REQUESTED,
            f"{case.reference}: '{option.title}' was {'approved' if approve else 'not approved'}"
            f" by {approver.get_username()}",
        )

    # ------------------------------------------------------------ A1–A6

    def respond(self, act: Act, *, agree: bool, actor, method: str, comment: str) -> None:
        case, option, comment = self.case, self.case.recommended_option, comment.strip()[:5000]
        agreement = self._add(
            Agreement(
                case=case,
                option=option,
                agreed=agree,
                method=method,
                recorded_by=actor,
                customer_comment=comment,
                created_at=self.now,
            )
        )
        before = {"status": case.status, "option_status": option.status}
        refund = None
        if agree:
            option.status = OptionStatus.AGREED
            case.status = Status.IN_PROGRESS
            self._save("status")
            refund = self._refund_clock(option)
        else:
            self._back_to_choosing(option, OptionStatus.DECLINED)
        how = AgreementMethod(method).label.lower()
        refund_by = regulation.day_text(refund.due_date) if refund is not None else ""
        clock_after = {}
        if refund is not None:
            clock_after = {
                "clock": {
                    "clock": _Id(refund),
                    "kind": refund.kind,
                    "rule_id": refund.rule_id,
                    "due": refund.due_date,
                    "basis": refund.basis,
                }
            }
        self._event(
            actor,
            "option.agreed" if agree else "option.declined",
            f"Customer {'agreed to' if agree else 'declined'} '{option.title}' ({how})"
            + (f"; refund due by {refund_by}" if refund is not None else "")
            + (f": {comment}" if comment else ""),
            before=before,
            after={
                "status": case.status,
                "option_status": option.status,
                "method": method,
                "agreement": _Id(agreement),
                **clock_after,
            },
            visible=True,
            as_customer=True,
        )
        if agree:
            self._tell(
                "Thank you: we are putting it right",
                f"You agreed to: {option.title}. We are now putting it right and will keep you updated."
                + (f" We will pay your refund by {refund_by} at the latest." if refund is not None else ""),
            )
            return
        self._tell(
            "We have your answer",
            f"You told us you do not agree to: {option.title}. "
            "We will look at other ways to put this right and come back to you.",
        )
        self._alert(
            case.assignee,
            Alert.Kind.CUSTOMER_MESSAGE,
            f"{case.reference}: the customer declined '{option.title}'",
        )

    def _refund_clock(self, option: Option) -> CaseClock | None:
        """``regulation.services.refund_clock_on_agreement`` (G11/C3)."""
        refunds = (RemedyType.REFUND, RemedyType.PARTIAL_REFUND, RemedyType.CANCELLATION)
        if not self.writer.settings_row.refund_clock_on or option.remedy_type not in refunds:
            return None
        agreed = regulation.local_day(self.now)
        spec = refund_clock(agreed, cancellation=option.remedy_type == RemedyType.CANCELLATION)
        return self._clock(spec, counts_from=agreed, started_at=self.now)

    def step_add(self, act: Act, *, actor, description: str, owner, due_date) -> None:
        description = description.strip()
        step = self._add(
            ActionStep(
                case=self.case, description=description, owner=owner, due_date=due_date, created_at=self.now
            )
        )
        self.steps.append(step)
        self._save()
        self._event(
            actor,
            "plan.step_added",
            f"Step planned: {description} — {owner.get_username()} by {due_date.isoformat()}",
            after={"step": _Id(step), "owner": owner.get_username(), "due_date": due_date},
        )

    def step_complete(self, act: Act, *, actor, step: int) -> None:
        done = self.steps[step]
        done.done_at, done.done_by = self.now, actor
        self._save()
        self._event(
            actor,
            "plan.step_done",
            f"Step done: {done.description}",
            before={"done": False},
            after={"step": _Id(done), "done": True},
            visible=True,
        )
        self._tell("Progress on your case", f"Done: {done.description}.")

    def promise_make(self, act: Act, *, actor, description: str, owner, due_at) -> None:
        description = description.strip()
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
        promise = self.made[id(act)] = self._add(
            Promise(
                case=self.case,
                description=description,
                owner=owner,
                due_at=due_at,
                created_by=actor,
                created_at=self.now,
            )
        )
        self._save()
        local_due = timezone.localtime(due_at)
        self._event(
            actor,
            "promise.made",
            f"Promise: {description} (by {local_due:%a %d %b %Y, %H:%M})",
            after={"promise": _Id(promise), "owner": owner.get_username(), "due_at": due_at},
            visible=True,
        )
        self._tell("Our promise to you", f"We promise: {description}, by {local_due:%A %d %B %Y at %H:%M}.")

    def promise_keep(self, act: Act, *, actor, promise: Act) -> None:
        kept = self.made[id(promise)]
        before = {"promise_status": kept.status}
        kept.status = PromiseStatus.KEPT if self.now <= kept.due_at else PromiseStatus.KEPT_LATE
        kept.kept_at = self.now
        self._save()
        self._event(
            actor,
            "promise.kept",
            f"Promise {'kept' if kept.status == PromiseStatus.KEPT else 'kept late'}: {kept.description}",
            before=before,
            after={"promise": _Id(kept), "promise_status": kept.status},
            visible=True,
        )
        self._tell("We kept our promise", f"Done, as we promised: {kept.description}.")

    def message_receive(self, act: Act, *, body: str) -> None:
        case, body = self.case, body.strip()
        message = self._add(
            Message(
                case=case,
                direction=Message.Direction.INBOUND,
                prompt=Message.Prompt.CUSTOMER,
                subject="Message from customer",
                body=body,
                created_at=self.now,
            )
        )
        self._save()
        self._event(
            None,
            "message.received",
            "Customer wrote a message",
            after={"message": _Id(message), "body": body},
            visible=True,
            as_customer=True,
        )
        before = self._state()
        cues = self._emotion_read(message.body, message)
        after = self._state()
        if (after["emotion"], after["priority"]) != (before["emotion"], before["priority"]):
            self._event(
                None,
                "case.emotion_detected",
                f"Customer's words read as {Sentiment(case.sentiment).label.lower()}"
                + (f", {EmotionalState(case.emotion).label.lower()}" if case.emotion else "")
                + f"; priority {Priority(case.priority).label.lower()}",
                before=before,
                after={**after, "cues": cues},
            )
        self._alert(
            case.assignee, Alert.Kind.CUSTOMER_MESSAGE, f"{case.reference}: the customer wrote: {body[:200]}"
        )

    def message_send(self, act: Act, *, actor, body: str, requested: bool, subject: str) -> None:
        body = body.strip()
        message = self._tell(
            subject.strip() or "An update on your case", body, author=actor, requested=requested
        )
        self._save()
        self._event(
            actor,
            "message.sent",
            f"Message to customer ({'they asked' if requested else 'unprompted'})",
            after={"message": _Id(message), "requested": requested, "body": body},
            visible=True,
        )

    def deliver(self, act: Act, *, actor) -> None:
        before = {"status": self.case.status}
        self.case.status = Status.AWAITING_CONFIRMATION
        self._save("status")
        self._event(
            actor,
            "case.delivered",
            "Resolution delivered; asking the customer if it is resolved",
            before=before,
            after={"status": self.case.status},
            visible=True,
        )
        self._tell(
            "Is your problem resolved?",
            "We have done everything we agreed. Is your problem now resolved? "
            "Please answer on your case link — if it is not, tell us what is still wrong.",
        )

    def satisfaction(self, act: Act, *, resolved: bool, comment: str, actor, method: str) -> None:
        case, comment = self.case, comment.strip()[:5000]
        before = {"status": case.status}
        case.satisfaction_comment = comment
        if resolved:
            case.status = Status.CLOSED_RESOLVED
            case.closed_at = self.now
        else:
            case.status = Status.NOT_RESOLVED
        self._save("status", "satisfaction_comment", "closed_at")
        how = "on their case link" if actor is None else AgreementMethod(method).label.lower()
        self._event(
            actor,
            "satisfaction.resolved" if resolved else "satisfaction.not_resolved",
            f"Customer says the problem is {'resolved' if resolved else 'NOT resolved'} ({how})"
            + (f": {comment}" if comment else ""),
            before=before,
            after={"status": case.status, "comment": comment},
            visible=True,
            as_customer=True,
        )
        text = comment.strip()
        self._add(
            FeedbackItem(
                source=FeedbackItem.Source.SATISFACTION,
                text=text,
                satisfied=resolved,
                sentiment=sentiment_for(text, resolved),
                case=case,
                customer=self.customer,
                category=case.category,
                created_at=self.now,
            )
        )
        if resolved:
            self._settle_on_close(actor)
            self._tell(
                "Your case is closed",
                "Thank you for confirming your problem is resolved. We have closed your case.",
            )
            return
        self._tell(
            "We are sorry it is not resolved",
            "Thank you for telling us the problem is not resolved. "
            "The person handling your case will look at what else we can do and come back to you.",
        )
        self._alert(
            case.assignee,
            Alert.Kind.CUSTOMER_MESSAGE,
            f"{case.reference}: the customer says it is not resolved",
        )

    def reopen(self, act: Act, *, actor, reason: str) -> None:
        before, reason = {"status": self.case.status}, reason.strip()
        self._back_to_choosing(None, None)
        self._event(
            actor,
            "case.reopened",
            f"Reopened to find another way: {reason}",
            before=before,
            after={"status": self.case.status, "reason": reason},
            visible=True,
        )
        self._tell(
            "We are looking at this again",
            f"We are sorry the problem is not resolved. We are looking at it again: {reason}",
        )

    def close_unresolved(self, act: Act, *, actor, reasons: str, other_routes: list[str]) -> None:
        case = self.case
        reasons = reasons.strip()
        routes = [r.strip() for r in other_routes if r and r.strip()]
        before = {"status": case.status}
        case.status = Status.CLOSED_UNRESOLVED
        case.unresolved_reasons, case.other_routes, case.closed_at = reasons, routes, self.now
        self._save("status", "unresolved_reasons", "other_routes", "closed_at")
        self._event(
            actor,
            "case.closed_unresolved",
            "Closed unresolved; reasons and other routes sent",
            before=before,
            after={"status": case.status, "reasons": reasons, "other_routes": routes},
            visible=True,
        )
        self._settle_on_close(actor)
        route_lines = "\n".join(f"  • {r}" for r in routes)
        self._tell(
            "Our final response",
            f"We are sorry we have not been able to resolve your problem.\n\nWhy:\n{reasons}\n\n"
            f"Other ways you can take this forward:\n{route_lines}",
            author=actor,
        )

    # ------------------------------------------------------------ writing it all

    def flush(self) -> Case:
        """Write every row, table by table in the order the services create them, then the audit chain."""
        case = self.case
        recommended = case.recommended_option
        case.recommended_option = None  # written once the option has its id
        Customer.objects.bulk_create([self.customer])
        Case.objects.bulk_create([case])
        for model, rows in self.rows.items():
            if rows:
                model.objects.bulk_create(rows)
        events = self._chain()
        Event.objects.bulk_create(events)
        case.recommended_option = recommended
        case.audit_seq, case.audit_head = len(events), events[-1].hash
        Case.objects.filter(pk=case.pk).update(
            recommended_option=recommended, audit_seq=case.audit_seq, audit_head=case.audit_head
        )
        # As case_report does: the worker compares each new report with other customers' (S3).
        transaction.on_commit(partial(case_analyse.enqueue, case.pk))
        return case

    def _chain(self) -> list[Event]:
        """The timeline, hashed exactly as ``audit.events.event_record`` hashes each event it appends."""
        prev_hash, events = GENESIS, []
        for seq, draft in enumerate(self.events, start=1):
            # Round-trip through JSON so the stored value is exactly what was hashed.
            before = json.loads(json.dumps(_jsonable(_ids_filled(draft["before"]))))
            after = json.loads(json.dumps(_jsonable(_ids_filled(draft["after"]))))
            actor = draft["actor"]
            fields = {
                "actor_id": actor.pk if actor is not None else None,
                "actor_label": draft["actor_label"],
                "kind": draft["kind"],
                "summary": draft["summary"],
                "before": before,
                "after": after,
                "customer_visible": draft["customer_visible"],
                "created_at": draft["created_at"],
            }
            digest = _digest(prev_hash=prev_hash, case_id=self.case.pk, seq=seq, **fields)
            events.append(Event(case=self.case, seq=seq, prev_hash=prev_hash, hash=digest, **fields))
            prev_hash = digest
        return events


def _request(option: Option) -> authority_engine.OptionRequest:
    return authority_engine.OptionRequest(
        remedy_type=option.remedy_type, amount=option.amount, is_exception=option.is_exception
    )


def _reference_next(now: datetime) -> str:
    """As ``case_report`` numbers a case: the year's counter, taken with an UPDATE first."""
    year = now.year
    if not ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last=1)
        except IntegrityError:
            ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = ReferenceCounter.objects.get(year=year).last
    return f"PR-{year}-{last:06d}"
