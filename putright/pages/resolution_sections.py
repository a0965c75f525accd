"""What the case workspace shows of the purchase facts, statutory position, weighed options and
negotiation (P1, P3, K3): ``workspace_context`` for ``putright.pages.workspace``."""

from __future__ import annotations

from django.http import HttpRequest

from putright.cases.models import Case, Option
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
from putright.vocab import Status

KIND_COLOURS = {
    Offer.Kind.OFFER: "blue",
    Offer.Kind.COUNTER_OFFER: "amber",
    Offer.Kind.ACCEPTED: "green",
    Offer.Kind.REJECTED: "red",
}


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def live_options(case: Case):
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
