"""The one sign-in throttle, shared by every form that takes a staff password (``/login/``, ``/admin/login/``).

Two limits, both on failed attempts only, so a person who types their password right is never slowed:

- Per username, a slowdown rather than a lockout. The first few failures are free; after that each
  further attempt for the username must wait a delay that doubles with every failure (1 s, 2 s, 4 s …)
  up to a cap. An attempt that comes too soon is refused without checking the password, so guessing is
  held to about one try per cap; but the wait always ends, so someone who types a colleague's name with
  wrong passwords can only delay them, never shut them out for good (a hard limit per username let
  anyone lock out a named colleague for an hour). The failures are forgotten on a successful sign-in,
  or a day after the last one.
- Per client address, the fixed-window limit of ``putright.ratelimit`` on failures across all usernames,
  so one address cannot spray a common password over many accounts while staying under each
  account's slowdown.

Unknown usernames are counted and refused exactly like real ones, so the throttle never tells whether
an account exists. State lives in Django's cache (see settings: shared between processes in
production) and is timed with ``putright.clock``, so tests move time instead of sleeping. Reading and
writing a username's failures is not atomic: two failures at the same instant may count as one, which
only shortens one wait by a step.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from putright import clock, ratelimit
from putright.authority import two_factor

log = logging.getLogger(__name__)

# A username's failures are forgotten this long after the last one, so an old mistyping never
# starts tomorrow's sign-in already slowed.
FAILURES_FORGOTTEN_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was refused before its password was checked, and when to try again."""

    message: str
    retry_after_seconds: int


def normalised_username(raw: str | None) -> str:
    # Any case or spacing of a name counts against the same account, as the backend would match it.
    return (raw or "").strip().lower()[:150]


def _failures_key(username: str) -> str:
    # Hashed: keys stay short and safe for any cache backend, and no username sits in the cache.
    return "putright:signin-failures:" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def _address_limit(request: HttpRequest) -> ratelimit.Limit:
    return ratelimit.Limit(
        "login-address",
        ratelimit.client_address(request),
        settings.PUTRIGHT["LOGIN_FAILURES_PER_ADDRESS_PER_HOUR"],
    )


def _now_seconds() -> float:
    return clock.now().timestamp()


def _recorded_failures(username: str) -> tuple[int, float]:
    """How many times the username has failed lately, and when it last did (0, 0 when it has not)."""
    try:
        failures, last_failure_at = cache.get(_failures_key(username), (0, 0.0))
    except Exception:
        log.warning("Sign-in throttle cache unavailable; not slowing this attempt", exc_info=True)
        return 0, 0.0
    if _now_seconds() - last_failure_at > FAILURES_FORGOTTEN_AFTER_SECONDS:
        return 0, 0.0
    return failures, last_failure_at


def wait_after(failures: int) -> int:
    """Seconds an attempt must wait after the last of ``failures`` failures: 0, then 1, 2, 4 … up to the cap."""
    free = settings.PUTRIGHT["LOGIN_FAILURES_BEFORE_SLOWDOWN"]
    if failures < free:
        return 0
    cap = settings.PUTRIGHT["LOGIN_SLOWDOWN_MAX_SECONDS"]
    # The exponent is bounded first, so a long run of failures never builds a huge number.
    return min(cap, 2 ** min(failures - free, 62))


def refusal(request: HttpRequest, username: str) -> Refusal | None:
    """Whether this attempt must be refused before its password is checked, and why."""
    if ratelimit.exceeded([_address_limit(request)]):
        minutes = -(-ratelimit.seconds_until_reset() // 60)
        return Refusal(
            f"Too many failed sign-in attempts from your network: try again in {minutes} minutes.",
            ratelimit.seconds_until_reset(),
        )
    if not username:
        return None
    failures, last_failure_at = _recorded_failures(username)
    remaining = int(last_failure_at + wait_after(failures) - _now_seconds() + 0.999)
    if remaining > 0:
        unit = "second" if remaining == 1 else "seconds"
        return Refusal(
            f"Too many failed sign-in attempts for this account: try again in {remaining} {unit}.", remaining
        )
    return None


def record_failure(request: HttpRequest, username: str) -> None:
    ratelimit.count([_address_limit(request)])
    if not username:
        return
    failures, _ = _recorded_failures(username)
    try:
        cache.set(_failures_key(username), (failures + 1, _now_seconds()), FAILURES_FORGOTTEN_AFTER_SECONDS)
    except Exception:
        log.warning("Sign-in throttle cache unavailable; failure not counted", exc_info=True)


def record_success(username: str) -> None:
    try:
        cache.delete(_failures_key(username))
    except Exception:
        log.warning("Sign-in throttle cache unavailable; old failures kept", exc_info=True)


class ThrottledSignInMixin:
    """For an authentication form: refuse attempts that come too soon, count failures, forget on success.

    In the form rather than the view, so the admin's own login page (which takes a form class but builds
    its view itself) is throttled by exactly the same code as ``/login/``.
    """

    request: HttpRequest
    throttle_refusal: Refusal | None = None

    def clean(self):
        username = normalised_username(self.data.get("username"))
        self.throttle_refusal = refusal(self.request, username)
        if self.throttle_refusal is not None:
            # Checked before the password, so a refused attempt tells nothing about it.
            raise forms.ValidationError(self.throttle_refusal.message, code="throttled")
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            # Counted whatever the reason (wrong password, unknown user, inactive, not staff for the
            # admin): the answer is the same for all of them, and so is the throttle.
            record_failure(self.request, username)
            raise
        # Someone who still owes a code keeps their failures until the code is right too: otherwise the
        # right password, typed again, would wipe the count of wrong codes and let guessing go on at speed.
        if not two_factor.owes_second_step(self.get_user()):  # type: ignore[attr-defined]
            record_success(username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass


def answer_refusal_with_429(response: HttpResponse) -> HttpResponse:
    """Turn a login page that re-displays a throttled form into 429 Too Many Requests with Retry-After.

    429 rather than 200: scripts and monitoring see at once that the attempt was not even checked,
    and Retry-After tells them when to come back; people still see the page with the message.
    """
    context = getattr(response, "context_data", None) or {}
    refused = getattr(context.get("form"), "throttle_refusal", None)
    if refused is not None:
        response.status_code = 429
        response["Retry-After"] = str(refused.retry_after_seconds)
    return response
