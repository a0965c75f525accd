"""The agent's desk around the cases: home, the queues, logging a call (alerts and escalations:
``pages.alerts``; approvals: ``pages.approvals``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least, is_staff_member
from putright.caseforms.forms import LogCallForm, QueueFilterForm
from putright.cases import selectors, services
from putright.cases.access import detail_url, staff_required
from putright.customers import selectors as customer_selectors
from putright.customers.models import Customer
from putright.errors import DomainError
from putright.pages.customer_forms import CustomerLookupForm
from putright.pages.insights_dashboard import queue_behind
from putright.pages.queue_bulk import BULK_MAX, BulkForm
from putright.pages.queue_table import active_filters, queue_cases, queue_columns, queue_rows_decorate
from putright.search.query import SEARCHED_FIELDS, term_parse
from putright.search.saved_filters import saved_filters_for
from putright.vocab import QUEUE_SORTS

QUEUE_PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and is_staff_member(request.user):
        return redirect("cases:queue")
    return redirect("portal:report")


def default_scope(user) -> str:
    """Where "the queue" opens for this person: an agent works their own cases, so lands on *My queue*;
    supervisors and up hand work out and watch the whole flow, so land on the team's."""
    return "team" if has_role_at_least(user, Role.SUPERVISOR) else "mine"


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    # The queue with no filters is the person's own default; the links from it (sort, next page, save)
    # carry that scope, so they show the same cases.
    params = request.GET or QueryDict(f"scope={default_scope(request.user)}")
    form = QueueFilterForm(params)
    page_obj = None
    status = 200
    now = clock.now()
    # The cases behind a figure on the insights dashboard: every case counted, open or closed, whoever's.
    insight = queue_behind(request) if "insight" in params else None
    if insight is not None and insight.behind is None:
        status = 400
    if form.is_valid() and status == 200:
        data = form.cleaned_data
        filters = selectors.QueueFilters(
            scope="all" if insight else data.get("scope") or "team",
            status=data.get("status") or "",
            source_kind=data.get("source_kind") or "",
            category=data["category"].slug if data.get("category") else "",
            overdue_promises=bool(data.get("overdue_promises")),
            awaiting_customer=bool(data.get("awaiting_customer")),
            needs_update=bool(data.get("needs_update")),
            include_closed=bool(insight or data.get("include_closed")),
            priority=data.get("priority") or "",
            upset=bool(data.get("upset")),
            sort=data.get("sort") or "newest",
            team=data["team"].pk if data.get("team") else None,
            within=insight.behind.cases.values("pk") if insight else None,
        )
        search = term_parse(data.get("q") or "")
        cases, search_capped = queue_cases(
            user=request.user, filters=filters, search=search, sort_chosen=bool(params.get("sort"))
        )
        page_obj = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        queue_rows_decorate(page_obj.object_list, now)
        scope = filters.scope
        # Someone in no team asking for their teams' cases sees every case, and the page says so.
        no_team = scope == "team" and not selectors.queue_team_ids(request.user)
        include_closed = filters.include_closed or bool(filters.status)
        sort = filters.sort
    else:
        status = 400
        scope = "all" if insight else params.get("scope")
        search, include_closed, sort = term_parse(""), False, "newest"
        no_team = search_capped = False
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page_obj": page_obj,
            "nav": "mine" if scope == "mine" else "team",
            "scope": scope,
            "search": search,
            "search_capped": search_capped,
            "include_closed": include_closed,
            "searched_fields": SEARCHED_FIELDS,
            "sort": sort,
            "sort_label": QUEUE_SORTS[sort][0],
            "sort_chosen": bool(params.get("sort")),
            "columns": queue_columns(params, sort),
            "active_filters": active_filters(form) if status == 200 else [],
            "saved_filters": saved_filters_for(user=request.user),
            "current_query": params.urlencode(),
            "query_params": params,
            "bulk": BulkForm(auto_id="bulk-%s"),
            "bulk_max": BULK_MAX,
            "no_team": no_team and not insight,
            "insight": insight,
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
    # Without JavaScript the customer lookup reloads this page with ``q``: the matches are listed to pick.
    lookup = CustomerLookupForm(request.GET)
    query = lookup.cleaned_data["q"].strip() if lookup.is_valid() else ""
    context = {"form": LogCallForm(), "nav": "log", "query": query}
    if query:
        context.update(
            found=customer_selectors.customer_lookup(query),
            too_short=len(query) < customer_selectors.LOOKUP_MIN_LENGTH,
        )
    return render(request, "cases/log_call.html", context)
