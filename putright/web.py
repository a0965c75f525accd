"""What the staff pages of every app share."""

from __future__ import annotations

from collections.abc import Callable

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
