from decimal import Decimal

from putright.engines.authority.limits import Limit, OptionRequest, combine, decide, may_approve

AGENT = Limit("agent", Decimal("100"), frozenset({"refund", "replacement", "apology"}), rank=1)
SUPERVISOR = Limit(
    "supervisor",
    Decimal("1000"),
    frozenset({"refund", "replacement", "apology", "compensation"}),
    2,
    may_approve_exceptions=True,
)
ADMIN = Limit(
    "administrator", None, frozenset({"refund", "compensation"}), rank=4, may_approve_exceptions=True
)


def test_an_option_within_money_and_type_is_covered():
    decision = decide(AGENT, OptionRequest("refund", Decimal("100.00")))
    assert decision.covered is True
    assert decision.needs_approval is False
    assert decision.rule_ids == ()


def test_money_over_the_limit_needs_approval_with_rule_k4_money():
    decision = decide(AGENT, OptionRequest("refund", Decimal("100.01")))
    assert decision.needs_approval is True
    assert decision.rule_ids == ("K4.money",)
    assert "£100.01 exceeds the agent limit of £100.00" in decision.reasons[0]


def test_a_remedy_type_outside_the_role_needs_approval():
    decision = decide(AGENT, OptionRequest("compensation", Decimal("5")))
    assert decision.rule_ids == ("K4.remedy_type",)


def test_an_exception_always_needs_a_second_person_even_for_unlimited_authority():
    decision = decide(ADMIN, OptionRequest("refund", Decimal("1"), is_exception=True))
    assert decision.covered is True
    assert decision.needs_second_person is True
    assert decision.needs_approval is True
    assert decision.rule_ids == ("K4.exception",)


def test_no_role_means_no_authority():
    decision = decide(None, OptionRequest("apology", Decimal("0")))
    assert decision.covered is False
    assert decision.rule_ids == ("K4.role",)


def test_combined_roles_take_the_widest_authority():
    combined = combine([AGENT, SUPERVISOR])
    assert combined.max_amount == Decimal("1000")
    assert combined.remedy_types == frozenset({"refund", "replacement", "apology", "compensation"})
    assert combine([AGENT, ADMIN]).max_amount is None
    assert combine([]) is None


def test_an_approver_needs_their_own_authority_to_cover_it():
    big = OptionRequest("replacement", Decimal("449"))
    assert may_approve(SUPERVISOR, big) is True
    assert may_approve(AGENT, big) is False
    assert may_approve(ADMIN, big) is False  # replacement is not among this admin's types


def test_only_a_role_allowed_to_may_approve_an_exception_even_within_its_money_limit():
    small_exception = OptionRequest("refund", Decimal("10"), is_exception=True)
    assert may_approve(AGENT, small_exception) is False
    assert may_approve(SUPERVISOR, small_exception) is True
    assert may_approve(None, small_exception) is False
    assert combine([AGENT, SUPERVISOR]).may_approve_exceptions is True
