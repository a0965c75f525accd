"""Forms for the customer-facing pages: the public report form and the answers on a case link.

They validate at the edge, in plain words, so the services only ever see
well-formed input. The customer's account of the problem is kept verbatim
(``strip=False``): S1 asks for their own words, not our tidy version of them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from putright.cases.models import Category
from putright.channels.attachments import AttachmentsField
from putright.validators import single_line

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 20000
AMOUNT_MAX = Decimal("1000000")
# Thousands separators are accepted ("1,250.00"); a lone comma ("12,50") is not, as it may be a decimal comma.
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_PHONE = re.compile(r"^[0-9+()\-. ]*$")


def _too_long(limit: int) -> str:
    return f"Please keep this to {limit:,} characters or fewer (it has %(show_value)s)."


class PoundsField(forms.DecimalField):
    """An amount in pounds that also accepts a leading £ and thousands separators."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£").strip()
            if _THOUSANDS.match(value):
                value = value.replace(",", "")
        return super().to_python(value)


class ReportForm(forms.Form):
    """S1: a problem in the customer's own words, with what they would like us to do."""

    # Declared in page order, so the error summary lists problems in the order the customer meets them.
    name = forms.CharField(
        label="Your name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Please tell us your name.", "max_length": _too_long(200)},
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We will send your reference and your private case link here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please give us your email address, so we can send you your case link.",
            "invalid": "Please enter an email address like name@example.com.",
            "max_length": _too_long(254),
        },
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=40,
        help_text="Only if you would like us to be able to call you.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": _too_long(40)},
    )
    subject = forms.CharField(
        label="What went wrong?",
        max_length=200,
        help_text="A short line, for example “Parcel arrived damaged”.",
        error_messages={
            "required": "Please tell us in a few words what went wrong.",
            "max_length": _too_long(200),
        },
    )
    category = forms.ModelChoiceField(
        label="What is it about?",
        queryset=Category.objects.all(),
        required=False,
        empty_label="Not sure, or something else",
        error_messages={"invalid_choice": "Please choose one of the options in the list."},
    )
    description = forms.CharField(
        label="Tell us in your own words",
        strip=False,
        max_length=DESCRIPTION_MAX,
        help_text="What happened, when, and anything you have already tried. We keep your words exactly as you "
        "write them.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Please tell us what happened.",
            "max_length": _too_long(DESCRIPTION_MAX),
        },
    )
    desired_outcome = forms.CharField(
        label="What would you like us to do?",
        max_length=5000,
        help_text="For example a refund, a replacement or a repair. If you are not sure yet, just say so.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Please tell us what you would like us to do, or that you are not sure yet.",
            "max_length": _too_long(5000),
        },
    )
    order_reference = forms.CharField(
        label="Order or account reference",
        required=False,
        max_length=100,
        help_text="If you have one: it helps us find your order quickly.",
        error_messages={"max_length": _too_long(100)},
    )
    amount_in_dispute = PoundsField(
        label="Amount paid or in dispute (£)",
        required=False,
        min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX,
        max_digits=9,
        decimal_places=2,
        help_text="If money is involved, in pounds, for example 49.99.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "Please enter an amount in pounds, like 49.99.",
            "min_value": "Please enter an amount above £0, or leave this empty.",
            "max_value": "Please enter an amount of no more than £1,000,000.",
            "max_digits": "Please enter an amount of no more than £1,000,000.",
            "max_decimal_places": "Please use no more than 2 decimal places (pence), like 49.99.",
            "max_whole_digits": "Please enter an amount of no more than £1,000,000.",
        },
    )
    # Issue 15 §4: photos of the damage, a receipt… checked by what they contain, not their names.
    attachments = AttachmentsField(label="Photos or documents")
    consent = forms.BooleanField(
        # Named for the organisation the customer deals with (see __init__), never the product.
        label="I agree that we may use the details I have given to handle this problem.",
        error_messages={
            "required": "Please tick the box to let us use your details, or we cannot look into this."
        },
    )
    # A honeypot for form-filling robots: people never see it (it is moved off-screen) and leave it empty.
    leave_this_empty = forms.CharField(
        label="Leave this empty",
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, organisation: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if organisation:
            self.fields[
                "consent"
            ].label = f"I agree that {organisation} may use the details I have given to handle this problem."

    def clean_name(self) -> str:
        return single_line(self.cleaned_data["name"])

    def clean_subject(self) -> str:
        return single_line(self.cleaned_data["subject"])

    def clean_order_reference(self) -> str:
        return single_line(self.cleaned_data["order_reference"])

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if not _PHONE.match(phone) or (phone and not any(ch.isdigit() for ch in phone)):
            raise ValidationError(
                "Please enter a phone number using digits, spaces and + ( ) - only.", code="phone"
            )
        return phone

    def clean_description(self) -> str:
        text = self.cleaned_data["description"]
        # Kept verbatim; only its length without surrounding spaces is checked, so blank lines are not "words".
        if len(text.strip()) < DESCRIPTION_MIN:
            raise ValidationError(
                f"Please tell us a little more: at least {DESCRIPTION_MIN} characters.", code="min_length"
            )
        return text

    def clean_leave_this_empty(self) -> str:
        value = self.cleaned_data["leave_this_empty"]
        if value:
            # Never silently dropped: a person whose browser filled it in is told exactly what to do.
            raise ValidationError(
                "The box labelled “Leave this empty” has something in it. Please clear it and send your report "
                "again.",
                code="honeypot",
            )
        return value


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.HiddenInput,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class UnderstandingForm(forms.Form):
    """S2: the customer confirms our summary, or corrects it in their own words."""

    confirm = _yes_no("Have we understood?", "Please choose whether our summary is right.")
    correction = forms.CharField(
        label="What have we got wrong?",
        required=False,
        max_length=5000,
        help_text="Tell us what is missing or not right, in your own words.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _too_long(5000)},
    )

    def clean(self):
        data = super().clean()
        if data.get("confirm") is False and not data.get("correction"):
            self.add_error("correction", "Please tell us what we have got wrong.")
        return data


class AgreementForm(forms.Form):
    """A1: the customer agrees to, or declines, the option we proposed."""

    # Answered with one of two submit buttons (name="agree", value yes/no), so it works without JavaScript.
    agree = _yes_no("Do you agree?", "Please choose whether you agree.")
    comment = forms.CharField(
        label="Anything you would like to add?",
        required=False,
        max_length=5000,
        help_text="If you do not agree, it helps us to know why.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _too_long(5000)},
    )


SATISFACTION_SCORES = ("csat", "ces", "nps")
# What each end of a scale means, said beside its numbers (the e-mail and the staff form use the same words).
SCORE_QUESTIONS = {
    "csat": (
        "How satisfied are you with how we handled your problem?",
        1,
        5,
        "very dissatisfied",
        "very satisfied",
    ),
    "ces": ("How easy was it to get your problem resolved?", 1, 7, "very difficult", "very easy"),
    "nps": (
        "How likely are you to recommend us to a friend or colleague?",
        0,
        10,
        "not at all likely",
        "extremely likely",
    ),
}


def score_field(name: str) -> forms.TypedChoiceField:
    """One score as a row of radio buttons, optional to the customer; a value out of range is refused."""
    label, low, high, low_words, high_words = SCORE_QUESTIONS[name]
    wrong = f"Please choose a number from {low} to {high}, or leave this question blank."
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(n), str(n)) for n in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=f"{low} means {low_words}, {high} means {high_words}.",
        error_messages={"invalid_choice": wrong},
    )


