"""The complaints return for a half-year (issue 13 §4, DISP 1 Annex 1-like) as a page and as CSV, for
managers and administrators: complaints opened and closed, what was found, how fast they were closed and
the redress agreed, by category. The figures are ``insights.exports.complaints_return``'s, the same as
``putright insights return``."""

from __future__ import annotations

import csv

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.access import forbidden, staff_required
from putright.engines.metrics import half_year
from putright.insights import exports


def current_half() -> str:
    today = timezone.localdate()
    return f"{today.year}H{1 if today.month <= 6 else 2}"


class HalfForm(forms.Form):
    half = forms.CharField(
        max_length=6,
        label="Half-year",
        help_text="The year and H1 (January to June) or H2 (July to December), e.g. 2026H2.",
    )

    def clean_half(self):
        text = self.cleaned_data["half"].strip().upper()
        try:
            self.cleaned_data["period"] = half_year(text)
        except ValueError:
            raise forms.ValidationError("Give a half-year like 2026H1 or 2026H2.") from None
        return text


def _form(request: HttpRequest) -> HalfForm:
    return HalfForm(request.GET if "half" in request.GET else {"half": current_half()}, auto_id="id_%s")


@staff_required
def complaints_return_page(request: HttpRequest) -> HttpResponse:
    if not has_role_at_least(request.user, Role.MANAGER):
        return forbidden(request)
    form = _form(request)
    report = None
    if form.is_valid():
        report = exports.complaints_return(form.cleaned_data["period"], form.cleaned_data["half"])
    return render(
        request,
        "insights/return.html",
        {"form": form, "error_form": None if report else form, "report": report},
        status=200 if report else 400,
    )


@staff_required
def complaints_return_csv(request: HttpRequest) -> HttpResponse:
    if not has_role_at_least(request.user, Role.MANAGER):
        return forbidden(request)
    form = _form(request)
    if not form.is_valid():
        return render(request, "insights/return.html", {"form": form, "error_form": form}, status=400)
    report = exports.complaints_return(form.cleaned_data["period"], form.cleaned_data["half"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="complaints-return-{report.label}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(exports.RETURN_COLUMNS)
    writer.writerows(exports.return_csv_rows(report))
    return response
