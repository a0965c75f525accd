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
    """One role's authority. ``None`` for max_amount means no money limit."""

    role: str
    max_amount: Decimal | None
    remedy_types: frozenset[str]
    rank: int = 0
    may_approve_exceptions: bool = False


@dataclass(frozen=True)
class OptionRequest:
    remedy_type: str
    amount: Decimal
    is_exception: bool = False


@dataclass(frozen=True)
class AuthorityDecision:
    covered: bool
    needs_second_person: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)
    rule_ids: tuple[str, ...] = field(default_factory=tuple)

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
    return Limit(
        role=best.role,
        max_amount=max_amount,
        remedy_types=types,
        rank=best.rank,
        may_approve_exceptions=any(limit.may_approve_exceptions for limit in limits),
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


def decide(limit: Limit | None, option: OptionRequest) -> AuthorityDecision:
    """Decide whether the handler may offer ``option`` on their own authority.

    K4.exception: an exception to usual practice always needs a second person,
    whatever the handler's authority.
    """
    ok, reasons, rules = covers(limit, option)
    if option.is_exception:
        reasons.append("an exception to usual practice always needs a second person")
        rules.append("K4.exception")
    return AuthorityDecision(
        covered=ok,
        needs_second_person=option.is_exception,
        reasons=tuple(reasons),
        rule_ids=tuple(rules),
    )


def may_approve(approver: Limit | None, option: OptionRequest) -> bool:
    """The approver's own authority must cover the option (money and remedy type), and
    K4.exception: only a role allowed to approve exceptions may approve one."""
    ok, _, _ = covers(approver, option)
    if option.is_exception and (approver is None or not approver.may_approve_exceptions):
        return False
    return ok
