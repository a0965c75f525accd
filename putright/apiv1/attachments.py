"""Issue 15 §4: a case's files over the API: the list (what they are, never their bytes) and each file.

The case is found through the permission-checking selector (``cases._case``): a case the token's user
may not see, or a file of another case, is a 404. Files are served as downloads only (``nosniff``,
``Content-Disposition: attachment``, never for a cache), exactly as the pages serve them.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from putright.apiv1.cases import ObjectId, Reference, _case
from putright.apiv1.errors import COMMON_ERRORS, NotFound
from putright.channels import attachments, selectors

router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    from_customer: bool
    author: str | None
    message: int | None
    created_at: datetime


class AttachmentListOut(Schema):
    reference: str
    attachments: list[AttachmentOut]


@router.get(
    "/cases/{reference}/attachments",
    response={200: AttachmentListOut, **COMMON_ERRORS},
    summary="The case's files: the report's own and each message's, oldest first",
)
def attachment_list(request, reference: Reference):
    case = _case(request, reference)
    # The same listing as the case record's (ISO times, which the response schema reads back as datetimes).
    return {"reference": case.reference, "attachments": selectors.attachments_record(case)}


_FILE_CONTENT = {t: {"schema": {"type": "string", "format": "binary"}} for t in attachments.ALLOWED}


@router.get(
    "/cases/{reference}/attachments/{attachment_id}",
    response=COMMON_ERRORS,
    summary="One file, as it was sent (a download)",
    openapi_extra={
        "responses": {"200": {"description": "The file, with its detected type.", "content": _FILE_CONTENT}}
    },
)
def attachment_download(request, reference: Reference, attachment_id: ObjectId):
    case = _case(request, reference)
    attachment = selectors.case_attachment(case, attachment_id)
    if attachment is None:
        raise NotFound(f"No file {attachment_id} on {case.reference}.")
    return attachments.file_response(attachment)
