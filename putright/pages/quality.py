"""Q1 on the staff pages: the "Handling scorecard" panel of a closed case, the handler's dispute of a
failed check, and the "Disputed checks" list where the handler's manager decides them.

Every form works without JavaScript; each POST calls one service of ``putright.quality.disputes``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from putright.cases.access import forbidden, staff_required, workspace_post
from putright.cases.models import Case
from putright.engines.quality import CHECK_TITLES
from putright.errors import DomainError
from putright.pages.quality_panel import DISPUTE_BADGES, DisputeForm, dispute_auto_id
from putright.pages.workspace import workspace_act
from putright.quality import access, disputes, selectors
from putright.quality.models import Dispute


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", "Uphold: overturn the fail to a pass"), ("reject", "Reject: the fail stands")],
        widget=forms.RadioSelect,
        label="Your decision",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=disputes.MAX_NOTE,
        required=False,
        label="Note to the handler",
        help_text="Required when you reject it: say why the fail stands.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the fail stands.")
        return data


@workspace_post
def scorecard_dispute(request: HttpRequest, case: Case) -> HttpResponse:
    check_id = request.POST.get("check_id", "")
    form = DisputeForm(request.POST, auto_id=dispute_auto_id(check_id))
    return workspace_act(
        request,
        case,
        key="dispute",
        form=form,
        anchor="scorecard",
        perform=lambda d: disputes.dispute_raise(
            actor=request.user, case=case, check_id=d["check_id"], note=d["note"]
        ),
        success="Your dispute is recorded: your manager will decide it.",
    )


def _rows(request: HttpRequest, bound: dict[int, DisputeDecisionForm] | None = None) -> dict:
    status = request.GET.get("status", "open")
    if status not in ("open", "upheld", "rejected", "all"):
        status = "open"
    waiting = selectors.disputes_for_decider(user=request.user, status="" if status == "all" else status)
    rows = []
    for dispute in waiting[:200]:
        form = None
        if dispute.status == Dispute.Status.OPEN:
            form = (bound or {}).get(dispute.pk) or DisputeDecisionForm(auto_id=f"id_decide{dispute.pk}_%s")
        rows.append({"dispute": dispute, "form": form, "badge": DISPUTE_BADGES[dispute.status]})
    mine = [
        {"dispute": d, "badge": DISPUTE_BADGES[d.status]}
        for d in selectors.disputes_raised_by(user=request.user)[:50]
    ]
    return {
        "rows": rows,
        "mine": mine,
        "status": status,
        "statuses": [("open", "Waiting"), ("upheld", "Upheld"), ("rejected", "Rejected"), ("all", "All")],
        "titles": CHECK_TITLES,
        "may_decide_any": access.decider_filter(request.user) is not None,
        "nav": "quality",
        "error_form": next(iter((bound or {}).values()), None),
    }


@staff_required
def disputed_checks(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/disputes.html", _rows(request))


@staff_required
def dispute_decide(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute.objects.select_related("case"), pk=dispute_id)
    if not access.may_decide(request.user, dispute):
        return forbidden(request)
    if request.method != "POST":
        return redirect("quality:disputes")
    form = DisputeDecisionForm(request.POST, auto_id=f"id_decide{dispute.pk}_%s")
    if not form.is_valid():
        return render(request, "quality/disputes.html", _rows(request, {dispute.pk: form}), status=400)
    try:
        disputes.dispute_decide(
            actor=request.user,
            dispute=dispute,
            uphold=form.cleaned_data["decision"] == "uphold",
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{dispute.case.reference}: “{CHECK_TITLES[dispute.check_id]}” "
            + ("overturned to a pass." if form.cleaned_data["decision"] == "uphold" else "stays a fail."),
        )
    return redirect(reverse("quality:disputes"))
