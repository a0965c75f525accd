"""Forms for the staff pages: they validate at the edge, the services decide.

Every form here only checks shape (required, lengths, choices, dates); the
lifecycle rules stay in ``putright.cases.services``, which the views call with
``cleaned_data``. Where a rule is cheap to check here too (two justification
factors, a reason for rejecting), the form checks it so the agent sees the
problem next to the field instead of as a page message. One-line fields (names,
subjects, titles) refuse line breaks, as they end up in email headers.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from putright import clock
from putright.authority.models import Team
from putright.authority.selectors import staff_users
from putright.cases.models import Category, UnresolvedReason
from putright.channels.attachments import AttachmentsField
from putright.engines import routes as routes_engine
from putright.validators import single_line
from putright.vocab import (
    QUEUE_SORTS,
    AgreementMethod,
    Channel,
    CustomerBenefit,
    JustificationFactor,
    PolicyFit,
    Priority,
    RemedyType,
    SourceKind,
    Status,
    Upheld,
)

# Agents record what a customer said from these channels; the portal and the API have their own ways in.
CALL_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.IN_PERSON, Channel.EMAIL)]
# An agent recording the customer's answer must say how it was given; "portal" is the customer's own link.
CALL_METHODS = [(m.value, m.label) for m in AgreementMethod if m != AgreementMethod.PORTAL]

# A6: the routes most UK consumers can still take when we cannot put it right.
OTHER_ROUTES = [
    "Manufacturer's warranty claim",
    "Citizens Advice consumer helpline (0808 223 1133)",
    "Alternative dispute resolution (ADR) scheme",
    "Small claims court (Money Claim Online)",
    "Financial Ombudsman Service",
    "Section 75 claim with your credit card provider",
    "Chargeback through your card provider",
]

CUSTOMER_REGIONS = [("ENG", "England"), ("WLS", "Wales"), ("SCT", "Scotland"), ("NIR", "Northern Ireland")]

SCOPES = [
    ("team", "My teams"),
    ("mine", "Assigned to me"),
    ("unassigned", "Unassigned"),
    ("all", "Everyone's cases"),
]


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff, shown by name so the list reads like a team rota."""

    def label_from_instance(self, obj) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def _staff_field(label: str, *, exclude=None, **kwargs) -> StaffChoiceField:
    qs = staff_users()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return StaffChoiceField(queryset=qs, label=label, empty_label="Choose a colleague", **kwargs)


# ---------------------------------------------------------------- queue


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox that hands the raw query value to its field, so ``?overdue_promises=maybe`` is an error.

    Django's own CheckboxInput turns any string into True, which would hide a
    mistyped link instead of saying so.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda v: str(v).lower() in FlagField.TRUE)

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")

    def format_value(self, value):
        return "1"


class FlagField(forms.Field):
    TRUE = {"1", "on", "true", "yes"}
    FALSE = {"", "0", "off", "false", "no"}
    widget = FlagCheckbox
    default_error_messages = {"invalid": "Use 1 to turn this filter on, or leave it out."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> bool:
        if value is True or value is False:
            return value
        text = str(value or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class QueueFilterForm(forms.Form):
    scope = forms.ChoiceField(choices=SCOPES, required=False, label="Whose cases")
    # Any team's queue, whoever looks (issue 12 §3).
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="Any team")
    status = forms.ChoiceField(choices=[("", "Any open status")] + list(Status.choices), required=False)
    source_kind = forms.ChoiceField(
        choices=[("", "Any source")] + [(v, f"{v}: {label}") for v, label in SourceKind.choices],
        required=False,
        label="Source",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), to_field_name="slug", required=False, empty_label="Any category"
    )
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        help_text=(
            "Any part of a reference (241, 2026-000241), a customer's name, e-mail or phone, an order"
            " reference, or words from the subject, the customer's words or the messages"
        ),
    )
    overdue_promises = FlagField(label="Overdue promises")
    awaiting_customer = FlagField(label="Waiting on the customer")
    priority = forms.ChoiceField(
        choices=[("", "Any priority"), *Priority.choices], required=False, label="Priority"
    )
    sort = forms.ChoiceField(
        choices=[("", "Newest first (a search: best match)"), *((k, v[0]) for k, v in QUEUE_SORTS.items())],
        required=False,
        label="Order",
    )
    needs_update = FlagField(label="Customer not updated")
    upset = FlagField(label="Angry or distressed")
    include_closed = FlagField(label="Include closed")

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or "team"


