"""Forms for the deadlines page, the case's clocks panel and drafting the final letter: shape only;
the services decide."""

from __future__ import annotations

from django import forms

from putright.caseforms.forms import CUSTOMER_REGIONS, OTHER_ROUTES
from putright.engines import routes as routes_engine
from putright.engines.deadlines.regimes import LABELS
from putright.regulation.models import KIND_CHOICES
from putright.regulation.selectors import SHOW_CHOICES, WITHIN_CHOICES
from putright.regulation.services import MANUAL_KINDS
from putright.validators import single_line


class DeadlineFilterForm(forms.Form):
    within = forms.TypedChoiceField(
        choices=WITHIN_CHOICES, coerce=int, required=False, initial=7, label="Due"
    )
    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False, initial="all", label="Show")
    scope = forms.ChoiceField(
        choices=[("team", "Whole team"), ("mine", "My cases")], required=False, initial="team", label="Cases"
    )
    kind = forms.ChoiceField(choices=[("", "Every kind"), *KIND_CHOICES], required=False, label="Kind")


class ClockStartForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, LABELS[k]) for k in MANUAL_KINDS], label="Deadline to start")
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Starting from",
        help_text="The day the request was received, or the refund agreed. Empty: today. "
        "DISP deadlines always run from the day the complaint was received.",
    )
    note = forms.CharField(max_length=300, required=False, validators=[single_line], label="Note")


class ClockMetForm(forms.Form):
    note = forms.CharField(
        max_length=300,
        required=False,
        validators=[single_line],
        label="What was done",
        help_text="For example the payment reference, or how the data was sent.",
    )


class ClockStopForm(forms.Form):
    reason = forms.CharField(
        min_length=5, max_length=300, validators=[single_line], label="Why it no longer applies"
    )


class ClockExtendForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=10,
        max_length=1000,
        label="Why we need more time (sent to the customer)",
    )


class LetterDraftForm(forms.Form):
    """What "Draft the letter" reads from the close-unresolved form (same field names)."""

    reasons = forms.CharField(min_length=20, max_length=5000, label="Why we cannot resolve it")
    routes = forms.MultipleChoiceField(choices=[(r, r) for r in OTHER_ROUTES], required=False)
    other_route = forms.CharField(max_length=300, required=False, validators=[single_line])
    decision = forms.ChoiceField(choices=[(d.value, d.value) for d in routes_engine.Decision], required=False)
    customer_region = forms.ChoiceField(choices=[("", ""), *CUSTOMER_REGIONS], required=False)
    supply = forms.ChoiceField(
        choices=[("", ""), *((s.value, s.value) for s in routes_engine.Supply)], required=False
    )

    def extra_routes(self) -> list[str]:
        routes = list(self.cleaned_data.get("routes") or [])
        own = (self.cleaned_data.get("other_route") or "").strip()
        return [*routes, own] if own else routes
