"""History in bulk: reporting, assigning, understanding, escalating and consulting (S1, S2, K4)."""

from __future__ import annotations

from django.utils import timezone

from putright.authority.models import Escalation
from putright.cases.models import Case, Consultation
from putright.cases.services import CONSENT_TEXT
from putright.channels import reply_check
from putright.channels.models import Alert
from putright.customers.models import Customer
from putright.demo.acts import Act
from putright.demo.bulk.draft import CaseDraft, PayloadId
from putright.demo.runner import STORY_REASON
from putright.engines.deadlines import clocks_for
from putright.regulation import services as regulation
from putright.vocab import (
    AgreementMethod,
    Channel,
    Status,
    Understanding,
)


class UnderstandingActs(CaseDraft):
    """S1–S2 and K4 escalation: the report, who handles it, and the customer's problem understood."""

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
            reference=writer.reference_next(now),
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
                "reported_as": {
                    "name": self.customer.name,
                    "email": self.customer.email,
                    "phone": self.customer.phone,
                    "consent": True,
                },
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
        checked = reply_check.acknowledge(actor, case, summary, STORY_REASON, "summary")
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
            after={"understanding": case.understanding, "summary": summary, "status": case.status, **checked},
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
        if actor is not None:
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
            after={"consultation": PayloadId(consultation), "question": question},
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
            after={"consultation": PayloadId(asked), "answer": answer},
        )
