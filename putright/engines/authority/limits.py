"""K4: does a handler's authority cover a resolution option?

Pure: takes the handler's limits and the option as plain values and returns the
decision with the reasons (rule ids K4.*) so the case record can show *why* an
approval was needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Limit:
    """One role's authority. ``None`` for max_amount means no money limit.

    ``statutory_ceiling``: how far the customer's statutory entitlement lifts the money limit (K4.statutory).
    The default, nothing, grants no such lift; ``None`` means no ceiling (the recorded price still caps it).
    """

    role: str
    max_amount: Decimal | None
    remedy_types: frozenset[str]
    rank: int = 0
    may_approve_exceptions: bool = False
    statutory_ceiling: Decimal | None = Decimal("0")


@dataclass(frozen=True)
class Entitlement:
    """The customer's legal right behind an option, as the remedies engine found it when it was listed.

    ``rule`` is the rule that gave the right (e.g. "G2"); ``recorded_price`` what the customer paid as
    recorded on the case; ``facts_changed`` whether the purchase facts were edited after the option was
    listed; ``available_today`` whether the engine still finds the remedy on today's facts.
    """

    rule: str
    recorded_price: Decimal | None
    facts_changed: bool = False
    available_today: bool = True


@dataclass(frozen=True)
class OptionRequest:
    remedy_type: str
    amount: Decimal
    is_exception: bool = False
    entitlement: Entitlement | None = None


@dataclass(frozen=True)
class AuthorityDecision:
    covered: bool
    needs_second_person: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)
    rule_ids: tuple[str, ...] = field(default_factory=tuple)
    # The rule that made the option the customer's legal right, when that lifted the money limit.
    statutory_rule: str = ""

    @property
    def needs_approval(self) -> bool:
        return not self.covered or self.needs_second_person


def combine(limits: list[Limit]) -> Limit | None:
    """A person with several roles holds the widest of them."""
    if not limits:
        return None
    unlimited = any(limit.max_amount is None for limit in limits)
    max_amount = None if unlimited else max(limit.max_amount for limit in limits)  # type: ignore[type-var]
    types: frozenset[str] = frozenset().union(*(limit.remedy_types for limit in limits))
    best = max(limits, key=lambda limit: limit.rank)
    no_ceiling = any(limit.statutory_ceiling is None for limit in limits)
    ceiling = None if no_ceiling else max(limit.statutory_ceiling for limit in limits)  # type: ignore[type-var]
    return Limit(
        role=best.role,
        max_amount=max_amount,
        remedy_types=types,
        rank=best.rank,
        may_approve_exceptions=any(limit.may_approve_exceptions for limit in limits),
        statutory_ceiling=ceiling,
    )


def covers(limit: Limit | None, option: OptionRequest) -> tuple[bool, list[str], list[str]]:
    reasons: list[str] = []
    rules: list[str] = []
    if limit is None:
        return False, ["has no role with authority to resolve cases"], ["K4.role"]
    if option.remedy_type not in limit.remedy_types:
        reasons.append(f"remedy type '{option.remedy_type}' is outside the {limit.role} role's allowed types")
        rules.append("K4.remedy_type")
    if limit.max_amount is not None and option.amount > limit.max_amount:
        reasons.append(f"£{option.amount:,.2f} exceeds the {limit.role} limit of £{limit.max_amount:,.2f}")
        rules.append("K4.money")
    return not reasons, reasons, rules


def entitlement_lifts(limit: Limit, option: OptionRequest) -> tuple[bool, str, str]:
    """K4.statutory: does the customer's legal right lift the money limit for this option?

    Returns (lifted, reason, rule id): the reason says why it does not when it does not. The right lifts
    the limit only while it still stands on the facts it was listed on, up to the role's statutory ceiling,
    and never above the price the customer paid.
    """
    right = option.entitlement
    if right is None:
        return False, "", ""
    if right.facts_changed:
        return (
            False,
            "the purchase facts were edited after this statutory option was listed, so the entitlement "
            "needs a second look",
            "K4.statutory_facts_changed",
        )
    if not right.available_today:
        return (
            False,
            f"the statutory right ({right.rule}) is no longer available on today's facts",
            "K4.statutory_lapsed",
        )
    if right.recorded_price is None:
        return (
            False,
            "no price is recorded, so the statutory entitlement cannot be measured",
            "K4.statutory_price",
        )
    if option.amount > right.recorded_price:
        return (
            False,
            f"£{option.amount:,.2f} is above the recorded price of £{right.recorded_price:,.2f}",
            "K4.statutory_price",
        )
    ceiling = limit.statutory_ceiling
    if ceiling is not None and option.amount > ceiling:
        return (
            False,
            f"£{option.amount:,.2f} is above the statutory ceiling of £{ceiling:,.2f} for the {limit.role} role",
            "K4.statutory_ceiling",
        )
    return True, f"the customer's legal right under {right.rule}", "K4.statutory"


def decide(limit: Limit | None, option: OptionRequest) -> AuthorityDecision:
    """Decide whether the handler may offer ``option`` on their own authority.

    K4.statutory: an option that is the customer's legal right (``option.entitlement``) is not an
    exception: the handler's money limit gives way to it (see ``entitlement_lifts``). The remedy-type
    limit still applies.
    K4.exception: an exception to usual practice always needs a second person,
    whatever the handler's authority.
    """
    ok, reasons, rules = covers(limit, option)
    statutory_rule = ""
    if limit is not None and "K4.money" in rules and option.entitlement is not None:
        lifted, why, rule_id = entitlement_lifts(limit, option)
        at = rules.index("K4.money")
        if lifted:
            del reasons[at], rules[at]
            statutory_rule = option.entitlement.rule
            ok = not reasons
        else:
            reasons.insert(at + 1, f"the statutory entitlement does not lift the limit: {why}")
            rules.insert(at + 1, rule_id)
    if option.is_exception:
        reasons.append("an exception to usual practice always needs a second person")
        rules.append("K4.exception")
    return AuthorityDecision(
        covered=ok,
        needs_second_person=option.is_exception,
        reasons=tuple(reasons),
        rule_ids=tuple(rules),
        statutory_rule=statutory_rule,
    )


def may_approve(approver: Limit | None, option: OptionRequest) -> bool:
    """The approver's own authority must cover the option (money and remedy type), and
    K4.exception: only a role allowed to approve exceptions may approve one."""
    ok, _, _ = covers(approver, option)
    if option.is_exception and (approver is None or not approver.may_approve_exceptions):
        return False
    return ok
