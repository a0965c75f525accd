"""Approval endpoints (K4): what this user may decide, and the decision."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Router

from putright.apiv1 import present
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, NotFound
from putright.apiv1.fields import MAX_ID
from putright.apiv1.schemas import ApprovalListOut, ApprovalOut, DecideIn
from putright.authority.models import Approval
from putright.cases import selectors, services

router = Router(tags=["approvals"])

_RELATED = ("case", "option", "requested_by", "assigned_to", "decided_by")


@router.get(
    "/approvals",
    response={200: ApprovalListOut, **COMMON_ERRORS},
    summary="Pending approvals your authority covers (not those you asked for)",
)
def approval_list(request):
    approvals = selectors.approvals_for_user(user=request.auth)
    return {"count": len(approvals), "items": [present.approval_data(a) for a in approvals]}


@router.post(
    "/approvals/{approval_id}/decide",
    response={200: ApprovalOut, **ACTION_ERRORS},
    summary="Approve or reject an option (a note is required to reject)",
)
def approval_decide(request, approval_id: Annotated[int, Path(ge=1, le=MAX_ID)], payload: DecideIn):
    approval = Approval.objects.select_related(*_RELATED).filter(pk=approval_id).first()
    if approval is None:
        raise NotFound(f"No approval {approval_id}.")
    services.approval_decide(
        actor=request.auth, approval=approval, approve=payload.approve, note=payload.note or ""
    )
    return present.approval_data(Approval.objects.select_related(*_RELATED).get(pk=approval_id))
