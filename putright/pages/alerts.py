"""Alerts and escalations, so that people can keep up with them (issue 12, part 4).

Alerts: unread first, filtered by kind and by case, marked read one at a time or all at once (the ones
the filter shows). Both marks are POSTs; with htmx the row or the list is swapped in place and the
unread count in the header is updated out of band. Escalations: to me or by me, of open cases unless
asked otherwise, filtered by case, paginated.

Only the signed-in member of staff's own alerts and escalations are ever read or changed here.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from putright.cases import selectors
from putright.cases.access import staff_required
from putright.channels import selectors as channel_selectors
from putright.channels import services as channel_services
from putright.channels.models import Alert

ALERTS_PAGE_SIZE = 50
YEAR_AND_NUMBER = re.compile(r"\d{4}-\d{6}")
ESCALATIONS_PAGE_SIZE = 25


class CaseReferenceField(forms.CharField):
    """A case reference as typed: spaces around it dropped, upper-cased as references are, and the
    ``PR-`` prefix added when only the year and number were typed ("2026-000123")."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            required=False,
            max_length=20,
            label="Case reference",
            widget=forms.TextInput(attrs={"placeholder": "PR-2026-000123", "autocomplete": "off"}),
            **kwargs,
        )

    def clean(self, value):
        reference = super().clean(value).strip().upper()
        return f"PR-{reference}" if YEAR_AND_NUMBER.fullmatch(reference) else reference


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Alert.Kind.choices], required=False, label="Kind")
    case = CaseReferenceField()


class EscalationFilterForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("received", "Escalated to me"), ("sent", "Escalated by me")], required=False, label="Show"
    )
    state = forms.ChoiceField(
        choices=[("open", "Open cases"), ("closed", "Closed cases"), ("all", "Open and closed")],
        required=False,
        label="Cases",
    )
    case = CaseReferenceField()


def _alert_filters(data) -> tuple[AlertFilterForm, dict]:
    form = AlertFilterForm(data)
    if not form.is_valid():
        return form, {}
    return form, {"kind": form.cleaned_data["kind"], "case": form.cleaned_data["case"]}


def _alerts_context(request: HttpRequest, form: AlertFilterForm, chosen: dict, page: str | None) -> dict:
    alerts = channel_selectors.alerts_for(
        user=request.user, kind=chosen["kind"], case_reference=chosen["case"]
    )
    listed = alerts.select_related("case").order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")
    return {
        "form": form,
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "kind_label": Alert.Kind(chosen["kind"]).label if chosen.get("kind") else "",
        "page_obj": Paginator(listed, ALERTS_PAGE_SIZE).get_page(page),
        "unread_here": alerts.filter(read_at__isnull=True).count(),
        "nav": "alerts",
    }


@staff_required
def alerts(request: HttpRequest) -> HttpResponse:
    form, chosen = _alert_filters(request.GET)
    if form.errors:
        return render(request, "cases/alerts.html", {"form": form, "nav": "alerts"}, status=400)
    return render(
        request, "cases/alerts.html", _alerts_context(request, form, chosen, request.GET.get("page"))
    )


@staff_required
@require_POST
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    # Someone else's alert is as absent as a missing one (404), and is never touched.
    alert = get_object_or_404(Alert.objects.select_related("case"), pk=alert_id, recipient=request.user)
    channel_services.alert_mark_read(user=request.user, alert_id=alert.pk)
    if request.htmx:
        alert.refresh_from_db()
        return render(request, "cases/_alert_read.html", {"alert": alert})
    return redirect("cases:alerts")


@staff_required
@require_POST
def alerts_read_all(request: HttpRequest) -> HttpResponse:
    """Mark read every unread alert of the user's that the filter (posted with the button) shows."""
    form, chosen = _alert_filters(request.POST)
    if form.errors:
        return render(request, "cases/alerts.html", {"form": form, "nav": "alerts"}, status=400)
    marked = channel_services.alert_mark_all_read(
        user=request.user, kind=chosen["kind"], case_reference=chosen["case"]
    )
    said = f"Marked {marked} alert{'s' if marked != 1 else ''} read."
    if request.htmx:
        context = _alerts_context(request, form, chosen, page=None)
        return render(request, "cases/_alerts_read_all.html", {**context, "said": said})
    messages.success(request, said)
    query = urlencode({k: v for k, v in chosen.items() if v})
    return redirect(reverse("cases:alerts") + (f"?{query}" if query else ""))


@staff_required
def escalations(request: HttpRequest) -> HttpResponse:
    form = EscalationFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/escalations.html", {"form": form, "nav": "escalations"}, status=400)
    direction = form.cleaned_data["direction"] or "received"
    state = form.cleaned_data["state"] or "open"
    lists = selectors.escalations_for_user(
        user=request.user, state=state, case_reference=form.cleaned_data["case"]
    )
    page_obj = Paginator(lists[direction], ESCALATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/escalations.html",
        {
            "form": form,
            "direction": direction,
            "state": state,
            "page_obj": page_obj,
            "nav": "escalations",
        },
    )
