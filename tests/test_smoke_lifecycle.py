from datetime import timedelta
from decimal import Decimal

import pytest

from putright import clock
from putright.audit.events import chain_verify
from putright.authority.models import Approval
from putright.cases import services
from putright.cases.choices import RemedyType, Status


@pytest.mark.django_db(transaction=True)
def test_a_case_goes_from_report_to_closed_resolved_with_an_approval(report_case, alice, bob, mailbox):
    case = report_case()
    assert case.reference.startswith("PR-")
    services.case_summarise_understanding(actor=alice, case=case, summary="Leaks; wants replacement")
    services.case_confirm_understanding(actor=None, case=case)
    option = services.option_add(actor=alice, case=case, option=services.OptionInput(
        title="Replace the machine", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449.00")))
    case = services.option_recommend(actor=alice, option=option, justification="Legal right; customer asked",
                                     factors=["legal_obligation", "customer_preference"])
    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert approval.assigned_to == bob
    services.approval_decide(actor=bob, approval=approval, approve=True)
    services.option_customer_respond(case=case, agree=True)
    step = services.step_add(actor=alice, case=case, description="Deliver new machine", owner=alice,
                             due_date=clock.now().date() + timedelta(days=2))
    services.promise_make(actor=alice, case=case, description="Call you", owner=alice,
                          due_at=clock.now() + timedelta(days=1))
    services.step_complete(actor=alice, step=step)
    services.case_mark_delivered(actor=alice, case=case)
    case = services.case_satisfaction_record(case=case, resolved=True)
    assert case.status == Status.CLOSED_RESOLVED
    checked, breaks = chain_verify()
    assert breaks == []
    assert checked == case.events.count()
    assert "[%s] We have your report" % case.reference in mailbox.subjects_to("priya@example.com")
