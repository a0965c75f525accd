"""The case lifecycle through the one way in (services), transition by transition."""

from datetime import timedelta
from decimal import Decimal

import pytest

from putright import clock
from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.vocab import (
    AgreementMethod,
    Channel,
    OptionStatus,
    RemedyType,
    SourceKind,
    Status,
    Understanding,
)
from tests.conftest import make_report, plain_text

pytestmark = pytest.mark.django_db


def _small_option(**overrides):
    data = dict(
        title="Refund the delivery charge",
        remedy_type=RemedyType.PARTIAL_REFUND,
        amount=Decimal("4.99"),
        customer_advantages="Money back quickly",
        organisation_disadvantages="Costs £4.99",
    )
    data.update(overrides)
    return services.OptionInput(**data)


def _to_in_progress(case, alice):
    option = services.option_add(actor=alice, case=case, option=_small_option())
    services.option_recommend(
        actor=alice, option=option, justification="Quick and fair", factors=["customer_benefit", "cost"]
    )
    services.option_customer_respond(case=case, agree=True)
    case.refresh_from_db()
    return case


def test_a_report_gets_a_reference_of_the_year_and_sequence(report_case):
    first = report_case()
    second = report_case()
    year = first.created_at.year
    assert first.reference == f"PR-{year}-000001"
    assert second.reference == f"PR-{year}-000002"
    assert first.status == Status.NEW
    assert first.channel == Channel.WEB
    assert first.source_kind == SourceKind.CUSTOMER_REPORTED


def test_a_report_keeps_the_customers_words_verbatim(report_case):
    words = "  It LEAKED!!\n\nTwice.   Water everywhere 😡  "
    case = report_case(description=words)
    assert Case.objects.get(pk=case.pk).description == words


def test_a_report_without_consent_is_refused_and_nothing_is_stored(db):
    with pytest.raises(DomainError) as err:
        services.case_report(report=make_report(consent=False))
    assert "consent" in err.value.message
    assert Case.objects.count() == 0


def test_the_report_is_the_first_event_and_is_customer_visible(report_case):
    case = report_case()
    event = Event.objects.get(case=case)
    assert (event.seq, event.kind, event.customer_visible) == (1, "case.reported", True)
    assert event.actor_label == "Customer (via their case link)"
    assert event.after["description"] == case.description


def test_an_agent_logging_a_call_becomes_its_assignee(alice):
    case, created = services.case_report(report=make_report(channel=Channel.PHONE), actor=alice)
    assert created is True
    assert case.assignee == alice
    assert case.created_by == alice


def test_an_outsider_cannot_log_a_report(charlie):
    with pytest.raises(PermissionDenied):
        services.case_report(report=make_report(), actor=charlie)
    assert Case.objects.count() == 0


def test_the_same_idempotency_key_returns_the_same_case(alice):
    first, created1 = services.case_report(
        report=make_report(channel=Channel.API), actor=alice, idempotency_key="k1"
    )
    again, created2 = services.case_report(
        report=make_report(channel=Channel.API), actor=alice, idempotency_key="k1"
    )
    assert (created1, created2) == (True, False)
    assert again.pk == first.pk
    assert Case.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_a_conflict(alice):
    services.case_report(report=make_report(), actor=alice, idempotency_key="k1")
    with pytest.raises(DomainError) as err:
        services.case_report(report=make_report(subject="Different"), actor=alice, idempotency_key="k1")
    assert err.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert Case.objects.count() == 1


def test_options_cannot_be_proposed_before_understanding_is_confirmed(report_case, alice):
    case = report_case()
    with pytest.raises(DomainError) as err:
        services.option_add(actor=alice, case=case, option=_small_option())
    assert err.value.code == ErrorCode.UNDERSTANDING_NOT_CONFIRMED
    services.case_summarise_understanding(actor=alice, case=case, summary="Leaks")
    with pytest.raises(DomainError) as err:
        services.option_add(actor=alice, case=case, option=_small_option())
    assert err.value.code == ErrorCode.UNDERSTANDING_NOT_CONFIRMED
    assert case.options.count() == 0


def test_confirming_understanding_moves_the_case_to_options(report_case, alice):
    case = report_case()
    services.case_summarise_understanding(actor=alice, case=case, summary="Leaks after 6 days")
    case = services.case_confirm_understanding(actor=None, case=case)
    assert (case.status, case.understanding) == (Status.OPTIONS, Understanding.CONFIRMED)
    assert case.assignee == alice


