"""Improvement endpoints (issue 14 §5): the board of PDCA cycles with each one's baseline and result.

``GET /improvements?stage=`` answers ``{"count", "items": [{"id", "title", "stage", "owner", "metric",
"baseline", "result"}]}``, newest change first. ``baseline`` is null until a metric is planned; its figures
are null until the approval freezes them. ``result`` is null until the Check. Staff only; a stage that is
not one of the list → 422.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import Field

from putright.apiv1.errors import COMMON_ERRORS
from putright.engines.metrics import BY_ID
from putright.improvements import selectors
from putright.improvements.models import Improvement, Stage

router = Router(tags=["improvements"])


class ImprovementQuery(Schema):
    stage: Stage | None = Field(None, description="Only improvements at this stage.")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


class WindowOut(Schema):
    start: date
    end: date


class MetricOut(Schema):
    id: str
    title: str
    unit: str
    higher_is_better: bool | None = Field(description="The metric's own better direction (null: neither).")


class BaselineOut(Schema):
    metric_id: str
    filter: dict[str, str | int] = Field(description="team and handler ids; category, channel, source_kind.")
    window: WindowOut
    value: float | None = Field(description="Frozen at approval; null before.")
    numerator: int | None
    denominator: int | None
    n: int | None


class ResultOut(Schema):
    window: WindowOut
    value: float | None
    effect: float | None = Field(description="After minus before, in the metric's unit.")
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str = Field(description="two_proportion_z, fisher_exact, mann_whitney_u or poisson_rate.")
    verdict: str = Field(description="improved, worse, no detectable difference, or too few cases to tell.")


class ImprovementOut(Schema):
    id: int
    title: str
    stage: str
    owner: str | None
    metric: MetricOut | None
    baseline: BaselineOut | None
    result: ResultOut | None


class ImprovementListOut(Schema):
    count: int
    items: list[ImprovementOut]


def _item(improvement: Improvement) -> dict:
    definition = BY_ID.get(improvement.metric_id) if improvement.metric_id else None
    baseline = result = None
    if definition is not None and improvement.baseline_start and improvement.baseline_end:
        baseline = {
            "metric_id": improvement.metric_id,
            "filter": improvement.baseline_filter,
            "window": {"start": improvement.baseline_start, "end": improvement.baseline_end},
            "value": improvement.baseline_value,
            "numerator": improvement.baseline_numerator,
            "denominator": improvement.baseline_denominator,
            "n": improvement.baseline_n,
        }
    if improvement.checked_at is not None:
        result = {
            "window": {"start": improvement.after_start, "end": improvement.after_end},
            "value": improvement.after_value,
            "effect": improvement.effect,
            "ci_low": improvement.ci_low,
            "ci_high": improvement.ci_high,
            "p_value": improvement.p_value,
            "test": improvement.test_used,
            "verdict": improvement.verdict,
        }
    return {
        "id": improvement.pk,
        "title": improvement.title,
        "stage": improvement.stage,
        "owner": improvement.owner.get_username() if improvement.owner else None,
        "metric": (
            {
                "id": definition.id,
                "title": definition.title,
                "unit": definition.unit.value,
                "higher_is_better": definition.higher_is_better,
            }
            if definition
            else None
        ),
        "baseline": baseline,
        "result": result,
    }


@router.get(
    "/improvements",
    response={200: ImprovementListOut, **COMMON_ERRORS},
    summary="Improvements (PDCA cycles) with their baseline and measured result (I2)",
)
def improvement_list(request, filters: Query[ImprovementQuery]):
    found = selectors.api_list(user=request.auth, stage=filters.stage.value if filters.stage else "")
    page = found[filters.offset : filters.offset + filters.limit]
    return {"count": found.count(), "items": [_item(i) for i in page]}
