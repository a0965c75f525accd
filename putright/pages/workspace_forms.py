"""The workspace's own forms: recording what a customer said on the phone, delivering and correcting the
outcome, reopening, escalating, approvals, the emotional state and classifying. They serve the staff pages
only, so they live beside them (the case core keeps the forms other rooms share: ``putright.caseforms.forms``)."""

from __future__ import annotations

from django import forms

from putright.caseforms.forms import CALL_METHODS, staff_field, textarea
from putright.cases.models import Category
from putright.vocab import EmotionalState, Priority, SourceKind, Upheld


class AgreementFromCallForm(forms.Form):
    agreed = forms.TypedChoiceField(
        choices=[("yes", "The customer agrees"), ("no", "The customer declines")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="The customer's answer",
    )
    method = forms.ChoiceField(choices=CALL_METHODS, label="How they told us")
    comment = forms.CharField(widget=textarea(2), required=False, max_length=5000, label="What they said")


def _score(label: str, low: int, high: int) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[("", "Not given"), *((str(n), str(n)) for n in range(low, high + 1))],
        coerce=int,
        empty_value=None,
        required=False,
        label=label,
        error_messages={"invalid_choice": f"Choose a score from {low} to {high}, or 'Not given'."},
    )


UPHELD_CHOICES = [("", "Choose…"), *Upheld.choices]


class SatisfactionFromCallForm(forms.Form):
    resolved = forms.TypedChoiceField(
        choices=[("yes", "Resolved"), ("no", "Not resolved")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Does the customer say it is resolved?",
    )
    method = forms.ChoiceField(choices=CALL_METHODS, label="How they told us")
    csat = _score("Satisfaction (CSAT, 1–5), if they gave one", 1, 5)
    ces = _score("Effort (CES, 1–7), if they gave one", 1, 7)
    nps = _score("Likelihood to recommend (NPS, 0–10), if they gave one", 0, 10)
    comment = forms.CharField(widget=textarea(2), required=False, max_length=5000, label="What they said")

    def clean(self):
        data = super().clean()
        if data.get("resolved") is False and not data.get("comment", "").strip():
            self.add_error("comment", "Write down what the customer says is still wrong.")
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=textarea(2), max_length=2000, label="What we will try next")


class DeliverForm(forms.Form):
    """A2→A5: mark delivered, saying whether the complaint was upheld (the case keeps it as it closes)."""

    upheld = forms.ChoiceField(
        choices=UPHELD_CHOICES,
        label="Was the complaint upheld?",
        help_text="Upheld: we were at fault and put it right. Partly: some of it. Not upheld: a goodwill gesture.",
        error_messages={"required": "Say whether the complaint was upheld."},
    )


class UpheldCorrectForm(forms.Form):
    """A supervisor corrects whether a closed case's complaint was upheld."""

    upheld = forms.ChoiceField(choices=UPHELD_CHOICES, label="Was the complaint upheld?")
    reason = forms.CharField(widget=textarea(2), max_length=2000, label="Why it is corrected")


# The letter's decision is the 'upheld' the case records.


class ClassifyForm(forms.Form):
    source_kind = forms.ChoiceField(choices=SourceKind.choices, label="Source of the problem")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="No category",
        label="Category",
    )
    regulated = forms.BooleanField(
        required=False,
        label="A regulated complaint",
        help_text="Under FCA DISP, energy or communications rules any dissatisfaction counts, "
        "justified or not: their deadlines start from the day we received it.",
    )


class EscalateForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the service picks the right person: the next level of authority up (K4).
        self.fields["to_user"] = staff_field(
            "Escalate to",
            exclude=user,
            required=False,
            help_text="Leave as 'Next level up' to send it to the least busy person with more authority.",
        )
        self.fields["to_user"].empty_label = "Next level up (automatic)"
        self.fields["reason"] = forms.CharField(widget=textarea(2), max_length=2000, label="Why")


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(
        widget=textarea(2),
        required=False,
        max_length=5000,
        label="Note",
        help_text="Optional when approving; required when rejecting.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the option is not approved.")
        return data


class EmotionForm(forms.Form):
    """K2: the agent's own reading of how the customer is, e.g. after a call."""

    emotion = forms.ChoiceField(
        choices=[c for c in EmotionalState.choices if c[0]], label="How the customer is"
    )
    priority = forms.ChoiceField(
        choices=[("", "Follow the emotional state"), *Priority.choices],
        required=False,
        label="Priority",
        help_text="Distressed customers come first (urgent), angry ones next (high).",
    )
    reason = forms.CharField(widget=textarea(2), max_length=2000, label="What tells you so")
