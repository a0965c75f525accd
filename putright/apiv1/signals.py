"""S5 operational signals: other systems send measurements; breaches open problems and list the
customers likely to be affected; a supervisor sends them a proactive notice.

``POST /api/signals`` takes one reading or a list of up to 100. Each is stored as received before it
is evaluated, so nothing sent is lost; with an ``id`` a retried request stores it once.
"""

import math
from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from ninja import Body, Path, Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictFloat, StrictInt, field_validator

from putright import clock
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, NotFound
from putright.apiv1.fields import DUE_YEAR_PATTERN, MAX_ID, Integer, IsoDatetime, JsonSchema, Line, Text
from putright.apiv1.schemas import In
from putright.monitoring import selectors, services
from putright.monitoring.models import SignalBreach
from putright.monitoring.services import SignalInput

router = Router(tags=["signals"])

MAX_BATCH = 100
MAX_ABS_VALUE = 1e15

SignalName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$",
        description="The measurement, e.g. delivery_delay_hours (letters, digits, _ . : / -).",
    ),
]
DimensionName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]
# Strict: a lax float would also take the text "12" (or 200 zeros) that the document says is not a number.
FiniteNumber = Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Scalar = StrictBool | StrictInt | FiniteNumber | Line(200)
ClientId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
CustomerId = Integer(1, MAX_ID)
CustomerEntry = Annotated[
    CustomerId
    | Line(254)
    | Annotated[dict[DimensionName, StrictInt | Line(254)], Field(min_length=1, max_length=10)],
    Field(
        description=(
            "A customer id, an email address, a case reference, an order reference, or attributes such as "
            '{"email": ...}, {"order_reference": ...}, {"phone": ...}, {"postcode_prefix": "BS1"} '
            "(attributes we cannot match are listed on the breach for staff to follow up)."
        )
    ),
]


