"""Forms for the problem pages: they check shape; ``putright.problems.services`` decides."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from putright.authority.selectors import staff_users
from putright.caseforms.forms import StaffChoiceField
from putright.cases.models import Category
from putright.problems.models import OPEN_PROBLEM_STATUSES, PROBLEM_TRANSITIONS, Problem, ProblemStatus
from putright.validators import CASE_REFERENCE_RE, single_line
from putright.vocab import SourceKind


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _staff(label: str, **kwargs) -> StaffChoiceField:
    return StaffChoiceField(queryset=staff_users(), label=label, **kwargs)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("", "Open (suspected, confirmed, known error)"),
            ("all", "Any status"),
            *ProblemStatus.choices,
        ],
        required=False,
        label="Status",
    )
    owner = _staff("Owner", required=False, empty_label="Anyone")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="Any category",
        label="Category",
    )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label="Move to")
    root_cause = forms.CharField(
        widget=_textarea(3),
        required=False,
        max_length=10000,
        label="Root cause",
        help_text="Required for a known error: what is causing these complaints.",
    )
    workaround = forms.CharField(
        widget=_textarea(3),
        required=False,
        max_length=10000,
        label="Workaround",
        help_text="Required for a known error: what agents can do for customers until it is fixed.",
    )
    note = forms.CharField(
        widget=_textarea(2),
        required=False,
        max_length=2000,
        label="Note",
        help_text="Required when closing a problem that was never resolved: say why.",
    )

    def __init__(self, *args, problem: Problem, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = PROBLEM_TRANSITIONS[problem.status]
        self.fields["status"].choices = [("", "Choose the next stage")] + [
            (s.value, s.label) for s in ProblemStatus if s in allowed
        ]
        self.problem = problem
        if not self.is_bound:
            self.fields["root_cause"].initial = problem.root_cause
            self.fields["workaround"].initial = problem.workaround

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == ProblemStatus.KNOWN_ERROR:
            if not (data.get("root_cause") or "").strip():
                self.add_error("root_cause", "Say what the root cause is: a known error needs one.")
            if not (data.get("workaround") or "").strip():
                self.add_error("workaround", "Give agents a workaround: a known error needs one.")
        if (
            status == ProblemStatus.CLOSED
            and self.problem.status != ProblemStatus.RESOLVED
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", "Say why it is being closed without being resolved.")
        return data


class AssignForm(forms.Form):
    owner = _staff("New owner", empty_label="Choose a colleague")


class LinkCaseForm(forms.Form):
    reference = forms.CharField(
        max_length=30,
        label="Case reference",
        help_text="For example PR-2026-000123.",
        validators=[single_line],
    )

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip().upper()
        if not CASE_REFERENCE_RE.fullmatch(reference):
            raise ValidationError("Enter a case reference like PR-2026-000123.")
        return reference


class UnlinkForm(forms.Form):
    reason = forms.CharField(widget=_textarea(2), max_length=2000, label="Why it is not part of this problem")


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Problem.objects.none(), label="Merge into", empty_label="Choose the problem to keep"
    )
    reason = forms.CharField(widget=_textarea(2), max_length=2000, label="Why they are the same problem")

    def __init__(self, *args, problem: Problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Problem.objects.filter(status__in=OPEN_PROBLEM_STATUSES).exclude(pk=problem.pk).order_by("-pk")
        )
        self.fields["target"].label_from_instance = lambda p: f"#{p.pk} {p.title} ({p.get_status_display()})"


class ProblemOpenForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title", validators=[single_line])
    description = forms.CharField(widget=_textarea(3), max_length=10000, required=False, label="Description")
    source_kind = forms.ChoiceField(
        choices=SourceKind.choices, initial=SourceKind.FOUND_INTERNALLY, label="Source of the problem"
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="No category",
        label="Category",
    )
    product = forms.CharField(max_length=200, required=False, label="Product", validators=[single_line])


class OwnerRouteForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="Any category",
        label="Category",
    )
    product = forms.CharField(
        max_length=200,
        required=False,
        label="Product",
        validators=[single_line],
        help_text="Leave empty for every product.",
    )
    owner = _staff("Appropriate authority (owner)", empty_label="Choose a colleague")
