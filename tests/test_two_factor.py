"""Two-factor sign-in for staff: enrolment, the code step on /login/ and /admin/login/, backup codes, the
throttle on wrong codes, and a session that owes its code reaching nothing.

TOTP codes are computed from the device's own key with django-otp's TOTP at a chosen time (``code_at``), so
"the next 30-second step" is a moved clock, not a sleep. The sign-in throttle is timed with ``putright.clock``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from putright import clock
from putright.authority import two_factor
from putright.authority.models import ApiToken
from tests.test_web_staff_permissions import snapshot, staff_urls, world  # noqa: F401 - world is a fixture

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUIRED = ("administrator", "supervisor")
QUEUE = "/cases/"


@pytest.fixture
def required_roles(settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "TWO_FACTOR_ROLES": REQUIRED}


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", password=PASSWORD, email="r@example.com"
    )


def code_at(device: TOTPDevice, steps_from_now: int = 0) -> str:
    """The code the person's app shows ``steps_from_now`` 30-second steps from now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + steps_from_now * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code the device would not accept now (none of the steps its tolerance allows)."""
    near = {code_at(device, offset) for offset in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in near)


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    backup.token_set.create(token="backup01")
    backup.token_set.create(token="backup02")
    return device


def password_step(client, username, url="/login/", next_url=None, at=0.0):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    with clock.frozen(START + timedelta(seconds=at)):
        return client.post(url, data)


def code_step(client, code, next_url=QUEUE, at=0.0):
    with clock.frozen(START + timedelta(seconds=at)):
        return client.post(reverse("two_factor_code"), {"code": code, "next": next_url})


def verified(client) -> bool:
    return "otp_device_id" in client.session


# ---------------------------------------------------------------- who owes a code


def test_without_named_roles_everyone_signs_in_with_a_password_alone(client, bob, root):
    for user in ("bob", "root"):
        response = password_step(client, user)
        assert (response.status_code, response["Location"]) == (302, QUEUE)
        client.logout()
    password_step(client, "bob")
    assert client.get(QUEUE).status_code == 200


def test_a_role_not_named_signs_in_with_a_password_alone(client, alice, required_roles):
    response = password_step(client, "alice")
    assert (response.status_code, response["Location"]) == (302, QUEUE)
    assert client.get(QUEUE).status_code == 200
    assert not verified(client)


def test_named_roles_and_superusers_owe_a_code(alice, bob, carol, root, django_user_model, required_roles):
    admin_user = django_user_model.objects.create_user(username="ada", password=PASSWORD)
    admin_user.groups.add(Group.objects.get(name="administrator"))
    owed = {u.username: two_factor.owes_second_step(u) for u in (alice, bob, carol, root, admin_user)}
    assert owed == {"alice": False, "bob": True, "carol": False, "root": True, "ada": True}


# ---------------------------------------------------------------- enrolment


def test_a_required_person_without_an_app_is_taken_to_enrolment_and_confirms_with_a_current_code(
    client, bob, required_roles
):
    response = password_step(client, "bob", next_url="/cases/?scope=mine")
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_enrol") + "?next=%2Fcases%2F%3Fscope%3Dmine"

    page = client.get(response["Location"])
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=bob)
    assert device.confirmed is False
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(secret.replace(" ", "")) == 32  # 20 random bytes, base32
    assert "otpauth://totp/Putright%3Abob?secret=" + secret.replace(" ", "") in html
    assert "<svg" in html
    # The same secret until confirmed: reloading the page must not break an app already scanning it.
    assert secret in client.get(response["Location"]).content.decode()

    wrong = client.post(
        reverse("two_factor_enrol"), {"code": wrong_code(device), "next": "/cases/?scope=mine"}
    )
    assert wrong.status_code == 200
    assert "That code did not work" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(QUEUE)["Location"].startswith(reverse("two_factor_enrol"))

    done = client.post(reverse("two_factor_enrol"), {"code": code_at(device), "next": "/cases/?scope=mine"})
    assert done["Location"] == reverse("two_factor_backup_codes") + "?next=%2Fcases%2F%3Fscope%3Dmine"
    device.refresh_from_db()
    assert device.confirmed is True
    shown = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=bob).values_list("token", flat=True)
    )
    assert 'href="/cases/?scope=mine"' in shown
    # Shown once: the page does not show them again.
    assert client.get(done["Location"])["Location"] == reverse("two_factor_settings")
    assert client.get(QUEUE).status_code == 200


