"""The case page's purchase facts, statutory position, weighed options and negotiation.

The case workspace (``putright.cases.views``) asks ``workspace_context`` for what these sections show;
each form here posts to its own URL under the case and calls one service in
``putright.resolution.services``. An invalid form re-renders the workspace (400) with the errors beside
the fields; a refused step comes back as a page message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from putright.cases import views as case_views
from putright.cases.choices import Status
from putright.cases.models import Case, Option
from putright.errors import DomainError
from putright.resolution import selectors, services
from putright.resolution.forms import (
    CatalogueChoiceForm,
    CounterOfferForm,
    OfferForm,
    OfferRejectForm,
    PurchaseFactsForm,
    SettleForm,
)
from putright.resolution.models import Offer

KIND_COLOURS = {
    Offer.Kind.OFFER: "blue",
    Offer.Kind.COUNTER_OFFER: "amber",
    Offer.Kind.ACCEPTED: "green",
    Offer.Kind.REJECTED: "red",
}


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def _live_options(case: Case):
    return Option.objects.filter(case=case, status__in=selectors.LIVE_OPTION_STATUSES).order_by(
        "created_at", "pk"
    )


def option_form_initial(request: HttpRequest, case: Case) -> dict:
    """``?catalogue=<id>`` prefills the option form from that catalogue entry, priced for this case."""
    choice = CatalogueChoiceForm(request.GET)
    if "catalogue" not in request.GET or not choice.is_valid():
        return {}
    entry = selectors.catalogue_active().filter(pk=choice.cleaned_data["catalogue"]).first()
    if entry is None:
        return {}
    return {
        "title": entry.name,
        "remedy_type": entry.remedy_type,
        "description": entry.description,
        "amount": entry.value_for(case.amount_in_dispute),
        "cost_to_organisation": entry.cost_for(case.amount_in_dispute),
        "days_to_deliver": entry.typical_days,
        "customer_benefit": entry.customer_benefit,
        "policy_fit": entry.policy_fit,
        "customer_advantages": entry.customer_advantages,
        "customer_disadvantages": entry.customer_disadvantages,
        "organisation_advantages": entry.organisation_advantages,
        "organisation_disadvantages": entry.organisation_disadvantages,
        "is_exception": entry.is_exception,
    }


def workspace_context(request: HttpRequest, case: Case, bound: dict, options: list[Option]) -> dict:
    """What the statutory and negotiation parts of the case page show (forms fresh or, after a failed
    POST, bound with their errors). ``options`` are the case's options, already read for the page."""

    def form(key: str, cls, **kwargs):
        return bound.get(key) or cls(auto_id=_auto_id(key), **kwargs)

    is_open = not case.is_closed
    live = [o for o in options if o.status in selectors.LIVE_OPTION_STATUSES]
    negotiating = is_open and case.status in services.NEGOTIATING and bool(live)
    offers = list(selectors.case_offers(case=case))
    answered = {o.responds_to_id for o in offers if o.responds_to_id is not None}
    offer_rows = []
    for offer in offers:
        offer.badge = KIND_COLOURS.get(offer.kind, "grey")
        # A customer's counter-offer nobody has answered, on an option still on the table.
        open_counter = (
            negotiating
            and offer.kind == Offer.Kind.COUNTER_OFFER
            and offer.pk not in answered
            and offer.option.status in selectors.LIVE_OPTION_STATUSES
        )
        offer_rows.append(
            {
                "offer": offer,
                "settle_form": form(f"settle{offer.pk}", SettleForm) if open_counter else None,
                "reject_form": form(f"reject{offer.pk}", OfferRejectForm) if open_counter else None,
            }
        )
    appraisal = selectors.case_appraisal(case=case, user=request.user, options=options)
    statutory = selectors.statutory_position(case)
    can_add = is_open and case.status == Status.OPTIONS
    return {
        "statutory": statutory,
        "statutory_unlisted": selectors.statutory_unlisted(case, statutory, options=options),
        "facts_form": form(
            "facts", PurchaseFactsForm, initial=PurchaseFactsForm.initial_from(case.purchase_facts)
        ),
        "appraisal": appraisal,
        "suggested": appraisal.best,
        "catalogue": list(selectors.catalogue_active()) if can_add else [],
        "offer_rows": offer_rows,
        "negotiating": negotiating,
        "offer_form": form("offer", OfferForm, options=live) if negotiating else None,
        "counter_form": form("counter", CounterOfferForm, options=live) if negotiating else None,
    }


def _back(case: Case, anchor: str) -> HttpResponse:
    return redirect(case_views.detail_url(case, anchor))


def _invalid(request: HttpRequest, case: Case, key: str, form) -> HttpResponse:
    return case_views.render_workspace(request, case, {key: form}, status=400)


# ---------------------------------------------------------------- purchase facts and statutory options


@case_views.workspace_post
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


@case_views.workspace_post
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


@case_views.workspace_post
def offer_make(request: HttpRequest, case: Case) -> HttpResponse:
    form = OfferForm(request.POST, auto_id=_auto_id("offer"), options=list(_live_options(case)))
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


@case_views.workspace_post
def offer_counter(request: HttpRequest, case: Case) -> HttpResponse:
    form = CounterOfferForm(request.POST, auto_id=_auto_id("counter"), options=list(_live_options(case)))
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


@case_views.workspace_post
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


@case_views.workspace_post
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
