"""K4 approvals with context: what waits for my decision (oldest first, sortable, with how long each has
waited), the case's options side by side with their appraisal and the customer's legal position, and
the decision itself from the list, through the same service and checks as the case page; and several
decided together with one note, each through that service in its own transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from putright import clock
from putright.authority.models import Approval
from putright.cases import selectors, services
from putright.cases.access import staff_required
from putright.cases.models import Option
from putright.errors import DomainError
from putright.pages.workspace import APPROVAL_COLOURS, auto_id
from putright.pages.workspace_forms import ApprovalDecisionForm
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


# One bulk decision decides at most this many requests (each is its own transaction and alert).
BULK_MAX = 50


class IdListField(forms.Field):
    """Approval ids from ticked boxes: whole numbers, each once, at most ``BULK_MAX``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids: list[int] = []
        for item in value or []:
            text = str(item).strip()
            if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) < 1:
                raise forms.ValidationError(
                    "Those requests could not be read: reload the page and try again."
                )
            if int(text) not in ids:
                ids.append(int(text))
        return ids


class BulkDecisionForm(forms.Form):
    approvals = IdListField(required=False, label="Requests to decide")
    # Every request listed on the page, for "all listed" (works without JavaScript).
    shown = IdListField(required=False, label="Requests listed")
    all_shown = forms.BooleanField(required=False, label="Every request listed on this page")
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")], label="Decision")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        label="Note for every request ticked",
        help_text="Optional when approving; required when rejecting. Each case's timeline records it.",
    )
    sort = forms.ChoiceField(choices=ApprovalSortForm.base_fields["sort"].choices, required=False)

    def clean(self):
        data = super().clean()
        chosen = list(data.get("shown") or []) if data.get("all_shown") else list(data.get("approvals") or [])
        if not chosen and "approvals" not in self.errors and "shown" not in self.errors:
            self.add_error("approvals", "Tick the requests to decide, or tick every request listed.")
        elif len(chosen) > BULK_MAX:
            self.add_error("approvals", f"Decide at most {BULK_MAX} requests at once.")
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the options are not approved.")
        data["chosen"] = chosen
        return data


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


def _render(
    request: HttpRequest,
    bound: dict | None = None,
    status: int = 200,
    *,
    bulk_form: BulkDecisionForm | None = None,
    sort_data=None,
) -> HttpResponse:
    sort_data = request.GET if sort_data is None else sort_data
    sort_form = ApprovalSortForm(sort_data or None)
    sort = "oldest"
    if sort_data and not sort_form.is_valid():
        status = 400
    elif sort_data:
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
            "bulk_form": bulk_form or BulkDecisionForm(auto_id=auto_id("bulk"), initial={"sort": sort}),
            "bulk_max": BULK_MAX,
            "bulk_picked": bulk_form.data.getlist("approvals") if bulk_form is not None else [],
            "error_form": next((f for f in [*bound.values(), bulk_form] if f is not None and f.errors), None),
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


@dataclass
class BulkResult:
    reference: str
    title: str
    error: str = ""


def _decide_each(request: HttpRequest, ids: list[int], approve: bool, note: str) -> list[BulkResult]:
    """Each request through ``approval_decide`` in its own transaction: one refused (no authority, your own
    request, already decided) leaves it exactly as it was and the others are still decided."""
    found = Approval.objects.select_related("case", "option").in_bulk(ids)
    results = []
    for pk in ids:
        approval = found.get(pk)
        if approval is None:
            results.append(BulkResult(reference=f"Request {pk}", title="", error="There is no such request."))
            continue
        result = BulkResult(reference=approval.case.reference, title=approval.option.title)
        try:
            services.approval_decide(actor=request.user, approval=approval, approve=approve, note=note)
        except DomainError as exc:
            result.error = exc.message
        results.append(result)
    return results


@staff_required
def approvals_bulk_decide(request: HttpRequest) -> HttpResponse:
    """Approve or reject the ticked requests with one note; the list comes back in the same order."""
    if request.method != "POST":
        return redirect("cases:approvals")
    form = BulkDecisionForm(request.POST, auto_id=auto_id("bulk"))
    if not form.is_valid():
        sort = {"sort": request.POST.get("sort", "")} if request.POST.get("sort") in SORTS else {}
        return _render(request, status=400, bulk_form=form, sort_data=sort)
    approve = form.cleaned_data["decision"] == "approve"
    results = _decide_each(request, form.cleaned_data["chosen"], approve, form.cleaned_data["note"])
    decided = [r for r in results if not r.error]
    if decided:
        verb = "Approved" if approve else "Rejected"
        names = "; ".join(f"{r.reference} (\u201c{r.title}\u201d)" for r in decided)
        messages.success(
            request, f"{verb} {len(decided)} request{'s' if len(decided) != 1 else ''}: {names}."
        )
    for r in results:
        if r.error:
            what = f"{r.reference} (\u201c{r.title}\u201d)" if r.title else r.reference
            messages.error(request, f"Not decided: {what}: {r.error}")
    url = reverse("cases:approvals")
    sort = form.cleaned_data["sort"]
    return redirect(f"{url}?sort={sort}" if sort else url)
