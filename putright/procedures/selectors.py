"""Reads about procedures that pages (and later the API) share: the list, one procedure with its versions,
which procedure applies at the step a case is in, and the versions a case's timeline names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.utils import timezone

from putright import clock
from putright.cases.models import Case, Category
from putright.procedures import acknowledgements
from putright.procedures.models import Acknowledgement, Procedure, ProcedureVersion, Stage
from putright.vocab import Status

# The step a case is in, by its status (issue 14 §3). Closing unresolved is not a status a case waits
# in: its procedure applies beside the close-unresolved form, whatever the status.
STAGE_FOR_STATUS: dict[str, Stage] = {
    Status.NEW: Stage.UNDERSTANDING,
    Status.OPTIONS: Stage.OPTIONS,
    Status.AWAITING_APPROVAL: Stage.APPROVAL,
    Status.AWAITING_CUSTOMER: Stage.AGREEMENT,
    Status.IN_PROGRESS: Stage.ACTION_PLAN,
    Status.AWAITING_CONFIRMATION: Stage.SATISFACTION,
    Status.NOT_RESOLVED: Stage.SATISFACTION,
}

# The largest id a database row can have (PostgreSQL's bigint): a bigger number names no version.
_MAX_ID = 2**63 - 1


def stage_for_status(status: str) -> Stage | None:
    return STAGE_FOR_STATUS.get(status)


def _current_version_id() -> Subquery:
    latest = ProcedureVersion.objects.filter(procedure=OuterRef("pk")).order_by("-number").values("pk")[:1]
    return Subquery(latest)


def procedure_list(*, include_inactive: bool = True) -> list[Procedure]:
    """Every procedure, with its owner, categories and current version (``current``, or None before the
    first), in three queries however many there are."""
    qs = (
        Procedure.objects.select_related("owner")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("name")))
        .annotate(current_version_id=_current_version_id())
        .order_by("-active", "title")
    )
    if not include_inactive:
        qs = qs.filter(active=True)
    procedures = list(qs)
    versions = ProcedureVersion.objects.in_bulk(
        [p.current_version_id for p in procedures if p.current_version_id is not None]
    )
    today = timezone.localdate(clock.now())
    for p in procedures:
        p.current = versions.get(p.current_version_id)
        p.review_overdue = p.active and p.review_due < today
        p.stage_labels = [Stage(s).label for s in p.stages if s in Stage.values]
    return procedures


def procedure_get(*, procedure_id: int) -> Procedure:
    """One procedure with its owner and categories; raises ``Procedure.DoesNotExist``."""
    procedure = (
        Procedure.objects.select_related("owner")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("name")))
        .get(pk=procedure_id)
    )
    procedure.stage_labels = [Stage(s).label for s in procedure.stages if s in Stage.values]
    procedure.review_overdue = procedure.active and procedure.review_due < timezone.localdate(clock.now())
    return procedure


def versions_of(procedure: Procedure) -> list[ProcedureVersion]:
    """Its versions, newest first, with their authors."""
    return list(procedure.versions.select_related("author").order_by("-number"))


@dataclass(frozen=True)
class ReceiptSummary:
    """Who was asked to read a version, and who has."""

    read: list[Acknowledgement]
    unread: list[Acknowledgement]


def receipts_summary(version: ProcedureVersion) -> ReceiptSummary:
    receipts = list(acknowledgements.receipts_for(acknowledgements.version_key(version)))
    return ReceiptSummary(
        read=[r for r in receipts if r.acknowledged_at is not None],
        unread=[r for r in receipts if r.acknowledged_at is None],
    )


@dataclass(frozen=True)
class Applicable:
    """A procedure in force at a stage, with the version the page shows (and records when a step is taken)."""

    procedure: Procedure
    version: ProcedureVersion


def procedures_at(*, stages: Iterable[str], category_id: int | None) -> dict[str, list[Applicable]]:
    """The active, published procedures for each of ``stages`` that apply to a case in ``category_id``:
    those linked to that category first, then those for every category (none linked), by title.

    Two queries whatever the number of procedures: the procedures (with their current version's id), then
    those versions. Stages are a JSON list, filtered here rather than in SQL (SQLite cannot search JSON
    lists), which is cheap: an organisation has tens of procedures, not thousands.
    """
    wanted = [s for s in stages if s]
    found: dict[str, list[Applicable]] = {s: [] for s in wanted}
    if not wanted:
        return found
    links = Procedure.categories.through.objects.filter(procedure_id=OuterRef("pk"))
    for_category = (
        Exists(links.filter(category_id=category_id))
        if category_id is not None
        else Value(False, output_field=BooleanField())
    )
    rows = list(
        Procedure.objects.filter(active=True)
        .annotate(current_version_id=_current_version_id(), for_category=for_category, linked=Exists(links))
        .filter(Q(for_category=True) | Q(linked=False), current_version_id__isnull=False)
        .order_by("title")
    )
    versions = ProcedureVersion.objects.in_bulk([p.current_version_id for p in rows])
    rows.sort(key=lambda p: (not p.for_category, p.title))
    for procedure in rows:
        for stage in wanted:
            if stage in procedure.stages:
                found[stage].append(Applicable(procedure, versions[procedure.current_version_id]))
    return found


def procedures_for_case(case: Case) -> dict[str, list[Applicable]]:
    """The procedures for the step ``case`` is in, and for closing it unresolved (while it is open)."""
    stage = stage_for_status(case.status)
    stages = [stage] if stage is not None else []
    if not case.is_closed:
        stages.append(Stage.CLOSING_UNRESOLVED)
    return procedures_at(stages=stages, category_id=case.category_id)


def version_id_check(value) -> int | None:
    """A version id posted by a page, if it names an existing version; anything else (missing, not a
    positive whole number, too large, no such version) is None: the step is recorded without it."""
    text = str(value or "").strip()
    if not text.isdigit() or not text.isascii():
        return None
    pk = int(text)
    if pk < 1 or pk > _MAX_ID:
        return None
    return pk if ProcedureVersion.objects.filter(pk=pk).exists() else None


def versions_by_id(ids: Iterable[int]) -> dict[int, ProcedureVersion]:
    """The versions a case's timeline names, with their procedure's title, in one query."""
    wanted = {i for i in ids if isinstance(i, int) and 0 < i <= _MAX_ID}
    if not wanted:
        return {}
    return (
        ProcedureVersion.objects.select_related("procedure")
        .only("pk", "number", "procedure__id", "procedure__title")
        .in_bulk(wanted)
    )
