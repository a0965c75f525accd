"""Staff sign-in, on /login/ and /admin/login/ alike, slows guessing per username and limits each address.

Time is moved with ``putright.clock`` instead of sleeping.
"""

from datetime import UTC, datetime, timedelta

import pytest

from putright import clock

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RIGHT = "correct-horse-battery"
SIGN_IN_PAGES = ["/login/", "/admin/login/"]


def _try(client, username, password, url="/login/", at=0.0, address="127.0.0.1"):
    """One sign-in attempt, ``at`` seconds after START."""
    with clock.frozen(START + timedelta(seconds=at)):
        return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", password=RIGHT, email="root@example.com"
    )


def test_failed_sign_ins_are_throttled_per_username_and_say_so(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 3}
    for _ in range(3):
        assert _try(client, "alice", "wrong").status_code == 200
    refused = _try(client, "alice", RIGHT)  # even the right password, while the wait lasts
    assert refused.status_code == 429
    assert (
        "Too many failed sign-in attempts for this account: try again in 1 second."
        in refused.content.decode()
    )
    assert refused["Retry-After"] == "1"
    assert not _signed_in(client)
    # The same username in any case or spacing waits too; another username does not.
    assert _try(client, "ALICE ", "x").status_code == 429
    assert _try(client, "bob-who-does-not-exist", "x").status_code == 200


def test_a_correct_sign_in_is_never_counted(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 2}
    for _ in range(5):
        response = _try(client, "alice", RIGHT)
        assert response.status_code == 302
        client.logout()


def test_failures_from_one_address_are_throttled_across_usernames(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": 4}
    for name in ["a", "b", "c", "d"]:
        assert _try(client, name, "x").status_code == 200
    assert _try(client, "alice", RIGHT).status_code == 429


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_thirty_wrong_passwords_are_slowed_and_the_right_one_waits_too(client, root, url):
    """H3: 30 wrong passwords for one account, each sent as soon as it is allowed, then the right one."""
    now = 0.0
    waits = []
    for _ in range(30):
        response = _try(client, "root", "wrong", url, at=now)
        while response.status_code == 429:  # too soon: refused unchecked, told how long to wait
            assert (
                "Too many failed sign-in attempts for this account: try again in" in response.content.decode()
            )
            waits.append(int(response["Retry-After"]))
            now += waits[-1]
            response = _try(client, "root", "wrong", url, at=now)
        assert response.status_code == 200
        assert not _signed_in(client)
    # Five free failures, then 1 s, 2 s, 4 s … doubling, capped at five minutes: never a hard lockout.
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256] + [300] * 16
    assert now == sum(waits)

    during_the_wait = _try(client, "root", RIGHT, url, at=now + 299)
    assert during_the_wait.status_code == 429
    assert during_the_wait["Retry-After"] == "1"
    assert not _signed_in(client)

    after_the_wait = _try(client, "root", RIGHT, url, at=now + 300)
    assert after_the_wait.status_code == 302
    assert _signed_in(client)


def test_the_admin_login_keeps_its_look_when_refusing(client, root, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 1}
    assert _try(client, "root", "wrong", "/admin/login/").status_code == 200
    refused = _try(client, "root", RIGHT, "/admin/login/")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert 'id="login-form"' in page  # the admin's own login template
    assert "Too many failed sign-in attempts for this account: try again in 1 second." in page


def test_the_throttle_is_shared_between_the_sign_in_pages(client, root, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 2}
    assert _try(client, "root", "wrong", "/login/").status_code == 200
    assert _try(client, "root", "wrong", "/admin/login/").status_code == 200
    assert _try(client, "root", RIGHT, "/login/").status_code == 429
    assert _try(client, "root", RIGHT, "/admin/login/").status_code == 429


def test_someone_else_cannot_lock_a_named_colleague_out(client, alice, settings):
    """Failures typed for alice from elsewhere only delay her: after the wait she signs in from her desk."""
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": 1000}
    for _ in range(40):
        _try(client, "alice", "wrong", at=0, address="203.0.113.9")
    for _ in range(40):
        _try(client, "alice", "wrong", "/admin/login/", at=0, address="203.0.113.9")
    # Only the first five counted (the rest came too soon), so her wait is a second, not an hour.
    assert _try(client, "alice", RIGHT, at=0, address="192.0.2.20").status_code == 429
    assert _try(client, "alice", RIGHT, at=1, address="192.0.2.20").status_code == 302
    client.logout()
    # Her sign-in cleared the failures: her next mistyping is free again.
    assert _try(client, "alice", "typo", at=1, address="192.0.2.20").status_code == 200
    assert _try(client, "alice", RIGHT, at=1, address="192.0.2.20").status_code == 302


def test_an_unknown_username_is_slowed_exactly_like_a_real_one(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_BEFORE_SLOWDOWN": 2}
    answers = {}
    for name in ["alice", "nobody-here"]:
        for _ in range(2):
            assert _try(client, name, "wrong").status_code == 200
        refused = _try(client, name, "wrong")
        message = "Too many failed sign-in attempts for this account: try again in 1 second."
        answers[name] = (refused.status_code, refused["Retry-After"], message in refused.content.decode())
    assert answers["alice"] == answers["nobody-here"] == (429, "1", True)


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_one_address_cannot_spray_many_usernames(client, root, url):
    """The default 50 failures an hour per address, across usernames each still under its own slowdown."""
    for number in range(50):
        assert _try(client, f"user{number}", "Winter2026!", url, at=number).status_code == 200
    refused = _try(client, "root", RIGHT, url, at=50)
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts from your network" in refused.content.decode()
    assert not _signed_in(client)
    # Another address is not affected, and the limit ends with its hour.
    assert _try(client, "root", RIGHT, url, at=50, address="192.0.2.20").status_code == 302
    client.logout()
    assert _try(client, "root", RIGHT, url, at=3600).status_code == 302