# ---------------------------------------------------------------- S1 log a call


class LogCallForm(forms.Form):
    # An existing customer picked from the lookup; without one, name and e-mail are required.
    customer_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    customer_name = forms.CharField(
        max_length=200,
        required=False,
        label="Customer's name",
        help_text="Not needed when you picked an existing customer above.",
        validators=[single_line],
    )
    customer_email = forms.EmailField(
        required=False,
        label="Customer's email",
        help_text="We send the case link and updates here. Not needed for an existing customer.",
    )
    customer_phone = forms.CharField(
        max_length=40, required=False, label="Customer's phone", validators=[single_line]
    )
    subject = forms.CharField(
        max_length=200,
        label="Subject",
        help_text="A short line that names the problem.",
        validators=[single_line],
    )
    # S1: the customer's own words are kept exactly as given, so no stripping.
    description = forms.CharField(
        widget=_textarea(8), strip=False, max_length=20000, label="The problem in the customer's own words"
    )
    desired_outcome = forms.CharField(
        widget=_textarea(3), required=False, max_length=5000, label="What the customer wants done"
    )
    order_reference = forms.CharField(
        max_length=100, required=False, label="Order or account reference", validators=[single_line]
    )
    amount_in_dispute = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2, label="Amount in dispute (£)"
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="Not sure yet"
    )
    channel = forms.ChoiceField(
        choices=CALL_CHANNELS, widget=forms.RadioSelect, label="How did they tell us?"
    )
    source_kind = forms.ChoiceField(
        choices=SourceKind.choices,
        initial=SourceKind.CUSTOMER_REPORTED,
        label="Where did the problem come from?",
    )
    consent = forms.BooleanField(
        label="The customer consented to us processing their details to handle this problem",
        error_messages={"required": "Ask the customer for consent before logging their details."},
    )

    def clean_description(self) -> str:
        value = self.cleaned_data["description"]
        if not value.strip():
            raise ValidationError("Write down what the customer told you.")
        return value

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("customer_id"):
            if not data.get("customer_name") and "customer_name" not in self.errors:
                self.add_error("customer_name", "Give the customer's name, or pick an existing customer.")
            if not data.get("customer_email") and "customer_email" not in self.errors:
                self.add_error("customer_email", "Give the customer's email, or pick an existing customer.")
        return data


# ---------------------------------------------------------------- S2 understanding


class SummaryForm(forms.Form):
    summary = forms.CharField(
        widget=_textarea(5),
        max_length=5000,
        label="Our summary of the problem",
        help_text="In plain words; the customer is asked to confirm or correct it.",
    )


class ConfirmFromCallForm(forms.Form):
    method = forms.ChoiceField(choices=CALL_METHODS, label="How the customer confirmed it")


class SkipUnderstandingForm(forms.Form):
    reason = forms.CharField(
        widget=_textarea(3), max_length=2000, label="Why we are going ahead without confirmation"
    )


# ---------------------------------------------------------------- P2–P4 options


