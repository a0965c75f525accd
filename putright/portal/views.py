"""The customer-facing pages: the public report form and the private case link (no account needed).

The e-mailed link (``/track/<token>/``) carries a signed token (``portal_links``). Following it checks
the token, records a grant for that one case in the visitor's session (``grants``) and redirects to the
token-free ``/my-case/<reference>/``, so the secret leaves the address bar, logs and Referer headers.
Every page and answer there checks the grant again and sees only that one case. Changes go through
``putright.cases.services`` with ``actor=None`` ("the customer on their link"). These pages show a
customer's details, so they are never cached, never sent as a referrer and never indexed.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from putright import clock, ratelimit
from putright.cases import selectors, services
from putright.channels import selectors as channel_selectors
from putright.channels.brand import brand_get
from putright.channels.models import Message
from putright.errors import DomainError, PermissionDenied
from putright.portal import grants
from putright.portal.forms import (
    AgreementForm,
    CounterOfferForm,
    MessageForm,
    ReopenForm,
    ReportForm,
    SatisfactionForm,
    UnderstandingForm,
    satisfaction_prefill,
)
from putright.portal.tokens import case_for_token
from putright.regulation import expectations
from putright.resolution import selectors as resolution_selectors
from putright.resolution import services as resolution_services
from putright.vocab import OPEN_STATUSES, Channel, PromiseStatus, SourceKind, Status, Understanding

# Status in the customer's words. An approval pending inside the organisation is ours to
# sort out, so to the customer it reads the same as choosing a resolution.
CUSTOMER_STATUS: dict[str, tuple[str, str]] = {
    Status.NEW: ("We are making sure we understand your problem", "grey"),
    Status.OPTIONS: ("We are working out how to put it right", "blue"),
    Status.AWAITING_APPROVAL: ("We are working out how to put it right", "blue"),
    Status.AWAITING_CUSTOMER: (
        "We have proposed a way to put it right: please tell us if you agree",
        "amber",
    ),
    Status.IN_PROGRESS: ("We are putting it right", "blue"),
    Status.AWAITING_CONFIRMATION: ("We have done what we agreed: please tell us if it is resolved", "teal"),
    Status.NOT_RESOLVED: ("You told us it is not resolved: we are looking at what to do next", "red"),
    Status.CLOSED_RESOLVED: ("Closed: resolved", "green"),
    Status.CLOSED_UNRESOLVED: ("Closed: we could not resolve it", "dark"),
    Status.CLOSED_DUPLICATE: ("Joined to your other case, which carries on", "grey"),
    Status.CLOSED_NO_REPLY: ("Closed: resolved (we did not hear back from you)", "green"),
}
PROMISE_STATUS = {
    PromiseStatus.OPEN: "Due",
    # "At risk" is an alert for our staff; to the customer the promise is simply still due.
    PromiseStatus.AT_RISK: "Due",
    PromiseStatus.BROKEN: "Late: we are sorry",
    PromiseStatus.KEPT: "Done",
    PromiseStatus.KEPT_LATE: "Done, but late",
    PromiseStatus.WITHDRAWN: "Closed with your case",
}
# Shown above the report form when a sender or an email address has used up its reports for the hour.
TOO_MANY_MESSAGES = (
    "You have sent us a lot of messages on this case in the last hour, so this one was not sent. "
    "Your words are still in the box below: please send them again in {minutes} minutes. "
    "The person handling your case has your earlier messages."
)
TOO_MANY_REPORTS = (
    "We have received several reports from you in the last hour. Please wait a little before sending "
    "another, or contact us another way."
)
# The case page posts forms, so it cannot use "no-referrer" (see private_page).
FORM_PAGE_REFERRER_POLICY = "same-origin"
# "private" as well as "no-store": no shared cache (a proxy, a CDN) may keep a customer's page.
PRIVATE_CACHE_CONTROL = "no-store, private"
# Each form on the case page has its own id prefix, so two forms' fields never share an id.
AUTO_IDS = {
    "understanding": "understanding_%s",
    "agreement": "agreement_%s",
    "satisfaction": "satisfaction_%s",
    "message": "message_%s",
    "counter": "counter_%s",
    "reopen": "reopen_%s",
}


# ---------------------------------------------------------------- plumbing


def private_page(view=None, *, referrer_policy: str = "no-referrer"):
    """Headers for the customer's private pages: never cached, never indexed, never a referrer.

    A page that *posts forms* uses ``same-origin`` instead of ``no-referrer``: under
    ``no-referrer`` browsers send ``Origin: null`` with a form POST, which Django's
    CSRF check rightly refuses, so the customer could not answer at all.
    ``same-origin`` still never sends the URL (or anything) to another site, and the
    pages that post forms live at token-free addresses.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return _private(view(request, *args, **kwargs), referrer_policy)

        return wrapped

    return decorate(view) if view is not None else decorate


