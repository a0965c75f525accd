"""Q1: a closed case's handling scorecard (issue 14 §4).

``GET /api/cases/{reference}/scorecard``: any member of staff who may see the case (as for the case's
other reads: 404 for a case they may not see or that does not exist). A case still open, or closed as a
duplicate (no outcome of its own), has no scorecard: 409 ``{"code": "not_scored"}``, as the API answers a
well-formed request the case's state does not allow.
"""

from __future__ import annotations

from ninja import Router

from putright.apiv1.cases import Reference, _case
from putright.apiv1.errors import COMMON_ERRORS, ErrorOut
from putright.apiv1.record_schemas import ScorecardOut
from putright.errors import DomainError, ErrorCode
from putright.quality import selectors

router = Router(tags=["quality"])


@router.get(
    "/cases/{reference}/scorecard",
    response={200: ScorecardOut, 409: ErrorOut, **COMMON_ERRORS},
    summary="A closed case's handling scorecard",
)
def case_scorecard(request, reference: Reference):
    case = _case(request, reference)
    card = selectors.scorecard_for(case) if case.is_closed else None
    if card is None:
        why = (
            "is still open: a case is scored when it closes"
            if not case.is_closed
            else "was closed as a duplicate and has no outcome of its own"
            if not selectors.is_scored_status(case)
            else "has not been scored yet"
        )
        raise DomainError(ErrorCode.NOT_SCORED, f"{case.reference} {why}.")
    return selectors.scorecard_data(card)