class SignalIn(In):
    name: SignalName
    value: Annotated[
        StrictInt | FiniteNumber, Field(description="A finite number (JSON number; not a string).")
    ]
    time: Annotated[IsoDatetime, JsonSchema.of(pattern=DUE_YEAR_PATTERN)] | None = Field(
        None, description="When it was observed, with a time zone; default: when we receive it."
    )
    dimensions: Annotated[dict[DimensionName, Scalar], Field(max_length=20)] = Field(
        default_factory=dict, description='What it is about, e.g. {"region": "south-west", "carrier": "DPX"}.'
    )
    customers: list[CustomerEntry] = Field(default_factory=list, description="Customers it concerns.")
    id: ClientId | None = Field(
        None, description="Your own id for this reading: sending it again stores it once."
    )

    @field_validator("value", mode="before")
    @classmethod
    def _number_only(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a JSON number")
        if isinstance(value, int) and abs(value) > MAX_ABS_VALUE:
            raise ValueError(f"must be between -{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}")
        return value

    @field_validator("time")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        if value.year < 2000 or value.year > 2999:
            raise ValueError("must be between the years 2000 and 2999")
        skew = settings.PUTRIGHT["SIGNAL_MAX_FUTURE_MINUTES"]
        if (value - clock.now()).total_seconds() > skew * 60:
            raise ValueError(f"must not be more than {skew} minutes in the future")
        return value

    @field_validator("customers")
    @classmethod
    def _not_too_many(cls, value: list) -> list:
        cap = settings.PUTRIGHT["SIGNAL_MAX_CUSTOMERS"]
        if len(value) > cap:
            raise ValueError(f"at most {cap} customers per reading")
        return value


class BreachRefOut(Schema):
    id: int
    threshold: str
    problem: int | None = Field(description="The problem the breach opened (or continues).")


class SignalCreatedOut(Schema):
    id: int
    created: bool = Field(description="False when this id was sent before: the first reading is returned.")
    evaluated: bool = Field(description="False if evaluation failed: it is retried by signals_evaluate.")
    breaches: list[BreachRefOut]


class SignalBatchOut(Schema):
    items: list[SignalCreatedOut]


class SignalOut(Schema):
    id: int
    name: str
    value: float
    time: datetime
    received_at: datetime
    dimensions: dict
    customers: list
    client_id: str
    evaluated: bool


class SignalListOut(Schema):
    count: int
    items: list[SignalOut]


class SignalQuery(Schema):
    name: SignalName | None = None
    breached_only: bool = False
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


class AffectedOut(Schema):
    customer: str
    email: str
    matched_by: str
    notified_at: datetime | None
    case: str | None = Field(description="The case the notice went on (or would go on: their open case).")


class BreachOut(Schema):
    id: int
    threshold: str
    rule: str
    source_kind: str
    started_at: datetime
    last_breached_at: datetime
    first_value: float
    last_value: float
    readings: int
    problem: int | None
    affected: list[AffectedOut]
    unmatched: list
    notice_subject: str
    notice_requested_at: datetime | None


class BreachListOut(Schema):
    count: int
    items: list[BreachOut]


class BreachQuery(Schema):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


class NoticeIn(In):
    subject: Line(200)
    body: Text(10000)


class NoticeOut(Schema):
    total: int
    notified: int
    pending: int
    failed: int
    queued: bool = Field(description="True when the worker is sending (many customers): poll the breach.")


def _outcome(outcome: services.SignalOutcome) -> dict:
    return {
        "id": outcome.signal.pk,
        "created": outcome.created,
        "evaluated": outcome.evaluated,
        "breaches": [
            {"id": b.pk, "threshold": b.threshold.name, "problem": b.problem_id} for b in outcome.breaches
        ],
    }


def _record(request, item: SignalIn) -> services.SignalOutcome:
    return services.signal_record(
        actor=request.auth,
        signal=SignalInput(
            name=item.name,
            value=float(item.value),
            observed_at=item.time,
            dimensions=dict(item.dimensions),
            customers=list(item.customers),
            client_id=item.id or "",
        ),
    )


@router.post(
    "/signals",
    response={
        201: SignalCreatedOut | SignalBatchOut,
        200: SignalCreatedOut | SignalBatchOut,
        **ACTION_ERRORS,
    },
    summary="Send an operational measurement, or a list of up to 100 (S5)",
)
def signal_create(
    request,
    payload: Annotated[
        SignalIn | Annotated[list[SignalIn], Field(min_length=1, max_length=MAX_BATCH)], Body()
    ],
):
    """One reading → ``{id, created, evaluated, breaches}``; a list → ``{items: [...]}`` in the same order.
    201 when anything new was stored; 200 when every reading was a repeat of an ``id`` sent before."""
    if isinstance(payload, list):
        outcomes = [_record(request, item) for item in payload]
        status = 201 if any(o.created for o in outcomes) else 200
        return Status(status, {"items": [_outcome(o) for o in outcomes]})
    outcome = _record(request, payload)
    return Status(201 if outcome.created else 200, _outcome(outcome))


@router.get("/signals", response={200: SignalListOut, **COMMON_ERRORS}, summary="Recent readings")
def signal_list(request, query: Query[SignalQuery]):
    signals = selectors.signals_recent(
        user=request.auth,
        filters=selectors.SignalFilters(name=query.name or "", breached_only=query.breached_only),
    )
    page = signals[query.offset : query.offset + query.limit]
    return {
        "count": signals.count(),
        "items": [
            {
                "id": s.pk,
                "name": s.name,
                "value": s.value if math.isfinite(s.value) else 0.0,
                "time": s.observed_at,
                "received_at": s.received_at,
                "dimensions": s.dimensions,
                "customers": s.customers,
                "client_id": s.client_id,
                "evaluated": s.evaluated_at is not None,
            }
            for s in page
        ],
    }


def _breach(breach: SignalBreach) -> dict:
    return {
        "id": breach.pk,
        "threshold": breach.threshold.name,
        "rule": breach.threshold.rule_text,
        "source_kind": breach.threshold.source_kind,
        "started_at": breach.started_at,
        "last_breached_at": breach.last_breached_at,
        "first_value": breach.first_value,
        "last_value": breach.last_value,
        "readings": breach.readings,
        "problem": breach.problem_id,
        "affected": [
            {
                "customer": a.customer.name,
                "email": a.customer.email,
                "matched_by": a.matched_by,
                "notified_at": a.notified_at,
                "case": a.open_case.reference if a.open_case else None,
            }
            for a in selectors.breach_affected(breach=breach)
        ],
        "unmatched": breach.unmatched,
        "notice_subject": breach.notice_subject,
        "notice_requested_at": breach.notice_requested_at,
    }


def _breach_get(request, breach_id: int) -> SignalBreach:
    try:
        return selectors.breach_get_for_user(user=request.auth, pk=breach_id)
    except SignalBreach.DoesNotExist:
        raise NotFound(f"No breach {breach_id}.") from None


@router.get(
    "/signals/breaches", response={200: BreachListOut, **COMMON_ERRORS}, summary="Recent threshold breaches"
)
def breach_list(request, query: Query[BreachQuery]):
    breaches = selectors.breaches_recent(user=request.auth)
    page = breaches[query.offset : query.offset + query.limit]
    return {"count": breaches.count(), "items": [_breach(b) for b in page]}


@router.get(
    "/signals/breaches/{breach_id}",
    response={200: BreachOut, **COMMON_ERRORS},
    summary="One breach with the customers likely to be affected",
)
def breach_detail(request, breach_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    return _breach(_breach_get(request, breach_id))


@router.post(
    "/signals/breaches/{breach_id}/notice",
    response={200: NoticeOut, **ACTION_ERRORS},
    summary="Send the proactive notice to every affected customer not yet told (supervisor and above)",
)
def breach_notice(request, breach_id: Annotated[int, Path(ge=1, le=MAX_ID)], payload: NoticeIn):
    breach = _breach_get(request, breach_id)
    progress = services.breach_notice_send(
        actor=request.auth, breach=breach, subject=payload.subject, body=payload.body
    )
    return {
        "total": progress.total,
        "notified": progress.notified,
        "pending": progress.pending,
        "failed": progress.failed,
        "queued": progress.queued,
    }
