"""K4: limits of authority, approvals by a second person, automatic escalation."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from putright.authority.models import Approval, AuthorityLimit
from putright.cases import services
from putright.cases.selectors import approvals_for_user
from putright.errors import DomainError, ErrorCode
from putright.vocab import OptionStatus, RemedyType, Status

pytestmark = pytest.mark.django_db


def _recommend(case, actor, **option):
    data = dict(
        title="Replace the washing machine", remedy_type=RemedyType.REPLACEMENT, amount=Decimal("449.00")
    )
    data.update(option)
    opt = services.option_add(actor=actor, case=case, option=services.OptionInput(**data))
    services.option_recommend(
        actor=actor,
        option=opt,
        justification="Legal right to a replacement; asked for it",
        factors=["legal_obligation", "customer_preference"],
    )
    case.refresh_from_db()
    return opt


def test_an_option_beyond_the_agents_money_limit_waits_for_approval(case_with_options, alice, bob, carol):
    _recommend(case_with_options, alice)
    approval = Approval.objects.get(case=case_with_options)
    assert case_with_options.status == Status.AWAITING_APPROVAL
    assert approval.rule_ids == ["K4.money"]
    # The nearest level whose authority covers £449 is asked: the supervisor, not the manager.
    assert approval.assigned_to == bob
    assert bob.alerts.filter(kind="approval_requested").count() == 1
    # One entry per event: the approval is the request, not also an automatic escalation.
    assert case_with_options.escalations.count() == 0


def test_the_customer_cannot_agree_before_approval(case_with_options, alice, bob):
    _recommend(case_with_options, alice)
    with pytest.raises(DomainError) as err:
        services.option_customer_respond(case=case_with_options, agree=True)
    assert err.value.code == ErrorCode.APPROVAL_REQUIRED
    assert case_with_options.agreements.count() == 0


def test_an_agent_cannot_approve_beyond_their_own_limit(case_with_options, alice, dave, bob):
    _recommend(case_with_options, alice)
    approval = Approval.objects.get()
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=dave, approval=approval, approve=True)
    assert err.value.code == ErrorCode.APPROVER_LACKS_AUTHORITY
    approval.refresh_from_db()
    case_with_options.refresh_from_db()
    assert (approval.status, case_with_options.status) == (Approval.Status.PENDING, Status.AWAITING_APPROVAL)
    assert approvals_for_user(user=dave) == []
    assert approvals_for_user(user=bob) == [approval]


def test_a_supervisor_approves_and_the_option_goes_to_the_customer(case_with_options, alice, bob):
    _recommend(case_with_options, alice)
    approval = services.approval_decide(actor=bob, approval=Approval.objects.get(), approve=True, note="Fine")
    case_with_options.refresh_from_db()
    assert (approval.status, approval.decided_by) == (Approval.Status.APPROVED, bob)
    assert case_with_options.status == Status.AWAITING_CUSTOMER
    services.option_customer_respond(case=case_with_options, agree=True)
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.IN_PROGRESS
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=bob, approval=approval, approve=False, note="changed my mind")
    assert err.value.code == ErrorCode.APPROVAL_ALREADY_DECIDED


def test_a_rejection_needs_a_reason_and_returns_the_case_to_options(case_with_options, alice, bob):
    option = _recommend(case_with_options, alice)
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=bob, approval=Approval.objects.get(), approve=False)
    assert err.value.code == ErrorCode.REASONS_REQUIRED
    services.approval_decide(
        actor=bob, approval=Approval.objects.get(), approve=False, note="Offer a repair first"
    )
    case_with_options.refresh_from_db()
    option.refresh_from_db()
    assert (case_with_options.status, option.status) == (Status.OPTIONS, OptionStatus.REJECTED)


def test_a_remedy_type_outside_the_agents_role_needs_approval(case_with_options, alice, bob):
    _recommend(
        case_with_options,
        alice,
        title="£20 for the inconvenience",
        remedy_type=RemedyType.COMPENSATION,
        amount=Decimal("20"),
    )
    assert Approval.objects.get().rule_ids == ["K4.remedy_type"]


def test_an_exception_needs_a_second_person_even_for_a_manager(case_with_options, carol, bob):
    _recommend(
        case_with_options,
        carol,
        title="Refund without receipt",
        remedy_type=RemedyType.REFUND,
        amount=Decimal("30"),
        is_exception=True,
    )
    approval = Approval.objects.get()
    assert approval.rule_ids == ["K4.exception"]
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=carol, approval=approval, approve=True)
    assert err.value.code == ErrorCode.SECOND_PERSON_REQUIRED
    services.approval_decide(actor=bob, approval=approval, approve=True)
    case_with_options.refresh_from_db()
    assert case_with_options.status == Status.AWAITING_CUSTOMER


def test_the_administrator_sets_the_limits_the_check_uses(case_with_options, alice):
    AuthorityLimit.objects.filter(group=Group.objects.get(name="agent")).update(max_amount=Decimal("500"))
    _recommend(case_with_options, alice)
    assert case_with_options.status == Status.AWAITING_CUSTOMER
    assert Approval.objects.count() == 0


def test_an_agents_exception_goes_to_a_supervisor_not_to_another_agent(case_with_options, alice, dave, bob):
    _recommend(
        case_with_options,
        alice,
        title="Refund without receipt",
        remedy_type=RemedyType.REFUND,
        amount=Decimal("30"),
        is_exception=True,
    )
    approval = Approval.objects.get()
    assert approval.assigned_to == bob
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=dave, approval=approval, approve=True)
    assert err.value.code == ErrorCode.APPROVER_LACKS_AUTHORITY
    assert approvals_for_user(user=dave) == []
    assert approvals_for_user(user=bob) == [approval]


def test_an_option_nobody_may_approve_is_refused_instead_of_parked(case_with_options, alice, bob):
    # £20,000 is beyond everyone but an administrator, and there is none.
    option = services.option_add(
        actor=alice,
        case=case_with_options,
        option=services.OptionInput(
            title="Rebuild the kitchen", remedy_type=RemedyType.COMPENSATION, amount=Decimal("20000")
        ),
    )
    with pytest.raises(DomainError) as err:
        services.option_recommend(actor=alice, option=option, justification="x", factors=["cost", "risk"])
    assert err.value.code == ErrorCode.NO_APPROVER
    case_with_options.refresh_from_db()
    option.refresh_from_db()
    assert (case_with_options.status, option.status, Approval.objects.count()) == (
        Status.OPTIONS,
        OptionStatus.PROPOSED,
        0,
    )


def test_closing_a_case_withdraws_its_pending_approval_from_the_queue(case_with_options, alice, bob):
    _recommend(case_with_options, alice)
    approval = Approval.objects.get()
    assert approvals_for_user(user=bob) == [approval]
    services.case_close_unresolved(
        reason_code="other",
        upheld="not_upheld",
        actor=alice,
        case=case_with_options,
        reasons="The customer withdrew the complaint by phone.",
        other_routes=["ADR"],
    )
    approval.refresh_from_db()
    assert approval.status == Approval.Status.WITHDRAWN
    assert approvals_for_user(user=bob) == []
    assert case_with_options.events.filter(kind="approval.withdrawn").count() == 1


def test_an_agent_may_honour_a_cancellation_without_approval(case_with_options, alice):
    _recommend(
        case_with_options,
        alice,
        title="Cancel the order",
        remedy_type=RemedyType.CANCELLATION,
        amount=Decimal("80.00"),
    )

    assert case_with_options.status == Status.AWAITING_CUSTOMER
    assert not Approval.objects.filter(case=case_with_options).exists()


def test_the_migration_adds_cancellation_to_the_agent_s_starting_types_only():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("putright.authority.migrations.0004_agent_may_honour_cancellations")
    agent = AuthorityLimit.objects.get(group__name="agent")
    assert "cancellation" in agent.remedy_types  # a migrated database has it

    agent.remedy_types = migration.OLD_AGENT_TYPES
    agent.save()
    migration.add_cancellation(apps, None)
    agent.refresh_from_db()
    assert agent.remedy_types == migration.NEW_AGENT_TYPES

    agent.remedy_types = ["refund", "apology"]  # an administrator's own choice stands
    agent.save()
    migration.add_cancellation(apps, None)
    agent.refresh_from_db()
    assert agent.remedy_types == ["refund", "apology"]