class SatisfactionForm(forms.Form):
    """A5: is the problem resolved? The scores the organisation asks (each optional), and a comment:
    required when it is not resolved, welcome when it is."""

    resolved = forms.TypedChoiceField(
        label="Is your problem resolved?",
        choices=[("yes", "Yes, it is resolved"), ("no", "No, it is not resolved")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please tell us whether your problem is resolved.",
            "invalid_choice": "Please tell us whether your problem is resolved.",
        },
    )
    comment = forms.CharField(
        label="Anything you want to tell us?",
        help_text="If it is not resolved, please tell us what is still wrong.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _too_long(5000)},
    )

    def __init__(self, *args, asked: list[str] | tuple[str, ...] = ("csat",), **kwargs):
        super().__init__(*args, **kwargs)
        for name in SATISFACTION_SCORES:
            if name in asked:
                self.fields[name] = score_field(name)
        self.order_fields(["resolved", *SATISFACTION_SCORES, "comment"])

    @property
    def score_fields(self):
        return [self[name] for name in SATISFACTION_SCORES if name in self.fields]

    def clean(self):
        data = super().clean()
        if data.get("resolved") is False and not data.get("comment"):
            self.add_error("comment", "Please tell us what is still wrong, so we can put it right.")
        return data


def satisfaction_prefill(query, asked) -> dict:
    """The answer an e-mailed link carries (``?resolved=yes&csat=4``), kept only where it is a valid choice:
    shown in the form for the customer to check and send. Reading it never records anything."""
    form = SatisfactionForm(asked=asked)
    initial = {}
    for name, field in form.fields.items():
        value = query.get(name)
        if name != "comment" and value is not None and value in {str(k) for k, _ in field.choices}:
            initial[name] = value
    return initial


class MessageForm(forms.Form):
    """A4: the customer writes to us on their case link."""

    body = forms.CharField(
        label="Your message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Please write your message before sending it.",
            "max_length": _too_long(10000),
        },
    )
    attachments = AttachmentsField(label="Photos or documents")


class ReopenForm(MessageForm):
    """Issue 15 §5: the customer writes on a closed case, saying whether the problem is not put right. The
    message is kept whatever they answer; only "yes" reopens the case (or opens a follow-up)."""

    not_put_right = forms.TypedChoiceField(
        label="Is the problem not put right?",
        choices=[
            ("yes", "Yes, it is not put right: please look at it again"),
            ("no", "No, I am only writing to you (for example, to say thank you)"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please tell us whether the problem is not put right.",
            "invalid_choice": "Please tell us whether the problem is not put right.",
        },
    )


class CounterOfferForm(forms.Form):
    """K3: the customer answers our offer with an amount of their own."""

    amount = forms.DecimalField(
        label="The amount you would accept (£)",
        min_value=0,
        max_value=1_000_000,
        max_digits=12,
        decimal_places=2,
        error_messages={"required": "Please enter an amount in pounds, for example 45.00."},
    )
    terms = forms.CharField(
        label="Anything else you would like",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _too_long(2000)},
    )
