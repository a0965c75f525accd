"""One history case in memory, and the steps every case service shares: save, event, message, alert, clocks.

Each method mirrors the service step it names (``cases.services``, ``channels.services``,
``regulation.services``); the acts themselves are in the stage modules beside this one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from putright.audit.events import GENESIS, actor_label_for, event_build
from putright.audit.models import Event
from putright.authority.models import Approval, Escalation
from putright.cases import services
from putright.cases.models import ActionStep, Agreement, Case, Consultation, Option, Promise
from putright.cases.services import emotion_apply
from putright.channels.models import Alert, Message
from putright.customers import services as customer_services
from putright.customers.models import Customer
from putright.demo.acts import Plan
from putright.engines.deadlines import MetBy, warn_from
from putright.engines.text import sentiment_of
from putright.feedback.models import FeedbackItem
from putright.jobs.outbox import later
from putright.problems.tasks import case_analyse
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import (
    PromiseStatus,
    Status,
)

if TYPE_CHECKING:
    # For the annotation only: the writer makes the drafts and each draft reads the writer's settings;
    # a run-time import either way would be a cycle inside the bulk package.
    from putright.demo.bulk.writer import BulkWriter


class PayloadId:
    """An id in an event payload, known once its row is written."""

    def __init__(self, row):
        self.row = row


def ids_filled(value):
    if isinstance(value, PayloadId):
        return value.row.pk
    if isinstance(value, dict):
        return {key: ids_filled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [ids_filled(item) for item in value]
    return value


class CaseDraft:
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
        emotion_apply(case, result)
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
                    after={"promise": PayloadId(promise), "promise_status": PromiseStatus.WITHDRAWN},
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
                    after={"approval": PayloadId(approval), "approval_status": Approval.Status.WITHDRAWN},
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

    # ------------------------------------------------------------ writing it all

    def flush(self) -> Case:
        """Write every row, table by table in the order the services create them, then the audit chain."""
        case = self.case
        recommended = case.recommended_option
        case.recommended_option = None  # written once the option has its id
        # As a report through the services: the same person's record, or a new one (and a suggestion).
        case.customer, _how = customer_services.customer_find_or_add(self.customer)
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
        later(case_analyse, case.pk)
        return case

    def _chain(self) -> list[Event]:
        """The timeline, hashed exactly as ``audit.events.event_record`` hashes each event it appends."""
        prev_hash, events = GENESIS, []
        for seq, draft in enumerate(self.events, start=1):
            event = event_build(
                case=self.case,
                seq=seq,
                prev_hash=prev_hash,
                kind=draft["kind"],
                summary=draft["summary"],
                actor=draft["actor"],
                actor_label=draft["actor_label"],
                before=ids_filled(draft["before"]),
                after=ids_filled(draft["after"]),
                customer_visible=draft["customer_visible"],
                created_at=draft["created_at"],
            )
            events.append(event)
            prev_hash = event.hash
        return events
