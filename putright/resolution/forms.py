"""Forms for purchase facts and negotiation: they check shape, the remedies engine and services decide.

The purchase-facts form mirrors the engine's facts (``putright.engines.remedies.facts``) one field each;
"today" is not on it: the statutory position is always worked out with the clock's date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms

from putright.caseforms.forms import CALL_METHODS
from putright.validators import single_line

SUPPLIES = [
    ("goods", "Goods (a physical item)"),
    ("digital_content", "Digital content (a download, app, subscription content)"),
    ("service", "A service (work done for them)"),
]
REGIONS = [
    ("", "Not known (England assumed)"),
    ("ENG", "England"),
    ("WLS", "Wales"),
    ("SCT", "Scotland"),
    ("NIR", "Northern Ireland"),
]
# What the engine assumes when a true/false fact is left out (putright.engines.remedies.facts.Facts).
BOOL_DEFAULTS = {"consumer": True, "cancellation_info_given": True}
DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "required": False}

# The facts in the groups the page shows them in, so the form reads like the questions an agent asks.
FACT_GROUPS: list[tuple[str, list[str]]] = [
    ("The purchase", ["supply", "consumer", "contract_date", "delivery_date", "installation_completed_date"]),
    ("The problem", ["fault", "fault_reported_date", "perishable_days", "motor_vehicle"]),
    (
        "Repairs and replacements so far",
        ["repairs_or_replacements_attempted", "repair_requested_date", "returned_after_repair_date"],
    ),
    (
        "Cancelling a distance or off-premises sale",
        [
            "distance_sale",
            "cancellation_info_given",
            "cancellation_info_received_date",
            "cancellation_requested_date",
            "excluded_from_cancellation",
            "early_supply_consent",
        ],
    ),
    ("Digital content and services", ["device_damaged", "repeat_performance_impossible", "region"]),
]


class PurchaseFactsForm(forms.Form):
    supply = forms.ChoiceField(choices=SUPPLIES, label="What was bought")
    consumer = forms.BooleanField(
        required=False,
        initial=True,
        label="Bought as a consumer (for themselves, not mainly for a business)",
    )
    contract_date = forms.DateField(label="Date of the contract (the order)", **DATE_WIDGET)
    delivery_date = forms.DateField(
        label="Date delivered or supplied",
        help_text="When the goods arrived (the last item of a split delivery), the content was supplied, "
        "or the service was finished.",
        **DATE_WIDGET,
    )
    installation_completed_date = forms.DateField(
        label="Date we told them installation was finished",
        help_text="Only if we installed it.",
        **DATE_WIDGET,
    )
    fault = forms.BooleanField(
        required=False,
        label="It is faulty or not as described (or the service was not done with reasonable care)",
    )
    fault_reported_date = forms.DateField(label="Date the fault was reported", **DATE_WIDGET)
    perishable_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Perishable: days it could be expected to last",
        help_text="Only for goods that perish within 30 days, such as food or flowers.",
    )
    motor_vehicle = forms.BooleanField(required=False, label="The goods are a motor vehicle")
    repairs_or_replacements_attempted = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label="Repairs or replacements already tried that did not fix it",
    )
    repair_requested_date = forms.DateField(
        label="Date they asked for (or agreed to) a repair or replacement", **DATE_WIDGET
    )
    returned_after_repair_date = forms.DateField(label="Date the goods came back after repair", **DATE_WIDGET)
    distance_sale = forms.BooleanField(
        required=False, label="Bought online, by phone, by mail order or away from our premises"
    )
    cancellation_info_given = forms.BooleanField(
        required=False, initial=True, label="We gave them the information about cancelling"
    )
    cancellation_info_received_date = forms.DateField(
        label="Date they received the cancellation information",
        help_text="Only if it came late.",
        **DATE_WIDGET,
    )
    cancellation_requested_date = forms.DateField(label="Date they asked to cancel", **DATE_WIDGET)
    excluded_from_cancellation = forms.BooleanField(
        required=False,
        label="Excluded from cancelling (made to order, perishable, unsealed hygiene goods or media, "
        "a dated event, an urgent repair)",
    )
    early_supply_consent = forms.BooleanField(
        required=False,
        label="They asked for the service or download to start within the cancellation period",
    )
    device_damaged = forms.BooleanField(
        required=False, label="The digital content damaged their device or other content"
    )
    repeat_performance_impossible = forms.BooleanField(
        required=False, label="Doing the service again is impossible"
    )
    region = forms.ChoiceField(
        choices=REGIONS, required=False, label="Where the customer lives", help_text="For court time limits."
    )

    @classmethod
    def initial_from(cls, facts: dict) -> dict:
        """Stored facts (ISO dates) as form initial values; a case without facts starts as goods."""
        initial: dict = {"supply": "goods"}
        for name, value in (facts or {}).items():
            if name in cls.base_fields:
                initial[name] = value
        return initial

    def groups(self) -> list[tuple[str, list]]:
        return [(title, [self[name] for name in names]) for title, names in FACT_GROUPS]

    def to_facts(self) -> dict:
        """The facts as the engine reads them: ISO dates, whole numbers, true/false; blanks left out, and
        a box left as the engine assumes anyway (consumer, information given, everything else unticked)."""
        facts: dict = {}
        for name, value in self.cleaned_data.items():
            if (
                value is None
                or value == ""
                or (isinstance(value, bool) and value == BOOL_DEFAULTS.get(name, False))
            ):
                continue
            facts[name] = value.isoformat() if isinstance(value, date) else value
        return facts


class CatalogueChoiceForm(forms.Form):
    """Which catalogue entry prefills the option form (a GET: nothing changes until the agent submits)."""

    catalogue = forms.IntegerField(min_value=1, max_value=2_147_483_647)


def _money_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(min_value=Decimal("0"), max_digits=12, decimal_places=2, label=label, **kwargs)


class _OptionChoice(forms.Form):
    """Which option on the table: chosen from the options the page already read (no query to render)."""

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self._options = {str(o.pk): o for o in options}
        self.fields["option"] = forms.TypedChoiceField(
            choices=[("", "Choose an option")] + [(str(o.pk), o.title) for o in options],
            coerce=self._options.get,
            label=self.option_label,
        )

    option_label = "Option"


class OfferForm(_OptionChoice):
    """K3: our offer of one option's terms."""

    option_label = "Option offered"

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, options=options, **kwargs)
        self.fields["amount"] = _money_field(
            "Amount offered (£)", required=False, help_text="Leave empty to offer the option's own value."
        )
        self.fields["terms"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000, label="Terms"
        )
        self.fields["method"] = forms.ChoiceField(choices=CALL_METHODS, label="How we made the offer")


class CounterOfferForm(_OptionChoice):
    """K3: the customer's counter-offer, recorded from a call, an email or a visit."""

    option_label = "Option they are answering"

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, options=options, **kwargs)
        self.fields["amount"] = _money_field("Amount the customer asks for (£)")
        self.fields["terms"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            max_length=5000,
            label="What they asked for, in their words",
        )
        self.fields["method"] = forms.ChoiceField(choices=CALL_METHODS, label="How they told us")


class SettleForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=500,
        validators=[single_line],
        label="Note for the record",
        help_text="Optional: why accepting their terms is right.",
    )


class OfferRejectForm(forms.Form):
    method = forms.ChoiceField(choices=CALL_METHODS, label="How it was said")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000, label="Why"
    )
