"""Customer pages for staff: one person's record across cases, correcting it, joining a duplicate into
it, and the type-ahead lookup on *Log a report*. Staff only; merging needs a supervisor or above."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from putright.cases import services
from putright.cases.access import forbidden, staff_required
from putright.cases.models import Case, Promise
from putright.customers import selectors as customer_selectors
from putright.customers.models import Customer, MergeSuggestion
from putright.errors import DomainError
from putright.feedback.models import FeedbackItem
from putright.pages.customer_forms import CustomerCorrectForm, CustomerLookupForm, CustomerMergeForm
from putright.problems.models import Problem
from putright.vocab import PromiseStatus

OUTSTANDING_PROMISES = (PromiseStatus.OPEN, PromiseStatus.AT_RISK, PromiseStatus.BROKEN)


def customer_url(customer: Customer) -> str:
    return reverse("cases:customer_detail", args=[customer.pk])


def _correct_initial(customer: Customer) -> dict:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "lawful_basis": customer.lawful_basis,
        "support_needs": customer.support_needs,
    }


def _render(
    request: HttpRequest, customer: Customer, *, correct_form=None, merge_form=None, status: int = 200
) -> HttpResponse:
    cases = list(
        Case.objects.filter(customer=customer)
        .select_related("category", "assignee", "duplicate_of")
        .order_by("-created_at", "-pk")
    )
    promises = list(
        Promise.objects.filter(case__customer=customer, status__in=OUTSTANDING_PROMISES)
        .select_related("case", "owner")
        .order_by("due_at", "pk")
    )
    problems = list(Problem.objects.filter(links__case__customer=customer).distinct().order_by("-pk"))
    feedback = list(FeedbackItem.objects.filter(customer=customer).order_by("-created_at", "-pk")[:20])
    suggestions = list(
        MergeSuggestion.objects.filter(
            Q(customer=customer) | Q(similar_to=customer),
            resolved_at__isnull=True,
        ).select_related("customer", "similar_to")
    )
    for s in suggestions:
        s.other = s.similar_to if s.customer_id == customer.pk else s.customer
    may_merge = services.may_merge(request.user)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "cases": cases,
            "promises": promises,
            "problems": problems,
            "feedback": feedback,
            "suggestions": suggestions,
            "may_merge": may_merge,
            "correct_form": correct_form or CustomerCorrectForm(initial=_correct_initial(customer)),
            "merge_form": merge_form or CustomerMergeForm(),
        },
        status=status,
    )


@staff_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    if customer.merged_into_id is not None:
        # An old link to a joined record: show the person's record it now lives in.
        return redirect(customer_url(customer_selectors.customer_live(customer)))
    return _render(request, customer)


@staff_required
@require_POST
def customer_correct(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    form = CustomerCorrectForm(request.POST)
    if not form.is_valid():
        return _render(request, customer, correct_form=form, status=400)
    d = form.cleaned_data
    try:
        services.customer_correct(
            actor=request.user,
            customer=customer,
            details=services.CustomerDetails(
                name=d["name"],
                email=d["email"],
                phone=d["phone"],
                lawful_basis=d["lawful_basis"],
                support_needs=d["support_needs"],
                support_needs_consent=d["support_needs_consent"],
            ),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, customer, correct_form=form, status=400)
    messages.success(request, "Customer's details corrected.")
    return redirect(customer_url(customer))


@staff_required
@require_POST
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    if not services.may_merge(request.user):
        return forbidden(request)
    form = CustomerMergeForm(request.POST)
    if not form.is_valid():
        return _render(request, customer, merge_form=form, status=400)
    duplicate = Customer.objects.filter(pk=form.cleaned_data["duplicate"]).first()
    if duplicate is None:
        form.add_error("duplicate", "There is no customer record with that number.")
        return _render(request, customer, merge_form=form, status=400)
    try:
        services.customer_merge(
            actor=request.user, source=duplicate, target=customer, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, customer, merge_form=form, status=400)
    messages.success(request, f"Record #{duplicate.pk} joined into this one.")
    return redirect(customer_url(customer))


@staff_required
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The type-ahead on *Log a report*: a fragment of radio buttons to pick one customer."""
    form = CustomerLookupForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = customer_selectors.customer_lookup(query)
    return render(
        request,
        "customers/_lookup_results.html",
        {
            "found": found,
            "query": query,
            "too_short": len(query.strip()) < customer_selectors.LOOKUP_MIN_LENGTH,
        },
    )
