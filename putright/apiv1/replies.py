"""Saved replies (issue 15 §3): those the caller may use, and one filled in for a case.

``GET /api/saved-replies`` lists the active saved replies offered to the caller (the organisation's and
their teams'), most used first. ``GET /api/cases/{reference}/saved-replies/{id}`` fills one's placeholders
for the case, as the page's picker does, and counts a use; send the result with
``POST /api/cases/{reference}/messages`` (the reply checker reads it there).
"""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from putright.apiv1.cases import ObjectId, Reference, _case
from putright.apiv1.errors import COMMON_ERRORS, NotFound
from putright.regulation.selectors import next_clock_due
from putright.replies import selectors, services

router = Router(tags=["saved replies"])


class TeamRefOut(Schema):
    id: int
    name: str


class SavedReplyOut(Schema):
    id: int
    title: str
    body: str = Field(description="The wording as kept, placeholders such as {customer_name} unfilled.")
    team: TeamRefOut | None = Field(description="The team it is offered to; null: the organisation's.")


class SavedReplyFilledOut(Schema):
    id: int
    title: str
    body: str = Field(description="The wording with the case's placeholders filled in.")


@router.get(
    "/saved-replies",
    response={200: list[SavedReplyOut], **COMMON_ERRORS},
    summary="The saved replies the caller may use, most used first",
)
def saved_replies(request):
    return [
        {
            "id": r.pk,
            "title": r.title,
            "body": r.body,
            "team": {"id": r.team.pk, "name": r.team.name} if r.team_id else None,
        }
        for r in selectors.usable(request.auth)
    ]


@router.get(
    "/cases/{reference}/saved-replies/{reply_id}",
    response={200: SavedReplyFilledOut, **COMMON_ERRORS},
    summary="A saved reply filled in for a case (counts a use)",
)
def saved_reply_for_case(request, reference: Reference, reply_id: ObjectId):
    case = _case(request, reference)
    reply = selectors.usable_get(request.auth, reply_id)
    if reply is None:
        raise NotFound(f"No saved reply {reply_id} is offered to you.")
    services.saved_reply_use(actor=request.auth, reply=reply)
    body = selectors.rendered(reply, case=case, agent=request.auth, next_deadline=next_clock_due(case))
    return {"id": reply.pk, "title": reply.title, "body": body}
