"""P1: turn the statutory remedies the engine finds into resolution options, with their appraisal prefilled.

The remedies engine (``putright.engines.remedies``) says *which* remedies the customer has by law and
until when; this table says how each one reads as an option on a case: its title (naming the rule), the
remedy type the authority limits check, a starting money value and cost as a share of the price, and
the advantages and disadvantages for the customer and for us, citing the rules that make them so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from putright.vocab import CustomerBenefit, RemedyType

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StatutoryTemplate:
    title: str
    remedy_type: str
    # Rules the option also rests on, beyond the one that made the remedy available.
    extra_rules: tuple[str, ...]
    value_percent: int
    cost_percent: int
    days: int
    customer_benefit: int
    customer_advantages: str
    customer_disadvantages: str
    organisation_advantages: str
    organisation_disadvantages: str


TEMPLATES: dict[str, StatutoryTemplate] = {
    "short_term_reject": StatutoryTemplate(
        title="Short-term right to reject: full refund",
        remedy_type=RemedyType.REFUND,
        extra_rules=("G11", "G12"),
        value_percent=100,
        cost_percent=100,
        days=5,
        customer_benefit=CustomerBenefit.FULLY,
        customer_advantages="Full refund, no deduction for use (G1); we pay reasonable return costs (G12).",
        customer_disadvantages="They give the goods back and may need to buy elsewhere.",
        organisation_advantages="Meets the customer's legal right and closes the case quickly.",
        organisation_disadvantages="Full cost; refund due within 14 days of agreeing (G11), plus return costs (G12).",
    ),
    "repair": StatutoryTemplate(
        title="Repair at our cost",
        remedy_type=RemedyType.REPAIR,
        extra_rules=(),
        value_percent=0,
        cost_percent=25,
        days=14,
        customer_benefit=CustomerBenefit.PARTLY,
        customer_advantages="They keep their own item, repaired at no cost to them.",
        customer_disadvantages="Without it while it is repaired, and it may fail again.",
        organisation_advantages="Often the cheapest legal remedy for dearer goods; keeps the sale.",
        organisation_disadvantages="Must be done within a reasonable time and without significant inconvenience.",
    ),
    "replace": StatutoryTemplate(
        title="Replacement at our cost",
        remedy_type=RemedyType.REPLACEMENT,
        extra_rules=(),
        value_percent=100,
        cost_percent=70,
        days=5,
        customer_benefit=CustomerBenefit.MOSTLY,
        customer_advantages="A new, working item at no cost to them.",
        customer_disadvantages="A wait for delivery.",
        organisation_advantages="Keeps the sale; the faulty unit goes back to the supplier.",
        organisation_disadvantages="The cost of a new unit, within a reasonable time; not possible when out of stock.",
    ),
    "price_reduction": StatutoryTemplate(
        title="Price reduction",
        remedy_type=RemedyType.PARTIAL_REFUND,
        extra_rules=(),
        value_percent=25,
        cost_percent=25,
        days=3,
        customer_benefit=CustomerBenefit.PARTLY,
        customer_advantages="Keeps it and gets an appropriate reduction, up to the full price.",
        customer_disadvantages="The fault stays.",
        organisation_advantages="Nothing to collect or repair.",
        organisation_disadvantages="The reduction must be appropriate to the fault; money back within 14 days.",
    ),
    "final_reject": StatutoryTemplate(
        title="Final right to reject: refund",
        remedy_type=RemedyType.REFUND,
        extra_rules=("G11", "G12"),
        value_percent=100,
        cost_percent=100,
        days=5,
        customer_benefit=CustomerBenefit.FULLY,
        customer_advantages="A refund once a repair or replacement has failed; we pay return costs (G12).",
        customer_disadvantages="They give the goods back.",
        organisation_advantages="Ends a dispute the law lets the customer win.",
        organisation_disadvantages="Refund due within 14 days of agreeing (G11), plus return costs (G12).",
    ),
    "cancel": StatutoryTemplate(
        title="Cancel the contract: full refund",
        remedy_type=RemedyType.CANCELLATION,
        extra_rules=("C3",),
        value_percent=100,
        cost_percent=100,
        days=14,
        customer_benefit=CustomerBenefit.FULLY,
        customer_advantages="Cancels without giving a reason; refund including standard delivery (C3).",
        customer_disadvantages="They return any goods within 14 days of cancelling (C4).",
        organisation_advantages="A clear legal process with no dispute about the fault.",
        organisation_disadvantages="Refund of everything paid, including standard delivery, within 14 days (C3).",
    ),
    "repeat_performance": StatutoryTemplate(
        title="Redo the service at our cost",
        remedy_type=RemedyType.REDELIVERY,
        extra_rules=(),
        value_percent=0,
        cost_percent=30,
        days=7,
        customer_benefit=CustomerBenefit.MOSTLY,
        customer_advantages="The work done again properly, at no cost to them.",
        customer_disadvantages="Another visit and more waiting.",
        organisation_advantages="Keeps the contract and the customer.",
        organisation_disadvantages="The cost of redoing the work, within a reasonable time and without significant inconvenience.",
    ),
    "repair_device_or_compensate": StatutoryTemplate(
        title="Repair the damaged device or pay compensation",
        remedy_type=RemedyType.COMPENSATION,
        extra_rules=(),
        value_percent=0,
        cost_percent=0,
        days=14,
        customer_benefit=CustomerBenefit.MOSTLY,
        customer_advantages="Their device is repaired, or they are paid for the damage.",
        customer_disadvantages="They need to show what was damaged.",
        organisation_advantages="Settles a legal liability before it grows.",
        organisation_disadvantages="Compensation due within 14 days of agreeing, with no fee.",
    ),
}

# The rule that made each remedy available decides some wording: digital content has no one-repair
# limit (D3); goods go to the second tier after one failed repair or replacement (G6).
RULE_NOTES: dict[tuple[str, str], tuple[str, str]] = {
    ("repair", "G5"): (
        "customer_disadvantages",
        " If the repair fails they may ask for a refund or price reduction (G6).",
    ),
    ("replace", "G5"): (
        "customer_disadvantages",
        " If it fails again they may ask for a refund or price reduction (G6).",
    ),
    ("repair", "D3"): (
        "organisation_disadvantages",
        " There is no limit of one attempt for digital content (D3).",
    ),
    ("replace", "D3"): (
        "organisation_disadvantages",
        " There is no limit of one attempt for digital content (D3).",
    ),
}


def share(price: Decimal | None, percent: int) -> Decimal:
    return ((price or Decimal("0")) * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def spoken(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class StatutoryOptionSpec:
    """Everything ``option_add`` needs for one statutory remedy, worked out for this case."""

    remedy: str
    rule_ids: list[str]
    title: str
    remedy_type: str
    description: str
    amount: Decimal
    cost_to_organisation: Decimal
    days_to_deliver: int
    customer_benefit: int
    customer_advantages: str
    customer_disadvantages: str
    organisation_advantages: str
    organisation_disadvantages: str


def option_spec(
    *,
    remedy: str,
    rule: str,
    rule_title: str,
    available_until: date | None,
    price: Decimal | None,
    deduction_for_use_allowed: bool,
    refund_by: date | None = None,
    return_by: date | None = None,
) -> StatutoryOptionSpec:
    """The option for one remedy the engine offers. ``refund_by``/``return_by`` come with a cancellation
    the customer has already made (C3/C4): the option then records it and its dates, not a right to use."""
    template = TEMPLATES[remedy]
    rule_ids = [rule, *(r for r in template.extra_rules if r != rule)]
    texts = {
        "customer_advantages": template.customer_advantages,
        "customer_disadvantages": template.customer_disadvantages,
        "organisation_advantages": template.organisation_advantages,
        "organisation_disadvantages": template.organisation_disadvantages,
    }
    note = RULE_NOTES.get((remedy, rule))
    if note is not None:
        texts[note[0]] += note[1]
    benefit = template.customer_benefit
    if remedy == "final_reject":
        if deduction_for_use_allowed:
            texts["customer_disadvantages"] += " We may deduct for the use they have had (G7)."
            benefit = CustomerBenefit.MOSTLY
        else:
            texts["customer_advantages"] += " No deduction for use (G7)."
        rule_ids.append("G7")
    description = f"{rule_title} ({rule})."
    cancelled = remedy == "cancel" and (refund_by is not None or return_by is not None)
    if cancelled:
        if available_until is not None:
            description += f" The customer cancelled within the period, whose last day is {spoken(available_until)} ({rule})."
        else:
            description += f" The customer cancelled before delivery, within the period ({rule})."
        if refund_by is not None:
            description += f" Refund by {spoken(refund_by)} (C3)."
        else:
            description += (
                " Refund within 14 days after we get the goods back or evidence they were sent (C3)."
            )
        if return_by is not None:
            description += f" The customer sends the goods back by {spoken(return_by)} (C4)."
            rule_ids.append("C4")
    elif available_until is not None:
        description += f" Available until {spoken(available_until)} ({rule})."
    return StatutoryOptionSpec(
        remedy=remedy,
        rule_ids=rule_ids,
        title=f"{template.title} ({rule})",
        remedy_type=template.remedy_type,
        description=description,
        amount=share(price, template.value_percent),
        cost_to_organisation=share(price, template.cost_percent),
        days_to_deliver=template.days,
        customer_benefit=benefit,
        **texts,
    )
