"""The organisation's brand on the customer's pages (issue 15 §6): the context every portal template reads,
and the logo and the stylesheet with its colour, served as files (the Content-Security-Policy allows no
inline style). Both URLs carry the brand's version, so they may be cached for long."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from putright.audit.events import AUTOMATIC_ACTOR_LABEL
from putright.channels.brand import brand_css, brand_get, brand_logo

ONE_DAY = 86400


def brand(request: HttpRequest) -> dict:
    """Context processor: ``brand`` is read (one query) only by a template that uses it — the customer's
    pages, not the staff's."""
    return {"brand": SimpleLazyObject(brand_get), "automatic_actor_label": AUTOMATIC_ACTOR_LABEL}


def _cached(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    # A versioned URL (``?v=``) never changes; an unversioned one is checked again after a day.
    response["Cache-Control"] = f"public, max-age={ONE_DAY * 365 if request.GET.get('v') else ONE_DAY}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def logo(request: HttpRequest) -> HttpResponse:
    data = brand_logo()
    if not data:
        raise Http404("no logo")
    return _cached(HttpResponse(data, content_type="image/png"), request)


@require_GET
def stylesheet(request: HttpRequest) -> HttpResponse:
    return _cached(HttpResponse(brand_css(brand_get()), content_type="text/css; charset=utf-8"), request)
