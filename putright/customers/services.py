"""Adding a customer from a report: attach to the same person's record, or add one (with a merge
suggestion where someone else already uses the address). Merging and correcting change cases, so they
live in ``putright.cases.services.customers``."""

from __future__ import annotations

from putright.customers.models import Customer, MergeSuggestion
from putright.customers.selectors import customer_match, customers_sharing_email

SAME_EMAIL_REASON = "Same e-mail address, different name"


def customer_find_or_add(candidate: Customer) -> tuple[Customer, str]:
    """``candidate`` is an unsaved record built from what the person wrote. Returns the stored customer
    and "matched" (normalised e-mail AND name both match a record: that one, unchanged) or "new".

    A report never changes a stored name, phone or consent: anyone can type anyone's address into the
    public form. The same e-mail under another name is a new record plus a merge suggestion (families
    share addresses): a supervisor decides, never the name alone.
    """
    matched = customer_match(email=candidate.email, name=candidate.name)
    if matched is not None:
        return matched, "matched"
    candidate.save()
    for other in customers_sharing_email(email=candidate.email, exclude_id=candidate.pk):
        MergeSuggestion.objects.get_or_create(
            customer=candidate,
            similar_to=other,
            defaults={"reason": SAME_EMAIL_REASON, "created_at": candidate.created_at},
        )
    return candidate, "new"