def _private(response: HttpResponse, referrer_policy: str) -> HttpResponse:
    response["Referrer-Policy"] = referrer_policy
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex"
    return response


def link_expired(case) -> bool:
    """Whether the case closed more than ``CASE_LINK_DAYS_AFTER_CLOSURE`` days ago."""
    if case.closed_at is None:
        return False
    days = settings.PUTRIGHT["CASE_LINK_DAYS_AFTER_CLOSURE"]
    return clock.now() > case.closed_at + timedelta(days=days)


def _expired(request: HttpRequest) -> HttpResponse:
    # Gone, and nothing of the case shown: the link may sit in an old mailbox long after closure.
    return render(request, "portal/link_expired.html", status=410)


def with_token(view):
    """Open the case the e-mailed token names, or answer with the friendly 'link not found' page.

    A forged, altered or revoked token never opens any case, and nothing is changed.
    """

    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        case = case_for_token(token)
        if case is None:
            return render(request, "portal/not_found.html", status=404)
        if link_expired(case):
            return _expired(request)
        return view(request, case, *args, **kwargs)

    return wrapped


def with_grant(view):
    """Open the case at a token-free address only for a browser that followed its link (``grants``).

    Without a live grant for that very case the answer is the same 403 page whether the reference
    exists or not, shows nothing of any case, and changes nothing.
    """

    @wraps(view)
    def wrapped(request, reference: str, *args, **kwargs):
        case = grants.granted_case(request, reference)
        if case is None:
            return render(request, "portal/no_access.html", status=403)
        if link_expired(case):
            return _expired(request)
        return view(request, case, *args, **kwargs)

    return wrapped


def _see_other(url: str) -> HttpResponse:
    # 303: after a POST the browser fetches the page again with GET, so a refresh never re-sends the answer.
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _back_to_case(case, anchor: str = "") -> HttpResponse:
    url = reverse("portal:case", kwargs={"reference": case.reference})
    return _see_other(f"{url}#{anchor}" if anchor else url)


def _offers(case) -> set[str]:
    """The answers the case is waiting on from the customer right now."""
    offers = {"message"}
    if services.reopen_plan(case) and not case.follow_ups.filter(status__in=OPEN_STATUSES).exists():
        offers.add("reopen")  # issue 15 §5: a closed case asks whether the problem is not put right
    if case.status == Status.NEW and case.understanding == Understanding.AWAITING_CUSTOMER:
        offers.add("understanding")
    if case.status == Status.AWAITING_CUSTOMER and case.recommended_option_id is not None:
        offers.add("agreement")
    if case.status == Status.AWAITING_CONFIRMATION:
        offers.add("satisfaction")
    if case.status in (
        Status.OPTIONS,
        Status.AWAITING_CUSTOMER,
    ) and resolution_selectors.open_organisation_offer(case=case):
        offers.add("counter")
    return offers


