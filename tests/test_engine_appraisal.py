"""P3/P4: the pure appraisal engine — visible scores, weights that change the answer, reasons for the best."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from putright.engines.remedies.appraisal import (
    COST,
    CUSTOMER_BENEFIT,
    DEFAULT_WEIGHTS,
    FACTORS,
    FEASIBILITY,
    LEGAL_OBLIGATION,
    TIME_TO_DELIVER,
    OptionFacts,
    appraise,
    weights_with_defaults,
)
from putright.vocab import JustificationFactor

REFUND = OptionFacts(
    key="refund",
    title="Short-term right to reject: full refund (G1)",
    customer_benefit=5,
    cost=Decimal("449.00"),
    days=5,
    statutory=True,
    rule_ids=("G1", "G11"),
    within_authority=False,
    approver="a supervisor",
)
REPAIR = OptionFacts(
    key="repair",
    title="Repair at our cost (G5)",
    customer_benefit=3,
    cost=Decimal("112.25"),
    days=14,
    statutory=True,
    rule_ids=("G5",),
)
CREDIT = OptionFacts(
    key="credit",
    title="Goodwill credit",
    customer_benefit=1,
    cost=Decimal("20.00"),
    days=0,
    policy_fit="discretionary",
)


def test_every_factor_is_shown_with_its_value_weight_and_points():
    result = appraise([REFUND, REPAIR, CREDIT])
    refund = result.score_for("refund")
    assert [f.factor for f in refund.factors] == list(FACTORS)
    assert refund.factor(CUSTOMER_BENEFIT).value == Decimal("1.00")
    assert refund.factor(CUSTOMER_BENEFIT).points == Decimal("3.00")
    # The dearest option scores nothing on cost; the cheapest scores most.
    assert refund.factor(COST).value == Decimal("0.00")
    assert result.score_for("credit").factor(COST).value == Decimal("0.96")
    assert refund.factor(LEGAL_OBLIGATION).note == "the customer's legal right (G1, G11)"
    assert refund.factor(FEASIBILITY).note == "needs approval from a supervisor"
    assert result.score_for("credit").factor(LEGAL_OBLIGATION).note == "not a legal right"
    # The total is the sum of the points, and the percentage is of the most an option can score.
    assert refund.total == sum(f.points for f in refund.factors)
    assert refund.percent == round(refund.total / sum(DEFAULT_WEIGHTS.values()) * 100)


def test_factor_names_are_the_justification_factors_an_agent_names():
    assert set(FACTORS) <= set(JustificationFactor.values)


def test_the_best_comes_with_at_least_two_reasons_in_plain_english():
    result = appraise([REFUND, REPAIR, CREDIT])
    assert result.best == "repair"
    assert len(result.reasons) >= 2
    assert [r.factor for r in result.reasons][:2] == [COST, FEASIBILITY]
    assert result.reasons[0].text == (
        "It costs us £112.25, less than £449.00 for “Short-term right to reject: full refund (G1)”"
    )
    assert "needs approval from a supervisor" in result.reasons[1].text


def test_changing_the_weights_changes_the_best_option():
    assert appraise([REFUND, REPAIR, CREDIT]).best == "repair"
    # An organisation that puts the customer's benefit first, and cares less what it costs.
    generous = appraise([REFUND, REPAIR, CREDIT], {CUSTOMER_BENEFIT: Decimal("8"), COST: Decimal("0.5")})
    assert generous.best == "refund"
    assert CUSTOMER_BENEFIT in generous.reason_factors
    # One that only counts speed and cost picks the same-day credit.
    thrifty = appraise(
        [REFUND, REPAIR, CREDIT],
        {f: Decimal("0") for f in FACTORS} | {TIME_TO_DELIVER: Decimal("5"), COST: Decimal("5")},
    )
    assert thrifty.best == "credit"
    assert set(thrifty.reason_factors[:2]) == {TIME_TO_DELIVER, COST}


def test_a_legal_right_outscores_goodwill_when_only_compliance_counts():
    weights = {f: Decimal("0") for f in FACTORS} | {LEGAL_OBLIGATION: Decimal("1")}
    result = appraise([CREDIT, REPAIR], weights)
    assert result.best == "repair"
    assert result.reasons[0].factor == LEGAL_OBLIGATION
    assert result.reasons[0].text.startswith("It gives the customer their legal right (G5)")
    assert "“Goodwill credit” is not a legal right" in result.reasons[0].text


def test_an_exception_scores_nothing_for_policy_fit_whatever_was_typed():
    exception = OptionFacts(
        key="x",
        title="Refund outside policy",
        customer_benefit=5,
        cost=Decimal("10"),
        days=1,
        is_exception=True,
    )
    score = appraise([exception]).score_for("x")
    assert score.factor("policy_fit").value == Decimal("0.00")
    assert score.factor("policy_fit").note == "an exception to usual practice"


def test_ties_go_to_the_legal_right_then_the_cheaper_then_the_first_listed():
    twin_a = OptionFacts(key="a", title="A", customer_benefit=3, cost=Decimal("0"), days=0)
    twin_b = OptionFacts(key="b", title="B", customer_benefit=3, cost=Decimal("0"), days=0)
    assert appraise([twin_a, twin_b]).best == "a"
    assert appraise([twin_b, twin_a]).best == "b"
    zero = {f: Decimal("0") for f in FACTORS}
    legal = OptionFacts(key="legal", title="L", customer_benefit=0, cost=Decimal("5"), days=0, statutory=True)
    assert appraise([twin_a, legal], zero).best == "legal"


def test_one_option_is_the_best_with_its_strongest_factors_as_reasons():
    result = appraise([REPAIR])
    assert result.best == "repair"
    assert len(result.reasons) == 2
    assert result.reasons[0].factor == LEGAL_OBLIGATION


def test_no_options_no_suggestion():
    result = appraise([])
    assert (result.best, result.reasons, result.options) == (None, (), ())


@pytest.mark.parametrize(
    "weights, message",
    [({"charm": Decimal("1")}, "unknown appraisal factor"), ({COST: Decimal("-1")}, "zero or more")],
)
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        weights_with_defaults(weights)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"customer_benefit": 6}, "customer_benefit"),
        ({"cost": Decimal("-1")}, "cost"),
        ({"days": -1}, "days"),
        ({"policy_fit": "whatever"}, "policy fit"),
    ],
)
def test_impossible_option_facts_are_refused(kwargs, message):
    base = {"key": "k", "title": "T", "customer_benefit": 3, "cost": Decimal("1"), "days": 1}
    with pytest.raises(ValueError, match=message):
        OptionFacts(**(base | kwargs))


def test_keys_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        appraise([REPAIR, REPAIR])


options_strategy = st.lists(
    st.builds(
        OptionFacts,
        key=st.uuids().map(str),
        title=st.text(min_size=1, max_size=20),
        customer_benefit=st.integers(0, 5),
        cost=st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
        days=st.integers(0, 3650),
        policy_fit=st.sampled_from(["standard", "discretionary", "exception"]),
        within_authority=st.booleans(),
        statutory=st.booleans(),
        is_exception=st.booleans(),
        asked_for=st.booleans(),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda o: o.key,
)
weights_strategy = st.dictionaries(
    st.sampled_from(FACTORS), st.decimals(min_value=0, max_value=10, places=1), max_size=len(FACTORS)
)


@given(options=options_strategy, weights=weights_strategy)
def test_the_best_always_has_the_highest_total_and_at_least_two_reasons(options, weights):
    result = appraise(options, weights)
    best = result.score_for(result.best)
    assert best.total == max(o.total for o in result.options)
    assert 2 <= len(result.reasons) <= 3
    assert len({r.factor for r in result.reasons}) == len(result.reasons)
    for score in result.options:
        assert all(Decimal("0") <= f.value <= Decimal("1") for f in score.factors)
        assert 0 <= score.percent <= 100
