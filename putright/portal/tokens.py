"""Which case a customer's signed link opens (the links themselves are made in ``channels.portal_links``)."""

from __future__ import annotations

from django.core import signing

from putright.cases.models import Case
from putright.channels.portal_links import signer


def case_for_token(token: str):
    """The case a token opens, or None for a forged, altered or revoked token."""
    try:
        data = signer().unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("n"), str):
        return None
    case = Case.objects.select_related("customer").filter(pk=data["c"]).first()
    if case is None or case.portal_nonce != data["n"]:
        return None
    return case
