"""The agent's desk around the cases: home, the queues, logging a call (alerts and escalations:
``pages.alerts``; approvals: ``pages.approvals``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from putright import clock
from putright.authority.selectors import is_staff_member
from putright.cases import selectors, services
from putright.cases.access import detail_url, staff_required
from putright.cases.forms import LogCallForm, QueueFilterForm
from putright.customers.models import Customer
from putright.errors import DomainError
from putright.search.query import SEARCHED_FIELDS, cases_matching, term_parse

QUEUE_PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and is_staff_member(request.user):
        return redirect("cases:queue")
    return redirect("portal:report")


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    page_obj = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {"scope": "team"}
        filters = selectors.QueueFilters(
            scope=data.get("scope") or "team",
            status=data.get("status") or "",
            source_kind=data.get("source_kind") or "",
            category=data["category"].slug if data.get("category") else "",
            overdue_promises=bool(data.get("overdue_promises")),
            awaiting_customer=bool(data.get("awaiting_customer")),
            needs_update=bool(data.get("needs_update")),
            include_closed=bool(data.get("include_closed")),
            priority=data.get("priority") or "",
            upset=bool(data.get("upset")),
            sort=data.get("sort") or "newest",
            team=data["team"].pk if data.get("team") else None,
        )
        now = clock.now()
        search = term_parse(data.get("q") or "")
        cases = cases_matching(selectors.case_queue(user=request.user, filters=filters, now=now), search)
        page_obj = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        cutoff = selectors.cadence_cutoff(now)
        for case in page_obj.object_list:
            # A4: worked out here from the row itself, so the flag costs no query per row.
            case.not_updated = not case.is_closed and case.last_customer_update_at < cutoff
        scope = filters.scope
        # Someone in no team asking for their teams' cases sees every case, and the page says so.
        no_team = scope == "team" and not selectors.queue_team_ids(request.user)
        include_closed = filters.include_closed or bool(filters.status)
    else:
        status = 400
        scope = request.GET.get("scope")
        search, include_closed = term_parse(""), False
        no_team = False
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page_obj": page_obj,
            "nav": "mine" if scope == "mine" else "team",
            "scope": scope,
            "search": search,
            "include_closed": include_closed,
            "searched_fields": SEARCHED_FIELDS,
            "no_team": no_team,
        },
        status=status,
    )


@staff_required
def log_call(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LogCallForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            report = services.ReportInput(
                customer_name=d["customer_name"],
                customer_email=d["customer_email"],
                customer_phone=d["customer_phone"],
                subject=d["subject"],
                description=d["description"],
                desired_outcome=d["desired_outcome"],
                order_reference=d["order_reference"],
                amount_in_dispute=d["amount_in_dispute"],
                channel=d["channel"],
                source_kind=d["source_kind"],
                category_id=d["category"].pk if d["category"] else None,
                consent=d["consent"],
                customer_id=d["customer_id"],
            )
            try:
                case, _ = services.case_report(report=report, actor=request.user)
            except DomainError as exc:
                # Keep what the agent typed: show the reason above the form instead of losing it.
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Logged as {case.reference}.")
                return redirect(detail_url(case))
        # Keep the customer the agent picked selected when the page comes back with errors.
        picked = Customer.objects.filter(pk=form.cleaned_data.get("customer_id") or 0).first()
        return render(
            request,
            "cases/log_call.html",
            {"form": form, "nav": "log", "picked": picked, "picked_list": [picked] if picked else []},
            status=400,
        )
    return render(request, "cases/log_call.html", {"form": LogCallForm(), "nav": "log"})
