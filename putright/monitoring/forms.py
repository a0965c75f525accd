"""Forms of the signals pages: they check shape; ``putright.monitoring.services`` decides."""

from __future__ import annotations

from django import forms

from putright.validators import single_line


class SignalFilterForm(forms.Form):
    name = forms.CharField(required=False, max_length=100, label="Measurement", validators=[single_line])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    breached_only = forms.BooleanField(required=False, label="Only readings that breached")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class NoticeForm(forms.Form):
    subject = forms.CharField(max_length=200, label="Subject", validators=[single_line])
    body = forms.CharField(
        max_length=10000,
        label="What we tell each customer",
        help_text="Sent to every affected customer not yet told, and recorded on their case as sent unprompted.",
        widget=forms.Textarea(attrs={"rows": 8}),
    )


def notice_initial(breach) -> dict:
    """A plain, honest first draft the supervisor edits: what happened, that we are on it, what next."""
    threshold = breach.threshold
    subject = threshold.notice_subject or "A problem that may affect you, and what we are doing about it"
    body = threshold.notice_body or (
        "We are sorry: we have found a problem on our side that is likely to affect you "
        f"({threshold.name.lower()}). You have not needed to contact us about it — we are telling you "
        "first.\n\nWe are already working to put it right, and we will keep you updated. If it has "
        "caused you any inconvenience or cost, reply to this message and we will look after you."
    )
    return {"subject": subject, "body": body}
