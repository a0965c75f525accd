"""Opening a case the way its customer does: follow the e-mailed link, then use the token-free pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from putright.channels.portal_links import portal_path


def my_case(case, name: str = "case") -> str:
    """The token-free address of one of the case's pages (it opens only for a browser holding a grant)."""
    return reverse(f"portal:{name}", kwargs={"reference": case.reference})


def open_case(client: Client, case, name: str = "case") -> str:
    """Follow the case's e-mailed link in ``client``, as its customer does, and return ``my_case(case, name)``.

    The link answers 303 to the token-free case page and grants ``client``'s session the case.
    """
    response = client.get(portal_path(case))
    assert (response.status_code, response["Location"]) == (303, my_case(case)), response
    return my_case(case, name)
