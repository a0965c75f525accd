"""The case page's "Close as duplicate" form (issue 12 §3): pick the customer's other open case that
carries on, or type its reference; an optional note; and a tick that says the agent means it.

The form checks shape only. Whether the case named may be the original (open, the same customer's, not
this one) is the service's rule (``services.case_close_duplicate``); the view finds the case by its
reference through the permission-checking selector."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from putright.cases.models import Case
from putright.validators import CASE_REFERENCE_RE


def candidate_label(case: Case) -> str:
    return f"{case.reference}: {case.subject} ({case.get_status_display()})"


class CloseDuplicateForm(forms.Form):
    original = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        label="The case that carries on",
        help_text="This customer's other open cases, newest first.",
    )
    reference = forms.CharField(
        required=False,
        max_length=30,
        label="Or its reference",
        help_text="For example PR-2026-000123.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the record",
        help_text="Why they are the same problem: kept in both cases' records and on the other case's "
        "timeline. The customer never sees it.",
    )
    confirm = forms.BooleanField(
        required=True,
        label="Close this case and tell the customer their report carries on in the other case",
        error_messages={"required": "Tick to confirm: the case closes and the customer is told at once."},
    )

    def __init__(self, *args, candidates: list[Case], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["original"].choices = [(c.reference, candidate_label(c)) for c in candidates]
        if not candidates:
            self.fields["original"].help_text = "This customer has no other open case: type its reference."

    def clean_reference(self) -> str:
        value = (self.cleaned_data.get("reference") or "").strip().upper()
        if value and not CASE_REFERENCE_RE.fullmatch(value):
            raise ValidationError("A case reference looks like PR-2026-000123.")
        return value

    def clean(self):
        data = super().clean()
        picked, typed = data.get("original") or "", data.get("reference") or ""
        if "reference" in self.errors:
            return data
        if picked and typed and picked != typed:
            self.add_error("reference", f"You picked {picked} and typed {typed}: choose one case.")
        elif not picked and not typed:
            self.add_error("original", "Choose the case that carries on, or type its reference.")
        data["original_reference"] = picked or typed
        return data
