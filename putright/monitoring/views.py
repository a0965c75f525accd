"""S5 pages: recent breaches and readings, a breach with its affected customers, and the proactive notice.

Thin, like the case views: staff only (the notice: supervisor and above), validate, call one service.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.access import staff_required
from putright.errors import DomainError
from putright.monitoring import selectors, services
from putright.monitoring.forms import NoticeForm, SignalFilterForm, notice_initial
from putright.monitoring.models import SignalBreach

SIGNALS_PAGE_SIZE = 50
RECENT_BREACHES = 20


def problem_url(problem) -> str | None:
    """The problem's page, when the problems app has one."""
    if problem is None:
        return None
    try:
        return reverse("problems:detail", args=[problem.pk])
    except NoReverseMatch:
        return None


def _breach_or_404(request: HttpRequest, breach_id: int) -> SignalBreach:
    try:
        return selectors.breach_get_for_user(user=request.user, pk=breach_id)
    except SignalBreach.DoesNotExist as exc:
        raise Http404("No such breach") from exc


@staff_required
def signals_home(request: HttpRequest) -> HttpResponse:
    form = SignalFilterForm(request.GET or None)
    context = {
        "form": form,
        "nav": "signals",
        "thresholds": list(selectors.thresholds(user=request.user)),
        "signal_names": selectors.signal_names(user=request.user),
    }
    if request.GET and not form.is_valid():
        return render(request, "monitoring/signals.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    filters = selectors.SignalFilters(
        name=data.get("name") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        breached_only=bool(data.get("breached_only")),
    )
    breaches = list(selectors.breaches_recent(user=request.user)[:RECENT_BREACHES])
    for breach in breaches:
        breach.problem_url = problem_url(breach.problem)
    context.update(
        breaches=breaches,
        page_obj=Paginator(
            selectors.signals_recent(user=request.user, filters=filters), SIGNALS_PAGE_SIZE
        ).get_page(request.GET.get("page")),
    )
    return render(request, "monitoring/signals.html", context)


def _render_breach(request: HttpRequest, breach: SignalBreach, form=None, status: int = 200) -> HttpResponse:
    can_send = has_role_at_least(request.user, Role.SUPERVISOR)
    return render(
        request,
        "monitoring/breach.html",
        {
            "breach": breach,
            "problem_url": problem_url(breach.problem),
            "affected": selectors.breach_affected(breach=breach),
            # Shown as the JSON the sender wrote, not as Python reprs.
            "unmatched": [json.dumps(u, ensure_ascii=False) for u in breach.unmatched[:50]],
            "signals": selectors.breach_signals(breach=breach),
            "progress": services.notice_progress(breach=breach),
            "can_send": can_send,
            "notice_form": form or (NoticeForm(initial=notice_initial(breach)) if can_send else None),
            "nav": "signals",
        },
        status=status,
    )


@staff_required
def breach_detail(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _render_breach(request, _breach_or_404(request, breach_id))


@staff_required
@require_POST
def breach_notice(request: HttpRequest, breach_id: int) -> HttpResponse:
    breach = _breach_or_404(request, breach_id)
    services.require_notice_sender(request.user)  # an agent gets the 403 page, before any validation
    form = NoticeForm(request.POST)
    if not form.is_valid():
        return _render_breach(request, breach, form=form, status=400)
    try:
        progress = services.breach_notice_send(
            actor=request.user,
            breach=breach,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if progress.queued:
            messages.success(
                request, f"Sending the notice to {progress.pending} customers: progress is shown below."
            )
        elif progress.failed:
            messages.warning(
                request,
                f"Notice sent to {progress.notified} of {progress.total} customers; {progress.failed} could not be "
                "sent yet — send again to retry them.",
            )
        else:
            messages.success(
                request,
                f"Notice sent to {progress.notified} customer{'s' if progress.notified != 1 else ''}, "
                "recorded on each one's case as sent unprompted.",
            )
    return redirect(reverse("monitoring:breach", args=[breach.pk]) + "#notice")


@staff_required
def breach_notice_status(request: HttpRequest, breach_id: int) -> HttpResponse:
    breach = _breach_or_404(request, breach_id)
    return render(
        request,
        "monitoring/_notice_status.html",
        {"breach": breach, "progress": services.notice_progress(breach=breach)},
    )
