"""The insights dashboard ``/insights/`` (issue 13 §3): how the service is doing, at a glance.

The page answers at once with the filters and, per section, a "Loading…" status; each section (the
headline tiles, then one per group of metrics) loads as its own fragment (htmx ``hx-trigger="load"``), and
each status carries a plain link to that section as a page of its own, so it works without JavaScript.
Every chart is drawn by ``putright/charts.js`` from JSON in the page and has its table beside it; every
count of cases links to the queue listing exactly those cases (``insights.behind``).

Who sees what (``insights.access.figure_scope``, the API's rule too): managers and administrators see every
team's figures; agents and supervisors the figures of their own teams (a supervisor runs a team: the
whole organisation's figures are a manager's), and their team and handler filters offer only those.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from putright import clock
from putright.cases.access import staff_required
from putright.insights import access
from putright.insights.behind import Behind, cases_behind
from putright.pages import insights_sections as sections
from putright.pages.insights_filters import (
    FILTER_KEYS,
    ClickThrough,
    InsightFilterForm,
    insight_params,
    period_words,
)

SECTION_NAMES = [name for name, _, _ in sections.SECTIONS]


def _form(request: HttpRequest) -> tuple[InsightFilterForm, tuple[int, ...] | None]:
    scope = access.figure_scope(request.user)
    today = timezone.localdate(clock.now())
    return InsightFilterForm(insight_params(request.GET), user=request.user, scope=scope, today=today), scope


def _common(form: InsightFilterForm) -> dict:
    span = form.cleaned_data["span"]
    return {
        "span": span,
        "span_words": period_words(span),
        "previous_words": period_words(span.previous()),
        "query": form.query(),
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, _ = _form(request)
    valid = form.is_valid()
    context = {
        "nav": "insights",
        "form": form,
        "errors": [] if valid else form.error_messages(),
        "sections": [
            {"name": name, "title": title, "url": reverse("insights_section", args=[name])}
            for name, title, _ in sections.SECTIONS
        ],
        "sees_all": access.sees_all_teams(request.user),
    }
    if valid:
        context.update(_common(form))
    return render(request, "insights/dashboard.html", context, status=200 if valid else 400)


@staff_required
def section(request: HttpRequest, name: str) -> HttpResponse:
    found = {n: (title, build) for n, title, build in sections.SECTIONS}
    if name not in found:
        raise Http404("No such section of the dashboard.")
    form, scope = _form(request)
    fragment = bool(getattr(request, "htmx", False))
    title, build = found[name]
    if not form.is_valid():
        return render(
            request,
            "insights/section_page.html" if not fragment else "insights/_section_error.html",
            {"nav": "insights", "title": title, "errors": form.error_messages(), "form": form},
            status=400,
        )
    ask = sections.Ask(
        span=form.cleaned_data["span"],
        filters=form.filters(scope),
        links=ClickThrough(form.carried()),
        now=clock.now(),
    )
    context = {"nav": "insights", "name": name, "title": title, "section": build(ask), **_common(form)}
    template = "insights/_section.html" if fragment else "insights/section_page.html"
    return render(request, template, context)


@dataclass(frozen=True)
class QueueBehind:
    """What the queue needs for ``?insight=…``: the cases behind the figure (or why there are none to
    list), the words for its banner and the way back to the dashboard."""

    behind: Behind | None
    error: str
    back_url: str
    # The parameters the queue's own filter form must carry along (it has team, category and source).
    hidden: list[tuple[str, str]]
    period_words: str = ""


def queue_behind(request: HttpRequest) -> QueueBehind:
    """The click-through: ``/cases/?insight=METRIC&part=PART&group=DIM=VALUE&from=…&to=…&<filters>``
    lists exactly the cases counted in that cell of the dashboard, for whoever may see them."""
    form, scope = _form(request)
    queue_fields = {"team", "category", "source_kind"}
    hidden = [
        (k, request.GET[k])
        for k in ("insight", "part", "group", *FILTER_KEYS)
        if k in request.GET and k not in queue_fields
    ]
    back = reverse("insights")
    if not form.is_valid():
        return QueueBehind(None, " ".join(form.error_messages()), back, hidden)
    back = f"{back}?{form.query()}"
    try:
        behind = cases_behind(
            request.GET.get("insight", ""),
            part=request.GET.get("part", ""),
            group=request.GET.get("group", ""),
            start=form.cleaned_data["span"].start,
            end=form.cleaned_data["span"].end,
            filters=form.filters(scope),
            now=clock.now(),
        )
    except ValueError as exc:
        return QueueBehind(None, str(exc), back, hidden)
    return QueueBehind(behind, "", back, hidden, period_words(behind.period))
