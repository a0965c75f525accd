"""History in bulk: agreeing, the action plan, promises, messages, satisfaction and closing (A1–A6)."""

from __future__ import annotations

from django.utils import timezone

from putright.cases.models import ActionStep, Agreement, Option, Promise
from putright.cases.services.satisfaction import SATISFACTION_FIELDS
from putright.channels import reply_check
from putright.channels.models import Alert, Message
from putright.demo import outcomes
from putright.demo.acts import Act
from putright.demo.bulk.draft import CaseDraft, PayloadId
from putright.demo.runner import STORY_REASON, heed_reply_check
from putright.engines.deadlines import refund_clock
from putright.feedback.models import FeedbackItem
from putright.feedback.services import sentiment_for
from putright.regulation import services as regulation
from putright.regulation.models import CaseClock
from putright.vocab import (
    AgreementMethod,
    EmotionalState,
    OptionStatus,
    Priority,
    PromiseStatus,
    RemedyType,
    Sentiment,
    Status,
    Upheld,
)


class ResolvingActs(CaseDraft):
    """A1–A6: the customer's answer, the plan and its promises, messages, delivery and closing."""

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
                    "clock": PayloadId(refund),
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
                "agreement": PayloadId(agreement),
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

    def step_add(
        self, act: Act, *, actor, description: str, owner, due_date, customer_wording: str = ""
    ) -> None:
        description, wording = description.strip(), " ".join(customer_wording.split())
        step = self._add(
            ActionStep(
                case=self.case,
                description=description,
                customer_wording=wording,
                owner=owner,
                due_date=due_date,
                created_at=self.now,
            )
        )
        self.steps.append(step)
        self._save()
        self._event(
            actor,
            "plan.step_added",
            f"Step planned: {description} — {owner.get_username()} by {due_date.isoformat()}",
            after={
                "step": PayloadId(step),
                "owner": owner.get_username(),
                "due_date": due_date,
                "wording": wording,
            },
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
            after={"step": PayloadId(done), "done": True},
        )  # told in the day's progress message (the live sweep), or when the plan is delivered

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
            after={"promise": PayloadId(promise), "owner": owner.get_username(), "due_at": due_at},
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
            after={"promise": PayloadId(kept), "promise_status": kept.status},
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
            after={"message": PayloadId(message), "body": body},
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
        # As the services path (``demo.runner``): the agent heeds the reply checker, and what it still finds
        # is recorded with the demo's reason, as an agent's "Send anyway" would be.
        body = heed_reply_check(actor, self.case, body.strip()).strip()
        checked = reply_check.acknowledge(actor, self.case, body, STORY_REASON)
        message = self._tell(
            subject.strip() or "An update on your case", body, author=actor, requested=requested
        )
        self._save()
        self._event(
            actor,
            "message.sent",
            f"Message to customer ({'they asked' if requested else 'unprompted'})",
            after={"message": PayloadId(message), "requested": requested, "body": body, **checked},
            visible=True,
        )

    def deliver(self, act: Act, *, actor) -> None:
        case = self.case
        before = {"status": case.status, "upheld": case.upheld}
        case.status = Status.AWAITING_CONFIRMATION
        case.upheld = outcomes.upheld_delivered(case.reference)
        case.satisfaction_asked_at = self.now
        case.satisfaction_reminded_at = case.satisfaction_answered_at = None
        case.csat = case.ces = case.nps = None
        self._save("status", "upheld", *SATISFACTION_FIELDS)
        self._event(
            actor,
            "case.delivered",
            "Resolution delivered; asking the customer if it is resolved",
            before=before,
            after={"status": case.status, "upheld": case.upheld},
            visible=True,
        )
        # regulation.progress_digest.progress_on_delivery: what the customer was not yet told opens the message.
        untold = [s for s in self.steps if s.done_at and s.customer_wording and s.customer_told_at is None]
        for s in untold:
            s.customer_told_at = self.now
        opening = "Since we last wrote:\n" + "".join(f"- {s.customer_wording}\n" for s in untold) + "\n"
        self._tell(
            "Is your problem resolved?",
            (opening if untold else "") + "We have done everything we agreed. Is your problem now resolved? "
            "Please answer on your case link — if it is not, tell us what is still wrong.",
        )

    def satisfaction(self, act: Act, *, resolved: bool, comment: str, actor, method: str) -> None:
        case, comment = self.case, comment.strip()[:5000]
        before = {"status": case.status}
        scores = outcomes.scores(case.reference, resolved=resolved)
        case.satisfaction_comment = comment
        case.csat, case.ces, case.nps = scores["csat"], scores["ces"], scores["nps"]
        case.satisfaction_answered_at = self.now
        if resolved:
            case.status = Status.CLOSED_RESOLVED
            case.closed_at = self.now
        else:
            case.status = Status.NOT_RESOLVED
        self._save(
            "status", "satisfaction_comment", "closed_at", "csat", "ces", "nps", "satisfaction_answered_at"
        )
        how = "on their case link" if actor is None else AgreementMethod(method).label.lower()
        given = ", ".join(f"{name.upper()} {value}" for name, value in scores.items() if value is not None)
        self._event(
            actor,
            "satisfaction.resolved" if resolved else "satisfaction.not_resolved",
            f"Customer says the problem is {'resolved' if resolved else 'NOT resolved'} ({how})"
            + (f"; {given}" if given else "")
            + (f": {comment}" if comment else ""),
            before=before,
            after={"status": case.status, "comment": comment, **scores},
            visible=True,
            as_customer=True,
        )
        text = comment.strip()
        self._add(
            FeedbackItem(
                source=FeedbackItem.Source.SATISFACTION,
                text=text,
                satisfied=resolved,
                csat=scores["csat"],
                ces=scores["ces"],
                nps=scores["nps"],
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
        self.case.satisfaction_asked_at = self.case.satisfaction_reminded_at = None
        self._save("satisfaction_asked_at", "satisfaction_reminded_at")
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
        before = {"status": case.status, "unresolved_reason": None, "upheld": case.upheld}
        reason = self.writer.unresolved_reasons[outcomes.reason_code(case.reference)]
        checked = reply_check.acknowledge(actor, case, reasons, STORY_REASON, "letter")
        case.status = Status.CLOSED_UNRESOLVED
        case.unresolved_reasons, case.other_routes, case.closed_at = reasons, routes, self.now
        case.unresolved_reason, case.upheld = reason, outcomes.upheld_unresolved(case.reference)
        self._save("status", "unresolved_reasons", "unresolved_reason", "upheld", "other_routes", "closed_at")
        self._event(
            actor,
            "case.closed_unresolved",
            f"Closed unresolved ({reason.label}; {Upheld(case.upheld).label.lower()}); reasons and other routes sent",
            before=before,
            after={
                "status": case.status,
                "reasons": reasons,
                "reason_code": reason.code,
                "upheld": case.upheld,
                "other_routes": routes,
                **checked,
            },
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
