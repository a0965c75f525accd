"""History in bulk: options, the recommendation and its approval (P2–P4, K4)."""

from __future__ import annotations

from dataclasses import replace

from putright.authority.models import Approval
from putright.cases import services
from putright.cases.models import Option
from putright.cases.services import option_request
from putright.channels.models import Alert
from putright.demo.acts import Act
from putright.demo.bulk.draft import CaseDraft, PayloadId
from putright.engines.authority import limits as authority_engine
from putright.vocab import (
    OptionStatus,
    PolicyFit,
    Status,
)


class ChoosingActs(CaseDraft):
    """P2–P4, K4: options listed, one recommended, approved or not, proposed to the customer."""

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
            after={"option": PayloadId(created), **data.__dict__},
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
        request = option_request(chosen)
        decision = authority_engine.decide(self.writer.limit(actor), request)
        before = {"status": case.status}
        self._event(
            actor,
            "option.recommended",
            f"Recommended: {chosen.title}",
            after={
                "option": PayloadId(chosen),
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
                "approval": PayloadId(approval),
                "assigned_to": assigned.get_username(),
                "rule_ids": list(decision.rule_ids),
            },
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
            after={"status": self.case.status, "option": PayloadId(option)},
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
                after={"status": case.status, "approval": PayloadId(approval)},
            )
            self._propose(approver, option, before)
        else:
            self._back_to_choosing(option, OptionStatus.REJECTED)
            self._event(
                approver,
                "approval.rejected",
                f"Not approved: {option.title} ({note})",
                before=before,
                after={"status": case.status, "approval": PayloadId(approval), "note": note},
            )
        self._alert(
            approval.requested_by,
            Alert.Kind.APPROVAL_REQUESTED,
            f"{case.reference}: '{option.title}' was {'approved' if approve else 'not approved'}"
            f" by {approver.get_username()}",
        )
