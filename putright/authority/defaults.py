"""The starting roles and limits (K4). A migration creates them; `roles_ensure` restores them
on a database that was emptied (e.g. by a flush) — it never overwrites limits an administrator set."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group

from putright.authority.models import AuthorityLimit

ALL_TYPES = [
    "refund",
    "partial_refund",
    "repair",
    "replacement",
    "redelivery",
    "goodwill_credit",
    "compensation",
    "cancellation",
    "apology",
    "other",
]
# Agents may honour a customer's statutory cancellation (CCR 2013, C1) without waiting for a supervisor;
# the money limit still applies.
AGENT_TYPES = [
    "refund",
    "partial_refund",
    "repair",
    "replacement",
    "redelivery",
    "goodwill_credit",
    "cancellation",
    "apology",
]
# (role, money limit, remedy types, rank, may approve exceptions to usual practice)
DEFAULT_LIMITS = [
    ("agent", Decimal("100.00"), AGENT_TYPES, 1, False),
    ("supervisor", Decimal("1000.00"), ALL_TYPES, 2, True),
    ("manager", Decimal("10000.00"), ALL_TYPES, 3, True),
    ("administrator", None, ALL_TYPES, 4, True),
]


def roles_ensure() -> None:
    for name, amount, types, rank, exceptions in DEFAULT_LIMITS:
        group, _ = Group.objects.get_or_create(name=name)
        AuthorityLimit.objects.get_or_create(
            group=group,
            defaults={
                "max_amount": amount,
                "remedy_types": types,
                "rank": rank,
                "may_approve_exceptions": exceptions,
            },
        )
