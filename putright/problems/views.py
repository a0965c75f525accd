"""Problem pages: the board, one problem with its trend and cases, owner routes, and the regrouping status.

Thin like the case pages: staff only (``staff_required``), forms check shape, one service call per POST,
DomainError shown as a page message, PermissionDenied as the 403 page, every POST answered by a redirect.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.cases.access import staff_required
from putright.cases.models import Case
from putright.errors import DomainError
from putright.problems import selectors, services
from putright.problems.forms import (
    AssignForm,
    BoardFilterForm,
    LinkCaseForm,
    MergeForm,
    OwnerRouteForm,
    ProblemOpenForm,
    TransitionForm,
    UnlinkForm,
)
from putright.problems.models import Problem, ProblemOrigin, ProblemOwnerRoute
from putright.validators import CASE_REFERENCE_RE, MAX_ROW_ID
from putright.web import form_act

BOARD_PAGE_SIZE = 30
BOARD_CHART_PROBLEMS = 5
TREND_DAYS = (30, 90)
MAX_ID = MAX_ROW_ID


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def _supervises(user) -> bool:
    return has_role_at_least(user, Role.SUPERVISOR)


def _problem_or_404(request: HttpRequest, pk: int) -> Problem:
    if pk > MAX_ID:
        raise Http404("No problem with that number")  # beyond any id: never sent to the database
    try:
        return selectors.problem_get_for_user(user=request.user, pk=pk)
    except Problem.DoesNotExist as exc:
        raise Http404("No problem with that number") from exc


def _detail_url(problem: Problem, anchor: str = "") -> str:
    url = reverse("problems:detail", kwargs={"pk": problem.pk})
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------- the board


def _board_context(request: HttpRequest, open_form: ProblemOpenForm | None = None) -> tuple[dict, int]:
    form = BoardFilterForm(request.GET or None)
    status = 200
    page_obj = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = selectors.BoardFilters(
            status=data.get("status") or "",
            owner_id=data["owner"].pk if data.get("owner") else None,
            category_id=data["category"].pk if data.get("category") else None,
        )
        now = clock.now()
        board = selectors.problem_board(user=request.user, filters=filters, now=now)
        page_obj = Paginator(board, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page_obj.object_list)
        spark = selectors.daily_counts(problem_ids=[p.pk for p in rows], days=selectors.SPARK_DAYS, now=now)
        for problem in rows:
            problem.spark = spark[problem.pk]
            problem.spark_total = sum(problem.spark)
        page_obj.rows = rows
    else:
        status = 400
    supervises = _supervises(request.user)
    return (
        {
            "form": form,
            "page_obj": page_obj,
            "nav": "problems",
            "spark_days": selectors.SPARK_DAYS,
            "growth_days": selectors.GROWTH_DAYS,
            "supervises": supervises,
            "regroup": selectors.regroup_latest() if supervises else None,
            "open_form": open_form or ProblemOpenForm(auto_id=_auto_id("open")),
        },
        status,
    )


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    context, status = _board_context(request)
    return render(request, "problems/board.html", context, status=status)


@staff_required
@require_GET
def board_trend(request: HttpRequest) -> JsonResponse:
    """The board chart's data: the busiest open problems, new cases per day over 30 days."""
    busiest = list(
        selectors.problem_board(user=request.user, filters=selectors.BoardFilters())[:BOARD_CHART_PROBLEMS]
    )
    return JsonResponse(selectors.board_trend(problems=busiest, days=30))


