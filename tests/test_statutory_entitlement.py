"""K4.statutory: an option that is the customer's legal right is not an exception.

The clock is frozen on 10 March 2026: a £249 television delivered on 3 March with a fault reported on
9 March can be rejected for a full refund until 2 April 2026 (G1). Alice is an agent (£100 limit), Bob a
supervisor (£1,000 limit, the default statutory ceiling).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from putright import clock
from putright.authority.admin import AuthorityLimitForm
from putright.authority.models import Approval, AuthorityLimit
from putright.authority.selectors import limit_for_user
from putright.cases import services as case_services
from putright.cases.models import Case, Option
from putright.engines.authority import limits as engine
from putright.errors import DomainError, ErrorCode
from putright.resolution import services
from putright.vocab import AgreementMethod, JustificationFactor, OptionStatus, Status
from tests.conftest import aware

NOW = aware(2026, 3, 10, 9, 0)
TV = {
    "supply": "goods",
    "contract_date": "2026-03-01",
    "delivery_date": "2026-03-03",
    "fault": True,
    "fault_reported_date": "2026-03-09",
}
FACTORS = [JustificationFactor.LEGAL_OBLIGATION, JustificationFactor.CUSTOMER_PREFERENCE]


# ---------------------------------------------------------------- the engine (pure)

AGENT = engine.Limit(
    role="agent",
    max_amount=Decimal("100"),
    remedy_types=frozenset({"refund", "repair"}),
    rank=1,
    statutory_ceiling=Decimal("1000"),
)


def right(**overrides) -> engine.Entitlement:
    return engine.Entitlement(**{"rule": "G1", "recorded_price": Decimal("249"), **overrides})


def refund(amount: str, entitlement: engine.Entitlement | None = None, **overrides) -> engine.OptionRequest:
    return engine.OptionRequest(
        remedy_type=overrides.pop("remedy_type", "refund"),
        amount=Decimal(amount),
        entitlement=entitlement,
        **overrides,
    )


def test_engine_a_legal_right_lifts_the_money_limit_and_names_the_rule():
    decision = engine.decide(AGENT, refund("249", right()))
    assert (decision.needs_approval, decision.reasons, decision.rule_ids, decision.statutory_rule) == (
        False,
        (),
        (),
        "G1",
    )


def test_engine_the_same_amount_without_a_legal_right_needs_approval():
    decision = engine.decide(AGENT, refund("249"))
    assert decision.needs_approval
    assert decision.rule_ids == ("K4.money",)
    assert decision.statutory_rule == ""


def test_engine_within_the_money_limit_the_right_is_not_needed():
    decision = engine.decide(AGENT, refund("80", right()))
    assert (decision.needs_approval, decision.statutory_rule) == (False, "")


@pytest.mark.parametrize(
    "limit, amount, entitlement, rule_id, reason",
    [
        (
            engine.Limit("agent", Decimal("100"), frozenset({"refund"}), statutory_ceiling=Decimal("200")),
            "249",
            right(),
            "K4.statutory_ceiling",
            "£249.00 is above the statutory ceiling of £200.00 for the agent role",
        ),
        (AGENT, "260", right(), "K4.statutory_price", "£260.00 is above the recorded price of £249.00"),
        (
            AGENT,
            "249",
            right(recorded_price=None),
            "K4.statutory_price",
            "no price is recorded, so the statutory entitlement cannot be measured",
        ),
        (
            AGENT,
            "249",
            right(facts_changed=True),
            "K4.statutory_facts_changed",
            "the purchase facts were edited after this statutory option was listed, so the entitlement "
            "needs a second look",
        ),
        (
            AGENT,
            "249",
            right(available_today=False),
            "K4.statutory_lapsed",
            "the statutory right (G1) is no longer available on today's facts",
        ),
        (
            engine.Limit("agent", Decimal("100"), frozenset({"refund"})),
            "249",
            right(),
            "K4.statutory_ceiling",
            "£249.00 is above the statutory ceiling of £0.00 for the agent role",
        ),
    ],
    ids=["ceiling", "price", "no-price", "facts-changed", "lapsed", "no-ceiling-granted"],
)
def test_engine_the_right_does_not_lift_the_limit_beyond_its_bounds(
    limit, amount, entitlement, rule_id, reason
):
    decision = engine.decide(limit, refund(amount, entitlement))
    assert decision.needs_approval
    assert decision.rule_ids == ("K4.money", rule_id)
    assert decision.reasons[1] == f"the statutory entitlement does not lift the limit: {reason}"
    assert decision.statutory_rule == ""


def test_engine_no_ceiling_is_capped_by_the_price_alone():
    unlimited = engine.Limit("agent", Decimal("100"), frozenset({"refund"}), statutory_ceiling=None)
    assert not engine.decide(unlimited, refund("249", right())).needs_approval
    assert engine.decide(unlimited, refund("249.01", right())).rule_ids == ("K4.money", "K4.statutory_price")


def test_engine_remedy_type_limits_still_apply_to_a_legal_right():
    decision = engine.decide(AGENT, refund("249", right(), remedy_type="replacement"))
    assert decision.needs_approval
    assert decision.rule_ids == ("K4.remedy_type",)
    assert decision.statutory_rule == "G1"


def test_engine_an_exception_still_needs_a_second_person():
    decision = engine.decide(AGENT, refund("249", right(), is_exception=True))
    assert (decision.needs_second_person, decision.rule_ids, decision.statutory_rule) == (
        True,
        ("K4.exception",),
        "G1",
    )


def test_engine_combined_roles_hold_the_widest_ceiling():
    low = engine.Limit(
        "agent", Decimal("100"), frozenset({"refund"}), rank=1, statutory_ceiling=Decimal("300")
    )
    high = engine.Limit("x", Decimal("50"), frozenset(), rank=0, statutory_ceiling=Decimal("500"))
    assert engine.combine([low, high]).statutory_ceiling == Decimal("500")
    unbounded = engine.Limit("y", Decimal("50"), frozenset(), statutory_ceiling=None)
    assert engine.combine([low, unbounded]).statutory_ceiling is None


def test_engine_approvers_are_not_lifted_by_the_right():
    # An approver's own money limit must cover the option: the right lifts the handler's limit only.
    assert not engine.may_approve(AGENT, refund("249", right()))


# ---------------------------------------------------------------- through the services


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def tv_case(db, report_case, alice):
    """A £249 television that broke within a week, facts recorded and statutory options listed by alice."""
    case = report_case(
        subject="Television went black",
        description="The new television went black after six days.",
        desired_outcome="My money back",
        amount_in_dispute=Decimal("249.00"),
    )
    case_services.case_summarise_understanding(actor=alice, case=case, summary="TV dead; wants a refund.")
    case_services.case_confirm_understanding(actor=None, case=case)
    case.refresh_from_db()
    services.case_facts_record(actor=alice, case=case, facts=TV)
    services.statutory_options_add(actor=alice, case=case)
    return Case.objects.get(pk=case.pk)


def short_term_refund(case) -> Option:
    return Option.objects.get(case=case, statutory_remedy="short_term_reject")


def recommend(actor, option) -> Case:
    return case_services.option_recommend(
        actor=actor, option=option, justification="It is the customer's legal right.", factors=FACTORS
    )


def agent_limit(**values) -> None:
    AuthorityLimit.objects.filter(group=Group.objects.get(name="agent")).update(**values)


def test_a_249_short_term_refund_by_an_agent_is_agreed_without_approval_and_names_the_rule(alice, tv_case):
    option = short_term_refund(tv_case)
    assert (option.amount, option.rule_ids[0]) == (Decimal("249.00"), "G1")

    case = recommend(alice, option)

    assert case.status == Status.AWAITING_CUSTOMER
    assert not Approval.objects.filter(case=case).exists()
    event = case.events.get(kind="option.recommended")
    assert event.after["statutory_rule"] == "G1"
    assert event.after["authority_rule_ids"] == ["K4.statutory"]
    assert event.summary == (
        "Recommended: Short-term right to reject: full refund (G1) (the customer's legal right under G1, "
        "so the money limit does not apply)"
    )
    assert case.events.filter(kind="option.proposed").count() == 1

    case_services.option_customer_respond(case=case, agree=True, actor=alice, method=AgreementMethod.PHONE)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert short_term_refund(case).status == OptionStatus.AGREED


def test_an_agents_own_249_refund_still_needs_approval(alice, bob, tv_case):
    own = case_services.option_add(
        actor=alice,
        case=tv_case,
        option=case_services.OptionInput(title="Refund", remedy_type="refund", amount=Decimal("249")),
    )
    case = recommend(alice, own)
    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert approval.rule_ids == ["K4.money"]
    assert "statutory_rule" not in case.events.get(kind="option.recommended").after


def test_above_the_administrators_ceiling_it_goes_for_approval(alice, bob, tv_case):
    agent_limit(statutory_ceiling=Decimal("200.00"))

    case = recommend(alice, short_term_refund(tv_case))

    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert approval.rule_ids == ["K4.money", "K4.statutory_ceiling"]
    assert approval.assigned_to == bob
    assert approval.reasons[1] == (
        "the statutory entitlement does not lift the limit: £249.00 is above the statutory ceiling of "
        "£200.00 for the agent role"
    )


def test_the_default_ceiling_is_the_supervisors_limit(alice, carol, tv_case):
    AuthorityLimit.objects.filter(group__name="supervisor").update(max_amount=Decimal("240.00"))
    assert limit_for_user(alice).statutory_ceiling == Decimal("240.00")

    case = recommend(alice, short_term_refund(tv_case))

    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert (approval.rule_ids, approval.assigned_to) == (["K4.money", "K4.statutory_ceiling"], carol)


def test_above_the_recorded_price_it_goes_for_approval(alice, bob, tv_case):
    # The price on the case was corrected down after the option was listed at the old price.
    Case.objects.filter(pk=tv_case.pk).update(amount_in_dispute=Decimal("199.00"))

    case = recommend(alice, short_term_refund(tv_case))

    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert approval.rule_ids == ["K4.money", "K4.statutory_price"]
    assert "£249.00 is above the recorded price of £199.00" in approval.reasons[1]


def test_editing_the_purchase_facts_after_listing_sends_it_back_for_approval(alice, bob, tv_case):
    services.case_facts_record(actor=alice, case=tv_case, facts={**TV, "fault_reported_date": "2026-03-08"})

    case = recommend(alice, short_term_refund(tv_case))

    assert case.status == Status.AWAITING_APPROVAL
    assert Approval.objects.get(case=case).rule_ids == ["K4.money", "K4.statutory_facts_changed"]
    assert "statutory_rule" not in case.events.get(kind="option.recommended").after


def test_editing_the_facts_while_the_customer_considers_it_sends_the_proposal_back_for_approval(
    alice, bob, tv_case
):
    case = recommend(alice, short_term_refund(tv_case))
    assert case.status == Status.AWAITING_CUSTOMER

    services.case_facts_record(actor=alice, case=case, facts={**TV, "fault_reported_date": "2026-03-08"})

    case.refresh_from_db()
    assert case.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert (approval.status, approval.rule_ids, approval.assigned_to) == (
        Approval.Status.PENDING,
        ["K4.money", "K4.statutory_facts_changed"],
        bob,
    )
    assert case.events.filter(kind="approval.requested").get().before == {"status": Status.AWAITING_CUSTOMER}
    assert list(case.messages.values_list("subject", flat=True).order_by("-pk")[:1]) == [
        "We are checking our proposal again"
    ]
    # Until a second person approves it, the customer cannot agree to it.
    with pytest.raises(DomainError) as refused:
        case_services.option_customer_respond(
            case=case, agree=True, actor=alice, method=AgreementMethod.PHONE
        )
    assert refused.value.code == ErrorCode.APPROVAL_REQUIRED

    case_services.approval_decide(actor=bob, approval=approval, approve=True)
    case_services.option_customer_respond(case=case, agree=True, actor=alice, method=AgreementMethod.PHONE)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_editing_the_facts_after_a_second_person_approved_leaves_the_proposal_alone(alice, bob, tv_case):
    agent_limit(statutory_ceiling=Decimal("0"))
    case = recommend(alice, short_term_refund(tv_case))
    case_services.approval_decide(actor=bob, approval=Approval.objects.get(case=case), approve=True)

    services.case_facts_record(actor=alice, case=case, facts={**TV, "fault_reported_date": "2026-03-08"})

    case.refresh_from_db()
    assert case.status == Status.AWAITING_CUSTOMER
    assert Approval.objects.filter(case=case).count() == 1


def test_a_right_that_has_lapsed_goes_for_approval(alice, bob, tv_case):
    with clock.frozen(aware(2026, 4, 20, 9, 0)):
        case = recommend(alice, short_term_refund(tv_case))
    assert case.status == Status.AWAITING_APPROVAL
    assert Approval.objects.get(case=case).rule_ids == ["K4.money", "K4.statutory_lapsed"]


def test_remedy_type_limits_still_apply(alice, bob, tv_case):
    agent_limit(remedy_types=["repair", "apology"])

    case = recommend(alice, short_term_refund(tv_case))

    assert case.status == Status.AWAITING_APPROVAL
    assert Approval.objects.get(case=case).rule_ids == ["K4.remedy_type"]


def test_the_ceiling_is_edited_by_the_administrator_and_cannot_be_negative(db):
    row = AuthorityLimit.objects.get(group__name="agent")
    data = {
        "group": row.group_id,
        "max_amount": "100.00",
        "remedy_types": ["refund"],
        "rank": 1,
        "statutory_ceiling": "-1",
    }
    form = AuthorityLimitForm(data, instance=row)
    assert not form.is_valid()
    assert form.errors["statutory_ceiling"] == [
        "A ceiling cannot be negative; leave it empty for the supervisor's limit, or 0 for none."
    ]
    row.refresh_from_db()
    assert row.statutory_ceiling is None

    form = AuthorityLimitForm({**data, "statutory_ceiling": "300.00"}, instance=row)
    assert form.is_valid(), form.errors
    form.save()
    assert AuthorityLimit.objects.get(pk=row.pk).statutory_ceiling == Decimal("300.00")
