"""Deadlines and the final letter: a case's clocks, the deadlines due soon, and drafting the letter (E4, P5, A6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Path, Query, Router, Schema
from pydantic import ConfigDict, Field

from putright import clock
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, NotFound
from putright.apiv1.fields import CASE_REFERENCE_PATTERN, JsonSchema, Line, Text
from putright.cases import selectors as case_selectors
from putright.cases.models import Case
from putright.engines import routes as routes_engine
from putright.engines.deadlines import ClockKind
from putright.regulation import selectors, services
from putright.regulation.models import CaseClock
from putright.validators import CASE_REFERENCE_RE

router = Router(tags=["deadlines"])

Reference = Annotated[
    str,
    JsonSchema.of(pattern=CASE_REFERENCE_PATTERN),
    Path(max_length=30, description="The case reference, e.g. PR-2026-000123."),
]
ClockState = Literal["running", "at_risk", "missed", "met", "met_late", "stopped", "ended"]


class ClockOut(Schema):
    id: int
    case: str = Field(description="The case reference.")
    kind: str
    rule_id: str = Field(description="The rule that sets the deadline, e.g. F6 or G11 (see uk-rules).")
    label: str
    basis: str = Field(description="How the due date was worked out.")
    state: ClockState
    due_date: date
    due_at: datetime = Field(description="The end of the due day, UK time.")
    started_at: datetime
    met_at: datetime | None
    missed_at: datetime | None
    stopped_at: datetime | None
    stop_reason: str


class ClockListOut(Schema):
    items: list[ClockOut]


class DeadlineListOut(Schema):
    count: int
    items: list[ClockOut]


class DeadlineQuery(Schema):
    within_days: int = Field(
        7, ge=0, le=selectors.MAX_WITHIN_DAYS, description="Calendar days ahead; 0: today."
    )
    show: Literal["all", "due", "missed"] = "all"
    scope: Literal["team", "mine"] = "team"
    kind: ClockKind | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class LetterDraftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reasons: Text(5000) = Field(description="Why we cannot resolve it, in plain words (at least a sentence).")
    decision: routes_engine.Decision = routes_engine.Decision.NOT_UPHELD
    customer_region: Literal["ENG", "WLS", "SCT", "NIR"] | None = Field(
        None, description="Where the customer lives; null: where the organisation is."
    )
    supply: routes_engine.Supply | None = Field(None, description="What we supplied; null: as on the case.")
    extra_routes: Annotated[list[Line(300)], Field(max_length=20)] = Field(
        default_factory=list, description="Routes of your own, offered after the ones the rules give."
    )


class RouteOut(Schema):
    name: str
    why: str
    time_limit: str
    website: str
    rule_ids: list[str]


class LetterDraftOut(Schema):
    subject: str
    body: str = Field(
        description="The letter, for the agent to edit before it is sent as the final response."
    )
    routes: list[RouteOut]
    rule_ids: list[str]
    warnings: list[str]


def _case(request, reference: str) -> Case:
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise NotFound(f"No case {reference!r}.")
    try:
        return case_selectors.case_get_for_user(user=request.auth, reference=reference)
    except Case.DoesNotExist:
        raise NotFound(f"No case {reference}.") from None


def _clock(row: CaseClock, reference: str) -> dict:
    return {
        "id": row.pk,
        "case": reference,
        "kind": row.kind,
        "rule_id": row.rule_id,
        "label": row.label,
        "basis": row.basis,
        "state": row.state,
        "due_date": row.due_date,
        "due_at": row.due_at,
        "started_at": row.started_at,
        "met_at": row.met_at,
        "missed_at": row.missed_at,
        "stopped_at": row.stopped_at,
        "stop_reason": row.stop_reason,
    }


@router.get(
    "/cases/{reference}/clocks",
    response={200: ClockListOut, **COMMON_ERRORS},
    summary="The case's deadlines, each with its rule and state",
)
def case_clocks(request, reference: Reference):
    case = _case(request, reference)
    rows = selectors.case_clocks(user=request.auth, case=case)
    return {"items": [_clock(row, case.reference) for row in rows]}


@router.get(
    "/deadlines",
    response={200: DeadlineListOut, **COMMON_ERRORS},
    summary="Deadlines due within N days, and those missed, earliest first",
)
def deadline_list(request, filters: Query[DeadlineQuery]):
    now = clock.now()
    qs = selectors.deadlines(
        user=request.auth,
        filters=selectors.DeadlineFilters(
            within_days=filters.within_days,
            scope=filters.scope,
            kind=filters.kind.value if filters.kind else "",
            show=filters.show,
        ),
        now=now,
    )
    page = selectors.decorate_page(qs[filters.offset : filters.offset + filters.limit], now)
    return {"count": qs.count(), "items": [_clock(row, row.case.reference) for row in page]}


@router.post(
    "/cases/{reference}/letter-draft",
    response={200: LetterDraftOut, **ACTION_ERRORS},
    summary="Draft the final letter from the rules: reasons, the routes that fit, what each regime requires",
)
def letter_draft(request, reference: Reference, payload: LetterDraftIn):
    case = _case(request, reference)
    letter = selectors.final_letter_draft(
        actor=request.auth,
        case=case,
        reasons=payload.reasons,
        choices=services.LetterChoices(
            decision=payload.decision.value,
            region=payload.customer_region or "",
            supply=payload.supply.value if payload.supply else "",
        ),
        extra_routes=payload.extra_routes,
    )
    return {
        "subject": letter.subject,
        "body": letter.body,
        "routes": [
            {
                "name": r.name,
                "why": r.why,
                "time_limit": r.time_limit,
                "website": r.website,
                "rule_ids": list(r.rule_ids),
            }
            for r in letter.routes
        ],
        "rule_ids": list(letter.rule_ids),
        "warnings": list(letter.warnings),
    }
