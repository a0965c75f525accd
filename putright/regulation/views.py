"""Staff pages for deadlines: the deadlines page, the clocks panel's actions, drafting the final letter.

Thin, like the case workspace's views: staff only (``staff_required`` / ``workspace_post``), validate
the form, call one service, report and redirect. A refused action comes back as a page message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from putright import clock
from putright.caseforms.forms import CloseUnresolvedForm
from putright.cases.access import staff_required, workspace_post
from putright.errors import DomainError
from putright.regulation import selectors, services
from putright.regulation.forms import (
    ClockExtendForm,
    ClockMetForm,
    ClockStartForm,
    ClockStopForm,
    DeadlineFilterForm,
    LetterDraftForm,
)
from putright.regulation.models import CaseClock

PAGE_SIZE = 50
CLOSE_AUTO_ID = "id_close_%s"  # the close-unresolved form's ids on the case page


def _clocks_url(case) -> str:
    return reverse("cases:detail", kwargs={"reference": case.reference}) + "#clocks"


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return "Please check the form."


# ---------------------------------------------------------------- the deadlines page


@staff_required
def deadlines(request: HttpRequest) -> HttpResponse:
    form = DeadlineFilterForm(request.GET or None)
    status = 200
    page_obj = None
    rows: list = []
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        within = data.get("within")
        filters = selectors.DeadlineFilters(
            within_days=7 if within is None or within == "" else int(within),
            scope=data.get("scope") or "team",
            kind=data.get("kind") or "",
            show=data.get("show") or "all",
        )
        now = clock.now()
        qs = selectors.deadlines(user=request.user, filters=filters, now=now)
        page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = selectors.decorate_page(page_obj.object_list, now)
    else:
        status = 400
    return render(
        request,
        "regulation/deadlines.html",
        {"form": form, "page_obj": page_obj, "rows": rows, "nav": "deadlines"},
        status=status,
    )


# ---------------------------------------------------------------- the clocks panel


def _do(request, case, form, perform, success: str) -> HttpResponse:
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_clocks_url(case))
    try:
        perform(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(_clocks_url(case))


@workspace_post
def clock_start(request, case):
    form = ClockStartForm(request.POST, auto_id="id_clockstart_%s")
    return _do(
        request,
        case,
        form,
        lambda d: services.clock_start(
            actor=request.user, case=case, kind=d["kind"], start_date=d["start_date"], note=d["note"]
        ),
        "Deadline started.",
    )


@workspace_post
def clock_met(request, case, clock_id: int):
    row = get_object_or_404(CaseClock, pk=clock_id, case=case)
    form = ClockMetForm(request.POST)
    return _do(
        request,
        case,
        form,
        lambda d: services.clock_met(actor=request.user, clock_row=row, note=d["note"]),
        f"Recorded as done: {row.label}.",
    )


@workspace_post
def clock_stop(request, case, clock_id: int):
    row = get_object_or_404(CaseClock, pk=clock_id, case=case)
    form = ClockStopForm(request.POST)
    return _do(
        request,
        case,
        form,
        lambda d: services.clock_stop(actor=request.user, clock_row=row, reason=d["reason"]),
        f"Deadline stopped: {row.label}.",
    )


@workspace_post
def clock_extend(request, case, clock_id: int):
    row = get_object_or_404(CaseClock, pk=clock_id, case=case)
    form = ClockExtendForm(request.POST)
    return _do(
        request,
        case,
        form,
        lambda d: services.clock_extend(actor=request.user, clock_row=row, reason=d["reason"]),
        "Deadline extended; the customer has been told why and by when.",
    )


# ---------------------------------------------------------------- the final letter


@workspace_post
def letter_draft(request, case):
    """P5/A6: fill the close-unresolved form's letter from the rules, for the agent to edit.

    With htmx, only the letter part of the form is swapped; without JavaScript, a page with the whole
    form filled in (reasons, routes and the drafted letter) posts on to closing the case.
    """
    form = LetterDraftForm(request.POST)
    draft = None
    error = ""
    if form.is_valid():
        d = form.cleaned_data
        draft = selectors.final_letter_draft(
            actor=request.user,
            case=case,
            reasons=d["reasons"],
            choices=services.LetterChoices(
                decision=d["decision"], region=d["customer_region"], supply=d["supply"]
            ),
            extra_routes=form.extra_routes(),
        )
    else:
        error = (
            "Write why we cannot resolve it (at least a sentence) first: the letter is drafted from it."
            if "reasons" in form.errors
            else _first_error(form)
        )
    letter = draft.body if draft is not None else request.POST.get("letter", "")
    if request.htmx:
        close_form = CloseUnresolvedForm(auto_id=CLOSE_AUTO_ID, initial={"letter": letter})
        return render(
            request,
            "regulation/_letter_draft.html",
            # 200 either way: htmx swaps in only successful responses, and the reason must show.
            {"case": case, "form": close_form, "draft": draft, "draft_error": error},
        )
    data = request.POST.copy()
    data["letter"] = letter
    close_form = CloseUnresolvedForm(data, auto_id=CLOSE_AUTO_ID)
    return render(
        request,
        "regulation/letter_page.html",
        {"case": case, "form": close_form, "draft": draft, "draft_error": error, "nav": "team"},
        status=200 if draft is not None else 400,
    )