@staff_required
@require_POST
def problem_open(request: HttpRequest) -> HttpResponse:
    form = ProblemOpenForm(request.POST, auto_id=_auto_id("open"))
    if form.is_valid():
        d = form.cleaned_data
        try:
            problem = services.problem_open(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                origin=ProblemOrigin.MANUAL,
                source_kind=d["source_kind"],
                category=d["category"],
                product=d["product"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Problem {problem.pk} opened and routed to its owner.")
            return redirect(_detail_url(problem))
    context, _ = _board_context(request, open_form=form)
    context["error_form"] = form
    return render(request, "problems/board.html", context, status=400)


# ---------------------------------------------------------------- regrouping


@staff_required
@require_POST
def regroup_start(request: HttpRequest) -> HttpResponse:
    try:
        services.regroup_start(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Regrouping started: the worker is grouping every case again.")
    return redirect(reverse("problems:board") + "#regroup")


@staff_required
@require_GET
def regroup_status(request: HttpRequest) -> HttpResponse:
    """The status fragment the board polls (htmx) while a regrouping runs."""
    return render(request, "problems/_regroup_status.html", {"regroup": selectors.regroup_latest()})


# ---------------------------------------------------------------- one problem


def _detail_context(request: HttpRequest, problem: Problem, bound: dict) -> dict:
    def form(key: str, cls, **kwargs):
        return bound.get(key) or cls(auto_id=_auto_id(key), **kwargs)

    supervises = _supervises(request.user)
    may_handle = services.may_handle(request.user, problem)
    links = list(selectors.problem_links(problem=problem, include_unlinked=True))
    days = request.GET.get("days", "30")
    error_form = next((f for f in bound.values() if f.errors), None)
    return {
        "problem": problem,
        "nav": "problems",
        "active_links": [link for link in links if link.is_active],
        "past_links": [link for link in links if not link.is_active],
        "events": list(selectors.problem_events(problem=problem)),
        "supervises": supervises,
        "is_owner": problem.owner_id == request.user.pk,
        "days": int(days) if days in ("30", "90") else 30,
        "trend_days": TREND_DAYS,
        # The page offers only what the service would allow (it refuses the rest in any case).
        "may_handle": may_handle,
        "transition_form": form("transition", TransitionForm, problem=problem)
        if problem.status != "closed" and may_handle
        else None,
        "assign_form": form("assign", AssignForm) if supervises else None,
        "link_form": form("link", LinkCaseForm) if problem.is_open else None,
        "unlink_forms": {
            link.case.reference: form(f"unlink{link.pk}", UnlinkForm) for link in links if link.is_active
        },
        "merge_form": form("merge", MergeForm, problem=problem)
        if supervises and problem.status != "closed"
        else None,
        "error_form": error_form,
    }


def _render_detail(request: HttpRequest, problem: Problem, bound: dict | None = None, status: int = 200):
    context = _detail_context(request, problem, bound or {})
    # Each active link gets its own unlink form: pair them for the template.
    context["link_rows"] = [
        (link, context["unlink_forms"][link.case.reference]) for link in context["active_links"]
    ]
    return render(request, "problems/detail.html", context, status=status)


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _problem_or_404(request, pk))


@staff_required
@require_GET
def trend(request: HttpRequest, pk: int) -> JsonResponse:
    problem = _problem_or_404(request, pk)
    days = request.GET.get("days", "30")
    if days not in ("30", "90"):
        return JsonResponse({"error": "days must be 30 or 90"}, status=400)
    return JsonResponse(selectors.problem_trend(problem=problem, days=int(days)))


def _act(
    request: HttpRequest,
    problem: Problem,
    *,
    key: str,
    form,
    perform: Callable[[dict], object],
    success: str,
    anchor: str,
) -> HttpResponse:
    return form_act(
        request,
        form=form,
        perform=perform,
        success=success,
        rerender=lambda: _render_detail(request, problem, {key: form}, status=400),
        done_url=_detail_url(problem, anchor),
    )


def problem_post(view: Callable) -> Callable:
    """Staff only, POST only (a GET goes back to the problem); loads the problem or answers 404."""

    @staff_required
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        problem = _problem_or_404(request, pk)
        if request.method != "POST":
            return redirect(_detail_url(problem))
        return view(request, problem, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@problem_post
def transition(request, problem):
    form = TransitionForm(request.POST, auto_id=_auto_id("transition"), problem=problem)
    return _act(
        request,
        problem,
        key="transition",
        form=form,
        anchor="stage",
        perform=lambda d: services.problem_transition(
            actor=request.user,
            problem=problem,
            status=d["status"],
            root_cause=d["root_cause"],
            workaround=d["workaround"],
            note=d["note"],
        ),
        success="The problem's stage is updated.",
    )


@problem_post
def assign(request, problem):
    form = AssignForm(request.POST, auto_id=_auto_id("assign"))
    return _act(
        request,
        problem,
        key="assign",
        form=form,
        anchor="owner",
        perform=lambda d: services.problem_assign(actor=request.user, problem=problem, owner=d["owner"]),
        success="The problem has a new owner, who has been alerted.",
    )


@problem_post
def take(request, problem):
    try:
        services.problem_assign(actor=request.user, problem=problem, owner=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "You now own this problem.")
    return redirect(_detail_url(problem, "owner"))


@problem_post
def link(request, problem):
    form = LinkCaseForm(request.POST, auto_id=_auto_id("link"))
    if form.is_valid():
        case = Case.objects.filter(reference=form.cleaned_data["reference"]).first()
        if case is None:
            form.add_error("reference", "There is no case with that reference.")
    return _act(
        request,
        problem,
        key="link",
        form=form,
        anchor="cases",
        perform=lambda d: services.problem_link_case(actor=request.user, problem=problem, case=case),
        success=f"{form.cleaned_data.get('reference', '')} is now linked to this problem."
        if form.is_valid()
        else "",
    )


@problem_post
def unlink(request, problem, reference: str):
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise Http404("No case with that reference")
    case = get_object_or_404(Case, reference=reference)
    link_row = problem.links.filter(case=case, unlinked_at__isnull=True).first()
    if link_row is None:
        messages.error(request, f"{reference} is not linked to this problem.")
        return redirect(_detail_url(problem, "cases"))
    form = UnlinkForm(request.POST, auto_id=_auto_id(f"unlink{link_row.pk}"))
    return _act(
        request,
        problem,
        key=f"unlink{link_row.pk}",
        form=form,
        anchor="cases",
        perform=lambda d: services.problem_unlink_case(
            actor=request.user, problem=problem, case=case, reason=d["reason"]
        ),
        success=f"{reference} is no longer linked to this problem.",
    )


@problem_post
def merge(request, problem):
    if not _supervises(request.user):
        return render(request, "cases/forbidden.html", status=403)
    form = MergeForm(request.POST, auto_id=_auto_id("merge"), problem=problem)
    if not form.is_valid():
        return _render_detail(request, problem, {"merge": form}, status=400)
    target = form.cleaned_data["target"]
    try:
        services.problem_merge(
            actor=request.user, source=problem, target=target, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(problem, "merge"))
    messages.success(request, f"Problem {problem.pk} is merged into this one; its cases moved here.")
    return redirect(_detail_url(target))


# ---------------------------------------------------------------- owner routes


@staff_required
def owners(request: HttpRequest) -> HttpResponse:
    supervises = _supervises(request.user)
    form = OwnerRouteForm(auto_id=_auto_id("route"))
    status = 200
    if request.method == "POST":
        form = OwnerRouteForm(request.POST, auto_id=_auto_id("route"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.owner_route_set(
                    actor=request.user, category=d["category"], product=d["product"], owner=d["owner"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Owner route saved: new problems of that kind go to them.")
                return redirect("problems:owners")
        status = 400
    return render(
        request,
        "problems/owners.html",
        {
            "routes": list(selectors.owner_routes()),
            "form": form if supervises else None,
            "error_form": form if form.errors else None,
            "supervises": supervises,
            "nav": "problems",
        },
        status=status,
    )


@staff_required
@require_POST
def owner_remove(request: HttpRequest, route_id: int) -> HttpResponse:
    route = get_object_or_404(ProblemOwnerRoute, pk=route_id)
    services.owner_route_remove(actor=request.user, route=route)
    messages.success(request, "Owner route removed.")
    return redirect("problems:owners")