class OptionForm(forms.Form):
    title = forms.CharField(max_length=200, label="What we would do", validators=[single_line])
    remedy_type = forms.ChoiceField(choices=RemedyType.choices, label="Remedy type")
    description = forms.CharField(widget=_textarea(3), required=False, max_length=5000, label="Details")
    amount = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
        label="Value to the customer (£)",
    )
    cost_to_organisation = forms.DecimalField(
        min_value=Decimal("0"), max_digits=12, decimal_places=2, initial=Decimal("0"), label="Cost to us (£)"
    )
    days_to_deliver = forms.IntegerField(min_value=0, max_value=3650, initial=0, label="Days to deliver")
    customer_advantages = forms.CharField(
        widget=_textarea(2), required=False, max_length=5000, label="Advantages for the customer"
    )
    customer_disadvantages = forms.CharField(
        widget=_textarea(2), required=False, max_length=5000, label="Disadvantages for the customer"
    )
    organisation_advantages = forms.CharField(
        widget=_textarea(2), required=False, max_length=5000, label="Advantages for us"
    )
    organisation_disadvantages = forms.CharField(
        widget=_textarea(2), required=False, max_length=5000, label="Disadvantages for us"
    )
    # Left out (an older form, a script), they take the middle of the scale and standard practice.
    customer_benefit = forms.TypedChoiceField(
        choices=CustomerBenefit.choices,
        coerce=int,
        required=False,
        empty_value=CustomerBenefit.PARTLY.value,
        initial=CustomerBenefit.PARTLY,
        label="How far it puts things right for the customer",
    )
    policy_fit = forms.TypedChoiceField(
        choices=PolicyFit.choices,
        required=False,
        empty_value=PolicyFit.STANDARD.value,
        initial=PolicyFit.STANDARD,
        label="Fit with our policy",
    )
    is_exception = forms.BooleanField(
        required=False,
        label="This is an exception to our usual practice",
        help_text="Exceptions always need a second person's approval.",
    )


class WithdrawOptionForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why withdraw it")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=_textarea(2), max_length=2000, label="Why")


class RecommendForm(forms.Form):
    justification = forms.CharField(
        widget=_textarea(4),
        max_length=5000,
        label="Why this option",
        help_text="This is kept on the record and shown to approvers.",
    )
    factors = forms.MultipleChoiceField(
        choices=JustificationFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Factors that justify it (at least two)",
    )

    override_reason = forms.CharField(
        widget=_textarea(2),
        required=False,
        max_length=2000,
        label="Why not the suggested best option",
        help_text="Needed only when you recommend another option than the one the appraisal suggests.",
    )

    def clean_factors(self) -> list[str]:
        factors = self.cleaned_data["factors"]
        if len(factors) < 2:
            raise ValidationError("Tick at least two factors.")
        return factors


# ---------------------------------------------------------------- P2 consultations


class ConsultationRequestForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"] = _staff_field("Colleague to ask", exclude=user)
        self.fields["question"] = forms.CharField(widget=_textarea(3), max_length=5000, label="Your question")


class ConsultationAnswerForm(forms.Form):
    answer = forms.CharField(widget=_textarea(3), max_length=5000, label="Your answer")


# ---------------------------------------------------------------- A1 agreement, A5 satisfaction


# ---------------------------------------------------------------- A2 plan, A3 promises


class StepForm(forms.Form):
    description = forms.CharField(max_length=300, label="Step", validators=[single_line])
    customer_wording = forms.CharField(
        max_length=300,
        required=False,
        label="What to tell the customer when it is done",
        validators=[single_line],
        help_text="The customer will be told exactly this, in our name, in that day's progress e-mail (e.g. "
        "“Your replacement has been ordered.”). Leave it blank for an internal step: the customer will not be told.",
        widget=forms.TextInput(attrs={"data-customer-wording": ""}),  # putright/static/putright/plan.js
    )
    due_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label="Due by"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _staff_field("Owner")
        self.order_fields(["description", "customer_wording", "owner", "due_date"])


class PromiseForm(forms.Form):
    description = forms.CharField(max_length=300, label="What we promise", validators=[single_line])
    due_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        label="Due by (UK time)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _staff_field("Owner")
        self.order_fields(["description", "owner", "due_at"])

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= clock.now():
            raise ValidationError("A promise must be due in the future.")
        return due_at


# ---------------------------------------------------------------- A4 messages


