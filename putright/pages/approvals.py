"""K4 approvals with context: what waits for my decision (oldest first, sortable, with how long each has
waited), the case's options side by side with their appraisal and the customer's legal position, and
the decision itself from the list, through the same service and checks as the case page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from putright import clock
from putright.authority.models import Approval
from putright.cases import selectors, services
from putright.cases.access import staff_required
from putright.cases.forms import ApprovalDecisionForm
from putright.cases.models import Option
from putright.errors import DomainError
from putright.pages.workspace import APPROVAL_COLOURS, auto_id
from putright.resolution import selectors as resolution_selectors
from putright.resolution.statutory import TEMPLATES, spoken


# How the list may be ordered: the key for each approval (ties broken by the oldest request first).
def _waited(a: Approval):
    return (a.created_at, a.pk)


SORTS = {
    "oldest": ("Waiting longest first", _waited),
    "newest": ("Newest first", lambda a: (-a.created_at.timestamp(), -a.pk)),
    "value_high": ("Highest value first", lambda a: (-a.option.amount, *_waited(a))),
    "value_low": ("Lowest value first", lambda a: (a.option.amount, *_waited(a))),
    "case": ("Case reference", lambda a: (a.case.reference, *_waited(a))),
}


class ApprovalSortForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()], required=False, label="Sort by"
    )


def waiting_words(waited: timedelta) -> str:
    """How long a request has waited, in the two largest units a person reads at a glance."""
    minutes = max(int(waited.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    return " ".join(shown) or "under a minute"


@dataclass
class ApprovalRow:
    approval: Approval
    form: ApprovalDecisionForm
    waited: str
    # Waiting a working week or more is flagged: the customer is waiting for us too.
    long_wait: bool
    appraisal: resolution_selectors.CaseAppraisal
    position: resolution_selectors.StatutoryPosition | None
    # The remedies the law gives the customer today, one line each: what an approver weighs first.
    remedies: list[str]
    error: str = ""


def remedies_today(position: resolution_selectors.StatutoryPosition | None) -> list[str]:
    if position is None or position.assessment is None:
        return []
    lines = []
    for remedy in position.assessment.remedies:
        template = TEMPLATES.get(remedy.remedy)
        name = template.title if template is not None else remedy.remedy.replace("_", " ")
        until = f", until {spoken(remedy.available_until)}" if remedy.available_until else ""
        lines.append(f"{name} ({remedy.rule}{until})")
    return lines


def _rows(request: HttpRequest, approvals: list[Approval], bound: dict | None = None) -> list[ApprovalRow]:
    """Each approval with its case's options appraised and the legal position: the options of every case,
    their listing on the timeline, the limits and the weights each read once, whatever the number of rows."""
    bound = bound or {}
    now = clock.now()
    options_by_case: dict[int, list[Option]] = defaultdict(list)
    for option in Option.objects.filter(case_id__in={a.case_id for a in approvals}).order_by(
        "created_at", "pk"
    ):
        options_by_case[option.case_id].append(option)
    role_limits = resolution_selectors.role_limits_all()
    weights = resolution_selectors.weights_current()
    # Whether each statutory option's purchase facts changed since it was listed (K4.statutory).
    facts_changed = services.facts_changed_by_option(options_by_case.keys())
    rows = []
    for approval in approvals:
        key = f"appr{approval.pk}"
        waited = now - approval.created_at
        position = resolution_selectors.statutory_position(approval.case)
        rows.append(
            ApprovalRow(
                approval=approval,
                form=bound.get(key) or ApprovalDecisionForm(auto_id=auto_id(key)),
                waited=waiting_words(waited),
                long_wait=waited >= timedelta(days=5),
                appraisal=resolution_selectors.case_appraisal(
                    case=approval.case,
                    user=request.user,
                    weights=weights,
                    options=options_by_case[approval.case_id],
                    role_limits=role_limits,
                    facts_changed=facts_changed,
                ),
                position=position,
                remedies=remedies_today(position),
            )
        )
    return rows


def _render(request: HttpRequest, bound: dict | None = None, status: int = 200) -> HttpResponse:
    sort_form = ApprovalSortForm(request.GET or None)
    sort = "oldest"
    if request.GET and not sort_form.is_valid():
        status = 400
    elif request.GET:
        sort = sort_form.cleaned_data["sort"] or "oldest"
    pending = sorted(selectors.approvals_for_user(user=request.user), key=SORTS[sort][1])
    requested = list(selectors.approvals_requested_by(user=request.user))
    for approval in requested:
        approval.badge = APPROVAL_COLOURS.get(approval.status, "grey")
    bound = bound or {}
    return render(
        request,
        "cases/approvals.html",
        {
            "rows": _rows(request, pending, bound),
            "requested": requested,
            "sort_form": sort_form,
            "sort": sort,
            "nav": "approvals",
            "error_form": next((f for f in bound.values() if f.errors), None),
        },
        status=status,
    )


@staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _row_fragment(request: HttpRequest, approval: Approval, form, error: str, status: int) -> HttpResponse:
    """The one request again, with what went wrong beside its buttons (an htmx decision that failed)."""
    [row] = _rows(request, [approval], {f"appr{approval.pk}": form})
    row.error = error
    return render(request, "cases/_approval_row.html", {"row": row}, status=status)


@staff_required
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(
        Approval.objects.select_related("case", "option", "requested_by", "assigned_to"), pk=approval_id
    )
    if request.method != "POST":
        return redirect("cases:approvals")
    key = f"appr{approval.pk}"
    form = ApprovalDecisionForm(request.POST, auto_id=auto_id(key))
    if not form.is_valid():
        if request.htmx:
            return _row_fragment(request, approval, form, "", status=400)
        return _render(request, {key: form}, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.approval_decide(
            actor=request.user, approval=approval, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        if request.htmx:
            return _row_fragment(request, approval, form, exc.message, status=409)
        messages.error(request, exc.message)
        return redirect("cases:approvals")
    verb = "Approved" if approve else "Rejected"
    done = f"{verb} \u201c{approval.option.title}\u201d on {approval.case.reference}."
    if request.htmx:
        return render(request, "cases/_approval_decided.html", {"approval": approval, "done": done})
    messages.success(request, done)
    return redirect("cases:approvals")
