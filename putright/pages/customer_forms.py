"""The customer page's forms: correcting details and joining a duplicate record into this one."""

from __future__ import annotations

from django import forms

from putright.customers.models import Customer
from putright.validators import single_line


class CustomerCorrectForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name", validators=[single_line])
    email = forms.EmailField(label="Email")
    phone = forms.CharField(max_length=40, required=False, label="Phone", validators=[single_line])
    lawful_basis = forms.ChoiceField(choices=Customer.LawfulBasis.choices, label="Lawful basis")
    support_needs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Support needs",
        help_text="What would help this customer (for example large print, calls only in the morning). "
        "Shown on each of their cases.",
    )
    support_needs_consent = forms.BooleanField(
        required=False, label="The customer agreed that we record these support needs"
    )


class CustomerMergeForm(forms.Form):
    duplicate = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        label="Record number to join into this one",
        help_text="That record's cases, feedback and history move here; this record's details are kept.",
    )
    reason = forms.CharField(max_length=500, label="Why they are the same person", validators=[single_line])


class CustomerLookupForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Find an existing customer")
