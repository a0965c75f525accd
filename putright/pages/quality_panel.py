"""The "Handling scorecard" panel of a closed case's page (Q1): the checks in words, a fail's link to its
event in the timeline, and the handler's dispute form under each failed check."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from putright.cases.models import Case
from putright.engines.quality import CHECK_IDS, CHECK_TITLES
from putright.quality import access, disputes, selectors

RESULT_BADGES = {"pass": "green", "fail": "red", "n/a": "grey"}
DISPUTE_BADGES = {"open": "amber", "upheld": "green", "rejected": "dark"}


def dispute_auto_id(check_id: str) -> str:
    return f"id_dispute_{check_id if check_id in CHECK_IDS else 'x'}_%s"


class DisputeForm(forms.Form):
    check_id = forms.ChoiceField(choices=[(c, CHECK_TITLES[c]) for c in CHECK_IDS], widget=forms.HiddenInput)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=disputes.MAX_NOTE,
        label="Why the check is wrong",
        help_text="Your manager reads this and decides. Point to what on the record shows it.",
    )


def workspace_context(request: HttpRequest, case: Case, bound: dict) -> dict:
    """The scorecard panel's part of the case page (closed cases only; two queries)."""
    if not case.is_closed:
        return {"scorecard": None}
    card = selectors.scorecard_for(case)
    can_dispute = card is not None and access.may_dispute(request.user, case)
    bound_form = bound.get("dispute")
    lines = []
    for line in card.lines if card else []:
        disputable = (
            can_dispute
            and line.engine_result == "fail"
            and (line.dispute is None or line.dispute.raised_at < card.scored_at)
        )
        form = None
        if disputable:
            if bound_form is not None and bound_form.data.get("check_id") == line.id:
                form = bound_form
            else:
                form = DisputeForm(auto_id=dispute_auto_id(line.id), initial={"check_id": line.id})
        lines.append(
            {
                "line": line,
                "badge": "green" if line.overturned else RESULT_BADGES[line.result],
                "dispute_badge": DISPUTE_BADGES.get(line.dispute.status, "grey") if line.dispute else "",
                "form": form,
            }
        )
    return {"scorecard": card, "scorecard_lines": lines, "scorecard_can_dispute": can_dispute}
