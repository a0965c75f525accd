"""The forms of the procedures pages: a procedure's details, a new version, a review, taking it out of use,
and acknowledging something read."""

from __future__ import annotations

from django import forms

from putright.authority.selectors import staff_users
from putright.cases.models import Category
from putright.pages.team_forms import StaffChoice
from putright.procedures.models import Stage
from putright.procedures.services import MAX_BODY_BYTES, MAX_CHANGE_NOTE, MAX_TITLE
from putright.validators import single_line

BODY_HELP = (
    "Markdown: # headings, - lists, 1. numbered steps, **bold**, [links](https://…), | tables |. "
    "HTML is shown as text, not run."
)


class ProcedureForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, validators=[single_line], label="Title")
    owner = StaffChoice(
        queryset=staff_users(),
        label="Owner",
        help_text="Keeps it up to date, and is alerted when its review is overdue.",
    )
    review_due = forms.DateField(
        label="Review due",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date of its next review.",
    )
    stages = forms.MultipleChoiceField(
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Stages where it applies",
        help_text="The case workspace shows it while a case is at one of these steps.",
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Categories",
        help_text="None ticked: it applies to cases of every category.",
    )


class NewProcedureForm(ProcedureForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        label="Text of the first version",
        help_text=BODY_HELP + " Leave it empty to publish the text later.",
    )

    def clean_body(self) -> str:
        return _body_size(self.cleaned_data["body"])


def _body_size(body: str) -> str:
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise forms.ValidationError(f"At most {MAX_BODY_BYTES // 1000} kB: split the procedure.")
    return body


class VersionForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), label="Text", help_text=BODY_HELP)
    change_note = forms.CharField(
        max_length=MAX_CHANGE_NOTE,
        validators=[single_line],
        label="What changed",
        help_text="Colleagues see this note when they are asked to read the new version.",
    )

    def clean_body(self) -> str:
        return _body_size(self.cleaned_data["body"])


class PreviewForm(forms.Form):
    """Only the text, for the preview (the change note may still be empty)."""

    body = forms.CharField(required=False, max_length=MAX_BODY_BYTES)


class ReviewForm(forms.Form):
    next_review_due = forms.DateField(label="Next review", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        max_length=MAX_CHANGE_NOTE, required=False, validators=[single_line], label="Review note"
    )


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("yes", "In use"), ("no", "Not in use")],
        coerce=lambda v: v == "yes",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        max_length=MAX_CHANGE_NOTE,
        required=False,
        validators=[single_line],
        label="Why it is no longer in use",
        error_messages={"required": "Say why the procedure is no longer in use."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A reason is needed to take it out of use, none to bring it back.
        wanted = self.data.get("active") if self.is_bound else self.initial.get("active")
        self.fields["reason"].required = wanted == "no"


class AcknowledgeForm(forms.Form):
    subject = forms.CharField(max_length=100, widget=forms.HiddenInput)
