"""Staff sign-in refuses further guesses once a username has failed too often."""

import pytest

pytestmark = pytest.mark.django_db


def _try(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_failed_sign_ins_are_throttled_per_username_and_say_so(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_USER_PER_HOUR": 3}
    for _ in range(3):
        assert _try(client, "alice", "wrong").status_code == 200
    refused = _try(client, "alice", "correct-horse-battery")  # even the right password, now
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # Another colleague is not affected.
    assert _try(client, "ALICE ", "x").status_code == 429  # same username, any case or spacing
    assert _try(client, "bob-who-does-not-exist", "x").status_code == 200


def test_a_correct_sign_in_is_never_counted(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_USER_PER_HOUR": 2}
    for _ in range(5):
        response = _try(client, "alice", "correct-horse-battery")
        assert response.status_code == 302
        client.logout()


def test_failures_from_one_address_are_throttled_across_usernames(client, alice, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": 4}
    for name in ["a", "b", "c", "d"]:
        assert _try(client, name, "x").status_code == 200
    assert _try(client, "alice", "correct-horse-battery").status_code == 429
