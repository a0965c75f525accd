"""The REST API: OpenAPI document at /api/openapi.json, interactive docs at /api/docs.

Every endpoint needs ``Authorization: Bearer <token>`` (see ``manage.py
api_token_create``) for a user with a staff role.
"""

from ninja import NinjaAPI

from putright.apiv1 import approvals, cases, feedback, inbox, problems, remedies, signals
from putright.apiv1.auth import ApiTokenAuth
from putright.apiv1.errors import install_exception_handlers
from putright.apiv1.parser import StrictJsonParser

api = NinjaAPI(
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
api.add_router("/", approvals.router)
api.add_router("/", inbox.router)
api.add_router("/", remedies.router)
api.add_router("/", problems.router)
api.add_router("/", signals.router)
api.add_router("/", feedback.router)
api.add_router("/", "putright.apiv1.resolution.router")
api.add_router("/", "putright.apiv1.regulation.router")
