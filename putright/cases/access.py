"""How staff pages reach a case: staff only, the case by its reference (through the permission-checking
selector), the workspace's address, and the shape of every workspace POST."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from putright.authority.selectors import is_staff_member
from putright.authority.two_factor import second_step_pending, step_url
from putright.cases import selectors
from putright.cases.models import Case
from putright.errors import PermissionDenied as DomainPermissionDenied
from putright.validators import CASE_REFERENCE_RE


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/forbidden.html", status=403)


def staff_required(view: Callable) -> Callable:
    """Anonymous people sign in first, and give their two-factor code if they owe one; signed-in people
    without a staff role get 403 on every page.

    Also turns a service's PermissionDenied (e.g. answering a question asked of
    someone else) into the same 403 page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if second_step_pending(request):
            # Signed in with a password but not yet with the code it owes: nothing until the code.
            next_url = request.get_full_path() if request.method == "GET" else None
            return redirect(step_url(request, next_url))
        if not is_staff_member(request.user):
            return forbidden(request)
        try:
            return view(request, *args, **kwargs)
        except DomainPermissionDenied:
            return forbidden(request)

    return wrapper


def case_or_404(request: HttpRequest, reference: str) -> Case:
    # A reference that cannot name a case never reaches the database (a NUL byte in one is an
    # error on PostgreSQL, which would otherwise be a 500).
    if not CASE_REFERENCE_RE.fullmatch(reference):
        raise Http404("No case with that reference")
    try:
        return selectors.case_get_for_user(user=request.user, reference=reference)
    except Case.DoesNotExist as exc:
        raise Http404("No case with that reference") from exc


def detail_url(case: Case, anchor: str = "") -> str:
    url = reverse("cases:detail", kwargs={"reference": case.reference})
    return f"{url}#{anchor}" if anchor else url


def workspace_post(view: Callable) -> Callable:
    """Staff only, POST only; a GET (a reload after a failed POST) goes back to the workspace."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, reference: str, *args, **kwargs) -> HttpResponse:
        case = case_or_404(request, reference)
        if request.method != "POST":
            return redirect(detail_url(case))
        return view(request, case, *args, **kwargs)

    return wrapper
