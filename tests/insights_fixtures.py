"""Small, readable fixtures for the insights tests: cases written directly with exact times, so every
expected figure can be counted by hand. Times are local (Europe/London: BST, UTC+1, in July 2026)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import count

from django.utils import timezone

from putright import clock
from putright.audit.events import event_record
from putright.cases.models import Case, Category, Option
from putright.channels.models import Message
from putright.customers.models import Customer
from putright.vocab import Channel, OptionStatus, RemedyType, SourceKind, Status

JULY = (date(2026, 7, 1), date(2026, 7, 31))
_numbers = count(1)


def at(y, m, d, hh=9, mm=0) -> datetime:
    """A local (London) moment."""
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def customer(name: str = "Priya Shah") -> Customer:
    return Customer.objects.create(
        name=name, email=f"{name.split()[0].lower()}{next(_numbers)}@example.com", created_at=at(2026, 1, 1)
    )


def category(slug: str) -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def case(
    created: datetime,
    *,
    status: str = Status.NEW,
    closed: datetime | None = None,
    channel: str = Channel.WEB,
    source_kind: str = SourceKind.CUSTOMER_REPORTED,
    category_slug: str | None = None,
    who: Customer | None = None,
    **fields,
) -> Case:
    number = next(_numbers)
    return Case.objects.create(
        reference=f"PR-2026-{number:06d}",
        customer=who or customer(),
        channel=channel,
        source_kind=source_kind,
        category=category(category_slug) if category_slug else None,
        subject=f"Case {number}",
        description="Words",
        status=status,
        created_at=created,
        updated_at=closed or created,
        last_customer_update_at=created,
        closed_at=closed,
        **fields,
    )


def message(
    c: Case, when: datetime, *, inbound: bool = False, automatic: bool = False, author=None
) -> Message:
    return Message.objects.create(
        case=c,
        direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
        prompt=Message.Prompt.CUSTOMER if inbound else Message.Prompt.REQUESTED,
        subject="Message",
        body="Body",
        automatic=automatic,
        author=author,
        created_at=when,
    )


def event(c: Case, kind: str, when: datetime) -> None:
    with clock.frozen(when):
        event_record(case=c, kind=kind, summary=kind)


def option(
    c: Case, amount: str, *, remedy_type: str = RemedyType.REFUND, status: str = OptionStatus.AGREED
) -> Option:
    return Option.objects.create(
        case=c,
        title=f"{remedy_type} {amount}",
        remedy_type=remedy_type,
        amount=Decimal(amount),
        status=status,
        created_at=c.created_at,
    )
