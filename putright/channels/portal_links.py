"""Private, signed links that let a customer follow their own case without an account.

The token signs the case id together with a per-case nonce: rotating the nonce
revokes every link issued before.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "putright.portal.case"


def signer() -> signing.Signer:
    # No timestamp: every email carries the same link until it is renewed (nonce rotated).
    return signing.Signer(salt=SALT)


def portal_token(case) -> str:
    return signer().sign_object({"c": case.pk, "n": case.portal_nonce}, compress=True)


def portal_path(case) -> str:
    return reverse("portal:link", kwargs={"token": portal_token(case)})


def portal_url(case) -> str:
    return settings.SITE_URL + portal_path(case)