def test_a_correction_needs_a_new_summary_before_confirmation(report_case, alice):
    case = report_case()
    services.case_summarise_understanding(actor=alice, case=case, summary="Wrong summary")
    case = services.case_correct_understanding(case=case, correction="It is the dryer, not the washer")
    assert (case.status, case.understanding) == (Status.NEW, Understanding.CORRECTED)
    with pytest.raises(DomainError) as err:
        services.case_confirm_understanding(actor=None, case=case)
    assert err.value.code == ErrorCode.NO_UNDERSTANDING_SUMMARY
    services.case_summarise_understanding(actor=alice, case=case, summary="The dryer is faulty")
    case = services.case_confirm_understanding(actor=None, case=case)
    assert case.understanding == Understanding.CONFIRMED


def test_skipping_confirmation_records_the_reason(report_case, alice):
    case = services.case_skip_understanding(
        actor=alice, case=report_case(), reason="Customer unreachable; urgent"
    )
    assert (case.status, case.understanding) == (Status.OPTIONS, Understanding.SKIPPED)
    assert case.events.last().after["reason"] == "Customer unreachable; urgent"


def test_a_recommendation_needs_two_factors(case_with_options, alice):
    option = services.option_add(actor=alice, case=case_with_options, option=_small_option())
    with pytest.raises(DomainError) as err:
        services.option_recommend(actor=alice, option=option, justification="Because", factors=["cost"])
    assert err.value.code == ErrorCode.JUSTIFICATION_TOO_WEAK
    with pytest.raises(DomainError):
        services.option_recommend(
            actor=alice, option=option, justification="Because", factors=["cost", "cost"]
        )
    with pytest.raises(DomainError):
        services.option_recommend(
            actor=alice, option=option, justification="Because", factors=["cost", "vibes"]
        )
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.OPTIONS


def test_an_option_within_authority_goes_straight_to_the_customer(case_with_options, alice, mailbox):
    option = services.option_add(actor=alice, case=case_with_options, option=_small_option())
    case = services.option_recommend(
        actor=alice, option=option, justification="Quick, cheap", factors=["customer_benefit", "cost"]
    )
    assert case.status == Status.AWAITING_CUSTOMER
    assert case.recommended_option == option
    assert case.recommendation_factors == ["cost", "customer_benefit"]
    assert case.approvals.count() == 0


def test_declining_returns_to_options_and_marks_the_option_declined(case_with_options, alice):
    option = services.option_add(actor=alice, case=case_with_options, option=_small_option())
    services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "feasibility"])
    agreement = services.option_customer_respond(case=case_with_options, agree=False, comment="Not enough")
    case_with_options.refresh_from_db()
    option.refresh_from_db()
    assert agreement.agreed is False
    assert (case_with_options.status, option.status) == (Status.OPTIONS, OptionStatus.DECLINED)
    assert case_with_options.recommended_option is None


def test_an_agent_records_agreement_from_a_call_with_the_method(case_with_options, alice):
    option = services.option_add(actor=alice, case=case_with_options, option=_small_option())
    services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "feasibility"])
    with pytest.raises(DomainError):
        services.option_customer_respond(case=case_with_options, agree=True, actor=alice, method="portal")
    agreement = services.option_customer_respond(
        case=case_with_options, agree=True, actor=alice, method=AgreementMethod.PHONE
    )
    assert (agreement.method, agreement.recorded_by) == (AgreementMethod.PHONE, alice)


def test_delivery_needs_a_plan_with_every_step_done(case_with_options, alice):
    case = _to_in_progress(case_with_options, alice)
    with pytest.raises(DomainError) as err:
        services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    assert err.value.code == ErrorCode.NO_ACTION_PLAN
    step = services.step_add(
        actor=alice, case=case, description="Refund £4.99", owner=alice, due_date=clock.now().date()
    )
    with pytest.raises(DomainError) as err:
        services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    assert err.value.code == ErrorCode.STEPS_NOT_DONE
    services.step_complete(actor=alice, step=step)
    with pytest.raises(DomainError) as err:
        services.step_complete(actor=alice, step=step)
    assert err.value.code == ErrorCode.ALREADY_DONE
    case = services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    assert case.status == Status.AWAITING_CONFIRMATION


def _delivered(case, alice):
    case = _to_in_progress(case, alice)
    step = services.step_add(
        actor=alice, case=case, description="Refund", owner=alice, due_date=clock.now().date()
    )
    services.step_complete(actor=alice, step=step)
    return services.case_mark_delivered(upheld="upheld", actor=alice, case=case)


def test_resolved_closes_the_case(case_with_options, alice):
    case = services.case_satisfaction_record(case=_delivered(case_with_options, alice), resolved=True)
    assert case.status == Status.CLOSED_RESOLVED
    assert case.closed_at is not None
    with pytest.raises(DomainError) as err:
        services.case_reopen(actor=alice, case=case, reason="again")
    assert err.value.code == ErrorCode.CASE_CLOSED