def _case_context(case) -> dict:
    label, colour = CUSTOMER_STATUS[case.status]
    promises = [(p, PROMISE_STATUS[p.status]) for p in case.promises.all()]
    return {
        "case": case,
        "status_label": label,
        "status_colour": colour,
        "timeline": list(selectors.case_timeline(case=case, customer_view=True)),
        "case_messages": list(
            Message.objects.filter(case=case).select_related("author").order_by("created_at", "pk")
        ),
        # Issue 15 §4: their files and ours (each message shows its own; the report's are listed once).
        "attachments": list(channel_selectors.case_attachments(case)),
        "promises": promises,
        "option": case.recommended_option if case.status == Status.AWAITING_CUSTOMER else None,
        "is_closed_resolved": case.status == Status.CLOSED_RESOLVED,
        "is_closed_no_reply": case.status == Status.CLOSED_NO_REPLY,
        "is_closed_unresolved": case.status == Status.CLOSED_UNRESOLVED,
        # Joined to the customer's other case: only its reference is shown (this link opens this case alone).
        "carries_on_as": case.duplicate_of.reference
        if case.status == Status.CLOSED_DUPLICATE and case.duplicate_of_id
        else None,
        "is_not_resolved": case.status == Status.NOT_RESOLVED,
        # Issue 15 §5: the links between a closed case and the follow-up opened from it (references only).
        "follow_up_of": case.follow_up_of.reference if case.follow_up_of_id else None,
        "followed_up_in": list(case.follow_ups.order_by("pk").values_list("reference", flat=True))
        if case.is_closed
        else [],
        "understanding_corrected": case.status == Status.NEW
        and case.understanding == Understanding.CORRECTED,
    }


def _render_case(
    request: HttpRequest, case, *, status: int = 200, bound=None, prefill: dict | None = None
) -> HttpResponse:
    """The case page; ``bound`` is a (name, form) whose errors are shown, with HTTP 400. ``prefill`` is the
    satisfaction answer an e-mailed link carried, shown in the form for the customer to check and send."""
    offers = _offers(case)
    asked = services.asked_scores() if "satisfaction" in offers else []
    forms = {
        "understanding": UnderstandingForm(auto_id=AUTO_IDS["understanding"]),
        "agreement": AgreementForm(auto_id=AUTO_IDS["agreement"]),
        "satisfaction": SatisfactionForm(
            auto_id=AUTO_IDS["satisfaction"], asked=asked, initial=prefill or {}
        ),
        "message": MessageForm(auto_id=AUTO_IDS["message"]),
        "counter": CounterOfferForm(auto_id=AUTO_IDS["counter"]),
        "reopen": ReopenForm(auto_id=AUTO_IDS["reopen"]),
    }
    if bound is not None:
        forms[bound[0]] = bound[1]
    context = _case_context(case)
    # The case page reads newest first (the printable record keeps the order things happened in).
    context["timeline"].reverse()
    context["case_messages"].reverse()
    context.update(
        expectations=expectations.next_from_us(case),
        # The page's own address, not the e-mailed link: the token never appears on a page (it could leak).
        case_link=settings.SITE_URL + reverse("portal:case", kwargs={"reference": case.reference}),
        prefilled=bool(prefill) and "satisfaction" in offers,
        offers=offers,
        our_offer=resolution_selectors.open_organisation_offer(case=case) if "counter" in offers else None,
        forms=forms,
        invalid_form=bound[1] if bound is not None else None,
        record_url=reverse("portal:record", kwargs={"reference": case.reference}),
    )
    return render(request, "portal/case.html", context, status=status)


