"""Finding customers: the match a report attaches to, records that may be the same person, and the
type-ahead lookup staff use when logging a call."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from putright.customers.models import Customer
from putright.customers.normalise import email_key, name_key, phone_key

LOOKUP_LIMIT = 10
LOOKUP_MIN_LENGTH = 2


def live() -> QuerySet[Customer]:
    """Records still in use: one merged into another is only kept for what pointed at it."""
    return Customer.objects.filter(merged_into__isnull=True)


def customer_match(*, email: str, name: str) -> Customer | None:
    """The record a report attaches to on its own: the normalised e-mail AND name both match."""
    return (
        live()
        .filter(email_key=email_key(email), name_key=name_key(name))
        .order_by("created_at", "pk")
        .first()
    )


def customers_sharing_email(*, email: str, exclude_id: int | None = None) -> list[Customer]:
    qs = live().filter(email_key=email_key(email)).order_by("created_at", "pk")
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs)


def customer_live(customer: Customer) -> Customer:
    """Follow a merged record to the one it joined (a stale link or form may still name it)."""
    seen = {customer.pk}
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        if customer.pk in seen:  # never loops in practice: merge refuses a merged record
            break
        seen.add(customer.pk)
    return customer


def customer_lookup(query: str) -> list[Customer]:
    """Type-ahead for staff: by name (any word of it), e-mail, phone or the order reference on one of their
    cases. Short queries answer nothing rather than the whole customer list."""
    query = (query or "").strip()
    if len(query) < LOOKUP_MIN_LENGTH:
        return []
    condition = Q(email_key__contains=email_key(query)) | Q(cases__order_reference__iexact=query)
    if name_key(query):
        condition |= Q(name_key__contains=name_key(query))
    digits = phone_key(query)
    if len(digits) >= 4:
        condition |= Q(phone_key__contains=digits)
    return list(live().filter(condition).distinct().order_by("name", "pk")[:LOOKUP_LIMIT])
