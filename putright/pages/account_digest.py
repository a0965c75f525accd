"""One's own weekly digest e-mail (issue 13 §4): on or off, at ``/account/digest/`` beside
``/account/availability/``. Supervisors, managers and administrators have the page; agents get 403."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from putright.cases.access import forbidden, staff_required
from putright.insights import digest
from putright.insights.services import digest_preference_set

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class DigestForm(forms.Form):
    weekly_digest = forms.BooleanField(
        required=False,
        label="E-mail me the weekly digest",
        help_text="The headline figures of the last 7 days against the 7 before, and the 3 metrics that "
        "changed most, with links to the dashboard.",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def digest_preference(request: HttpRequest) -> HttpResponse:
    if not digest.may_receive(request.user):
        return forbidden(request)
    wanted = digest.digest_wanted(request.user)
    form = DigestForm(initial={"weekly_digest": wanted}, auto_id="id_digest_%s")
    if request.method == "POST":
        form = DigestForm(request.POST, auto_id="id_digest_%s")
        if form.is_valid():
            on = form.cleaned_data["weekly_digest"]
            digest_preference_set(actor=request.user, weekly_digest=on)
            messages.success(
                request,
                "You will get the weekly digest." if on else "You will not get the weekly digest any more.",
            )
            return redirect("account_digest")
    return render(
        request,
        "insights/digest_preference.html",
        {
            "form": form,
            "wanted": wanted,
            "email": request.user.email,
            "when": f"{WEEKDAYS[settings.PUTRIGHT['DIGEST_WEEKDAY']]}s at "
            f"{settings.PUTRIGHT['DIGEST_HOUR']:02d}:00",
            "default_on": digest.default_on(request.user),
        },
    )
