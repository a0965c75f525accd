"""The workspace's "Log a contact" form (issue 15 §2): a phone call or visit, with what was said."""

from __future__ import annotations

from django import forms

from putright import clock
from putright.channels.models import Message

DIRECTIONS = [
    (Message.Direction.INBOUND.value, "The customer contacted us"),
    (Message.Direction.OUTBOUND.value, "We contacted the customer"),
]
PROMPTS = [
    ("requested", "The customer asked us for this update"),
    ("unprompted", "We contacted them unprompted"),
]


class LogContactForm(forms.Form):
    via = forms.ChoiceField(
        label="How",
        choices=[
            (Message.LoggedVia.PHONE.value, "Phone call"),
            (Message.LoggedVia.IN_PERSON.value, "In person"),
        ],
        widget=forms.RadioSelect,
    )
    direction = forms.ChoiceField(label="Who made contact", choices=DIRECTIONS, widget=forms.RadioSelect)
    prompt = forms.ChoiceField(
        label="Did the customer ask for it?",
        choices=PROMPTS,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only when we contacted them.",
    )
    body = forms.CharField(
        label="What was said",
        max_length=10000,
        help_text="The customer sees this on their case page (no e-mail is sent). Thoughts for colleagues "
        "go in an internal note.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        help_text="Leave empty for now; or the time of a call earlier on.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_occurred_at(self):
        at = self.cleaned_data["occurred_at"]
        if at is not None and at > clock.now():
            raise forms.ValidationError("A contact cannot be logged in the future.")
        return at

    def clean(self):
        data = super().clean()
        if data.get("direction") == Message.Direction.OUTBOUND and not data.get("prompt"):
            self.add_error("prompt", "Say whether the customer asked for this update.")
        return data
