"""The starting remedy catalogue for a UK retailer and the appraisal weights (P1, P3).

Migration 0002 writes them on a new database; ``defaults_ensure`` restores them on one that was emptied
(e.g. by a test flush). Neither ever overwrites what an administrator changed.
"""

from __future__ import annotations

from decimal import Decimal

from putright.resolution.models import AppraisalWeight, RemedyCatalogueEntry

# Money is a fixed part (£) plus a percentage of the amount in dispute; benefit is 0–5.
CATALOGUE: list[dict] = [
    {
        "name": "Full refund",
        "remedy_type": "refund",
        "description": "Refund the full price to the original payment method.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 100,
        "typical_cost": Decimal("0"),
        "cost_percent_of_price": 100,
        "typical_days": 5,
        "customer_benefit": 5,
        "policy_fit": "standard",
        "customer_advantages": "Money back in full, to the card they paid with; no waiting for a fix.",
        "customer_disadvantages": "They no longer have the item and may need to buy it elsewhere.",
        "organisation_advantages": "Closes the case quickly, with no repair to arrange.",
        "organisation_disadvantages": "Loses the sale; we pay reasonable return costs (G12) and must refund within 14 days of agreeing (G11).",
    },
    {
        "name": "Replacement",
        "remedy_type": "replacement",
        "description": "Send an identical new item and collect the faulty one.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 100,
        "typical_cost": Decimal("8.00"),
        "cost_percent_of_price": 70,
        "typical_days": 5,
        "customer_benefit": 4,
        "policy_fit": "standard",
        "customer_advantages": "A working item, the same as the one they chose, without shopping again.",
        "customer_disadvantages": "A wait for delivery; if it fails again they have to come back to us.",
        "organisation_advantages": "Keeps the sale; the faulty unit goes back to the supplier.",
        "organisation_disadvantages": "The cost of a new unit and delivery; not possible when out of stock.",
    },
    {
        "name": "Repair",
        "remedy_type": "repair",
        "description": "Collect the item, repair it at our cost and return it.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("15.00"),
        "cost_percent_of_price": 25,
        "typical_days": 14,
        "customer_benefit": 3,
        "policy_fit": "standard",
        "customer_advantages": "They keep their own item, at no cost to them.",
        "customer_disadvantages": "Without it for up to two weeks, and it may fail again.",
        "organisation_advantages": "Usually the cheapest fix for dearer goods; keeps the sale.",
        "organisation_disadvantages": "Courier and repair costs; after one failed repair the customer may ask for a refund or price reduction (G6).",
    },
    {
        "name": "Price reduction",
        "remedy_type": "partial_refund",
        "description": "Refund part of the price; the customer keeps the item.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 20,
        "typical_cost": Decimal("0"),
        "cost_percent_of_price": 20,
        "typical_days": 3,
        "customer_benefit": 2,
        "policy_fit": "standard",
        "customer_advantages": "Money back quickly, and they keep the item.",
        "customer_disadvantages": "The fault (usually minor or cosmetic) stays.",
        "organisation_advantages": "No returns to handle; the case closes quickly.",
        "organisation_disadvantages": "Margin lost on the sale.",
    },
    {
        "name": "Goodwill credit",
        "remedy_type": "goodwill_credit",
        "description": "A £20 credit on the customer’s account for their next order.",
        "typical_value": Decimal("20.00"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("20.00"),
        "cost_percent_of_price": 0,
        "typical_days": 0,
        "customer_benefit": 1,
        "policy_fit": "discretionary",
        "customer_advantages": "An immediate gesture they can spend with us.",
        "customer_disadvantages": "Does not fix the problem, and is only worth something if they shop with us again.",
        "organisation_advantages": "Low cost; encourages another purchase.",
        "organisation_disadvantages": "Looks like a brush-off if offered instead of a legal remedy.",
    },
    {
        "name": "Apology and explanation",
        "remedy_type": "apology",
        "description": "A sincere apology and a clear explanation of what went wrong and what we are changing.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("0"),
        "cost_percent_of_price": 0,
        "typical_days": 0,
        "customer_benefit": 1,
        "policy_fit": "standard",
        "customer_advantages": "Hears what went wrong and that we take it seriously (an apology is not an admission of liability).",
        "customer_disadvantages": "Nothing tangible on its own.",
        "organisation_advantages": "No cost; often what an upset customer wants first (HEAT).",
        "organisation_disadvantages": "Not enough on its own where money or goods are owed.",
    },
    {
        "name": "Redelivery",
        "remedy_type": "redelivery",
        "description": "Send the order again by tracked delivery.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("8.00"),
        "cost_percent_of_price": 0,
        "typical_days": 3,
        "customer_benefit": 4,
        "policy_fit": "standard",
        "customer_advantages": "Gets what they ordered without ordering again.",
        "customer_disadvantages": "Another wait, and they may need to be in for the delivery.",
        "organisation_advantages": "Keeps the sale for the cost of postage.",
        "organisation_disadvantages": "Courier cost; a second failed delivery makes things worse.",
    },
    {
        "name": "Expedite (next-day dispatch)",
        # Speeding up what we owe them: filed with re-delivery, which every role may offer.
        "remedy_type": "redelivery",
        "description": "Move the order or repair to the front of the queue and send it by next-day courier.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("12.00"),
        "cost_percent_of_price": 0,
        "typical_days": 1,
        "customer_benefit": 3,
        "policy_fit": "discretionary",
        "customer_advantages": "Gets it sooner.",
        "customer_disadvantages": "Only helps where the delay is the problem.",
        "organisation_advantages": "A cheap way to recover a delay.",
        "organisation_disadvantages": "Premium courier cost; jumps the warehouse queue.",
    },
    {
        "name": "Callback from a specialist",
        # An explanation by someone who knows: filed with apology and explanation.
        "remedy_type": "apology",
        "description": "A product specialist phones the customer at a time they choose to explain and sort it out.",
        "typical_value": Decimal("0"),
        "value_percent_of_price": 0,
        "typical_cost": Decimal("5.00"),
        "cost_percent_of_price": 0,
        "typical_days": 1,
        "customer_benefit": 2,
        "policy_fit": "standard",
        "customer_advantages": "Speaks to someone who can explain and fix it.",
        "customer_disadvantages": "Has to be available for the call.",
        "organisation_advantages": "Understands the problem fully; calms an upset customer.",
        "organisation_disadvantages": "Specialist time.",
    },
]

WEIGHTS = [
    ("customer_benefit", "3.0", "How far the option puts things right for the customer."),
    ("customer_preference", "1.5", "Whether it is what the customer asked for."),
    (
        "legal_obligation",
        "3.0",
        "A statutory right offered keeps us compliant and stops the dispute going further.",
    ),
    ("cost", "2.0", "Cheaper options score higher, relative to the dearest option on the case."),
    ("time_to_deliver", "1.0", "Quicker options score higher, relative to the slowest option on the case."),
    ("policy_fit", "1.5", "Standard practice scores highest, discretion half, exceptions nothing."),
    (
        "feasibility",
        "1.0",
        "Within the handler's own authority, so it can be offered without waiting for approval.",
    ),
]


def seed(Entry, Weight) -> None:  # noqa: N803 - model classes, historical in the migration
    """Add any catalogue entry or weight that is missing; never change what an administrator set."""
    for position, entry in enumerate(CATALOGUE, start=1):
        fields = {k: v for k, v in entry.items() if k != "name"}
        Entry.objects.get_or_create(name=entry["name"], defaults={**fields, "position": position * 10})
    for factor, weight, explanation in WEIGHTS:
        Weight.objects.get_or_create(
            factor=factor, defaults={"weight": Decimal(weight), "explanation": explanation}
        )


def defaults_ensure() -> None:
    seed(RemedyCatalogueEntry, AppraisalWeight)
