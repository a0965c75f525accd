"""Two-factor sign-in for staff: who owes a code after their password, and the devices that give one.

A person owes the second step when they hold a role named in ``PUTRIGHT["TWO_FACTOR_ROLES"]`` (or are a
superuser while any role is named), or when they chose to enrol an authenticator app themselves. Their
password signs them in to the session, but until they give a code (``is_verified()``, from django-otp's
middleware) the session reaches nothing but the code step, the enrolment page, sign-in and sign-out:
``TwoFactorMiddleware`` sends every other request there, and ``staff_required`` and the admin site's
``has_permission`` refuse it again, so a page that forgets the middleware's order still refuses.

The role is read on every request, so a person given a required role mid-session is asked at once. Whether
someone enrolled by choice is read once per session (when it starts, by ``user_logged_in``) and kept in
the session, so people who owe nothing pay no extra query on each page.

Devices: one TOTP device (an authenticator app) per person, confirmed only once they have typed a code from
it, and one static device holding their single-use backup codes. Codes are checked by django-otp (a TOTP
code is refused once used, or older than the newest one used); wrong codes are slowed by the sign-in
throttle (``putright.authority.signin``) exactly like wrong passwords.
"""

from __future__ import annotations

import re
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from putright.authority.selectors import is_staff_member, user_roles

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# Whether this session's person had a confirmed device when the session started (see the module's doc).
_HAS_DEVICE_SESSION_KEY = "putright_two_factor_device"
# The backup codes just made, kept only until the page that shows them once has shown them.
_NEW_BACKUP_CODES_SESSION_KEY = "putright_new_backup_codes"
# What a person may type: a 6-digit code (spaces allowed, as apps show "123 456") or a backup code.
_CODE_RE = re.compile(r"[0-9a-z]{6,16}")


def required_by_role(user) -> bool:
    """Whether the person's role (or being a superuser) means they must give a code after their password."""
    roles = settings.PUTRIGHT["TWO_FACTOR_ROLES"]
    if not roles or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(role in roles for role in user_roles(user))


def owes_second_step(user) -> bool:
    """From the database: whether this person must give a code after their password."""
    return required_by_role(user) or (user.is_authenticated and user_has_device(user))


def is_verified(user) -> bool:
    """Whether this session gave its code. A user just signed in by ``login()`` has not been through
    django-otp's middleware yet (no ``is_verified``), and has not."""
    verified = getattr(user, "is_verified", None)
    return bool(verified is not None and verified())


def second_step_pending(request: HttpRequest) -> bool:
    """Whether this session signed in with a password but still owes its code: then it reaches nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(user):
        return False
    if required_by_role(user):
        return True
    has_device = request.session.get(_HAS_DEVICE_SESSION_KEY)
    if has_device is None:
        # A session started before this check existed: read it once from the database.
        has_device = user_has_device(user)
        request.session[_HAS_DEVICE_SESSION_KEY] = has_device
    return has_device


def may_use_two_factor(user) -> bool:
    """Staff, and anyone who can reach the admin, may set up an app; an outsider has nothing to protect."""
    return (
        user.is_authenticated
        and user.is_active
        and (is_staff_member(user) or user.is_staff or user.is_superuser)
    )


@receiver(user_logged_in)
def _remember_whether_enrolled(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[_HAS_DEVICE_SESSION_KEY] = user_has_device(user)
        # A customer's case link may have given this browser's session the link's own age
        # (PUTRIGHT_CASE_SESSION_DAYS): a member of staff signing in gets the staff session's age back.
        request.session.set_expiry(None)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after the code step: the page asked for, if it is on this site; otherwise the queue."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def step_url(request: HttpRequest, next_url: str | None) -> str:
    """The code step, or enrolment for someone who owes a code but has no app yet; ``next`` kept."""
    name = "two_factor_code" if user_has_device(request.user) else "two_factor_enrol"
    query = urlencode({"next": next_url}) if next_url else ""
    return reverse(name) + (f"?{query}" if query else "")


class TwoFactorMiddleware:
    """Sends a session that still owes its code to the code step, from any page but the step's own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.path, not path_info: reverse() includes the script prefix when the site is served under one.
        if not self._always_open(request.path) and second_step_pending(request):
            if required_by_role(request.user) or user_has_device(request.user):
                next_url = request.get_full_path() if request.method == "GET" else None
                return redirect(step_url(request, next_url))
            # Enrolled by choice when the session began, but an administrator has since removed the
            # devices: nothing left to give a code from, and no role asks for one.
            request.session[_HAS_DEVICE_SESSION_KEY] = False
        return self.get_response(request)

    @staticmethod
    def _always_open(path: str) -> bool:
        # The sign-in page too, so the person can start again, or sign in as someone else.
        open_paths = (
            reverse("two_factor_code"),
            reverse("two_factor_enrol"),
            reverse("login"),
            reverse("logout"),
        )
        return path in open_paths or path.startswith(static(""))


def normalised_code(raw: str | None) -> str:
    """A typed code as the devices store it: no spaces or dashes, lower case; "" if it cannot be a code."""
    code = re.sub(r"[\s-]", "", raw or "").lower()
    return code if _CODE_RE.fullmatch(code) else ""


def verify_code(user, code: str):
    """The confirmed device that accepts ``code`` (an app's code, or a backup code, used up), or None."""
    if not code:
        return None
    with transaction.atomic():
        # Locked while checking, so the same code sent twice at once is accepted once (django-otp's advice).
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed app device being set up for this person: the same secret until they confirm it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def readable_secret(device: TOTPDevice) -> str:
    """The secret as an app asks for it when typed by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(uri: str) -> str:
    """The setup address as an inline SVG QR code (pure Python: segno), for the app's camera."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff", title="QR code")


def confirm_app_device(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Make ``device`` the person's one app, replace their backup codes, and mark this session verified.

    Returns the new backup codes, which are shown once and never again (only the device keeps them).
    """
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
    mark_verified(request, device)
    return codes


def new_backup_codes(user) -> list[str]:
    """Replace the person's backup codes with ``BACKUP_CODE_COUNT`` new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes


def remove_devices(request: HttpRequest) -> None:
    """Forget the person's app and backup codes (they give their password alone, unless a role needs more)."""
    user = request.user
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
    request.session[_HAS_DEVICE_SESSION_KEY] = False


def mark_verified(request: HttpRequest, device) -> None:
    # A new session key once the code is given: a key seen before the second step is worth nothing after.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[_HAS_DEVICE_SESSION_KEY] = True


def keep_backup_codes_to_show(request: HttpRequest, codes: list[str]) -> None:
    request.session[_NEW_BACKUP_CODES_SESSION_KEY] = codes


def backup_codes_to_show(request: HttpRequest) -> list[str]:
    """The codes just made, once: the session forgets them as they are read."""
    return request.session.pop(_NEW_BACKUP_CODES_SESSION_KEY, [])


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
