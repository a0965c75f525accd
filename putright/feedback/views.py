"""S4 pages: the shared feedback feed, and sharing a note from a case as feedback.

Thin, like the case views: staff only, validate the form, call one service or selector.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from putright.cases import selectors as case_selectors
from putright.cases.access import staff_required
from putright.cases.models import Case
from putright.errors import DomainError
from putright.feedback import selectors, services
from putright.feedback.forms import FeedFilterForm, ShareFeedbackForm
from putright.validators import CASE_REFERENCE_RE

FEED_PAGE_SIZE = 25
CHART_WEEKS = 12


def filters_from(data: dict) -> selectors.FeedFilters:
    return selectors.FeedFilters(
        source=data.get("source") or "",
        sentiment=data.get("sentiment") or "",
        category=data["category"].slug if data.get("category") else "",
        satisfied=data.get("satisfied") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        q=data.get("q") or "",
    )


def chart_data(weeks: list[selectors.WeekVolume]) -> dict:
    """The weekly volumes as ``putright/charts.js`` draws them: stacked bars, one colour per sentiment."""
    return {
        "type": "bar",
        "title": "Feedback per week, by sentiment",
        "x_label": "Week beginning",
        "y_label": "Feedback items",
        "labels": [f"{w.week_start.day} {w.week_start:%b}" for w in weeks],
        "datasets": [
            {"label": "Negative", "colour": "#b42318", "data": [w.negative for w in weeks]},
            {"label": "Neutral", "colour": "#6e7781", "data": [w.neutral for w in weeks]},
            {"label": "Positive", "colour": "#1a7f37", "data": [w.positive for w in weeks]},
            {"label": "No words", "colour": "#0e7490", "data": [w.unread for w in weeks]},
        ],
    }


@staff_required
def feed(request: HttpRequest) -> HttpResponse:
    form = FeedFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "feedback/feed.html", {"form": form, "nav": "feedback"}, status=400)
    filters = filters_from(form.cleaned_data if request.GET else {})
    page_obj = Paginator(
        selectors.feedback_feed(user=request.user, filters=filters), FEED_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    weeks = selectors.feedback_weekly_volume(user=request.user, filters=filters, weeks=CHART_WEEKS)
    return render(
        request,
        "feedback/feed.html",
        {
            "form": form,
            "page_obj": page_obj,
            "themes": selectors.feedback_themes(user=request.user, filters=filters),
            "weeks": weeks,
            "chart": chart_data(weeks),
            "nav": "feedback",
        },
    )


@staff_required
@require_POST
def share(request: HttpRequest, reference: str) -> HttpResponse:
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise Http404("No case with that reference")
    try:
        case = case_selectors.case_get_for_user(user=request.user, reference=reference)
    except Case.DoesNotExist as exc:
        raise Http404("No case with that reference") from exc
    form = ShareFeedbackForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"Not shared: {problems}")
    else:
        try:
            services.feedback_flag(actor=request.user, case=case, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Shared with colleagues in the feedback feed.")
    return redirect(reverse("cases:detail", kwargs={"reference": case.reference}) + "#consultations")
