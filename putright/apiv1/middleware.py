"""The API takes JSON bodies declared as JSON: anything else is refused before it is read (415).

django-ninja reads a body whatever its declared type, so a JSON text sent as ``text/plain`` would create a
case; and a parser cannot refuse it itself (ninja turns any parser error into a 400). So the check stands
in front of the API, as middleware, for every request to it that carries a body.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
# application/json, and the structured "+json" types (application/merge-patch+json…); parameters such as
# "; charset=utf-8" are split off by Django into request.content_params.
JSON_MEDIA_TYPE = re.compile(r"application/(?:[a-z0-9.!#$&^_-]+\+)?json", re.IGNORECASE)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _carries_a_body(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True  # a length that is not a number: let the type decide, never the server


class JsonBodyMiddleware:
    """415 ``{"code": "unsupported_media_type", "message": ...}`` for an API body not declared as JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith(API_PREFIX)
            and request.method in BODY_METHODS
            and _carries_a_body(request)
            and not JSON_MEDIA_TYPE.fullmatch(request.content_type or "")
        ):
            declared = request.content_type or "no content type"
            return JsonResponse(
                {
                    "code": "unsupported_media_type",
                    "message": f"The request body must be JSON, sent as Content-Type: application/json "
                    f"(it was declared as {declared}).",
                },
                status=415,
            )
        return self.get_response(request)
