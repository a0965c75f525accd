"""Q2: ``/quality/coverage/``, the coaching view of what each handler's and team's closed cases covered
(issue 14 §4): the figures come from ``quality.coverage`` (grouped queries), the period filter is the
insights dashboard's, and the scorecard over time is a chart with its table.

Who sees what (``quality.access.coverage_scope``): an agent their own; a supervisor also the handlers and
teams of the teams they are in or lead; managers and administrators everyone. Asking for someone else's
is a 403 and changes nothing.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.access import forbidden, staff_required
from putright.engines.quality import CHECK_IDS, CHECK_TITLES
from putright.errors import PermissionDenied
from putright.pages.insights_filters import InsightFilterForm, period_words
from putright.quality import access
from putright.quality.coverage import KINDS, CoverageAsk, Row, coverage
from putright.vocab import SourceKind

COVERAGE_KEYS = ("period", "from", "to", "team", "handler")


class CoverageFilterForm(InsightFilterForm):
    """The dashboard's period, team and handler (a coaching view has no category, channel or source)."""

    def __init__(self, data, *, user, scope, today, agent_only: bool):
        super().__init__(data, user=user, scope=scope, today=today)
        for name in ("category", "channel", "source_kind"):
            del self.fields[name]
        if agent_only:
            del self.fields["team"]
            self.fields["handler"].choices = [(user.username, user.get_full_name() or user.username)]
            self.fields["handler"].required = False


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _row(row: Row) -> dict:
    share = row.pass_share
    return {
        "name": row.name,
        "cases": row.cases,
        "kinds": [row.kinds.get(k, 0) for k in KINDS],
        "info_requested": row.info_requested,
        "info_unrequested": row.info_unrequested,
        "procedure_steps": row.procedure_steps,
        "procedure_versions": row.procedure_versions,
        "exceptions": f"{row.exceptions_approved} of {row.exceptions_agreed}"
        if row.exceptions_agreed
        else "—",
        "share": f"{round(100 * share)}%" if share is not None else "—",
    }


def _share(passed: int, applicable: int) -> float | None:
    return round(100 * passed / applicable, 1) if applicable else None


@staff_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    agent_only = not has_role_at_least(user, Role.SUPERVISOR)
    params = request.GET.copy()
    try:
        scope = access.coverage_scope(user)
    except PermissionDenied:
        return forbidden(request)
    today = timezone.localdate(clock.now())
    form = CoverageFilterForm(
        {k: params[k] for k in COVERAGE_KEYS if k in params},
        user=user,
        scope=scope,
        today=today,
        agent_only=agent_only,
    )
    context: dict = {"nav": "quality", "form": form, "titles": CHECK_TITLES, "agent_only": agent_only}
    if not form.is_valid():
        context["errors"] = form.error_messages()
        return render(request, "quality/coverage.html", context, status=400)
    data = form.cleaned_data
    handler = None
    if data.get("handler"):
        handler = (
            get_user_model().objects.filter(username=data["handler"]).values_list("pk", flat=True).first()
        )
    team = int(data["team"]) if data.get("team") else None
    try:
        access.coverage_scope(user, team=team, handler=handler)
    except PermissionDenied:
        return forbidden(request)
    span = data["span"]
    ask = CoverageAsk(
        start=span.start,
        end=span.end,
        team=team,
        handler=handler,
        team_ids=scope,
        only_self=user.pk if agent_only else None,
        viewer=user.pk,
    )
    found = coverage(ask)
    months = found.months
    chart = {
        "type": "line",
        "title": "Share of applicable checks passed, by month of closing",
        "x_label": "Month",
        "y_label": "% passed",
        "labels": [f"{m:%b %Y}" for m in months],
        "datasets": [
            {
                "label": CHECK_TITLES[c],
                "data": [_share(*found.monthly.get((m, c), (0, 0))) for m in months],
            }
            for c in CHECK_IDS
        ],
    }
    month_rows = [
        {
            "month": f"{m:%b %Y}",
            "cells": [
                _percent(*found.monthly[(m, c)]) + f" of {found.monthly[(m, c)][1]}"
                if found.monthly.get((m, c), (0, 0))[1]
                else "—"
                for c in CHECK_IDS
            ],
        }
        for m in months
    ]
    check_rows = [
        {
            "title": CHECK_TITLES[c],
            "pass": found.checks[c]["pass"],
            "fail": found.checks[c]["fail"],
            "na": found.checks[c]["n/a"],
            "share": _percent(found.checks[c]["pass"], found.checks[c]["pass"] + found.checks[c]["fail"]),
        }
        for c in CHECK_IDS
    ]
    context.update(
        {
            "span_words": period_words(span),
            "handler_rows": [_row(r) for r in found.handlers],
            "team_rows": [_row(r) for r in found.teams],
            "kinds": [(k, SourceKind(k).label) for k in KINDS],
            "check_rows": check_rows,
            "month_rows": month_rows,
            "chart_json": json.dumps(chart) if months else "",
            "chart_title": chart["title"],
            "check_titles": [CHECK_TITLES[c] for c in CHECK_IDS],
        }
    )
    return render(request, "quality/coverage.html", context)
