"""The forms of the improvements pages (issue 14 §1–§2): each transition its own small form."""

from __future__ import annotations

import re

from django import forms

from putright.authority.models import Team
from putright.authority.selectors import staff_users
from putright.cases.models import Case, Category
from putright.engines.metrics import METRICS
from putright.improvements.models import Decision, EvidenceKind, Stage, StepKind
from putright.insights.samples import BASELINE_REFUSALS
from putright.pages.team_forms import StaffChoice, StaffMultipleChoice
from putright.problems.models import Problem
from putright.procedures.models import Procedure
from putright.validators import CASE_REFERENCE_RE, single_line
from putright.vocab import Channel, SourceKind

METRIC_CHOICES = [(m.id, m.title) for m in METRICS]
BASELINE_METRIC_CHOICES = [(m.id, m.title) for m in METRICS if m.id not in BASELINE_REFUSALS]


class DateInput(forms.DateInput):
    input_type = "date"


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), help_text=help_text)


class BoardFilterForm(forms.Form):
    stage = forms.ChoiceField(choices=[("", "Every stage"), *Stage.choices], required=False, label="Stage")
    owner = StaffChoice(queryset=staff_users(), required=False, empty_label="Anyone", label="Owner")


def _references(text: str) -> list[str]:
    found = [r.upper() for r in re.split(r"[\s,;]+", text.strip()) if r]
    bad = [r for r in found if not CASE_REFERENCE_RE.fullmatch(r)]
    if bad:
        raise forms.ValidationError(
            f"Not a case reference: {', '.join(bad[:3])} (they look like PR-2026-000123)."
        )
    return found


class ProposeForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[single_line], label="Title")
    rationale = forms.CharField(
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Rationale",
        help_text="Why this change: what goes wrong now and for whom.",
    )
    owner = StaffChoice(
        queryset=staff_users(),
        required=False,
        empty_label="Decide later",
        label="Owner",
        help_text="Who implements it.",
    )
    problems = forms.ModelMultipleChoiceField(
        queryset=Problem.objects.order_by("-pk"),
        required=False,
        label="Problems",
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
    )
    cases = forms.CharField(
        max_length=1000, required=False, label="Cases", help_text="References, separated by spaces or commas."
    )
    theme = forms.CharField(max_length=100, required=False, validators=[single_line], label="Feedback theme")
    metric = forms.ChoiceField(choices=[("", "None"), *METRIC_CHOICES], required=False, label="Metric figure")
    metric_text = forms.CharField(
        max_length=500,
        required=False,
        validators=[single_line],
        label="The figure in words",
        help_text="E.g. broken promises in deliveries rose to 18%.",
    )
    note = forms.CharField(max_length=500, required=False, validators=[single_line], label="Note")

    def clean_cases(self) -> list[Case]:
        references = _references(self.cleaned_data["cases"])
        found = {c.reference: c for c in Case.objects.filter(reference__in=references)}
        missing = [r for r in references if r not in found]
        if missing:
            raise forms.ValidationError(f"No case {', '.join(missing[:3])}.")
        return [found[r] for r in references]

    def clean(self):
        data = super().clean()
        if data.get("metric") and not data.get("metric_text"):
            self.add_error("metric_text", "Say what the figure shows.")
        return data


class EditForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[single_line], label="Title")
    rationale = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), label="Rationale")
    owner = StaffChoice(queryset=staff_users(), required=False, empty_label="Decide later", label="Owner")


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices, label="Kind of evidence")
    problem = forms.ModelChoiceField(
        queryset=Problem.objects.order_by("-pk"), required=False, empty_label="—", label="Problem"
    )
    case = forms.CharField(max_length=30, required=False, label="Case reference")
    term = forms.CharField(max_length=100, required=False, validators=[single_line], label="Feedback theme")
    metric = forms.ChoiceField(choices=[("", "—"), *METRIC_CHOICES], required=False, label="Metric")
    text = forms.CharField(
        max_length=500,
        required=False,
        validators=[single_line],
        label="In words",
        help_text="The figure, or the note.",
    )

    def clean_case(self) -> Case | None:
        references = _references(self.cleaned_data["case"])
        if not references:
            return None
        found = Case.objects.filter(reference=references[0]).first()
        if found is None:
            raise forms.ValidationError(f"No case {references[0]}.")
        return found


class PlanForm(forms.Form):
    metric = forms.ChoiceField(
        choices=BASELINE_METRIC_CHOICES,
        label="Baseline metric",
        help_text="Measured over the baseline window and frozen when approved.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Any",
        label="Category",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="Any", label="Team"
    )
    handler = StaffChoice(queryset=staff_users(), required=False, empty_label="Any", label="Handler")
    channel = forms.ChoiceField(choices=[("", "Any"), *Channel.choices], required=False, label="Channel")
    source_kind = forms.ChoiceField(
        choices=[("", "Any"), *SourceKind.choices], required=False, label="Source kind"
    )
    baseline_start = _date("Baseline from")
    baseline_end = _date("Baseline to", "A window that has ended; the Check measures one as long after Do.")
    target = forms.FloatField(
        label="Target", help_text="In the metric's unit; for a rate a percentage (90 for 90%)."
    )
    review_date = _date("Review date", "The owner is alerted to run the Check on this day.")
    owner = StaffChoice(queryset=staff_users(), required=False, empty_label="Keep as it is", label="Owner")

    def filters(self) -> dict:
        d = self.cleaned_data
        return {
            key: value
            for key, value in {
                "category": d["category"].slug if d.get("category") else "",
                "team": d["team"].pk if d.get("team") else None,
                "handler": d["handler"].pk if d.get("handler") else None,
                "channel": d.get("channel") or "",
                "source_kind": d.get("source_kind") or "",
            }.items()
            if value not in ("", None)
        }


class StepForm(forms.Form):
    kind = forms.ChoiceField(choices=StepKind.choices, label="Kind of step")
    text = forms.CharField(max_length=500, validators=[single_line], label="What")
    owner = StaffChoice(queryset=staff_users(), label="Owner")
    due_date = _date("Due")
    procedure = forms.ModelChoiceField(
        queryset=Procedure.objects.filter(active=True).order_by("title"),
        required=False,
        empty_label="—",
        label="Procedure to update",
        help_text="For “update a procedure”.",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


class StepDoneForm(forms.Form):
    evidence = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Evidence",
        help_text="What shows it is done.",
    )
    colleagues = StaffMultipleChoice(
        queryset=staff_users(),
        required=False,
        label="Colleagues told",
        help_text="Each is asked to acknowledge the change in the app.",
    )
    procedure_body = forms.CharField(
        max_length=100_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        label="The procedure's new text (Markdown)",
    )
    change_note = forms.CharField(
        max_length=500, required=False, validators=[single_line], label="Change note"
    )


class ActForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect, label="Decision")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


class CandidateForm(forms.Form):
    key = forms.CharField(max_length=300)
