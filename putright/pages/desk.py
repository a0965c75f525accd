"""The agent's desk around the cases: home, the queues, logging a call, approvals, escalations and alerts."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import is_staff_member
from putright.cases import selectors, services
from putright.cases.access import detail_url, staff_required
from putright.cases.forms import ApprovalDecisionForm, LogCallForm, QueueFilterForm
from putright.channels import services as channel_services
from putright.channels.models import Alert
from putright.errors import DomainError
from putright.pages.workspace import APPROVAL_COLOURS, auto_id
from putright.search.query import SEARCHED_FIELDS, cases_matching, term_parse

QUEUE_PAGE_SIZE = 50


ALERTS_PAGE_SIZE = 50


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
        include_closed = filters.include_closed or bool(filters.status)
    else:
        status = 400
        scope = request.GET.get("scope")
        search, include_closed = term_parse(""), False
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
            )
            try:
                case, _ = services.case_report(report=report, actor=request.user)
            except DomainError as exc:
                # Keep what the agent typed: show the reason above the form instead of losing it.
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Logged as {case.reference}.")
                return redirect(detail_url(case))
        return render(request, "cases/log_call.html", {"form": form, "nav": "log"}, status=400)
    return render(request, "cases/log_call.html", {"form": LogCallForm(), "nav": "log"})


def _render_approvals(request: HttpRequest, bound: dict | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    rows = []
    for approval in selectors.approvals_for_user(user=request.user):
        key = f"appr{approval.pk}"
        rows.append(
            {"approval": approval, "form": bound.get(key) or ApprovalDecisionForm(auto_id=auto_id(key))}
        )
    requested = list(selectors.approvals_requested_by(user=request.user))
    for approval in requested:
        approval.badge = APPROVAL_COLOURS.get(approval.status, "grey")
    return render(
        request,
        "cases/approvals.html",
        {
            "rows": rows,
            "requested": requested,
            "nav": "approvals",
            "error_form": next((f for f in bound.values() if f.errors), None),
        },
        status=status,
    )


@staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    return _render_approvals(request)


@staff_required
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(Approval.objects.select_related("case", "option"), pk=approval_id)
    if request.method != "POST":
        return redirect("cases:approvals")
    key = f"appr{approval.pk}"
    form = ApprovalDecisionForm(request.POST, auto_id=auto_id(key))
    if not form.is_valid():
        return _render_approvals(request, {key: form}, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.approval_decide(
            actor=request.user, approval=approval, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "Approved" if approve else "Rejected"
        messages.success(request, f"{verb} \u201c{approval.option.title}\u201d on {approval.case.reference}.")
    return redirect("cases:approvals")


@staff_required
def escalations(request: HttpRequest) -> HttpResponse:
    lists = selectors.escalations_for_user(user=request.user)
    return render(
        request,
        "cases/escalations.html",
        {
            "received": lists["received"],
            "sent": lists["sent"],
            "nav": "escalations",
        },
    )


@staff_required
def alerts(request: HttpRequest) -> HttpResponse:
    qs = (
        Alert.objects.filter(recipient=request.user)
        .select_related("case")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")
    )
    page_obj = Paginator(qs, ALERTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/alerts.html", {"page_obj": page_obj, "nav": "alerts"})


@staff_required
@require_POST
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("case"), pk=alert_id, recipient=request.user)
    channel_services.alert_mark_read(user=request.user, alert_id=alert.pk)
    if request.htmx:
        alert.refresh_from_db()
        return render(request, "cases/_alert_row.html", {"alert": alert})
    return redirect("cases:alerts")
