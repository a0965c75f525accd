"""Insight endpoints (issue 13 §4): the metrics catalogue, and one metric for a period.

``GET /insights/metrics/{id}?from=&to=&group_by=`` answers exactly
``{"metric_id", "unit", "period_start", "period_end", "rows": [{"group", "value", "numerator",
"denominator"}]}``: the rows of ``putright insights export``'s ``METRIC_ID.csv`` (``insights.metrics.measure``).
Managers and administrators see every team's figures; other staff their own teams' (someone in no team,
as in the queue, sees all). Unknown id → 404; a bad date, ``from`` after ``to`` or a ``group_by`` the
metric does not have → 422 naming the parameter.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from ninja import Path, Query, Router, Schema
from pydantic import Field

from putright.apiv1.errors import COMMON_ERRORS, NotFound, field_error
from putright.apiv1.fields import DueDate, Slug, Username
from putright.authority.models import Team
from putright.engines.metrics import BY_ID, METRICS, Period
from putright.insights.access import figure_scope
from putright.insights.metrics import measure
from putright.insights.models import MetricTarget
from putright.insights.sql import Filters
from putright.validators import MAX_ROW_ID
from putright.vocab import Channel, SourceKind

router = Router(tags=["insights"])

MetricId = Annotated[str, Path(max_length=50, description="A metric id from GET /insights/metrics.")]
# The longest period one request may measure (a decade): a guard against a runaway query.
MAX_DAYS = 3660


class MetricQuery(Schema):
    # Dates written YYYY-MM-DD in the years 2000–2999: local dates, both inclusive.
    date_from: DueDate = Field(..., alias="from", description="The first day, YYYY-MM-DD (local, inclusive).")
    date_to: DueDate = Field(..., alias="to", description="The last day, YYYY-MM-DD (local, inclusive).")
    group_by: Annotated[str, Field(max_length=30)] | None = Field(
        None, description="A dimension the metric lists (team, handler, category, channel, source_kind…)."
    )
    team: Annotated[int, Field(ge=1, le=MAX_ROW_ID)] | None = Field(None, description="A team's number.")
    handler: Username | None = None
    category: Slug | None = None
    channel: Literal[tuple(Channel.values)] | None = None  # type: ignore[valid-type]
    source_kind: Literal[tuple(SourceKind.values)] | None = None  # type: ignore[valid-type]


class MetricOut(Schema):
    id: str
    title: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    higher_is_better: bool | None
    test: str
    dimensions: list[str]
    natural_dimensions: list[str]
    statistics: list[str]
    min_answers: int
    target: float | None


class CatalogueOut(Schema):
    metrics: list[MetricOut]


class RowOut(Schema):
    group: str
    value: float | int | None
    numerator: int | None
    denominator: int | None


class MeasurementOut(Schema):
    metric_id: str
    unit: str
    period_start: date
    period_end: date
    rows: list[RowOut]


@router.get(
    "/insights/metrics",
    response={200: CatalogueOut, **COMMON_ERRORS},
    summary="The metrics catalogue: each metric's definition, unit and dimensions",
)
def metric_catalogue(request):
    targets = dict(MetricTarget.objects.values_list("metric_id", "target"))
    return {
        "metrics": [
            {
                "id": m.id,
                "title": m.title,
                "definition": m.definition,
                "numerator": m.numerator,
                "denominator": m.denominator,
                "unit": m.unit.value,
                "higher_is_better": m.higher_is_better,
                "test": m.test.value,
                "dimensions": [d.value for d in m.dimensions],
                "natural_dimensions": [d.value for d in m.natural_dimensions],
                "statistics": list(m.statistics),
                "min_answers": m.min_answers,
                "target": targets.get(m.id),
            }
            for m in METRICS
        ]
    }


@router.get(
    "/insights/metrics/{metric_id}",
    response={200: MeasurementOut, **COMMON_ERRORS},
    summary="One metric for a period: the total and, with group_by, one row per group",
)
def metric_detail(request, metric_id: MetricId, params: Query[MetricQuery]):
    definition = BY_ID.get(metric_id)
    if definition is None:
        raise NotFound(f"No metric {metric_id!r}; GET /api/insights/metrics lists them.")
    start, end = params.date_from, params.date_to
    if start > end:
        raise field_error(
            "from", f"from ({start}) is after to ({end}).", source="query", kind="invalid_period"
        )
    if Period(start, end).days > MAX_DAYS:
        raise field_error(
            "to", f"A period may be at most {MAX_DAYS} days.", source="query", kind="invalid_period"
        )
    if params.group_by and params.group_by not in {d.value for d in definition.dimensions}:
        raise field_error(
            "group_by",
            f"{metric_id} cannot be grouped by {params.group_by!r}; it can by: "
            + ", ".join(d.value for d in definition.dimensions),
            source="query",
            kind="unknown_dimension",
        )
    handler_id = None
    if params.handler:
        handler_id = (
            get_user_model().objects.filter(username=params.handler).values_list("pk", flat=True).first()
        )
        if handler_id is None:
            raise field_error(
                "handler",
                f"No user with the username {params.handler!r}.",
                source="query",
                kind="unknown_user",
            )
    if params.team is not None and not Team.objects.filter(pk=params.team).exists():
        raise field_error("team", f"No team {params.team}.", source="query", kind="unknown_team")
    filters = Filters(
        team=params.team,
        handler=handler_id,
        category=params.category or "",
        channel=params.channel or "",
        source_kind=params.source_kind or "",
        team_ids=figure_scope(request.auth, params.team),
    )
    return measure(metric_id, start=start, end=end, filters=filters, group_by=params.group_by)
