"""One customer across cases: staff correcting a record, and merging two records that are one person.

These live with the case services, not in the customers room, because they change cases (each
affected case gets an event on its audit timeline) and the customers room sits below cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Min

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.models import Case
from putright.cases.services._common import _clean, _event, _require_staff
from putright.customers.models import Customer, MergeSuggestion
from putright.errors import DomainError, ErrorCode, PermissionDenied

# Merging joins two people's histories and is hard to undo: a supervisor decides.
MERGE_ROLE = Role.SUPERVISOR


def may_merge(user) -> bool:
    return user is not None and has_role_at_least(user, MERGE_ROLE)


@dataclass(frozen=True)
class CustomerDetails:
    name: str
    email: str
    phone: str
    lawful_basis: str
    support_needs: str = ""
    # The person agreed that we keep what would help them (a vulnerability is special-category data).
    support_needs_consent: bool = False


def _snapshot(customer: Customer) -> dict:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "lawful_basis": customer.lawful_basis,
        "support_needs": customer.support_needs,
    }


def customer_correct(*, actor, customer: Customer, details: CustomerDetails) -> Customer:
    """Staff correct a record's details; every case of the customer records what changed."""
    _require_staff(actor)
    name = _clean(details.name, field="Name", max_len=200)
    email = _clean(details.email, field="E-mail", max_len=254)
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter a valid e-mail address.") from None
    phone = _clean(details.phone, field="Phone", required=False, max_len=40)
    support_needs = _clean(details.support_needs, field="Support needs", required=False, max_len=2000)
    if details.lawful_basis not in Customer.LawfulBasis.values:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Unknown lawful basis {details.lawful_basis!r}.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.merged_into_id is not None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "This record was merged into another; correct that one."
            )
        if support_needs and support_needs != customer.support_needs and not details.support_needs_consent:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "Support needs are only recorded with the customer's consent: tick that they agreed.",
            )
        before = _snapshot(customer)
        customer.name, customer.email, customer.phone = name, email, phone
        customer.lawful_basis = details.lawful_basis
        if support_needs != customer.support_needs:
            customer.support_needs = support_needs
            customer.support_needs_consent_at = clock.now() if support_needs else None
        after = _snapshot(customer)
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return customer
        customer.save()
        for case in Case.objects.select_for_update().filter(customer=customer).order_by("pk"):
            _event(
                case,
                actor,
                "customer.corrected",
                f"Customer's details corrected: {', '.join(k.replace('_', ' ') for k in changed)}",
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
    return customer


def customer_merge(*, actor, source: Customer, target: Customer, reason: str) -> Customer:
    """A supervisor joins ``source`` into ``target`` (see ``_merge``)."""
    _require_staff(actor)
    if not may_merge(actor):
        raise PermissionDenied("only a supervisor or above may merge customers")
    reason = _clean(reason, field="Reason for merging", max_len=500)
    return _merge(actor=actor, source=source, target=target, reason=reason)


def _merge(*, actor, source: Customer, target: Customer, reason: str) -> Customer:
    """Everything that pointed at ``source`` now points at ``target``; ``source`` keeps its row, marked
    merged. Each case of either record gets a ``customer.merged`` event. ``target`` keeps its details,
    taking the other's phone or support needs only where its own are blank."""
    if source.pk == target.pk:
        raise DomainError(ErrorCode.INVALID_INPUT, "A customer cannot be merged into itself.")
    now = clock.now()
    with transaction.atomic():
        # Lock both in a fixed order so two merges of the same pair cannot deadlock.
        locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id is not None or target.merged_into_id is not None:
            raise DomainError(ErrorCode.INVALID_INPUT, "One of these records was already merged.")
        moved = list(Case.objects.select_for_update().filter(customer=source).order_by("pk"))
        kept = list(Case.objects.select_for_update().filter(customer=target).order_by("pk"))
        _references_repoint(source, target)
        if not target.phone and source.phone:
            target.phone = source.phone
        if not target.support_needs and source.support_needs:
            target.support_needs = source.support_needs
            target.support_needs_consent_at = source.support_needs_consent_at
        target.save()
        source.merged_into, source.merged_at = target, now
        source.save(update_fields=["merged_into", "merged_at"])
        MergeSuggestion.objects.filter(customer__in=[source, target], resolved_at__isnull=True).update(
            resolved_at=now
        )
        MergeSuggestion.objects.filter(similar_to__in=[source, target], resolved_at__isnull=True).update(
            resolved_at=now
        )
        detail = {"merged": source.pk, "into": target.pk, "reason": reason}
        for case in moved:
            _event(
                case,
                actor,
                "customer.merged",
                f"Customer record #{source.pk} merged into #{target.pk}: {reason}",
                before={"customer": source.pk},
                after={**detail, "customer": target.pk},
            )
        for case in kept:
            _event(
                case,
                actor,
                "customer.merged",
                f"Customer record #{source.pk} merged into this customer (#{target.pk}): {reason}",
                before={"customer": target.pk},
                after={**detail, "customer": target.pk},
            )
    return target


def _references_repoint(source: Customer, target: Customer) -> None:
    """Every row of any room that names the customer (cases, feedback, affected customers…) follows
    the merge, found through the model's own relations so rooms above need not be imported here."""
    for relation in Customer._meta.related_objects:
        if not (relation.one_to_many or relation.one_to_one) or relation.related_model is Customer:
            continue
        if relation.related_model is MergeSuggestion:
            continue
        field = relation.field.name
        relation.related_model._base_manager.filter(**{field: source}).update(**{field: target})


def customers_join_duplicates() -> list[tuple[int, int]]:
    """Join records of one person made before reports were matched: same normalised e-mail AND name.
    The oldest record stays. Idempotent: a second run finds nothing. Returns (merged, into) pairs."""
    joined = []
    groups = (
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(email_key="")
        .values("email_key", "name_key")
        .annotate(n=Count("pk"), first=Min("pk"))
        .filter(n__gt=1)
        .order_by("first")
    )
    for group in groups:
        records = list(
            Customer.objects.filter(
                merged_into__isnull=True, email_key=group["email_key"], name_key=group["name_key"]
            ).order_by("created_at", "pk")
        )
        keeper = records[0]
        for duplicate in records[1:]:
            _merge(
                actor=None,
                source=duplicate,
                target=keeper,
                reason="Same e-mail address and name (joined by customers_join_duplicates)",
            )
            joined.append((duplicate.pk, keeper.pk))
    return joined
