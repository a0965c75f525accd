"""Problem endpoints (S3): the board, one problem with its cases and trend, linking and ITIL stages.

Each action resolves the problem and the case the path names, then calls one service in
``putright.problems.services``: DomainError becomes 409 (422 for input a service refused),
PermissionDenied 403, an unknown problem or case 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from putright import clock
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, NotFound, field_error
from putright.apiv1.fields import CASE_REFERENCE_PATTERN, JsonSchema, Line, Slug, Text, Username
from putright.apiv1.schemas import In
from putright.cases.models import Case, Category
from putright.problems import selectors, services
from putright.problems.models import Problem, ProblemStatus
from putright.validators import CASE_REFERENCE_RE, MAX_ROW_ID

router = Router(tags=["problems"])

MAX_PROBLEM_ID = MAX_ROW_ID
ProblemId = Annotated[int, Path(ge=1, le=MAX_PROBLEM_ID, description="The problem's number.")]
Reference = Annotated[
    str,
    JsonSchema.of(pattern=CASE_REFERENCE_PATTERN),
    Path(max_length=30, description="A case reference, e.g. PR-2026-000123."),
]
# What problem_link accepts: a reference in either case, with spaces around it.
LINK_REFERENCE_PATTERN = r"^ *[Pp][Rr]-[0-9]{4}-[0-9]{6,9} *$"
TREND_DAYS = 30


# ---------------------------------------------------------------- schemas


class ProblemQuery(Schema):
    status: ProblemStatus | Literal["all"] | None = Field(
        None,
        description="One status, or 'all'; by default the open ones (suspected, confirmed, known error).",
    )
    owner: Username | None = None
    category: Slug | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


class LinkIn(In):
    reference: Annotated[Line(30), JsonSchema.of(pattern=LINK_REFERENCE_PATTERN)] = Field(
        description="The case to link, e.g. PR-2026-000123 (any case, spaces around it ignored)."
    )


class UnlinkIn(In):
    reason: Text(2000) = Field(description="Why this case is not part of the problem.")


class TransitionIn(In):
    status: ProblemStatus
    root_cause: Text(10000, required=False) | None = None
    workaround: Text(10000, required=False) | None = None
    note: Text(2000, required=False) | None = None


class ProblemSummaryOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    owner: str | None
    category: str | None
    product: str
    origin: str
    source_kind: str
    case_count: int
    customer_count: int
    recent_count: int = Field(description="Cases reported in the last 7 days.")
    first_seen: datetime | None
    last_seen: datetime | None
    merged_into: int | None


class ProblemListOut(Schema):
    count: int
    items: list[ProblemSummaryOut]


class LinkedCaseOut(Schema):
    reference: str
    subject: str
    reported_at: datetime
    linked_at: datetime
    linked_by: str | None = Field(description="None when linked automatically.")
    similarity: float | None


class TrendOut(Schema):
    days: int
    labels: list[str]
    new_cases: list[int]


class ProblemDetailOut(ProblemSummaryOut):
    description: str
    root_cause: str
    workaround: str
    cases: list[LinkedCaseOut]
    trend: TrendOut
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- helpers


def _problem(request, pk: int) -> Problem:
    try:
        return selectors.problem_get_for_user(user=request.auth, pk=pk)
    except Problem.DoesNotExist:
        raise NotFound(f"No problem {pk}.") from None


def _case(reference: str) -> Case:
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise NotFound(f"No case {reference!r}.")
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        raise NotFound(f"No case {reference}.")
    return case


def _name(user) -> str | None:
    return user.get_username() if user else None


def _summary(problem: Problem) -> dict:
    return {
        "id": problem.pk,
        "title": problem.title,
        "status": problem.status,
        "status_label": ProblemStatus(problem.status).label,
        "owner": _name(problem.owner),
        "category": problem.category.slug if problem.category else None,
        "product": problem.product,
        "origin": problem.origin,
        "source_kind": problem.source_kind,
        "case_count": problem.case_count,
        "customer_count": problem.customer_count,
        "recent_count": problem.recent_count,
        "first_seen": problem.first_seen,
        "last_seen": problem.last_seen,
        "merged_into": problem.merged_into_id,
    }


def _detail(request, pk: int) -> dict:
    problem = _problem(request, pk)
    now = clock.now()
    links = selectors.problem_links(problem=problem)
    return {
        **_summary(problem),
        "description": problem.description,
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "created_at": problem.created_at,
        "updated_at": problem.updated_at,
        "cases": [
            {
                "reference": link.case.reference,
                "subject": link.case.subject,
                "reported_at": link.case.created_at,
                "linked_at": link.linked_at,
                "linked_by": _name(link.linked_by),
                "similarity": link.similarity,
            }
            for link in links
        ],
        "trend": {
            "days": TREND_DAYS,
            "labels": selectors.chart_labels(days=TREND_DAYS, now=now),
            "new_cases": selectors.daily_counts(problem_ids=[problem.pk], days=TREND_DAYS, now=now)[
                problem.pk
            ],
        },
    }


# ---------------------------------------------------------------- endpoints


@router.get(
    "/problems",
    response={200: ProblemListOut, **COMMON_ERRORS},
    summary="The problem board: fastest-growing first (S3)",
)
def problem_list(request, filters: Query[ProblemQuery]):
    owner_id = category_id = None
    if filters.owner:
        owner = get_user_model().objects.filter(username=filters.owner).first()
        if owner is None:
            raise field_error(
                "owner", f"No user with the username {filters.owner!r}.", source="query", kind="unknown_user"
            )
        owner_id = owner.pk
    if filters.category:
        category = Category.objects.filter(slug=filters.category).first()
        if category is None:
            raise field_error(
                "category",
                f"No category with the slug {filters.category!r}.",
                source="query",
                kind="unknown_category",
            )
        category_id = category.pk
    status = filters.status.value if isinstance(filters.status, ProblemStatus) else (filters.status or "")
    board = selectors.problem_board(
        user=request.auth,
        filters=selectors.BoardFilters(status=status, owner_id=owner_id, category_id=category_id),
    )
    page = board[filters.offset : filters.offset + filters.limit]
    return {"count": board.count(), "items": [_summary(p) for p in page]}


@router.get(
    "/problems/{pk}",
    response={200: ProblemDetailOut, **COMMON_ERRORS},
    summary="One problem: its linked cases, customers affected and 30-day trend",
)
def problem_detail(request, pk: ProblemId):
    return _detail(request, pk)


@router.post(
    "/problems/{pk}/links",
    response={201: ProblemDetailOut, **ACTION_ERRORS},
    summary="Link a case to the problem",
)
def problem_link(request, pk: ProblemId, payload: LinkIn):
    problem = _problem(request, pk)
    reference = payload.reference.strip(" ").upper()
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise field_error(
            "reference", "Must be a case reference like PR-2026-000123.", kind="invalid_reference"
        )
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        raise field_error("reference", f"No case {reference}.", kind="unknown_case")
    services.problem_link_case(actor=request.auth, problem=problem, case=case)
    return Status(201, _detail(request, pk))


@router.delete(
    "/problems/{pk}/links/{reference}",
    response={200: ProblemDetailOut, **ACTION_ERRORS},
    summary="Unlink a case from the problem, with the reason (kept as history)",
)
def problem_unlink(request, pk: ProblemId, reference: Reference, payload: UnlinkIn):
    problem = _problem(request, pk)
    case = _case(reference)
    services.problem_unlink_case(actor=request.auth, problem=problem, case=case, reason=payload.reason)
    return _detail(request, pk)


@router.post(
    "/problems/{pk}/transition",
    response={200: ProblemDetailOut, **ACTION_ERRORS},
    summary="Move the problem to another stage (a known error needs its root cause and workaround)",
)
def problem_transition(request, pk: ProblemId, payload: TransitionIn):
    problem = _problem(request, pk)
    services.problem_transition(
        actor=request.auth,
        problem=problem,
        status=payload.status.value,
        root_cause=payload.root_cause or "",
        workaround=payload.workaround or "",
        note=payload.note or "",
    )
    return _detail(request, pk)
