"""P3/P4: weigh each resolution option for the customer and the organisation, and pick the best.

Pure: takes each option's appraisal facts and the weights as plain values and returns a visible
appraisal (every factor's value, weight and points), never a hidden score. The suggested best option
comes with the factors that make it best, in plain English, so the agent can see *why* and choose
another with a reason of their own.

Factor names are the values of ``putright.vocab.JustificationFactor`` (this module cannot
import Django), so a reason maps straight onto the factors an agent names when recommending.

Scoring: each factor gives an option a value between 0 and 1, multiplied by the factor's weight.
- customer_benefit: the benefit to the customer on a 0–5 scale, over 5.
- legal_obligation: 1 when the option is the customer's statutory right (offering a legal right
  keeps us compliant and takes away the risk of the dispute going further), else 0.
- cost: 1 − cost ÷ the dearest option's cost (the cheapest, at £0, scores 1).
- time_to_deliver: 1 − days ÷ the slowest option's days.
- policy_fit: standard practice 1, discretionary 0.5, an exception to usual practice 0.
- feasibility: 1 when it is within the handler's own authority (K4), 0 when it needs approval.
- customer_preference: 1 when it is what the customer asked for, else 0.
Cost and time are relative to the options on the table, so adding a dearer option can change the others'
points; the other factors are absolute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CUSTOMER_BENEFIT = "customer_benefit"
LEGAL_OBLIGATION = "legal_obligation"
COST = "cost"
TIME_TO_DELIVER = "time_to_deliver"
POLICY_FIT = "policy_fit"
FEASIBILITY = "feasibility"
CUSTOMER_PREFERENCE = "customer_preference"

# In the order pages show them: the customer's side first, then the organisation's.
FACTORS: tuple[str, ...] = (
    CUSTOMER_BENEFIT,
    CUSTOMER_PREFERENCE,
    LEGAL_OBLIGATION,
    COST,
    TIME_TO_DELIVER,
    POLICY_FIT,
    FEASIBILITY,
)

FACTOR_LABELS: dict[str, str] = {
    CUSTOMER_BENEFIT: "Benefit to the customer",
    CUSTOMER_PREFERENCE: "What the customer asked for",
    LEGAL_OBLIGATION: "Legal obligation",
    COST: "Cost to the organisation",
    TIME_TO_DELIVER: "Time to deliver",
    POLICY_FIT: "Fits our policy",
    FEASIBILITY: "Within the handler's authority",
}

# The weights a new installation starts with (an administrator changes them): putting it right for the
# customer and meeting their legal rights count most, then cost and policy.
DEFAULT_WEIGHTS: dict[str, Decimal] = {
    CUSTOMER_BENEFIT: Decimal("3"),
    CUSTOMER_PREFERENCE: Decimal("1.5"),
    LEGAL_OBLIGATION: Decimal("3"),
    COST: Decimal("2"),
    TIME_TO_DELIVER: Decimal("1"),
    POLICY_FIT: Decimal("1.5"),
    FEASIBILITY: Decimal("1"),
}

STANDARD = "standard"
DISCRETIONARY = "discretionary"
EXCEPTION = "exception"
POLICY_FIT_VALUES: dict[str, Decimal] = {
    STANDARD: Decimal("1"),
    DISCRETIONARY: Decimal("0.5"),
    EXCEPTION: Decimal("0"),
}
POLICY_FIT_WORDS: dict[str, str] = {
    STANDARD: "our standard practice",
    DISCRETIONARY: "at our discretion",
    EXCEPTION: "an exception to usual practice",
}

MAX_BENEFIT = 5
MIN_REASONS = 2
MAX_REASONS = 3
_ONE = Decimal("1")
_ZERO = Decimal("0")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class OptionFacts:
    """What the appraisal needs to know about one option.

    ``within_authority`` and ``approver`` come from the K4 authority engine, worked out for the handler
    looking at the case; ``statutory`` is true for an option that is the customer's legal right.
    """

    key: str
    title: str
    customer_benefit: int
    cost: Decimal
    days: int
    policy_fit: str = STANDARD
    within_authority: bool = True
    statutory: bool = False
    is_exception: bool = False
    asked_for: bool = False
    rule_ids: tuple[str, ...] = ()
    approver: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.customer_benefit <= MAX_BENEFIT:
            raise ValueError(f"customer_benefit must be between 0 and {MAX_BENEFIT}")
        if self.cost < 0:
            raise ValueError("cost must not be negative")
        if self.days < 0:
            raise ValueError("days must not be negative")
        if self.policy_fit not in POLICY_FIT_VALUES:
            raise ValueError(f"unknown policy fit {self.policy_fit!r}")

    @property
    def effective_policy_fit(self) -> str:
        # An option flagged as an exception is one, whatever fit was typed.
        return EXCEPTION if self.is_exception else self.policy_fit


@dataclass(frozen=True)
class FactorScore:
    factor: str
    label: str
    value: Decimal
    weight: Decimal
    points: Decimal
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "label": self.label,
            "value": str(self.value),
            "weight": str(self.weight),
            "points": str(self.points),
            "note": self.note,
        }


@dataclass(frozen=True)
class OptionScore:
    key: str
    title: str
    total: Decimal
    percent: int
    factors: tuple[FactorScore, ...]

    def factor(self, name: str) -> FactorScore:
        for score in self.factors:
            if score.factor == name:
                return score
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "total": str(self.total),
            "percent": self.percent,
            "factors": [f.to_dict() for f in self.factors],
        }


@dataclass(frozen=True)
class Reason:
    factor: str
    label: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"factor": self.factor, "label": self.label, "text": self.text}


@dataclass(frozen=True)
class Appraisal:
    """Every option's scores (in the order given), the best option's key and why it is best."""

    options: tuple[OptionScore, ...]
    best: str | None
    reasons: tuple[Reason, ...]
    weights: Mapping[str, Decimal] = field(default_factory=dict)

    def score_for(self, key: str) -> OptionScore | None:
        return next((o for o in self.options if o.key == key), None)

    @property
    def reason_factors(self) -> tuple[str, ...]:
        return tuple(r.factor for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "reasons": [r.to_dict() for r in self.reasons],
            "weights": {k: str(v) for k, v in self.weights.items()},
            "options": [o.to_dict() for o in self.options],
        }


def weights_with_defaults(weights: Mapping[str, Decimal] | None) -> dict[str, Decimal]:
    """The weights to use: every factor, defaults filling any gap. Unknown or negative weights are refused."""
    result = dict(DEFAULT_WEIGHTS)
    for factor, weight in (weights or {}).items():
        if factor not in FACTOR_LABELS:
            raise ValueError(f"unknown appraisal factor {factor!r}")
        weight = Decimal(weight)
        if weight < 0 or not weight.is_finite():
            raise ValueError(f"the weight of {factor!r} must be zero or more")
        result[factor] = weight
    return result


def _days(days: int) -> str:
    if days == 0:
        return "the same day"
    return f"{days} day" if days == 1 else f"{days} days"


def _money(amount: Decimal) -> str:
    return f"£{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,}"


def _legal_words(option: OptionFacts) -> str:
    if not option.statutory:
        return "not a legal right"
    rules = f" ({', '.join(option.rule_ids)})" if option.rule_ids else ""
    return f"the customer's legal right{rules}"


def _authority_words(option: OptionFacts) -> str:
    if option.within_authority:
        return "within your authority"
    return f"needs approval from {option.approver}" if option.approver else "needs approval"


def _note(factor: str, option: OptionFacts) -> str:
    """How this option does on one factor, in words (shown beside its points)."""
    if factor == CUSTOMER_BENEFIT:
        return f"{option.customer_benefit} of {MAX_BENEFIT}"
    if factor == CUSTOMER_PREFERENCE:
        return "what the customer asked for" if option.asked_for else "not what the customer asked for"
    if factor == LEGAL_OBLIGATION:
        return _legal_words(option)
    if factor == COST:
        return _money(option.cost)
    if factor == TIME_TO_DELIVER:
        return _days(option.days)
    if factor == POLICY_FIT:
        return POLICY_FIT_WORDS[option.effective_policy_fit]
    if factor == FEASIBILITY:
        return _authority_words(option)
    raise KeyError(factor)


def _value(factor: str, option: OptionFacts, *, max_cost: Decimal, max_days: int) -> Decimal:
    if factor == CUSTOMER_BENEFIT:
        return Decimal(option.customer_benefit) / MAX_BENEFIT
    if factor == CUSTOMER_PREFERENCE:
        return _ONE if option.asked_for else _ZERO
    if factor == LEGAL_OBLIGATION:
        return _ONE if option.statutory else _ZERO
    if factor == COST:
        return _ONE - option.cost / max_cost if max_cost > 0 else _ONE
    if factor == TIME_TO_DELIVER:
        return _ONE - Decimal(option.days) / max_days if max_days > 0 else _ONE
    if factor == POLICY_FIT:
        return POLICY_FIT_VALUES[option.effective_policy_fit]
    if factor == FEASIBILITY:
        return _ONE if option.within_authority else _ZERO
    raise KeyError(factor)


def _reason_text(factor: str, best: OptionFacts, runner: OptionFacts | None, ahead: bool) -> str:
    """One plain-English sentence saying why ``best`` is better on this factor (than ``runner`` if ahead)."""
    other = f"“{runner.title}”" if runner is not None and ahead else ""
    if factor == CUSTOMER_BENEFIT:
        text = f"It puts things right for the customer{' more' if other else ''}"
        text += f" ({best.customer_benefit} of {MAX_BENEFIT}"
        return text + (f", against {runner.customer_benefit} for {other})" if other and runner else ")")
    if factor == CUSTOMER_PREFERENCE:
        return "It is what the customer asked for" + (f", unlike {other}" if other else "")
    if factor == LEGAL_OBLIGATION:
        text = f"It gives the customer their legal right{_rules(best)}, which meets our legal obligation"
        return text + (f"; {other} is not a legal right" if other else "")
    if factor == COST:
        text = f"It costs us {_money(best.cost)}"
        return text + (f", less than {_money(runner.cost)} for {other}" if other and runner else "")
    if factor == TIME_TO_DELIVER:
        text = f"It can be done in {_days(best.days)}"
        return text + (f", sooner than {_days(runner.days)} for {other}" if other and runner else "")
    if factor == POLICY_FIT:
        text = f"It is {POLICY_FIT_WORDS[best.effective_policy_fit]}"
        if other and runner:
            text += f", while {other} is {POLICY_FIT_WORDS[runner.effective_policy_fit]}"
        return text
    if factor == FEASIBILITY:
        text = "It is within your authority, so it can be offered now"
        return text + (f", while {other} {_authority_words(runner)}" if other and runner else "")
    raise KeyError(factor)


def _rules(option: OptionFacts) -> str:
    return f" ({', '.join(option.rule_ids)})" if option.rule_ids else ""


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _score(
    option: OptionFacts, weights: Mapping[str, Decimal], *, max_cost: Decimal, max_days: int
) -> OptionScore:
    scores = []
    for factor in FACTORS:
        value = _value(factor, option, max_cost=max_cost, max_days=max_days)
        weight = weights[factor]
        scores.append(
            FactorScore(
                factor=factor,
                label=FACTOR_LABELS[factor],
                value=_q(value),
                weight=weight,
                points=_q(value * weight),
                note=_note(factor, option),
            )
        )
    total = sum((s.points for s in scores), _ZERO)
    weight_sum = sum(weights.values(), _ZERO)
    percent = int((total / weight_sum * 100).to_integral_value(ROUND_HALF_UP)) if weight_sum > 0 else 0
    return OptionScore(
        key=option.key, title=option.title, total=total, percent=percent, factors=tuple(scores)
    )


def _rank_key(pair: tuple[int, OptionFacts, OptionScore]) -> tuple[Decimal, int, Decimal, int, int]:
    # Highest total first; a tie goes to the legal right, then the cheaper, then the quicker, then the
    # option listed first, so the suggestion never depends on anything the agent cannot see.
    index, facts, score = pair
    return (-score.total, 0 if facts.statutory else 1, facts.cost, facts.days, index)


def _reasons(
    best: OptionFacts, best_score: OptionScore, runner: OptionFacts | None, runner_score: OptionScore | None
) -> tuple[Reason, ...]:
    """The factors that make ``best`` best: where it gains most points over the runner-up, then its
    strongest factors, so there are always at least two (P4 asks for two)."""

    def lead(factor: str) -> Decimal:
        own = best_score.factor(factor).points
        return own - runner_score.factor(factor).points if runner_score is not None else own

    order = {factor: i for i, factor in enumerate(FACTORS)}
    ahead = sorted(
        (f for f in FACTORS if lead(f) > 0 and runner_score is not None),
        key=lambda f: (-lead(f), -best_score.factor(f).points, order[f]),
    )
    chosen = ahead[:MAX_REASONS]
    strongest = sorted(
        (f for f in FACTORS if f not in chosen),
        key=lambda f: (-best_score.factor(f).points, -best_score.factor(f).value, order[f]),
    )
    for factor in strongest:
        if len(chosen) >= MIN_REASONS:
            break
        chosen.append(factor)
    return tuple(
        Reason(
            factor=f,
            label=FACTOR_LABELS[f],
            text=_reason_text(f, best, runner, ahead=f in ahead),
        )
        for f in chosen
    )


def appraise(options: Sequence[OptionFacts], weights: Mapping[str, Decimal] | None = None) -> Appraisal:
    """Score every option and suggest the best one, with at least two reasons (none when no options)."""
    used = weights_with_defaults(weights)
    keys = [o.key for o in options]
    if len(set(keys)) != len(keys):
        raise ValueError("option keys must be unique")
    if not options:
        return Appraisal(options=(), best=None, reasons=(), weights=used)
    max_cost = max(o.cost for o in options)
    max_days = max(o.days for o in options)
    scores = [_score(o, used, max_cost=max_cost, max_days=max_days) for o in options]
    ranked = sorted(((i, o, s) for i, (o, s) in enumerate(zip(options, scores, strict=True))), key=_rank_key)
    _, best, best_score = ranked[0]
    runner, runner_score = (ranked[1][1], ranked[1][2]) if len(ranked) > 1 else (None, None)
    return Appraisal(
        options=tuple(scores),
        best=best.key,
        reasons=_reasons(best, best_score, runner, runner_score),
        weights=used,
    )


__all__ = [
    "CUSTOMER_BENEFIT",
    "CUSTOMER_PREFERENCE",
    "COST",
    "DEFAULT_WEIGHTS",
    "DISCRETIONARY",
    "EXCEPTION",
    "FACTORS",
    "FACTOR_LABELS",
    "FEASIBILITY",
    "LEGAL_OBLIGATION",
    "POLICY_FIT",
    "STANDARD",
    "TIME_TO_DELIVER",
    "Appraisal",
    "FactorScore",
    "OptionFacts",
    "OptionScore",
    "Reason",
    "appraise",
    "weights_with_defaults",
]
