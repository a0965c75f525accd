"""The forms of the teams pages: a team, a handler's cap and availability, an assignment rule."""

from __future__ import annotations

from django import forms

from putright.authority.models import Team
from putright.authority.selectors import staff_users
from putright.authority.teams import MAX_CAP
from putright.cases.models import Category
from putright.validators import single_line
from putright.vocab import Channel


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class StaffMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return StaffChoice.label_from_instance(self, obj)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[single_line], label="Team name")
    lead = StaffChoice(
        queryset=staff_users(),
        required=False,
        empty_label="No lead",
        label="Lead",
        help_text="Alerted when a new case finds every member away or at their cap.",
    )
    members = StaffMultipleChoice(
        queryset=staff_users(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members",
        help_text="New cases go round them in order of username.",
    )


class CapForm(forms.Form):
    max_open_cases = forms.IntegerField(
        min_value=0,
        max_value=MAX_CAP,
        label="Most open cases",
        help_text="Assignment rules give this handler no new case once they hold this many open ones.",
    )


class AvailabilityForm(forms.Form):
    away = forms.BooleanField(required=False, label="Away: give me no new cases")
    away_note = forms.CharField(
        max_length=200,
        required=False,
        validators=[single_line],
        label="Note for colleagues",
        help_text="For example: on leave until Monday 14th.",
    )


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[single_line], label="Rule name")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"), required=False, empty_label="Any category"
    )
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), empty_label=None, label="Send to team"
    )
    assign_round_robin = forms.BooleanField(
        required=False, initial=True, label="Also give each case to the team's next available handler"
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")


class TeamSetForm(forms.Form):
    """Move a case to a team's queue (the case page)."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="No team", label="Team"
    )
