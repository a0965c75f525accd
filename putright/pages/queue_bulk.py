"""The queue's bulk actions and saved filters (issue 12 §3).

A bulk action runs the single-case service on each selected case, one case at a time and each in its own
transaction: a case the service refuses (a closed case, another customer's, a step too far) is reported
with its reason and leaves the others done. Each changed case gets the audit event its service writes.
Afterwards the agent is back on the same queue page (same filters, same page) with what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from putright.authority.selectors import staff_users
from putright.cases import services
from putright.cases.access import staff_required
from putright.cases.models import Case, Category
from putright.errors import DomainError, PermissionDenied
from putright.search.saved_filters import queue_query_clean, saved_filter_create, saved_filter_delete
from putright.validators import CASE_REFERENCE_RE

# One request changes at most this many cases: a page of the queue is 50.
BULK_MAX = 100
NOBODY = "-"
# The refused cases listed one by one in the message; past this, a count.
LISTED_REFUSALS = 20


def _assignee_choices():
    people = [(u.username, u.get_full_name() or u.username) for u in staff_users()]
    return [("", "Choose a person…"), (NOBODY, "Nobody (unassign)"), *people]


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("assign", "Assign"), ("classify", "Classify"), ("duplicate", "Close as duplicate")]
    )
    assignee = forms.ChoiceField(required=False, label="Assign to")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Choose a category…",
        label="Category",
    )
    original = forms.CharField(
        max_length=30,
        required=False,
        label="Duplicate of",
        widget=forms.TextInput(attrs={"size": 15, "aria-describedby": "bulk-original-hint"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once: a callable would be read again each time the select is drawn.
        self.fields["assignee"].choices = _assignee_choices()

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", "Choose who gets the cases, or “Nobody” to unassign them.")
        if action == "classify" and not data.get("category"):
            self.add_error("category", "Choose the category.")
        if action == "duplicate":
            reference = (data.get("original") or "").strip().upper()
            if not reference:
                self.add_error("original", "Give the reference of the case that carries on.")
            elif not CASE_REFERENCE_RE.fullmatch(reference):
                self.add_error("original", f"“{reference}” is not a case reference (like PR-2026-000123).")
            else:
                data["original"] = reference
        return data


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    """The queue page the action came from: its own filters (cleaned) and its page number."""
    try:
        query = queue_query_clean(request.POST.get("return_query", ""))
    except DomainError:
        query = ""
    page = request.POST.get("return_page", "")
    if page.isdigit() and 1 < int(page) < 1_000_000:
        query = f"{query}&page={int(page)}" if query else f"page={int(page)}"
    return redirect(reverse("cases:queue") + (f"?{query}" if query else ""))


def _run(outcome: BulkOutcome, case: Case, perform) -> None:
    try:
        with transaction.atomic():
            result = perform(case)
    except DomainError as exc:
        outcome.refused.append((case.reference, exc.message))
    except PermissionDenied:
        outcome.refused.append((case.reference, "you may not change this case"))
    else:
        if result is False:
            return
        outcome.done.append(case.reference)


def _report(request: HttpRequest, outcome: BulkOutcome, done_text: str) -> None:
    n = len(outcome.done)
    if n:
        messages.success(request, f"{done_text} {n} case{'s' if n != 1 else ''}: {', '.join(outcome.done)}.")
    for reference, why in outcome.unchanged:
        messages.info(request, f"{reference}: {why}")
    for reference, why in outcome.refused[:LISTED_REFUSALS]:
        messages.error(request, f"{reference} was not changed: {why}")
    if len(outcome.refused) > LISTED_REFUSALS:
        messages.error(request, f"{len(outcome.refused) - LISTED_REFUSALS} more cases were not changed.")
    if not (n or outcome.unchanged or outcome.refused):
        messages.info(request, "Nothing was changed.")


@staff_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    # A reference is short: anything longer is cut, so a message never repeats a page of junk.
    references = list(
        dict.fromkeys(r.strip().upper()[:30] for r in request.POST.getlist("case") if r.strip())
    )
    if not references:
        messages.error(request, "Select at least one case first (tick the boxes in the first column).")
        return _back_to_queue(request)
    if len(references) > BULK_MAX:
        messages.error(
            request,
            f"Select at most {BULK_MAX} cases at a time: you selected {len(references)}. Nothing was changed.",
        )
        return _back_to_queue(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{error} Nothing was changed.")
        return _back_to_queue(request)
    d = form.cleaned_data
    valid = [r for r in references if CASE_REFERENCE_RE.fullmatch(r)]
    found = {
        c.reference: c
        for c in Case.objects.select_related("assignee", "category").filter(reference__in=valid)
    }
    outcome = BulkOutcome(refused=[(r, "there is no such case") for r in references if r not in found])
    cases = [found[r] for r in references if r in found]
    actor = request.user

    if d["action"] == "assign":
        assignee = None if d["assignee"] == NOBODY else staff_users().filter(username=d["assignee"]).first()
        name = (assignee.get_full_name() or assignee.username) if assignee else ""

        def perform(case):
            if case.assignee_id == (assignee.pk if assignee else None):
                outcome.unchanged.append(
                    (case.reference, f"already {'with ' + name if assignee else 'unassigned'}.")
                )
                return False
            return services.case_assign(actor=actor, case=case, assignee=assignee)

        done_text = f"Assigned to {name}:" if assignee else "Unassigned"
    elif d["action"] == "classify":
        category = d["category"]

        def perform(case):
            if case.category_id == category.pk:
                outcome.unchanged.append((case.reference, f"already in {category.name}."))
                return False
            return services.case_classify(
                actor=actor, case=case, source_kind=case.source_kind, category_id=category.pk
            )

        done_text = f"Classified as {category.name}:"
    else:
        original = Case.objects.filter(reference=d["original"]).first()
        if original is None:
            messages.error(request, f"There is no case {d['original']}. Nothing was changed.")
            return _back_to_queue(request)

        def perform(case):
            return services.case_close_duplicate(actor=actor, case=case, original=original)

        done_text = f"Closed as duplicates of {original.reference}:"

    for case in cases:
        _run(outcome, case, perform)
    _report(request, outcome, done_text)
    return _back_to_queue(request)


@staff_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    try:
        saved = saved_filter_create(
            actor=request.user, name=request.POST.get("name", ""), query=request.POST.get("return_query", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Saved the filter “{saved.name}”. It is listed beside the filters.")
    return _back_to_queue(request)


@staff_required
@require_POST
def saved_filter_remove(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    try:
        name = saved_filter_delete(actor=request.user, saved_filter_id=saved_filter_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Deleted the saved filter “{name}”.")
    return _back_to_queue(request)
