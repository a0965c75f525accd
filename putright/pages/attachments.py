"""Issue 15 §4: a case's files for staff: the original as a download, an image's re-encoded preview.

Only for staff who may see the case (``case_or_404``); a case they cannot see, or a file of another case,
is a 404 that says nothing about either.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from putright.cases.access import case_or_404, staff_required
from putright.channels import attachments, selectors


def _attachment(request: HttpRequest, reference: str, attachment_id: int):
    case = case_or_404(request, reference)
    attachment = selectors.case_attachment(case, attachment_id)
    if attachment is None:
        raise Http404("No such file on this case")
    return attachment


@staff_required
@require_safe
def download(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponse:
    return attachments.file_response(_attachment(request, reference, attachment_id))


@staff_required
@require_safe
def preview(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponse:
    attachment = _attachment(request, reference, attachment_id)
    if not attachment.preview:
        raise Http404("This file has no preview")
    return attachments.file_response(attachment, preview=True)