def test_enrolment_cannot_add_a_second_app_with_a_password_alone(client, bob, required_roles):
    device = enrolled(bob)
    password_step(client, "bob")
    response = client.get(reverse("two_factor_enrol"))
    assert response["Location"].startswith(reverse("two_factor_code"))
    assert client.post(reverse("two_factor_enrol"), {"code": code_at(device)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=bob)) == [device]
    assert not verified(client)


def test_an_outsider_has_no_two_factor_pages(client, charlie):
    client.force_login(charlie)
    for name in ("two_factor_enrol", "two_factor_settings"):
        assert client.get(reverse(name)).status_code == 403
    assert not TOTPDevice.objects.exists()


# ---------------------------------------------------------------- the code step


def test_sign_in_with_the_app_code_goes_where_the_person_was_going(client, bob, required_roles):
    device = enrolled(bob)
    response = password_step(client, "bob", next_url="/cases/?scope=mine")
    assert response["Location"] == reverse("two_factor_code") + "?next=%2Fcases%2F%3Fscope%3Dmine"
    page = client.get(response["Location"]).content.decode()
    assert '<label for="id_code">Code</label>' in page
    assert reverse("cases:approvals") not in page  # no staff navigation before the code

    done = code_step(client, code_at(device), next_url="/cases/?scope=mine")
    assert (done.status_code, done["Location"]) == (302, "/cases/?scope=mine")
    assert verified(client)
    assert client.get(QUEUE).status_code == 200


def test_a_code_works_once_and_an_older_one_never_after_a_newer(client, bob, required_roles):
    device = enrolled(bob)
    current = code_at(device)
    password_step(client, "bob")
    assert code_step(client, current)["Location"] == QUEUE
    client.logout()

    password_step(client, "bob")
    replay = code_step(client, current)
    assert replay.status_code == 200
    assert "That code did not work" in replay.content.decode()
    assert not verified(client)
    # The app's next code (its clock a step ahead, within the allowed drift) works …
    assert code_step(client, code_at(device, 1))["Location"] == QUEUE
    client.logout()
    # … and then the current one is older than the newest used: refused.
    password_step(client, "bob")
    assert code_step(client, code_at(device, 0)).status_code == 200
    assert not verified(client)


def test_a_backup_code_works_once_and_says_how_many_are_left(client, bob, required_roles):
    enrolled(bob)
    password_step(client, "bob")
    used = code_step(client, " BACKUP-01 ")  # as someone might type it off paper
    assert used["Location"] == QUEUE
    queue = client.get(QUEUE).content.decode()
    assert "You used a backup code; 1 left." in queue
    client.logout()

    password_step(client, "bob")
    again = code_step(client, "backup01")
    assert again.status_code == 200
    assert not verified(client)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["backup02"]


