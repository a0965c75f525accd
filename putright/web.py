"""What the pages of every app share: the shape of an action POST, and the headers on every response."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from putright.errors import DomainError


def form_act(
    request: HttpRequest,
    *,
    form,
    perform: Callable[[dict], object],
    success: str,
    rerender: Callable[[], HttpResponse],
    done_url: str,
) -> HttpResponse:
    """The shape every action POST shares: validate, call the one service, report, redirect.

    An invalid form re-renders its page (400, the caller's ``rerender``) with the errors beside the
    fields; a refused change (DomainError) comes back as a page message after the redirect.
    """
    if not form.is_valid():
        return rerender()
    try:
        perform(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(done_url)


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) on every response.

    A view that sets its own header keeps it. The value is built once: the setting is read at start-up.
    """

    HEADER = "Permissions-Policy"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault(self.HEADER, self.value)
        return response
