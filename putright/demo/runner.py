"""Runs a planned demo case through the case services: the one way in, exactly as staff and customers would.

Every act runs inside ``clock.frozen(act.at)``, so the timeline carries the story's own times.
"""

from __future__ import annotations

from datetime import UTC

from putright import clock
from putright.authority.models import Approval
from putright.cases import services
from putright.cases.models import Case
from putright.channels import reply_check
from putright.demo import outcomes
from putright.demo.acts import Act, Plan


class ServiceRunner:
    """Applies the acts of one plan, in order, through ``putright.cases.services``."""

    def __init__(self, *, users: dict, categories: dict):
        self.users = users
        self.by_pk = {user.pk: user for user in users.values()}
        self.categories = categories

    def run(self, plan: Plan) -> Case:
        case_run = _CaseRun(self, plan)
        for act in plan.acts:
            # Freeze in UTC: the audit chain hashes the time as given, and the database hands it back in UTC.
            with clock.frozen(act.at.astimezone(UTC)):
                if act.prepare is not None:
                    act.prepare(act)
                getattr(case_run, act.kind)(act, **act.params)
        return case_run.case


class _CaseRun:
    """One case as it is being written: one method per kind of act."""

    def __init__(self, runner: ServiceRunner, plan: Plan):
        self.runner = runner
        self.plan = plan
        self.case: Case | None = None
        self.options: list = []
        self.steps: list = []
        self.made: dict[int, object] = {}  # what an act made (a promise, a consultation), by id(act)

    def report(self, act: Act, *, report: dict, actor) -> None:
        fields = dict(report)
        category = self.runner.categories[fields.pop("category")]
        self.case, _ = services.case_report(
            report=services.ReportInput(**fields, category_id=category.pk), actor=actor
        )

    def assign(self, act: Act, *, actor, assignee) -> None:
        services.case_assign(actor=actor, case=self.case, assignee=assignee)

    def summarise(self, act: Act, *, actor, summary: str) -> None:
        services.case_summarise_understanding(
            actor=actor, case=self.case, summary=summary, send_anyway_reason=STORY_REASON
        )

    def confirm(self, act: Act, *, actor, method: str) -> None:
        if actor is None:
            services.case_confirm_understanding(actor=None, case=self.case)
        else:
            services.case_confirm_understanding(actor=actor, case=self.case, method=method)

    def correct(self, act: Act, *, correction: str) -> None:
        services.case_correct_understanding(case=self.case, correction=correction)

    def skip(self, act: Act, *, actor, reason: str) -> None:
        services.case_skip_understanding(actor=actor, case=self.case, reason=reason)

    def escalate(self, act: Act, *, actor, to, reason: str) -> None:
        services.case_escalate(actor=actor, case=self.case, to_user=to, reason=reason)

    def consult(self, act: Act, *, actor, colleague, question: str) -> None:
        self.made[id(act)] = services.consultation_request(
            actor=actor, case=self.case, colleague=colleague, question=question
        )

    def answer(self, act: Act, *, actor, answer: str, consultation: Act) -> None:
        services.consultation_answer(actor=actor, consultation=self.made[id(consultation)], answer=answer)

    def option_add(self, act: Act, *, actor, option: dict) -> None:
        self.options.append(
            services.option_add(actor=actor, case=self.case, option=services.OptionInput(**option))
        )

    def option_withdraw(self, act: Act, *, actor, option: int, reason: str) -> None:
        services.option_withdraw(actor=actor, option=self.options[option], reason=reason)

    def recommend(self, act: Act, *, actor, option: int, justification: str, factors: list[str]) -> None:
        services.option_recommend(
            actor=actor, option=self.options[option], justification=justification, factors=factors
        )

    def approval_decide(self, act: Act, *, approve: bool, note: str) -> None:
        approval = Approval.objects.get(case=self.case, status=Approval.Status.PENDING)
        approver = self.runner.by_pk.get(approval.assigned_to_id) or self.runner.users["manager"]
        services.approval_decide(actor=approver, approval=approval, approve=approve, note=note)

    def respond(self, act: Act, *, agree: bool, actor, method: str, comment: str) -> None:
        if actor is None:
            services.option_customer_respond(case=self.case, agree=agree, comment=comment)
        else:
            services.option_customer_respond(
                case=self.case, agree=agree, actor=actor, method=method, comment=comment
            )

    def step_add(
        self, act: Act, *, actor, description: str, owner, due_date, customer_wording: str = ""
    ) -> None:
        self.steps.append(
            services.step_add(
                actor=actor,
                case=self.case,
                description=description,
                owner=owner,
                due_date=due_date,
                customer_wording=customer_wording,
            )
        )

    def step_complete(self, act: Act, *, actor, step: int) -> None:
        services.step_complete(actor=actor, step=self.steps[step])

    def promise_make(self, act: Act, *, actor, description: str, owner, due_at) -> None:
        self.made[id(act)] = services.promise_make(
            actor=actor, case=self.case, description=description, owner=owner, due_at=due_at
        )

    def promise_keep(self, act: Act, *, actor, promise: Act) -> None:
        services.promise_keep(actor=actor, promise=self.made[id(promise)])

    def message_receive(self, act: Act, *, body: str) -> None:
        services.message_receive(case=self.case, body=body)

    def message_send(self, act: Act, *, actor, body: str, requested: bool, subject: str) -> None:
        # An empty subject is the service's own default ("An update on your case").
        body = heed_reply_check(actor, self.case, body)
        services.message_send(
            actor=actor,
            case=self.case,
            body=body,
            requested=requested,
            subject=subject,
            send_anyway_reason=STORY_REASON,
        )

    def deliver(self, act: Act, *, actor) -> None:
        services.case_mark_delivered(
            actor=actor, case=self.case, upheld=outcomes.upheld_delivered(self.case.reference)
        )

    def satisfaction(self, act: Act, *, resolved: bool, comment: str, actor, method: str) -> None:
        scores = outcomes.scores(self.case.reference, resolved=resolved)
        if actor is None:
            services.case_satisfaction_record(case=self.case, resolved=resolved, comment=comment, **scores)
        else:
            services.case_satisfaction_record(
                case=self.case, resolved=resolved, comment=comment, actor=actor, method=method, **scores
            )

    def reopen(self, act: Act, *, actor, reason: str) -> None:
        services.case_reopen(actor=actor, case=self.case, reason=reason)

    def close_unresolved(self, act: Act, *, actor, reasons: str, other_routes: list[str]) -> None:
        services.case_close_unresolved(
            reason_code=outcomes.reason_code(self.case.reference),
            upheld=outcomes.upheld_unresolved(self.case.reference),
            actor=actor,
            case=self.case,
            reasons=reasons,
            other_routes=other_routes,
            send_anyway_reason=STORY_REASON,
        )


# K5 (issue 15 §8): the demo's agents heed the reply checker as its hints say, before they send. A story's
# reply is written for a calm customer; one who is angry or distressed by now is told we are sorry first,
# and a reply that leaves the next step open says when we will be back in touch. What the checker still
# finds (a product's name read as jargon, say) is sent as the story wrote it, with this reason recorded
# beside the findings, as an agent's "Send anyway" would be: the demo shows overrides too. Nothing is
# recorded when there are no findings.
APOLOGY = "I'm sorry for the trouble this has caused. "
NEXT_STEP = " I'll update you again within 2 working days."
STORY_REASON = "Worded as the customer's own story has it (demo)."


def heed_reply_check(actor, case: Case, body: str) -> str:
    rules = {f.rule for f in reply_check.findings_for(sender=actor, case=case, text=body)}
    if "K5.no_empathy" in rules:
        body = APOLOGY + body
    if "K5.no_next_step" in rules:
        body = body.rstrip() + NEXT_STEP
    return body
