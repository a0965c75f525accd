"""Which cases this browser may open: grants kept in the visitor's Django session.

The e-mailed link carries a signed token (``channels.portal_links``). Following it once proves the
visitor holds the link, so the portal records a *grant* for that case in the session and sends the
browser on to a token-free address (``/my-case/<reference>/``). From then on the token is out of the
address bar, the server's logs, the browser history and any Referer header, and every page and form
checks the grant instead. A reference alone opens nothing: it is printed on letters and emails.

Why the session and not a cookie of our own: the session cookie holds only a random key (the grants
stay on the server, so the browser never sees case ids or nonces), it already carries HttpOnly,
SameSite=Lax and Secure in production (``SESSION_COOKIE_*``), and a staff member's sign-out or an
operator's ``clearsessions`` ends grants with everything else in it. Each grant is tied to the case's
current nonce, so renewing a customer's link (which rotates the nonce) also ends every grant it gave.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest

from putright import clock
from putright.cases.models import Case
from putright.validators import CASE_REFERENCE_RE

SESSION_KEY = "putright.portal.grants"
# A browser shared by a family, or one customer with many cases: enough for both, and a bound on what
# one session holds however many links are followed in it.
MAX_GRANTS = 20


def _nonce_digest(case: Case) -> str:
    # A digest, not the nonce itself: should the sessions ever be kept in cookies, the nonce stays secret.
    return hashlib.sha256(case.portal_nonce.encode()).hexdigest()


def _grant_seconds() -> int:
    return settings.PUTRIGHT["CASE_SESSION_DAYS"] * 24 * 60 * 60


def _live(grants: object) -> dict[str, dict]:
    """The well-formed, unexpired grants in a session value (anything else in it is ignored)."""
    if not isinstance(grants, dict):
        return {}
    now = clock.now().timestamp()
    return {
        case_id: entry
        for case_id, entry in grants.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("nonce"), str)
        and isinstance(entry.get("until"), int | float)
        and entry["until"] > now
    }


def grant(request: HttpRequest, case: Case) -> None:
    """Let this browser open ``case`` for ``PUTRIGHT_CASE_SESSION_DAYS`` days, on a fresh session key."""
    grants = _live(request.session.get(SESSION_KEY))
    grants.pop(str(case.pk), None)  # re-added last: the newest grants are the ones kept
    grants[str(case.pk)] = {
        "nonce": _nonce_digest(case),
        "until": int(clock.now().timestamp()) + _grant_seconds(),
    }
    request.session[SESSION_KEY] = dict(list(grants.items())[-MAX_GRANTS:])
    # A new right, a new key: a session key planted or seen before the link was followed never carries it
    # (session fixation). The data, a staff member's sign-in included, moves to the new key unchanged.
    request.session.cycle_key()
    if not request.user.is_authenticated:
        # A customer's session lasts as long as the grant; a signed-in staff member's keeps its own age.
        request.session.set_expiry(_grant_seconds())


def granted_case(request: HttpRequest, reference: str) -> Case | None:
    """The case with this reference if this browser holds a live grant for it, else None.

    None alike for a reference that does not exist and one that is not granted, so the answer never
    tells a stranger which references are real.
    """
    # A reference that cannot name a case never reaches the database (a NUL byte in one is an error on
    # PostgreSQL, which would otherwise be a 500).
    if not CASE_REFERENCE_RE.fullmatch(reference):
        return None
    case = Case.objects.select_related("customer").filter(reference=reference).first()
    if case is None:
        return None
    entry = _live(request.session.get(SESSION_KEY)).get(str(case.pk))
    if entry is None or not hmac.compare_digest(entry["nonce"], _nonce_digest(case)):
        return None
    return case