def _answer(
    request: HttpRequest, case, *, name: str, form_class, act, done: str, form_kwargs: dict | None = None
) -> HttpResponse:
    """Shared shape of every answer on the case link: validate, call the service, say what happened."""
    form = form_class(request.POST, auto_id=AUTO_IDS[name], **(form_kwargs or {}))
    if not form.is_valid():
        if name not in _offers(case):
            # A stale page answering a question the case no longer asks: nothing to correct on this page.
            messages.error(
                request,
                "Your case has moved on since that page was loaded, so nothing was changed. "
                "Here is where it stands now.",
            )
            return _back_to_case(case)
        return _render_case(request, case, status=400, bound=(name, form))
    try:
        act(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back_to_case(case)
    except PermissionDenied:
        messages.error(request, "That is not something you can do on your case link, so nothing was changed.")
        return _back_to_case(case)
    messages.success(request, done)
    return _back_to_case(case, anchor="status")


# ---------------------------------------------------------------- S1 report


def _report_limits(request: HttpRequest, email: str) -> list[ratelimit.Limit]:
    """Each report emails the address typed in: limit reports per sender and per recipient mailbox."""
    conf = settings.PUTRIGHT
    return [
        ratelimit.Limit("report-sender", ratelimit.client_address(request), conf["REPORTS_PER_IP_PER_HOUR"]),
        ratelimit.Limit("report-mailbox", ratelimit.mailbox(email), conf["REPORTS_PER_EMAIL_PER_HOUR"]),
    ]


def report(request: HttpRequest) -> HttpResponse:
    """The public report form (S1). Bad input is shown back with HTTP 400 and nothing is created.

    Past the hourly limits the form comes back with 429, still holding everything
    the customer typed, and again nothing is created or sent.
    """
    # The organisation's brand: named in the consent, and on the page (one read for both).
    brand = brand_get()
    if request.method == "POST":
        form = ReportForm(
            request.POST, request.FILES, organisation=brand.display_name if brand.is_set else ""
        )
        if form.is_valid():
            data = form.cleaned_data
            limits = _report_limits(request, data["email"])
            if ratelimit.exceeded(limits):
                response = render(
                    request,
                    "portal/report.html",
                    {"form": form, "too_many": TOO_MANY_REPORTS, "brand": brand},
                    status=429,
                )
                response["Retry-After"] = str(ratelimit.seconds_until_reset())
                response["Cache-Control"] = "no-store"
                return response
            category = data["category"]
            report_input = services.ReportInput(
                customer_name=data["name"],
                customer_email=data["email"],
                customer_phone=data["phone"],
                subject=data["subject"],
                description=data["description"],
                desired_outcome=data["desired_outcome"],
                order_reference=data["order_reference"],
                amount_in_dispute=data["amount_in_dispute"],
                category_id=category.pk if category else None,
                consent=data["consent"],
                channel=Channel.WEB,
                source_kind=SourceKind.CUSTOMER_REPORTED,
            )
            try:
                case, _ = services.case_report(report=report_input, actor=None, files=data["attachments"])
            except DomainError as exc:
                # e.g. a category removed while the form was open: show it, keep what they wrote.
                form.add_error(None, exc.message)
            else:
                # Only reports we accepted count, so mistakes never use up a customer's allowance.
                ratelimit.count(limits)
                # The reporter is the customer: this browser may follow the case without the link.
                grants.grant(request, case)
                return _see_other(reverse("portal:report_thanks", kwargs={"reference": case.reference}))
        response = render(request, "portal/report.html", {"form": form, "brand": brand}, status=400)
    else:
        response = render(
            request,
            "portal/report.html",
            {"form": ReportForm(organisation=brand.display_name if brand.is_set else ""), "brand": brand},
        )
    # The form may be re-shown holding the customer's personal details: never cache it.
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@private_page
@with_grant
def report_thanks(request: HttpRequest, case) -> HttpResponse:
    return render(
        request,
        "portal/report_thanks.html",
        {
            "case": case,
            "case_session_days": settings.PUTRIGHT["CASE_SESSION_DAYS"],
            "case_path": reverse("portal:case", kwargs={"reference": case.reference}),
        },
    )


# ---------------------------------------------------------------- the case link


@require_safe
@private_page(referrer_policy=FORM_PAGE_REFERRER_POLICY)
@with_grant
def case_page(request: HttpRequest, case) -> HttpResponse:
    # An e-mailed answer link (``?resolved=yes&csat=4``) fills the satisfaction form in; it records nothing.
    prefill = satisfaction_prefill(request.GET, services.asked_scores()) if request.GET else None
    return _render_case(request, case, prefill=prefill)


@require_safe
@private_page
@with_grant
def case_record(request: HttpRequest, case) -> HttpResponse:
    """A printable copy of what the customer may see: never internal notes, consultations or approvals."""
    context = _case_context(case)
    context["customer"] = case.customer
    return render(request, "portal/record.html", context)


def _understanding(request: HttpRequest, case) -> HttpResponse:
    """S2: 'Yes, that's right' or 'No' with a correction."""

    def act(data):
        if data["confirm"]:
            services.case_confirm_understanding(actor=None, case=case)
        else:
            services.case_correct_understanding(case=case, correction=data["correction"])

    confirmed = request.POST.get("confirm") == "yes"
    done = (
        "Thank you for confirming. We will now work out how to put it right."
        if confirmed
        else "Thank you for correcting us. We will look at it again and send you a new summary."
    )
    return _answer(request, case, name="understanding", form_class=UnderstandingForm, act=act, done=done)


def _agreement(request: HttpRequest, case) -> HttpResponse:
    """A1: agree to, or decline, the proposed option."""

    def act(data):
        services.option_customer_respond(
            case=case, agree=data["agree"], actor=None, method="portal", comment=data["comment"]
        )

    agreed = request.POST.get("agree") == "yes"
    done = (
        "Thank you for agreeing. We are now putting it right and will keep you updated."
        if agreed
        else "Thank you for telling us. We will look for another way to put it right."
    )
    return _answer(request, case, name="agreement", form_class=AgreementForm, act=act, done=done)


def _counter_offer(request: HttpRequest, case) -> HttpResponse:
    """K3: answer our offer with an amount of the customer's own."""

    def act(data):
        resolution_services.offer_counter_from_customer(case=case, amount=data["amount"], terms=data["terms"])

    done = "Thank you. We have your counter-offer and will come back to you."
    return _answer(request, case, name="counter", form_class=CounterOfferForm, act=act, done=done)


def _satisfaction(request: HttpRequest, case) -> HttpResponse:
    """A5: is the problem resolved?"""

    def act(data):
        services.case_satisfaction_record(
            case=case,
            resolved=data["resolved"],
            comment=data["comment"],
            actor=None,
            csat=data.get("csat"),
            ces=data.get("ces"),
            nps=data.get("nps"),
        )

    resolved = request.POST.get("resolved") == "yes"
    done = (
        "Thank you. We are glad it is resolved, and we have closed your case."
        if resolved
        else "We are sorry it is not resolved yet. We have told the person handling your case."
    )
    return _answer(
        request,
        case,
        name="satisfaction",
        form_class=SatisfactionForm,
        act=act,
        done=done,
        form_kwargs={"asked": services.asked_scores()},
    )


def _message(request: HttpRequest, case) -> HttpResponse:
    """A4: the customer writes to us; it is stored first and the handler is alerted.

    At most ``MESSAGES_PER_CASE_PER_HOUR`` an hour on one case: every message alerts the handler. One more
    is refused (429) with the words kept in the box, so nothing they wrote is lost; they can send it later.
    """
    limit = [ratelimit.Limit("case-message", str(case.pk), settings.PUTRIGHT["MESSAGES_PER_CASE_PER_HOUR"])]
    if ratelimit.exceeded(limit):
        form = MessageForm(request.POST, auto_id=AUTO_IDS["message"])
        form.is_valid()
        minutes = max(1, -(-ratelimit.seconds_until_reset() // 60))
        form.add_error(None, TOO_MANY_MESSAGES.format(minutes=minutes))
        response = _render_case(request, case, status=429, bound=("message", form))
        response["Retry-After"] = str(ratelimit.seconds_until_reset())
        return response

    def act(data):
        services.message_receive(case=case, body=data["body"], files=data["attachments"])
        ratelimit.count(limit)

    return _answer(
        request,
        case,
        name="message",
        form_class=MessageForm,
        act=act,
        done="Thank you. We have your message. Is the problem not put right? Answer the question at the top "
        "of this page and we will look at it again."
        if "reopen" in _offers(case)
        else "Thank you. We have your message and will reply.",
        form_kwargs={"files": request.FILES},
    )


def _reopen(request: HttpRequest, case) -> HttpResponse:
    """Issue 15 §5: a message on a closed case, saying whether the problem is not put right. The message is
    stored first, whatever the answer (the handler is alerted as for any message); only "yes" reopens the
    case, or opens a follow-up case that this browser may then open too."""
    form = ReopenForm(request.POST, auto_id=AUTO_IDS["reopen"])
    if "reopen" not in _offers(case):
        messages.error(request, "Your case has moved on since that page was loaded, so nothing was changed.")
        return _back_to_case(case)
    if not form.is_valid():
        return _render_case(request, case, status=400, bound=("reopen", form))
    body = form.cleaned_data["body"]
    try:
        services.message_receive(case=case, body=body)
        if not form.cleaned_data["not_put_right"]:
            messages.success(request, "Thank you. We have your message; your case stays closed.")
            return _back_to_case(case, anchor="status")
        case, follow_up = services.case_reopen_closed(actor=None, case=case, reason=body)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back_to_case(case)
    if follow_up is None:
        messages.success(request, "We have reopened your case and will come back to you.")
        return _back_to_case(case, anchor="status")
    grants.grant(request, follow_up)
    messages.success(
        request,
        f"We have opened a new case, {follow_up.reference}, to look at this, and e-mailed you its link.",
    )
    return _back_to_case(follow_up, anchor="status")


def _answer_view(answer):
    """An answer at its token-free address: POST only, for a browser holding the case's grant."""
    return require_POST(private_page(referrer_policy=FORM_PAGE_REFERRER_POLICY)(with_grant(answer)))


case_understanding = _answer_view(_understanding)
case_agreement = _answer_view(_agreement)
case_counter_offer = _answer_view(_counter_offer)
case_satisfaction = _answer_view(_satisfaction)
case_message = _answer_view(_message)
case_reopen = _answer_view(_reopen)

# ---------------------------------------------------------------- the e-mailed link


PREFILL_KEYS = ("resolved", "csat", "ces", "nps")
# The answers by their path under a link, for forms on pages loaded from an old e-mailed address.
ANSWERS = {
    "understanding": _understanding,
    "agreement": _agreement,
    "counter-offer": _counter_offer,
    "satisfaction": _satisfaction,
    "message": _message,
    "reopen": _reopen,
}
# Where each e-mailed address (/track/<token>/<page>/, /report/thanks/<token>/) now lives. The answer
# addresses only ever took POSTs, so following one lands on the case page, where its question is.
LINK_PAGES = {"": "case", "record": "record", "thanks": "report_thanks"} | dict.fromkeys(ANSWERS, "case")


@require_http_methods(["GET", "HEAD", "POST"])
def follow_link(request: HttpRequest, token: str, page: str = "") -> HttpResponse:
    """The e-mailed link: check the token, grant this browser the case, send it on without the token.

    Emails already sent hold the old sub-addresses too, so each keeps working. A POST from a page loaded
    at an old address is answered as it always was (the customer's words are never lost), then lands
    on the token-free page.
    """
    if page not in LINK_PAGES:
        response = render(request, "portal/not_found.html", status=404)
    else:
        response = _follow(request, token, page)
    # A POST's answer may re-show the case page's forms, which need same-origin (see private_page). The
    # redirect says no-referrer, so the request it leads to carries no Referer at all (a webmail page's
    # address included).
    return _private(response, FORM_PAGE_REFERRER_POLICY if request.method == "POST" else "no-referrer")


@with_token
def _follow(request: HttpRequest, case, page: str) -> HttpResponse:
    if request.method == "POST":
        answer = ANSWERS.get(page)
        if answer is None:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        grants.grant(request, case)
        return answer(request, case)
    grants.grant(request, case)
    url = reverse(f"portal:{LINK_PAGES[page]}", kwargs={"reference": case.reference})
    # The satisfaction answer an e-mailed link carries survives the redirect (only its own keys, re-encoded).
    answer = {k: request.GET[k] for k in PREFILL_KEYS if k in request.GET and LINK_PAGES[page] == "case"}
    return _see_other(f"{url}?{urlencode(answer)}#status" if answer else url)
