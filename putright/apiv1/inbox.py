"""A member of staff's own inbox: alerts (broken promises, approvals, messages…) and escalations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Path, Query, Router, Schema
from pydantic import Field

from putright.apiv1 import present
from putright.apiv1.errors import COMMON_ERRORS, NotFound
from putright.apiv1.fields import MAX_ID
from putright.apiv1.schemas import EscalationOut
from putright.cases import selectors
from putright.channels import selectors as channel_selectors
from putright.channels import services as channel_services
from putright.channels.models import Alert

router = Router(tags=["inbox"])


class AlertOut(Schema):
    id: int
    case: str | None = Field(
        description="The case reference; null for an alert about a problem with no case yet."
    )
    kind: str
    text: str
    created_at: datetime
    read_at: datetime | None


class AlertListOut(Schema):
    count: int
    items: list[AlertOut]


class AlertFilter(Schema):
    kind: Alert.Kind | None = Field(None, description="Only alerts of this kind.")
    case: str = Field(
        "", max_length=20, description="Only alerts about the case with this reference (PR-2026-000123)."
    )


class AlertQuery(AlertFilter):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class AlertsMarkedOut(Schema):
    marked: int = Field(description="How many unread alerts were marked read.")


class EscalatedCaseOut(EscalationOut):
    case: str


class EscalationListOut(Schema):
    received: list[EscalatedCaseOut]
    sent: list[EscalatedCaseOut]


def _alert(a: Alert) -> dict:
    return {
        "id": a.pk,
        "case": a.case.reference if a.case else None,
        "kind": a.kind,
        "text": a.text,
        "created_at": a.created_at,
        "read_at": a.read_at,
    }


@router.get("/alerts", response={200: AlertListOut, **COMMON_ERRORS}, summary="Your alerts, newest first")
def alert_list(request, filters: Query[AlertQuery]):
    alerts = (
        channel_selectors.alerts_for(
            user=request.auth, kind=filters.kind or "", case_reference=filters.case.strip().upper()
        )
        .select_related("case")
        .order_by("-created_at", "-pk")
    )
    if filters.unread:
        alerts = alerts.filter(read_at__isnull=True)
    page = list(alerts[filters.offset : filters.offset + filters.limit])
    return {"count": alerts.count(), "items": [_alert(a) for a in page]}


@router.post(
    "/alerts/{alert_id}/read",
    response={200: AlertOut, **COMMON_ERRORS},
    summary="Mark one of your alerts read",
)
def alert_read(request, alert_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    alert = Alert.objects.select_related("case").filter(pk=alert_id, recipient=request.auth).first()
    if alert is None:  # someone else's alert is as absent as a missing one
        raise NotFound(f"No alert {alert_id}.")
    channel_services.alert_mark_read(user=request.auth, alert_id=alert.pk)
    alert.refresh_from_db()
    return _alert(alert)


@router.post(
    "/alerts/read",
    response={200: AlertsMarkedOut, **COMMON_ERRORS},
    summary="Mark all your unread alerts read (only those of a kind or about a case, when given)",
)
def alerts_read_all(request, payload: AlertFilter):
    marked = channel_services.alert_mark_all_read(
        user=request.auth, kind=payload.kind or "", case_reference=payload.case.strip().upper()
    )
    return {"marked": marked}


@router.get(
    "/escalations",
    response={200: EscalationListOut, **COMMON_ERRORS},
    summary="Cases escalated to you and by you",
)
def escalation_list(request):
    both = selectors.escalations_for_user(user=request.auth)

    def rows(qs):
        return [{**present.escalation_data(e), "case": e.case.reference} for e in qs[:200]]

    return {"received": rows(both["received"]), "sent": rows(both["sent"])}