def test_not_resolved_asks_the_customer_why_then_the_agent_reopens(case_with_options, alice):
    case = _delivered(case_with_options, alice)
    with pytest.raises(DomainError) as err:
        services.case_satisfaction_record(case=case, resolved=False, comment="")
    assert err.value.code == ErrorCode.REASONS_REQUIRED
    case = services.case_satisfaction_record(case=case, resolved=False, comment="Still leaking")
    assert (case.status, case.satisfaction_comment) == (Status.NOT_RESOLVED, "Still leaking")
    case = services.case_reopen(actor=alice, case=case, reason="Send an engineer instead")
    assert case.status == Status.OPTIONS


def test_closing_unresolved_needs_reasons_and_other_routes_and_sends_them(
    case_with_options, alice, mailbox, django_capture_on_commit_callbacks
):
    case = _delivered(case_with_options, alice)
    services.case_satisfaction_record(case=case, resolved=False, comment="Still leaking")
    with pytest.raises(DomainError) as err:
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="No.",
            other_routes=["ADR"],
        )
    assert err.value.code == ErrorCode.REASONS_REQUIRED
    with pytest.raises(DomainError) as err:
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="We have replaced it twice already.",
            other_routes=["  "],
        )
    assert err.value.code == ErrorCode.OTHER_ROUTES_REQUIRED
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="We have replaced it twice and found no fault on inspection.",
            other_routes=[
                "Manufacturer's warranty claim",
                "Citizens Advice consumer helpline (0808 223 1133)",
            ],
        )
    assert case.status == Status.CLOSED_UNRESOLVED
    assert case.other_routes == [
        "Manufacturer's warranty claim",
        "Citizens Advice consumer helpline (0808 223 1133)",
    ]
    [final] = mailbox.to("priya@example.com")
    body = plain_text(final)
    assert str(final["Subject"]) == f"[{case.reference}] Our final response"
    assert "found no fault on inspection" in body
    assert "Citizens Advice consumer helpline (0808 223 1133)" in body


def test_a_closed_case_refuses_every_change(case_with_options, alice):
    case = services.case_satisfaction_record(case=_delivered(case_with_options, alice), resolved=True)
    events_before = case.events.count()
    for call in (
        lambda: services.case_summarise_understanding(actor=alice, case=case, summary="x"),
        lambda: services.promise_make(
            actor=alice, case=case, description="x", owner=alice, due_at=clock.now() + timedelta(days=1)
        ),
        lambda: services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="x" * 30,
            other_routes=["ADR"],
        ),
    ):
        with pytest.raises(DomainError) as err:
            call()
        assert err.value.code == ErrorCode.CASE_CLOSED
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (Status.CLOSED_RESOLVED, events_before)


def test_a_customer_who_writes_after_closure_is_still_heard(case_with_options, alice):
    case = services.case_satisfaction_record(case=_delivered(case_with_options, alice), resolved=True)
    msg = services.message_receive(case=case, body="Actually it broke again")
    assert msg.body == "Actually it broke again"
    assert alice.alerts.filter(kind="customer_message", case=case).exists()


def test_escalation_moves_the_case_and_both_see_it(case_with_options, alice, bob):
    esc = services.case_escalate(
        actor=alice, case=case_with_options, to_user=bob, reason="Customer asks for a manager"
    )
    case_with_options.refresh_from_db()
    assert case_with_options.assignee == bob
    assert (esc.from_user, esc.to_user, esc.automatic) == (alice, bob, False)
    assert bob.alerts.filter(kind="escalation").count() == 1
    with pytest.raises(DomainError) as err:
        services.case_escalate(actor=bob, case=case_with_options, to_user=bob, reason="self")
    assert err.value.code == ErrorCode.ESCALATION_TARGET_INVALID


def test_consultation_keeps_the_colleagues_input(case_with_options, alice, bob, dave):
    consultation = services.consultation_request(
        actor=alice, case=case_with_options, colleague=bob, question="Can we offer a replacement this late?"
    )
    with pytest.raises(PermissionDenied):
        services.consultation_answer(actor=dave, consultation=consultation, answer="Yes")
    services.consultation_answer(actor=bob, consultation=consultation, answer="Yes, it's within 30 days")
    consultation.refresh_from_db()
    assert consultation.answer == "Yes, it's within 30 days"
    assert case_with_options.events.filter(kind="consultation.answered").count() == 1


