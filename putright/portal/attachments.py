"""Issue 15 §4: the case's files for the customer on their case link (their own and ours).

Only for a browser holding the grant for that very case (``with_grant``: without it, the same 403 page
whatever the reference, as every page on the link); a file of another case is a 404 that names nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from putright.channels import attachments, selectors
from putright.portal.views import private_page, with_grant


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", status=404)


@require_safe
@private_page
@with_grant
def download(request: HttpRequest, case, attachment_id: int) -> HttpResponse:
    attachment = selectors.case_attachment(case, attachment_id)
    if attachment is None:
        return _not_found(request)
    return attachments.file_response(attachment)


@require_safe
@private_page
@with_grant
def preview(request: HttpRequest, case, attachment_id: int) -> HttpResponse:
    attachment = selectors.case_attachment(case, attachment_id)
    if attachment is None or not attachment.preview:
        return _not_found(request)
    return attachments.file_response(attachment, preview=True)
