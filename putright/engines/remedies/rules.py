"""The rule catalogue (uk-rules.md §1 and §2), the remedy names, and the settings for unconfirmed rules.

Every finding the engine makes names one of these ids, so a case record shows *why* a remedy was
offered. Rules marked unconfirmed in the reference are the ones whose detail could not be checked
against a primary source; their detail lives in ``RulesConfig`` so it can be changed without code,
and every assessment that applies one lists it in ``Assessment.unconfirmed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Region = Literal["ENG", "WLS", "SCT", "NIR"]
REGIONS: tuple[Region, ...] = ("ENG", "WLS", "SCT", "NIR")
REGION_NAMES: Mapping[str, str] = MappingProxyType(
    {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
)

LimitationStart = Literal["supply", "contract", "fault_reported"]
DayCounting = Literal["beginning_with", "after"]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    source: str
    unconfirmed: bool = False


def _catalogue(*rules: RuleInfo) -> dict[str, RuleInfo]:
    return {rule.id: rule for rule in rules}


RULES: dict[str, RuleInfo] = _catalogue(
    # Consumer Rights Act 2015, goods.
    RuleInfo("G1", "Short-term right to reject", "CRA 2015 s22(3)"),
    RuleInfo("G2", "Perishable goods: shorter right to reject", "CRA 2015 s22(4)"),
    RuleInfo("G3", "Pause of the 30 days during repair or replacement", "CRA 2015 s22(6)-(8)"),
    RuleInfo("G4", "The 30 days can be extended but not shortened", "CRA 2015 s22(1)-(2)"),
    RuleInfo("G5", "Repair or replacement", "CRA 2015 s23"),
    RuleInfo("G6", "Second tier: price reduction or final right to reject", "CRA 2015 s24(5)"),
    RuleInfo("G7", "Deduction for use on final rejection", "CRA 2015 s24(8)-(11)"),
    RuleInfo("G8", "Motor vehicles: deduction within six months", "CRA 2015 s24(10)(a)", unconfirmed=True),
    RuleInfo("G9", "Six-month presumption that the fault was there at delivery", "CRA 2015 s19(14)-(15)"),
    RuleInfo("G10", "No presumption: the consumer proves the fault", "CRA 2015 s19"),
    RuleInfo("G11", "Refund within 14 days of agreement", "CRA 2015 s20(15)"),
    RuleInfo("G12", "Trader pays the cost of returning rejected goods", "CRA 2015 s20(8)"),
    RuleInfo("G13", "Time limit for court claims", "Limitation Act 1980", unconfirmed=True),
    # Consumer Rights Act 2015, digital content.
    RuleInfo("D1", "Digital content rules apply", "CRA 2015 s33"),
    RuleInfo("D2", "No right to reject digital content", "CRA 2015 Explanatory Notes"),
    RuleInfo("D3", "Repair or replacement of digital content", "CRA 2015 s43"),
    RuleInfo("D4", "Price reduction for digital content", "CRA 2015 s42, s44, s45", unconfirmed=True),
    RuleInfo("D5", "Damage to a device or other digital content", "CRA 2015 s46"),
    # Consumer Rights Act 2015, services.
    RuleInfo("V1", "Implied terms of every service", "CRA 2015 s49-s52"),
    RuleInfo("V2", "Repeat performance", "CRA 2015 s55"),
    RuleInfo("V3", "Price reduction for a service", "CRA 2015 s56"),
    RuleInfo("V4", "Damages and no cap below the price", "CRA 2015 s54, s57"),
    # Consumer Contracts Regulations 2013.
    RuleInfo("C1", "Right to cancel a distance or off-premises contract", "CCR 2013 regs 29-30"),
    RuleInfo("C2", "Cancellation information not given: longer period", "CCR 2013 reg 31"),
    RuleInfo("C3", "Refund after cancelling", "CCR 2013 regs 34-35"),
    RuleInfo("C4", "Returning goods after cancelling", "CCR 2013 reg 35"),
    RuleInfo("C5", "Contracts excluded from the right to cancel", "CCR 2013 reg 28"),
    RuleInfo("C6", "Digital content supplied early: right to cancel lost", "CCR 2013 reg 37"),
    RuleInfo("C7", "Service started early at the consumer's request", "CCR 2013 reg 36", unconfirmed=True),
)

# In the order a page lists them: the quick remedies first.
REMEDY_NAMES: tuple[str, ...] = (
    "short_term_reject",
    "repair",
    "replace",
    "price_reduction",
    "final_reject",
    "cancel",
    "repeat_performance",
    "repair_device_or_compensate",
)


def _default_limitation_years() -> Mapping[str, int]:
    return MappingProxyType({"ENG": 6, "WLS": 6, "NIR": 6, "SCT": 5})


@dataclass(frozen=True)
class RulesConfig:
    """The detail of the rules marked [UNCONFIRMED] in uk-rules.md, to change once confirmed.

    - ``limitation_years`` / ``limitation_start`` (G13): years until court claims are normally barred,
      per region, and the day they count from: ``"supply"`` (delivery of the goods or content, or the
      service's completion; the contract date when that is not known), ``"contract"``, or
      ``"fault_reported"``. Whichever is chosen falls back to the others when its date is missing.
    - ``default_region`` (G13): the region assumed when the facts give none (the line says so).
    - ``motor_vehicle_deduction`` (G8): allow a deduction for use within six months for goods the facts
      flag as a motor vehicle. The statutory definition is unconfirmed, so it can be switched off.
    - ``digital_refund_days`` / ``digital_refund_counting`` (D4): the refund deadline after a price
      reduction for digital content is agreed; the s45 wording is unconfirmed, so the default is the
      earlier reading ("14 days beginning with the day of agreement", as for goods in G11).
    - ``service_started_early_payment`` (C7): a consumer who asked a service to start within the
      cancellation period and then cancels pays for what was supplied.
    """

    # Left out of the hash (a mapping has none), so a config can still key a cache.
    limitation_years: Mapping[str, int] = field(default_factory=_default_limitation_years, hash=False)
    limitation_start: LimitationStart = "supply"
    default_region: Region = "ENG"
    motor_vehicle_deduction: bool = True
    digital_refund_days: int = 14
    digital_refund_counting: DayCounting = "beginning_with"
    service_started_early_payment: bool = True

    def __post_init__(self) -> None:
        missing = [region for region in REGIONS if region not in self.limitation_years]
        if missing:
            raise ValueError(f"limitation_years has no entry for {', '.join(missing)}")
        if any(not 1 <= years <= 100 for years in self.limitation_years.values()):
            raise ValueError("limitation_years must be between 1 and 100")
        if not 1 <= self.digital_refund_days <= 365:
            raise ValueError("digital_refund_days must be between 1 and 365")