class MessageForm(forms.Form):
    prompt = forms.ChoiceField(
        choices=[
            ("requested", "The customer asked for this update"),
            ("unprompted", "We are sending it unprompted"),
        ],
        widget=forms.RadioSelect,
        label="Why are we writing?",
    )
    subject = forms.CharField(
        max_length=200,
        required=False,
        label="Subject",
        help_text="Leave empty for \u201cAn update on your case\u201d.",
        # It becomes the email's Subject header: a line break there made the message unsendable.
        validators=[single_line],
    )
    body = forms.CharField(widget=_textarea(5), max_length=10000, label="Message")
    attachments = AttachmentsField()  # issue 15 §4: checked by content (channels.attachments)


# ---------------------------------------------------------------- A5/A6 reopen and close, K4 escalate


DECISION_UPHELD = {
    routes_engine.Decision.UPHELD.value: Upheld.UPHELD,
    routes_engine.Decision.PARTLY_UPHELD.value: Upheld.PARTLY,
    routes_engine.Decision.NOT_UPHELD.value: Upheld.NOT_UPHELD,
}


class CloseUnresolvedForm(forms.Form):
    reason_code = forms.ModelChoiceField(
        queryset=UnresolvedReason.objects.filter(active=True),
        to_field_name="code",
        empty_label="Choose a reason…",
        label="Reason code",
        help_text="For the reports: the closest reason from the organisation's list.",
        error_messages={
            "required": "Choose the reason code closest to why it cannot be resolved.",
            "invalid_choice": "That reason code is no longer offered: choose another.",
        },
    )
    reasons = forms.CharField(
        widget=_textarea(4),
        min_length=20,
        max_length=5000,
        label="Why we cannot resolve it",
        help_text="Sent to the customer: explain clearly, in at least a sentence.",
    )
    routes = forms.MultipleChoiceField(
        choices=[(r, r) for r in OTHER_ROUTES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Other routes open to the customer",
    )
    other_route = forms.CharField(
        max_length=300,
        required=False,
        validators=[single_line],
        label="Another route",
        help_text="For example a trade association's scheme or a regulator.",
    )
    # P5/A6: the final letter, drafted from the rules (regulation's "Draft the letter") and edited here.
    decision = forms.ChoiceField(
        choices=[(d.value, routes_engine.DECISION_LABELS[d]) for d in routes_engine.Decision],
        initial=routes_engine.Decision.NOT_UPHELD.value,
        label="Our decision on the complaint",
        help_text="Recorded as whether the complaint was upheld, and used in the letter.",
    )
    customer_region = forms.ChoiceField(
        choices=[("", "Where our organisation is"), *CUSTOMER_REGIONS],
        required=False,
        label="Where the customer lives",
        help_text="Decides the court and the free advice service the letter names.",
    )
    supply = forms.ChoiceField(
        choices=[
            ("", "As recorded on the case"),
            *((s.value, routes_engine.SUPPLY_LABELS[s]) for s in routes_engine.Supply),
        ],
        required=False,
        label="What we supplied",
        help_text="Goods add the manufacturer's guarantee as a route.",
    )
    letter = forms.CharField(
        widget=_textarea(18),
        required=False,
        max_length=20000,
        label="The letter to the customer",
        help_text="Draft it from the rules, then edit it: it is sent exactly as written, as our final response. "
        "Left empty, the customer gets the reasons and the routes ticked above.",
    )

    def clean(self):
        data = super().clean()
        routes = list(data.get("routes") or [])
        extra = (data.get("other_route") or "").strip()
        if extra:
            routes.append(extra)
        # A drafted letter brings its own routes (the rules'); the ticked ones are added to them.
        if not routes and not (data.get("letter") or "").strip() and "routes" not in self.errors:
            self.add_error("routes", "Give the customer at least one other route.")
        data["all_routes"] = routes
        decision = data.get("decision")
        data["upheld"] = DECISION_UPHELD.get(decision, "") if decision else ""
        return data


# ---------------------------------------------------------------- K4 approvals


# The shared helpers, for the workspace forms kept in ``putright.pages.workspace_forms``.
textarea = _textarea
staff_field = _staff_field
