"""Bearer-token authentication for integrations.

Only a token's SHA-256 is stored (``ApiToken.key_hash``), so the raw token is
hashed and looked up. A revoked token, or one whose user is inactive, is no
token at all (401). A valid token whose user holds no staff role gets 403 on
every endpoint: being signed in is not enough to see cases.
"""

from __future__ import annotations

from ninja.security import HttpBearer

from putright.apiv1.errors import NotStaff
from putright.authority.models import ApiToken
from putright.authority.selectors import is_staff_member

# Raw tokens are "prt_" + 43 characters; anything far longer is not worth hashing.
MAX_TOKEN_LENGTH = 200


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_of(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        user = api_token.user
        if not is_staff_member(user):
            raise NotStaff()
        request.user = user
        return user
