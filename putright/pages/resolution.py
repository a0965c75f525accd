"""The case page's purchase facts, statutory position, weighed options and negotiation: the forms.

Each form posts to its own URL under the case and calls one service in ``putright.resolution.services``.
An invalid form re-renders the workspace (400) with the errors beside the fields; a refused step comes
back as a page message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from putright.cases.access import detail_url, workspace_post
from putright.cases.models import Case
from putright.errors import DomainError
from putright.pages.resolution_sections import _auto_id, live_options
from putright.pages.workspace import render_workspace
from putright.resolution import services
from putright.resolution.forms import (
    CounterOfferForm,
    OfferForm,
    OfferRejectForm,
    PurchaseFactsForm,
    SettleForm,
)
from putright.resolution.models import Offer
from putright.vocab import Status


def _back(case: Case, anchor: str) -> HttpResponse:
    return redirect(detail_url(case, anchor))


def _invalid(request: HttpRequest, case: Case, key: str, form) -> HttpResponse:
    return render_workspace(request, case, {key: form}, status=400)


# ---------------------------------------------------------------- purchase facts and statutory options


@workspace_post
def facts_record(request: HttpRequest, case: Case) -> HttpResponse:
    form = PurchaseFactsForm(request.POST, auto_id=_auto_id("facts"))
    if not form.is_valid():
        return _invalid(request, case, "facts", form)
    try:
        case = services.case_facts_record(actor=request.user, case=case, facts=form.to_facts())
    except services.FactsInvalid as exc:
        # The engine's cross-field checks (e.g. a fault reported before delivery), beside the field.
        form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        return _invalid(request, case, "facts", form)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        finding = "a statutory breach" if case.is_statutory_breach else "an ordinary service issue"
        messages.success(request, f"Purchase facts saved: on these facts this is {finding}.")
    return _back(case, "statutory")


@workspace_post
def statutory_options_add(request: HttpRequest, case: Case) -> HttpResponse:
    try:
        created = services.statutory_options_add(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        names = "; ".join(o.title for o in created)
        messages.success(request, f"Listed {len(created)} statutory option(s): {names}.")
    return _back(case, "options")


# ---------------------------------------------------------------- negotiation (K3)


@workspace_post
def offer_make(request: HttpRequest, case: Case) -> HttpResponse:
    form = OfferForm(request.POST, auto_id=_auto_id("offer"), options=list(live_options(case)))
    if not form.is_valid():
        return _invalid(request, case, "offer", form)
    d = form.cleaned_data
    try:
        services.offer_make(
            actor=request.user, option=d["option"], method=d["method"], amount=d["amount"], terms=d["terms"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Offer recorded and confirmed to the customer in writing.")
    return _back(case, "negotiation")


@workspace_post
def offer_counter(request: HttpRequest, case: Case) -> HttpResponse:
    form = CounterOfferForm(request.POST, auto_id=_auto_id("counter"), options=list(live_options(case)))
    if not form.is_valid():
        return _invalid(request, case, "counter", form)
    d = form.cleaned_data
    try:
        services.offer_counter_record(
            actor=request.user, option=d["option"], amount=d["amount"], method=d["method"], terms=d["terms"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The customer's counter-offer is recorded.")
    return _back(case, "negotiation")


@workspace_post
def offer_settle(request: HttpRequest, case: Case, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=offer_id, case=case)
    key = f"settle{offer.pk}"
    form = SettleForm(request.POST, auto_id=_auto_id(key))
    if not form.is_valid():
        return _invalid(request, case, key, form)
    try:
        services.offer_settle(actor=request.user, offer=offer, note=form.cleaned_data["note"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        case.refresh_from_db()
        if case.status == Status.AWAITING_APPROVAL:
            messages.info(
                request,
                "Accepted on the customer's terms. It is beyond your authority, so it has gone for approval "
                "before it is proposed to the customer.",
            )
        else:
            messages.success(request, "Accepted on the customer's terms and proposed to them to confirm.")
    return _back(case, "negotiation")


@workspace_post
def offer_reject(request: HttpRequest, case: Case, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=offer_id, case=case)
    key = f"reject{offer.pk}"
    form = OfferRejectForm(request.POST, auto_id=_auto_id(key))
    if not form.is_valid():
        return _invalid(request, case, key, form)
    try:
        services.offer_reject(
            actor=request.user,
            offer=offer,
            method=form.cleaned_data["method"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Recorded as turned down.")
    return _back(case, "negotiation")
