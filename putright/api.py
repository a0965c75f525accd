"""The REST API: OpenAPI document at /api/openapi.json, interactive docs at /api/docs.

Every endpoint needs ``Authorization: Bearer <token>`` (see ``manage.py
api_token_create``) for a user with a staff role.
"""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from putright.apiv1 import (
    approvals,
    attachments,
    cases,
    feedback,
    improvements,
    inbox,
    insights,
    problems,
    remedies,
    signals,
)
from putright.apiv1.auth import ApiTokenAuth
from putright.apiv1.errors import install_exception_handlers
from putright.apiv1.parser import StrictJsonParser


class OnceBuiltSchemaAPI(NinjaAPI):
    """Builds the OpenAPI document once per process (per path prefix) instead of on every request.

    Building it means a JSON schema for every request and response model: seconds on a busy machine,
    and the routes cannot change once ``putright.urls`` has imported this module.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._openapi_schemas: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = self._openapi_schemas.get(path_prefix)
        if schema is None:
            # Two first requests at once may both build it: harmless, they build the same document.
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            self._openapi_schemas[path_prefix] = schema
        return schema


api = OnceBuiltSchemaAPI(
    title="Putright API",
    version="1",
    description=(
        "Cases from report to closure. Errors: 409 `{code, message}` when the case's state does not allow a "
        "change (branch on `code`), 401 without a valid token, 403 for users without a staff role, "
        "404 for an unknown case, 422 `{detail: [{loc, msg, type}]}` for an invalid request."
    ),
    auth=ApiTokenAuth(),
    parser=StrictJsonParser(),
)
install_exception_handlers(api)
api.add_router("/", cases.router)
api.add_router("/", attachments.router)
api.add_router("/", approvals.router)
api.add_router("/", inbox.router)
api.add_router("/", remedies.router)
api.add_router("/", problems.router)
api.add_router("/", signals.router)
api.add_router("/", feedback.router)
api.add_router("/", insights.router)
api.add_router("/", improvements.router)
api.add_router("/", "putright.apiv1.resolution.router")
api.add_router("/", "putright.apiv1.regulation.router")
api.add_router("/", "putright.apiv1.quality.router")
api.add_router("/", "putright.apiv1.notes.router")
api.add_router("/", "putright.apiv1.replies.router")
