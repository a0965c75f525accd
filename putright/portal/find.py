"""“Find my case” (issue 15 §9): a customer who lost our e-mail asks for their case links again.

The page answers the same whatever address is given, and as fast (nothing is looked up in the request:
a job does it after the commit), so it tells nobody whether an address is known. Known addresses get one
e-mail listing the links of their cases still open to them; unknown ones get nothing. Rate-limited per
address and per network address, as the report form is.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from putright import clock, ratelimit
from putright.cases.models import Case
from putright.channels.brand import brand_get
from putright.channels.emails import case_links_email
from putright.channels.portal_links import portal_url
from putright.customers.normalise import email_key
from putright.jobs import queues
from putright.jobs.outbox import later
from putright.jobs.runner import job_task

# At most this many cases are listed in one e-mail (newest first).
MAX_LINKS = 20
PER_ADDRESS_PER_HOUR = 3
PER_NETWORK_PER_HOUR = 20
TOO_MANY = "You have asked for your links several times in the last hour. Please check your e-mail (and its spam folder) and try again later."


class FindCaseForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address you gave when you told us about the problem.",
        error_messages={
            "required": "Please enter your e-mail address.",
            "invalid": "Please enter an e-mail address, like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _limits(request: HttpRequest, address: str) -> list[ratelimit.Limit]:
    return [
        ratelimit.Limit("find-case-mailbox", ratelimit.mailbox(address), PER_ADDRESS_PER_HOUR),
        ratelimit.Limit("find-case-network", ratelimit.client_address(request), PER_NETWORK_PER_HOUR),
    ]


@require_http_methods(["GET", "POST"])
def find_case(request: HttpRequest) -> HttpResponse:
    brand = brand_get()
    if request.method != "POST":
        response = render(request, "portal/find_case.html", {"form": FindCaseForm(), "brand": brand})
    else:
        form = FindCaseForm(request.POST)
        if not form.is_valid():
            response = render(request, "portal/find_case.html", {"form": form, "brand": brand}, status=400)
        else:
            address = form.cleaned_data["email"]
            limits = _limits(request, address)
            if ratelimit.exceeded(limits):
                response = render(
                    request,
                    "portal/find_case.html",
                    {"form": form, "brand": brand, "too_many": TOO_MANY},
                    status=429,
                )
                response["Retry-After"] = str(ratelimit.seconds_until_reset())
            else:
                with transaction.atomic():
                    later(send_case_links, address)
                ratelimit.count(limits)
                response = render(request, "portal/find_case_sent.html", {"address": address, "brand": brand})
    response["Cache-Control"] = "no-store"
    return response


def cases_for_address(address: str) -> list[Case]:
    """The cases of every customer record with this address whose link still opens (open, or closed
    less than CASE_LINK_DAYS_AFTER_CLOSURE days ago), newest first."""
    cutoff = clock.now() - timedelta(days=settings.PUTRIGHT["CASE_LINK_DAYS_AFTER_CLOSURE"])
    return list(
        Case.objects.filter(customer__email_key=email_key(address))
        .exclude(closed_at__lt=cutoff)
        .select_related("customer")
        .order_by("-created_at", "-pk")[:MAX_LINKS]
    )


@job_task(queue=queues.MAIL)
def send_case_links(address: str) -> str:
    cases = cases_for_address(address)
    if not cases:
        return "unknown"
    email = case_links_email(
        brand=brand_get(),
        to=cases[0].customer.email,  # the address on file, not as typed
        name=cases[0].customer.name,
        links=[(case.reference, case.subject, portal_url(case)) for case in cases],
    )
    email.send(fail_silently=False)  # a failure is retried by the job runner
    return "sent"
