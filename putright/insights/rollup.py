"""The rollup of case facts (``CaseFact``): one row per case with what the metrics read of it, always
consistent with the case record.

How it stays consistent: database triggers (``insights/migrations/0003``) note a case in ``CaseFactDirty``
in the same transaction as any change its facts derive from — the case itself, its messages, its
reopening and delivery events, escalations, problem links, agreed options, another case of the same
customer, the organisation's region — whoever makes it (a service, a bulk loader, raw SQL). ``refresh``
brings the noted cases up to date in three set-based statements (claim the noted rows, upsert their facts
computed by one INSERT … SELECT, forget the claimed rows); every measurement runs it before it reads, and
the sweep runs it so a measurement rarely finds work. The calendar notes the facts that counted business
days over days it did not have yet when it grows (``calendar.calendar_ensure``).

Each fact is computed from the same definitions the metrics had when they read the cases directly
(``metrics.acknowledged_at``, ``sql.EpochSeconds``, ``sql.business_days``…), so the figures are equal to
the last digit; tests/test_insights_rollup.py keeps those direct definitions as the reference.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as When_

from putright.audit.models import Event
from putright.authority.models import Escalation
from putright.cases.models import Case, Option
from putright.channels.models import Message
from putright.insights import sql
from putright.insights.calendar import region
from putright.insights.models import CaseFact, CaseFactDirty
from putright.problems.models import ProblemCase
from putright.vocab import Channel, OptionStatus

# Cases per statement when the whole table is rebuilt.
REBUILD_CHUNK = 5000
# The columns of insights_casefact in the order the INSERT names them.
COLUMNS = [f.column for f in CaseFact._meta.concrete_fields]


def acknowledged_at() -> When_:
    """The first message or logged contact by a person (``metrics.acknowledged_at``: the same SQL)."""
    first_human_message = (
        Message.objects.filter(case=OuterRef("pk"), direction=Message.Direction.OUTBOUND, automatic=False)
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )
    return When_(
        When(
            channel__in=[Channel.PHONE, Channel.IN_PERSON],
            created_by__isnull=False,
            then=F("created_at"),
        ),
        default=Subquery(first_human_message),
    )


def money_agreed() -> Subquery:
    """The money of the case's agreed options (the cases export's ``money_agreed``)."""
    agreed = (
        Option.objects.filter(case=OuterRef("pk"), status=OptionStatus.AGREED)
        .order_by()
        .values("case")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(agreed, output_field=DecimalField(max_digits=14, decimal_places=2))


def _reopen_gap() -> Subquery:
    """The shortest time from a 'delivered' event to a 'reopened' one after it (none: no such pair)."""
    last_delivered = (
        Event.objects.filter(
            case=OuterRef("case"), kind="case.delivered", created_at__lte=OuterRef("created_at")
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    gaps = (
        Event.objects.filter(case=OuterRef("pk"), kind="case.reopened")
        .annotate(delivered=Subquery(last_delivered))
        .filter(delivered__isnull=False)
        .annotate(gap=ExpressionWrapper(F("created_at") - F("delivered"), output_field=DurationField()))
        .order_by("gap")
        .values("gap")[:1]
    )
    return Subquery(gaps, output_field=DurationField())


def _facts_select(cases: QuerySet, region_code: str) -> tuple[str, tuple]:
    """SELECT of the facts of ``cases``, one row per case, the columns named as in the table."""
    closed = Q(closed_at__isnull=False)
    qs = (
        cases.order_by()
        .annotate(f_ack_at=acknowledged_at())
        .annotate(
            f_case_id=F("pk"),
            f_created_at=F("created_at"),
            f_closed_at=F("closed_at"),
            f_status=F("status"),
            f_team_id=F("team_id"),
            f_assignee_id=F("assignee_id"),
            f_category_id=F("category_id"),
            f_unresolved_reason_id=F("unresolved_reason_id"),
            f_channel=F("channel"),
            f_source_kind=F("source_kind"),
            f_priority=F("priority"),
            f_upheld=F("upheld"),
            f_satisfaction_asked_at=F("satisfaction_asked_at"),
            f_csat=F("csat"),
            f_ces=F("ces"),
            f_nps=F("nps"),
            f_ack_hours=sql.EpochSeconds(F("f_ack_at"), F("created_at")) / 3600.0,
            f_ack_days=When_(
                When(f_ack_at__isnull=False, then=sql.business_days("f_ack_at", "created_at", region_code)),
                default=Value(None),
                output_field=IntegerField(),
            ),
            f_resolve_hours=When_(
                When(closed, then=sql.EpochSeconds(F("closed_at"), F("created_at")) / 3600.0),
                default=Value(None),
                output_field=FloatField(),
            ),
            f_resolve_days=When_(
                When(closed, then=sql.business_days("closed_at", "created_at", region_code)),
                default=Value(None),
                output_field=IntegerField(),
            ),
            o_next_inbound=Subquery(
                Message.objects.filter(
                    case=OuterRef("pk"),
                    direction=Message.Direction.INBOUND,
                    created_at__gt=OuterRef("closed_at"),
                )
                .order_by("created_at")
                .values("created_at")[:1]
            ),
            o_next_case=Subquery(
                Case.objects.filter(customer=OuterRef("customer"), created_at__gt=OuterRef("closed_at"))
                .order_by("created_at")
                .values("created_at")[:1]
            ),
            f_reopen_gap=_reopen_gap(),
            f_escalated=Exists(Escalation.objects.filter(case=OuterRef("pk"))),
            f_linked_to_problem=Exists(
                ProblemCase.objects.filter(case=OuterRef("pk"), unlinked_at__isnull=True)
            ),
            f_money_agreed=money_agreed(),
            f_region=Value(region_code),
            o_created=sql.ordinal_of("created_at", region_code),
            o_ack=sql.ordinal_of("f_ack_at", region_code),
            o_closed=sql.ordinal_of("closed_at", region_code),
        )
        .annotate(
            o_next_contact=When_(
                When(o_next_case__isnull=True, then=F("o_next_inbound")),
                When(o_next_inbound__isnull=True, then=F("o_next_case")),
                When(o_next_inbound__lt=F("o_next_case"), then=F("o_next_inbound")),
                default=F("o_next_case"),
                output_field=DateTimeField(),
            ),
        )
        .annotate(
            f_contact_gap=ExpressionWrapper(
                F("o_next_contact") - F("closed_at"), output_field=DurationField()
            ),
            f_calendar_missing=When_(
                When(
                    Q(o_created__isnull=True)
                    | Q(f_ack_at__isnull=False, o_ack__isnull=True)
                    | Q(closed_at__isnull=False, o_closed__isnull=True),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    names = [f"f_{column}" for column in COLUMNS]
    inner, params = qs.values(*names).query.get_compiler(using=cases.db).as_sql()
    return f"SELECT {', '.join(names)} FROM ({inner}) facts WHERE 1 = 1", params


def _upsert(cases: QuerySet, region_code: str, using: str) -> None:
    select, params = _facts_select(cases, region_code)
    quoted = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "case_id")
    statement = (
        f"INSERT INTO {CaseFact._meta.db_table} ({quoted}) {select} "
        f"ON CONFLICT (case_id) DO UPDATE SET {updates}"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(statement, params)


def refresh(*, using: str = DEFAULT_DB_ALIAS, region_code: str | None = None) -> int:
    """Bring the facts of every noted case up to date; returns the notes consumed. One statement when
    nothing is noted, else three: claim the notes committed so far, upsert the facts of their cases, forget
    the claimed notes (a change committed meanwhile leaves a note of its own for the next refresh)."""
    from_region = region_code or region()
    token = secrets.randbits(62) + 1
    dirty = CaseFactDirty.objects.using(using)
    with transaction.atomic(using=using, savepoint=False):
        claimed = dirty.filter(claim__isnull=True).update(claim=token)
        if claimed:
            noted = dirty.filter(claim=token).values("case_id")
            _upsert(Case.objects.using(using).filter(pk__in=Subquery(noted)), from_region, using)
            dirty.filter(claim=token).delete()
    return claimed


def rebuild(*, using: str = DEFAULT_DB_ALIAS, progress: Callable[[int, int], None] | None = None) -> int:
    """Compute the facts of every case again (after a restore, or to check): chunks of cases by id, then
    the cases that changed meanwhile. ``progress(done, total)`` after each chunk. Returns the cases."""
    code = region()
    cases = Case.objects.using(using)
    span = cases.aggregate(first=Min("pk"), last=Max("pk"))
    total = cases.count()
    done = 0
    with transaction.atomic(using=using):
        CaseFactDirty.objects.using(using).all().delete()
        CaseFact.objects.using(using).exclude(case__in=cases.values("pk")).delete()
    if span["first"] is not None:
        low = span["first"]
        while low <= span["last"]:
            chunk = cases.filter(pk__gte=low, pk__lt=low + REBUILD_CHUNK)
            with transaction.atomic(using=using):
                _upsert(chunk, code, using)
            done += chunk.count()
            if progress is not None:
                progress(done, total)
            low += REBUILD_CHUNK
    refresh(using=using, region_code=code)
    return total


def size(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many cases the rollup holds."""
    return CaseFact.objects.using(using).count()


def pending(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many notes wait for a refresh."""
    return CaseFactDirty.objects.using(using).count()
