"""Forms of the feedback feed: they check shape; ``putright.feedback.services`` decides."""

from __future__ import annotations

from django import forms

from putright.cases.models import Category
from putright.feedback.models import FeedbackItem
from putright.validators import single_line

SENTIMENT_CHOICES = [
    ("", "Any sentiment"),
    ("negative", "Negative"),
    ("neutral", "Neutral"),
    ("positive", "Positive"),
    ("none", "Not read (no words)"),
]
SATISFIED_CHOICES = [
    ("", "Any answer"),
    ("yes", "Satisfied"),
    ("no", "Not satisfied"),
    ("unknown", "No answer given"),
]


class FeedFilterForm(forms.Form):
    source = forms.ChoiceField(choices=[("", "Any source"), *FeedbackItem.Source.choices], required=False)
    sentiment = forms.ChoiceField(choices=SENTIMENT_CHOICES, required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), to_field_name="slug", required=False, empty_label="Any category"
    )
    satisfied = forms.ChoiceField(choices=SATISFIED_CHOICES, required=False, label="Satisfied?")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Words",
        validators=[single_line],
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class ShareFeedbackForm(forms.Form):
    text = forms.CharField(
        max_length=5000,
        label="What should colleagues know?",
        help_text="It joins the shared feedback feed and this case's timeline.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
