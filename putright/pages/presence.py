"""Who else has the case open: the case page reports in every 20 seconds (htmx) and shows the colleagues
seen on it within the last minute. Reporting in is not a change of the case (no audit event); the same
staff check as opening the case guards it, and a CSRF token is required as on every POST."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from putright.cases import presence
from putright.cases.access import case_or_404, detail_url, staff_required


@staff_required
def presence_report(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    if request.method != "POST":
        return redirect(detail_url(case))
    presence.presence_report(user=request.user, case=case)
    others = presence.presence_others(user=request.user, case=case)
    # Rendered without the request: the fragment needs none of the page's context (the staff navigation's
    # unread count would be one more query on every poll of every open case page).
    return HttpResponse(render_to_string("cases/_presence_list.html", {"case": case, "present": others}))
