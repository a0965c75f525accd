"""Cases taken through the services to a close, for the scorecard's tests (issue 14 §4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from putright import clock
from putright.cases import services
from putright.cases.models import Case
from putright.vocab import RemedyType

# Worded to pass the reply checker (K5): a policy quoted with its reason.
REASONS = (
    "The item was bought more than a year ago and is outside our policy, because our returns cover the first "
    "year and the manufacturer's guarantee takes over after that."
)


def to_agreed(case: Case, handler, *, options: int = 2, appraised: bool = True) -> Case:
    """Understanding confirmed, ``options`` options listed, the first recommended and agreed on the link."""
    services.case_summarise_understanding(actor=handler, case=case, summary="Machine leaks; wants a refund.")
    services.case_confirm_understanding(actor=None, case=case)
    listed = []
    for n in range(options):
        listed.append(
            services.option_add(
                actor=handler,
                case=case,
                option=services.OptionInput(
                    title=f"Refund £{60 + n}",
                    remedy_type=RemedyType.PARTIAL_REFUND,
                    amount=Decimal(60 + n),
                    customer_advantages="Money back quickly" if appraised else "",
                ),
            )
        )
    services.option_recommend(actor=handler, option=listed[0], justification="Fair", factors=["cost", "risk"])
    services.option_customer_respond(case=case, agree=True)
    return Case.objects.get(pk=case.pk)


def to_delivered(case: Case, handler) -> Case:
    step = services.step_add(
        actor=handler, case=case, description="Send the refund", owner=handler, due_date=clock.now().date()
    )
    services.step_complete(actor=handler, step=step)
    services.case_mark_delivered(actor=handler, case=case, upheld="upheld")
    return Case.objects.get(pk=case.pk)


def _handled(report_case, handler, team, report) -> Case:
    case = report_case(**report)
    services.case_assign(actor=handler, case=case, assignee=handler)
    if team is not None:
        services.case_team_set(actor=handler, case=case, team=team)
    return case


def closed_resolved(
    report_case, handler, *, options: int = 2, promise: bool = False, team=None, **report
) -> Case:
    case = _handled(report_case, handler, team, report)
    case = to_agreed(case, handler, options=options)
    if promise:
        made = services.promise_make(
            actor=handler,
            case=case,
            description="Call back",
            owner=handler,
            due_at=clock.now() + timedelta(hours=2),
        )
        services.promise_keep(actor=handler, promise=made)
    case = to_delivered(case, handler)
    services.case_satisfaction_record(case=case, resolved=True, csat=5)
    return Case.objects.get(pk=case.pk)


def closed_unresolved(report_case, handler, *, team=None, **report) -> Case:
    case = _handled(report_case, handler, team, report)
    services.case_close_unresolved(
        actor=handler,
        case=case,
        reasons=REASONS,
        other_routes=["Citizens Advice"],
        reason_code="outside_policy",
        upheld="not_upheld",
    )
    return Case.objects.get(pk=case.pk)