def test_messages_record_requested_or_unprompted(case_with_options, alice):
    requested = services.message_send(
        actor=alice,
        case=case_with_options,
        body="Your engineer is booked",
        requested=True,
        send_anyway_reason="The test is not about the wording.",
    )
    unprompted = services.message_send(
        actor=alice,
        case=case_with_options,
        body="Parts arrived",
        requested=False,
        send_anyway_reason="The test is not about the wording.",
    )
    assert (requested.prompt, unprompted.prompt) == ("requested", "unprompted")
    assert requested.author == alice


def test_each_customer_visible_change_updates_the_last_contact_time(report_case, alice):
    with clock.frozen(clock.now() - timedelta(days=10)):
        case = report_case()
    old = case.last_customer_update_at
    services.case_summarise_understanding(actor=alice, case=case, summary="x")
    case.refresh_from_db()
    assert case.last_customer_update_at > old


def test_an_outsider_can_change_nothing(case_with_options, charlie):
    before = (case_with_options.status, case_with_options.events.count())
    for call in (
        lambda: services.case_summarise_understanding(actor=charlie, case=case_with_options, summary="x"),
        lambda: services.option_add(actor=charlie, case=case_with_options, option=_small_option()),
        lambda: services.message_send(actor=charlie, case=case_with_options, body="x", requested=False),
        lambda: services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=charlie,
            case=case_with_options,
            reasons="x" * 30,
            other_routes=["ADR"],
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    case_with_options.refresh_from_db()
    assert (case_with_options.status, case_with_options.events.count()) == before


def test_escalating_without_a_name_goes_to_the_next_level_up(case_with_options, alice, bob, carol):
    esc = services.case_escalate(actor=alice, case=case_with_options, reason="Threatening to go to the press")
    assert esc.to_user == bob  # supervisor ranks just above agent; the manager is further up
    esc = services.case_escalate(actor=bob, case=case_with_options, reason="Needs a manager's decision")
    assert esc.to_user == carol
    with pytest.raises(DomainError) as err:
        services.case_escalate(actor=carol, case=case_with_options, reason="Nobody above")
    assert err.value.code == ErrorCode.ESCALATION_TARGET_INVALID
    case_with_options.refresh_from_db()
    assert case_with_options.assignee == carol


def test_classifying_records_source_kind_and_category_once(case_with_options, alice):
    from putright.cases.models import Category

    billing = Category.objects.create(name="Billing", slug="billing")
    case = services.case_classify(
        actor=alice, case=case_with_options, source_kind=SourceKind.SYSTEM_FAILURE, category_id=billing.pk
    )
    assert (case.source_kind, case.category) == (SourceKind.SYSTEM_FAILURE, billing)
    event = case.events.order_by("-seq").first()
    assert (event.kind, event.before, event.after) == (
        "case.classified",
        {"source_kind": "a", "category": None, "regulated": False},
        {"source_kind": "d", "category": "Billing", "regulated": False},
    )
    count = case.events.count()
    services.case_classify(actor=alice, case=case, source_kind="d", category_id=billing.pk)
    assert case.events.count() == count  # no change, no event
    with pytest.raises(DomainError):
        services.case_classify(actor=alice, case=case, source_kind="z", category_id=None)


def test_closing_withdraws_outstanding_promises_and_they_cannot_be_kept_after(case_with_options, alice):
    from putright.vocab import PromiseStatus

    promise = services.promise_make(
        actor=alice,
        case=case_with_options,
        description="Call back",
        owner=alice,
        due_at=clock.now() + timedelta(days=1),
    )
    case = services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=case_with_options,
        reasons="The customer withdrew the complaint.",
        other_routes=["ADR"],
    )
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.WITHDRAWN
    assert case.events.filter(kind="promise.withdrawn").count() == 1
    with pytest.raises(DomainError) as err:
        services.promise_keep(actor=alice, promise=promise)
    assert err.value.code == ErrorCode.CASE_CLOSED


def test_after_a_reopen_the_new_agreement_needs_its_own_plan(case_with_options, alice):
    case = _delivered(case_with_options, alice)
    services.case_satisfaction_record(case=case, resolved=False, comment="Still wrong")
    services.case_reopen(actor=alice, case=case, reason="Try a replacement")
    case = _to_in_progress(case, alice)
    with pytest.raises(DomainError) as err:
        services.case_mark_delivered(upheld="upheld", actor=alice, case=case)
    assert err.value.code == ErrorCode.NO_ACTION_PLAN
    step = services.step_add(
        actor=alice, case=case, description="Replace", owner=alice, due_date=clock.now().date()
    )
    services.step_complete(actor=alice, step=step)
    assert (
        services.case_mark_delivered(upheld="upheld", actor=alice, case=case).status
        == Status.AWAITING_CONFIRMATION
    )
