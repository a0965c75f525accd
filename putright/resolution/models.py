"""P1/P3/K3: the remedy catalogue, the appraisal weights and the negotiation history.

The catalogue and the weights are kept by an administrator (Django admin); offers change only through
``putright.resolution.services``, which records each one on the case timeline.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from putright.engines.remedies.appraisal import DEFAULT_WEIGHTS, FACTOR_LABELS, FACTORS
from putright.vocab import AgreementMethod, CustomerBenefit, PolicyFit, RemedyType

CENT = Decimal("0.01")


class RemedyCatalogueEntry(models.Model):
    """One way the organisation usually puts things right, with its typical cost and time (P1).

    Money is a fixed part plus a share of the price in dispute, so one entry fits a £20 kettle and a
    £900 laptop: a refund is 100% of the price, a goodwill credit a fixed £20.
    """

    name = models.CharField(max_length=120, unique=True)
    remedy_type = models.CharField(max_length=30, choices=RemedyType.choices)
    description = models.TextField(blank=True, help_text="What we would do, as the agent would say it.")
    typical_value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Fixed money value to the customer (£), added to the share of the price below.",
    )
    value_percent_of_price = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Value to the customer as a percentage of the amount in dispute (a refund is 100).",
    )
    typical_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Fixed cost to us (£), added to the share of the price below.",
    )
    cost_percent_of_price = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(500)],
        help_text="Cost to us as a percentage of the amount in dispute.",
    )
    typical_days = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(3650)])
    customer_benefit = models.PositiveSmallIntegerField(
        choices=CustomerBenefit.choices, default=CustomerBenefit.PARTLY
    )
    policy_fit = models.CharField(max_length=15, choices=PolicyFit.choices, default=PolicyFit.STANDARD)
    is_exception = models.BooleanField(
        default=False, help_text="An exception to usual practice: always needs a second person's approval."
    )
    customer_advantages = models.TextField(blank=True)
    customer_disadvantages = models.TextField(blank=True)
    organisation_advantages = models.TextField(blank=True)
    organisation_disadvantages = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Only active entries are offered to agents.")
    position = models.PositiveSmallIntegerField(default=100, help_text="Lower numbers are listed first.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "remedy catalogue entry"
        verbose_name_plural = "remedy catalogue"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def _share(fixed: Decimal, percent: int, price: Decimal | None) -> Decimal:
        share = (price or Decimal("0")) * percent / 100
        return (Decimal(fixed) + share).quantize(CENT, rounding=ROUND_HALF_UP)

    def value_for(self, price: Decimal | None) -> Decimal:
        return self._share(self.typical_value, self.value_percent_of_price, price)

    def cost_for(self, price: Decimal | None) -> Decimal:
        return self._share(self.typical_cost, self.cost_percent_of_price, price)


class AppraisalWeight(models.Model):
    """How much one appraisal factor counts when options are weighed (P3). One row per factor."""

    factor = models.CharField(
        max_length=30, unique=True, choices=[(f, FACTOR_LABELS[f]) for f in FACTORS], editable=False
    )
    weight = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="0 (ignored) to 10 (counts most).",
    )
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["factor"]

    def __str__(self) -> str:
        return f"{FACTOR_LABELS.get(self.factor, self.factor)}: {self.weight}"

    @staticmethod
    def default_for(factor: str) -> Decimal:
        return DEFAULT_WEIGHTS[factor]


class Offer(models.Model):
    """K3: one step of the negotiation over an option — an offer, a counter-offer, or an answer to one."""

    class Party(models.TextChoices):
        ORGANISATION = "organisation", "Us"
        CUSTOMER = "customer", "The customer"

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer"
        COUNTER_OFFER = "counter_offer", "Counter-offer"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="offers")
    option = models.ForeignKey("cases.Option", on_delete=models.CASCADE, related_name="offers")
    party = models.CharField(max_length=15, choices=Party.choices)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    terms = models.TextField(blank=True)
    method = models.CharField(max_length=20, choices=AgreementMethod.choices)
    # An acceptance or rejection answers one offer or counter-offer.
    responds_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_party_display()}: {self.get_kind_display()} £{self.amount} on option {self.option_id}"
        )
