"""Internal notes and logged contacts (issue 15 §2).

``GET /api/cases/{reference}/notes`` lists a case's notes, oldest first; ``POST`` adds one (``{"body"}``,
@mentions alert the colleagues named). ``POST /api/cases/{reference}/contacts`` logs a phone call or visit
(no e-mail is sent). Any member of staff, as for the case's other reads and actions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from putright.apiv1 import present
from putright.apiv1.cases import Reference, _case
from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS
from putright.apiv1.fields import IsoDatetime, Text
from putright.apiv1.schemas import In, MessageOut
from putright.cases import services
from putright.notes import selectors
from putright.notes import services as notes
from putright.notes.services import NOTE_MAX_LENGTH

router = Router(tags=["notes"])


class NoteIn(In):
    body: Text(NOTE_MAX_LENGTH) = Field(
        description="The note (colleagues only). `@username` alerts that colleague; unknown names stay text."
    )


class NoteOut(Schema):
    id: int
    author: str
    body: str
    mentioned: list[str] = Field(description="Usernames of the colleagues mentioned.")
    created_at: datetime


class NoteAddedOut(NoteOut):
    alerted: list[str] = Field(description="Usernames alerted: everyone mentioned but the writer.")
    unknown_mentions: list[str] = Field(description="@names that matched no active colleague (not alerted).")


class ContactIn(In):
    via: Literal["phone", "in_person"]
    direction: Literal["in", "out"] = Field(
        description='"in": the customer contacted us; "out": we contacted them.'
    )
    body: Text(10000) = Field(description="What was said (the customer sees it on their case page).")
    requested: StrictBool = Field(
        False, description="For one we made: whether the customer asked for this update (ignored for 'in')."
    )
    occurred_at: IsoDatetime | None = Field(
        None, description="When it happened (between the report and now); now if left out."
    )


class ContactOut(MessageOut):
    logged_via: str


@router.get(
    "/cases/{reference}/notes",
    response={200: list[NoteOut], **COMMON_ERRORS},
    summary="A case's internal notes",
)
def notes_list(request, reference: Reference):
    return [selectors.note_data(n) for n in selectors.case_notes(case=_case(request, reference))]


@router.post(
    "/cases/{reference}/notes",
    response={201: NoteAddedOut, **ACTION_ERRORS},
    summary="Add an internal note (colleagues only)",
)
def note_add(request, reference: Reference, payload: NoteIn):
    added = notes.note_add(actor=request.auth, case=_case(request, reference), body=payload.body)
    return Status(
        201,
        {
            **selectors.note_data(added.note),
            "alerted": [u.get_username() for u in added.alerted],
            "unknown_mentions": added.unknown,
        },
    )


@router.post(
    "/cases/{reference}/contacts",
    response={201: ContactOut, **ACTION_ERRORS},
    summary="Log a phone call or visit with the customer (no e-mail is sent)",
)
def contact_log(request, reference: Reference, payload: ContactIn):
    message = services.message_log_contact(
        actor=request.auth,
        case=_case(request, reference),
        via=payload.via,
        direction=payload.direction,
        body=payload.body,
        requested=payload.requested,
        occurred_at=payload.occurred_at,
    )
    return Status(201, {**present.message_data(message), "logged_via": message.logged_via})