@pytest.mark.parametrize("typed", ["", "12", "abc!def", "1" * 40, "\x00123456"])
def test_unreadable_codes_get_a_clear_error(client, bob, required_roles, typed):
    enrolled(bob)
    password_step(client, "bob")
    response = code_step(client, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the 6-digit code from your app, or one of your backup codes." in html
    assert not verified(client)


def test_the_code_step_ignores_a_next_address_on_another_site(client, bob, required_roles):
    device = enrolled(bob)
    password_step(client, "bob")
    assert code_step(client, code_at(device), next_url="https://evil.example/")["Location"] == QUEUE


def test_the_code_step_sends_strangers_to_sign_in_and_the_signed_in_on(client, alice):
    assert client.get(reverse("two_factor_code"))["Location"].startswith("/login/")
    client.force_login(alice)
    assert client.get(reverse("two_factor_code"))["Location"] == QUEUE


# ---------------------------------------------------------------- the throttle


def test_wrong_codes_are_throttled_like_wrong_passwords_and_a_new_password_does_not_reset_them(
    client, bob, required_roles, settings
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 3}
    device = enrolled(bob)
    password_step(client, "bob")
    for _ in range(2):
        assert code_step(client, wrong_code(device)).status_code == 200
    # Typing the right password again does not wipe the count of wrong codes …
    assert password_step(client, "bob")["Location"].startswith(reverse("two_factor_code"))
    assert code_step(client, wrong_code(device)).status_code == 200
    # … so the third wrong code starts the wait, which even the right code must honour.
    refused = code_step(client, code_at(device))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert "Too many failed sign-in attempts for this account: try again in 1 second." in (
        refused.content.decode()
    )
    assert not verified(client)
    # The password step shares the wait.
    assert password_step(client, "bob").status_code == 429

    assert code_step(client, code_at(device), at=1)["Location"] == QUEUE
    # Success forgets the failures.
    client.logout()
    assert password_step(client, "bob", at=1).status_code == 302


def test_wrong_codes_count_against_the_address_too(client, bob, required_roles, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": 2}
    device = enrolled(bob)
    password_step(client, "bob")
    for _ in range(2):
        code_step(client, wrong_code(device))
    response = code_step(client, code_at(device))
    assert response.status_code == 429
    assert "Too many failed sign-in attempts from your network" in response.content.decode()


# ---------------------------------------------------------------- a session that owes its code gets nothing


def test_a_session_owing_its_code_reaches_no_staff_page_and_changes_nothing(
    client, bob, required_roles, request
):
    cases = request.getfixturevalue("world")
    enrolled(bob)
    password_step(client, "bob")
    before = snapshot()
    for path, data in staff_urls(cases) + [(reverse("regulation:deadlines"), {})]:
        for response in (
            client.get(path),
            client.post(path, data),
            client.post(path, data, HTTP_HX_REQUEST="1"),
        ):
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("two_factor_code")), path
    assert snapshot() == before
    # Only the step's own pages stay open: static files (not served by the test server: 404, not a redirect)
    # and signing out.
    assert client.get("/static/putright/app.css").status_code == 404
    signed_out = client.post(reverse("logout"))
    assert (signed_out.status_code, signed_out["Location"]) == (302, reverse("login"))
    assert "_auth_user_id" not in client.session


def test_staff_required_refuses_it_even_without_the_middleware(
    client, bob, required_roles, settings, request
):
    cases = request.getfixturevalue("world")
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    enrolled(bob)
    password_step(client, "bob")
    before = snapshot()
    for path, data in staff_urls(cases):
        assert client.post(path, data)["Location"].startswith(reverse("two_factor_code")), path
    assert client.get(QUEUE)["Location"] == reverse("two_factor_code") + "?next=%2Fcases%2F"
    assert snapshot() == before


# ---------------------------------------------------------------- the admin


def test_the_admin_login_asks_for_the_code_and_the_admin_refuses_until_then(client, root, required_roles):
    device = enrolled(root)
    response = password_step(client, "root", url="/admin/login/", next_url="/admin/auth/user/")
    assert response["Location"] == reverse("two_factor_code") + "?next=%2Fadmin%2Fauth%2Fuser%2F"
    users_before = list(User.objects.values_list("username", flat=True))
    for path in ("/admin/", "/admin/auth/user/", "/admin/login/"):
        assert client.get(path)["Location"].startswith(reverse("two_factor_code")), path
    add = client.post(
        "/admin/auth/user/add/",
        {"username": "mallory", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )
    assert add["Location"].startswith(reverse("two_factor_code"))
    assert list(User.objects.values_list("username", flat=True)) == users_before

    done = code_step(client, code_at(device), next_url="/admin/auth/user/")
    assert done["Location"] == "/admin/auth/user/"
    assert client.get("/admin/auth/user/").status_code == 200


def test_the_admin_site_itself_refuses_an_unverified_session(client, root, required_roles, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    enrolled(root)
    password_step(client, "root", url="/admin/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert (
        "You are authenticated as root, but are not authorized"
        in client.get("/admin/login/").content.decode()
    )
    assert client.post("/admin/auth/user/add/", {"username": "mallory"}).status_code == 302
    assert not User.objects.filter(username="mallory").exists()


def test_an_administrator_can_reset_a_colleagues_devices_in_the_admin(client, root, bob, required_roles):
    assert admin.site.is_registered(TOTPDevice) and admin.site.is_registered(StaticDevice)
    own = enrolled(root)
    colleague = enrolled(bob)
    password_step(client, "root", url="/admin/login/")
    code_step(client, code_at(own), next_url="/admin/")
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200
    # The admin shows the device, never its secret or the backup codes.
    totp_page = client.get(f"/admin/otp_totp/totpdevice/{colleague.pk}/change/").content.decode()
    assert "bob" in totp_page and colleague.key not in totp_page
    backup_page = client.get(
        f"/admin/otp_static/staticdevice/{StaticDevice.objects.get(user=bob).pk}/change/"
    ).content.decode()
    assert "Backup codes" in backup_page and "backup01" not in backup_page
    backup = StaticDevice.objects.get(user=bob)
    for path in (
        f"/admin/otp_totp/totpdevice/{colleague.pk}/delete/",
        f"/admin/otp_static/staticdevice/{backup.pk}/delete/",
    ):
        assert client.post(path, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert not StaticDevice.objects.filter(user=bob).exists()
    # bob now sets up a new app after his password.
    client.logout()
    assert password_step(client, "bob")["Location"].startswith(reverse("two_factor_enrol"))


# ---------------------------------------------------------------- a person's own page


def test_anyone_on_the_staff_can_turn_it_on_and_is_then_asked_for_a_code(client, alice):
    client.force_login(alice)
    page = client.get(reverse("two_factor_settings")).content.decode()
    assert "Two-factor sign-in is <strong>off</strong>" in page
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=alice)
    done = client.post(reverse("two_factor_enrol"), {"code": code_at(device)})
    assert done["Location"] == reverse("two_factor_backup_codes") + "?next=%2Faccount%2Ftwo-factor%2F"
    assert "<li><code>" in client.get(done["Location"]).content.decode()
    client.logout()

    assert password_step(client, "alice")["Location"] == reverse("two_factor_code") + "?next=%2Fcases%2F"
    assert client.get(QUEUE)["Location"].startswith(reverse("two_factor_code"))
    assert code_step(client, code_at(device, 1))["Location"] == QUEUE


def test_turning_it_off_needs_a_current_code(client, alice):
    device = enrolled(alice)
    password_step(client, "alice")
    code_step(client, code_at(device))
    wrong = client.post(reverse("two_factor_settings"), {"action": "remove", "code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "That code did not work" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=alice).exists()

    done = client.post(reverse("two_factor_settings"), {"action": "remove", "code": "backup01"})
    assert done["Location"] == reverse("two_factor_settings")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    client.logout()
    assert password_step(client, "alice")["Location"] == QUEUE


def test_a_required_person_cannot_turn_it_off_but_can_move_it_to_a_new_app(client, bob, required_roles):
    device = enrolled(bob)
    password_step(client, "bob")
    code_step(client, code_at(device))
    page = client.get(reverse("two_factor_settings")).content.decode()
    assert 'value="remove"' not in page
    refused = client.post(reverse("two_factor_settings"), {"action": "remove", "code": code_at(device, 1)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.get(user=bob) == device

    moved = client.post(reverse("two_factor_settings"), {"action": "new_app", "code": code_at(device, 1)})
    assert moved["Location"] == reverse("two_factor_enrol")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # Until the new app is confirmed, the session reaches nothing else.
    assert client.get(QUEUE)["Location"].startswith(reverse("two_factor_enrol"))
    client.get(reverse("two_factor_enrol"))
    new = TOTPDevice.objects.get(user=bob)
    assert client.post(reverse("two_factor_enrol"), {"code": code_at(new)}).status_code == 302
    assert client.get(QUEUE).status_code == 200


def test_new_backup_codes_replace_the_old_ones(client, alice):
    device = enrolled(alice)
    password_step(client, "alice")
    code_step(client, code_at(device))
    response = client.post(reverse("two_factor_settings"), {"action": "new_backup_codes", "code": "backup02"})
    assert response["Location"] == reverse("two_factor_backup_codes")
    codes = re.findall(
        r"<li><code>([a-z2-7]{8})</code></li>", client.get(response["Location"]).content.decode()
    )
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    assert "backup01" not in codes and len(codes) == 10


def test_an_integrations_bearer_token_is_not_asked_for_a_code(client, bob, required_roles):
    enrolled(bob)
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=bob, name="integration", prefix=prefix, key_hash=key_hash)
    response = client.get("/api/cases", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert client.get("/api/cases").status_code == 401
