"""One JSON shape per kind of failure, registered on the NinjaAPI.

- 409 ``{"code": "<ErrorCode>", "message": ...}``: a well-formed request the case's state does not allow.
- 400/401/403/404/413/415 ``{"code": "bad_request"|"unauthorized"|"forbidden"|"not_found"|
  "payload_too_large"|"unsupported_media_type", "message": ...}`` (415 comes from ``apiv1.middleware``).
- 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``: the request itself is invalid.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from putright.apiv1.schemas import ErrorOut, ValidationErrorOut
from putright.errors import DomainError, ErrorCode, PermissionDenied


class NotFound(Exception):
    """A case, or a sub-object of the case in the path, that does not exist (or is not on that case)."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)
        self.message = message


class NotStaff(Exception):
    """A valid token whose user holds no staff role: they may use no endpoint."""


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    429: "throttled",
}

# The error responses every authenticated endpoint can give, for the OpenAPI document.
COMMON_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    # Field errors, or {code: "invalid_input", message} when a service refuses what the schema let through.
    422: ValidationErrorOut | ErrorOut,
}
# Endpoints that read a JSON body can also refuse it whole: too large (413) or not declared as JSON (415).
BODY_ERRORS: dict[int, Any] = {**COMMON_ERRORS, 413: ErrorOut, 415: ErrorOut}
ACTION_ERRORS: dict[int, Any] = {**BODY_ERRORS, 409: ErrorOut}


def field_error(
    field: str, message: str, *, source: str = "body", kind: str = "value_error"
) -> ValidationError:
    """A 422 naming one request field, in the same shape as ninja's own validation errors."""
    loc = [source, "payload", field] if source == "body" else [source, field]
    return ValidationError([{"loc": loc, "msg": message, "type": kind}])


def _clean_loc(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in (loc or [])]


def install_exception_handlers(api: NinjaAPI) -> None:
    def error(request, status: int, code: str, message: str):
        response = api.create_response(request, {"code": code, "message": message}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="putright"'
        return response

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        # Input a schema let through but a service refused is the client's to fix (422), not a conflict.
        status = 422 if exc.code == ErrorCode.INVALID_INPUT else 409
        # K5's findings travel with their 409 (``reply_check_findings``): ``as_dict`` adds them.
        return api.create_response(request, exc.as_dict(), status=status)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc: PermissionDenied):
        return error(request, 403, "forbidden", str(exc) or "You may not do this.")

    @api.exception_handler(NotStaff)
    def not_staff(request, exc: NotStaff):
        return error(request, 403, "forbidden", "This token's user has no staff role.")

    @api.exception_handler(NotFound)
    def not_found(request, exc: NotFound):
        return error(request, 404, "not_found", exc.message)

    @api.exception_handler(Http404)
    def http_404(request, exc: Http404):
        return error(request, 404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = "Missing or invalid bearer token." if exc.status_code == 401 else str(exc)
        return error(request, exc.status_code, code, message)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc: RequestDataTooBig):
        return error(request, 413, "payload_too_large", "The request body is too large.")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc: SuspiciousOperation):
        return error(request, 400, "bad_request", "The request could not be accepted.")

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        # Only loc/msg/type: pydantic's ctx may hold values JSON cannot carry.
        detail = [
            {"loc": _clean_loc(e.get("loc")), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors
        ]
        return api.create_response(request, {"detail": detail}, status=422)


__all__ = [
    "ACTION_ERRORS",
    "BODY_ERRORS",
    "COMMON_ERRORS",
    "NotFound",
    "NotStaff",
    "ValidationErrorOut",
    "field_error",
    "install_exception_handlers",
]
