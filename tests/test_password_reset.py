"""Password reset by e-mail, and the password rules (Django's four validators, at least 12 characters).

The e-mail goes through the normal EMAIL_BACKEND, to the suite's loopback SMTP server (``mailbox``).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import plain_text

pytestmark = pytest.mark.django_db

OLD = "correct-horse-battery"
NEW = "tangerine-lighthouse-47"
LINK = re.compile(r"http://[^\s]+/password-reset/[^\s/]+/[^\s/]+/")


def ask(client, email, address="127.0.0.1"):
    # The e-mail is a job run after the commit: the test's own transaction never commits, so run it here.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def page_without_csrf(client, path) -> str:
    # The page's CSRF token is different on every response, whoever asked.
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", client.get(path).content.decode())


def reset_link(mailbox, address) -> str:
    messages = mailbox.to(address)
    assert [str(m["Subject"]) for m in messages] == ["Reset your Putright password"]
    body = plain_text(messages[0])
    return LINK.search(body).group(0)


def test_the_login_page_offers_a_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html


def test_the_request_page_has_a_labelled_field(client):
    html = client.get(reverse("password_reset")).content.decode()
    assert '<label for="id_email">E-mail address</label>' in html
    assert 'id="id_email" autocomplete="email"' in html


def test_a_reset_link_sets_a_new_password_once(client, alice, mailbox, settings):
    settings.SITE_URL = "http://care.example"
    response = ask(client, "ALICE@putright.example")  # any case of the address
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
    link = reset_link(mailbox, "alice@putright.example")
    # Built from SITE_URL, whatever Host the request came with.
    assert link.startswith("http://care.example/password-reset/")
    path = link.removeprefix("http://care.example")

    form_page = client.get(path, follow=True)
    assert form_page.redirect_chain[-1][0].endswith("/set-password/")
    html = form_page.content.decode()
    assert '<label for="id_new_password1">New password</label>' in html
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("password_reset_complete")
    # A reset signs nobody in.
    assert "_auth_user_id" not in client.session

    alice.refresh_from_db()
    assert alice.check_password(NEW) and not alice.check_password(OLD)
    again = client.get(path, follow=True)
    assert "This link doesn't work any more" in again.content.decode()
    assert client.post(set_url, {"new_password1": OLD + "x", "new_password2": OLD + "x"}).status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, alice, mailbox):
    known = ask(client, "alice@putright.example")
    unknown = ask(client, "nobody@putright.example")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mailbox.to("nobody@putright.example") == []
    assert page_without_csrf(client, known["Location"]) == page_without_csrf(client, unknown["Location"])


def test_a_bad_address_gets_a_clear_error(client):
    response = ask(client, "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_requests_are_limited_per_address_known_or_not(client, alice, mailbox, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "PASSWORD_RESETS_PER_EMAIL_PER_HOUR": 2}
    for email in ("alice@putright.example", "nobody@putright.example"):
        for _ in range(2):
            assert ask(client, email).status_code == 302
        refused = ask(client, email.upper())
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 3600
        assert "Too many password reset requests: try again in" in refused.content.decode()
    assert len(mailbox.to("alice@putright.example")) == 2


def test_requests_are_limited_per_sender_address(client, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "PASSWORD_RESETS_PER_IP_PER_HOUR": 3}
    for n in range(3):
        assert ask(client, f"person{n}@example.com", address="203.0.113.7").status_code == 302
    assert ask(client, "person9@example.com", address="203.0.113.7").status_code == 429
    assert ask(client, "person9@example.com", address="198.51.100.1").status_code == 302


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("eleven-char", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("483920175638", "This password is entirely numeric."),
        ("alice-putright", "The password is too similar to the email address."),
    ],
)
def test_a_new_password_must_pass_the_rules(client, alice, mailbox, password, error):
    ask(client, "alice@putright.example")
    path = reset_link(mailbox, "alice@putright.example").split("127.0.0.1:8000", 1)[1]
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert error in response.content.decode().replace("&#x27;", "'")
    alice.refresh_from_db()
    assert alice.check_password(OLD)


def test_eleven_characters_are_refused_and_twelve_allowed():
    with pytest.raises(ValidationError) as refused:
        validate_password("tangerine-7")
    assert refused.value.messages == ["This password is too short. It must contain at least 12 characters."]
    assert validate_password("tangerine-78") is None


def test_the_admin_enforces_the_rules_when_adding_a_user(client, django_user_model):
    django_user_model.objects.create_superuser(username="root", password=OLD, email="r@example.com")
    client.force_login(django_user_model.objects.get(username="root"))
    short = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newbie",
            "password1": "tangerine-7",
            "password2": "tangerine-7",
            "usable_password": "true",
        },
    )
    assert short.status_code == 200
    assert "at least 12 characters" in short.content.decode()
    assert not django_user_model.objects.filter(username="newbie").exists()
    ok = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newbie",
            "password1": "tangerine-78",
            "password2": "tangerine-78",
            "usable_password": "true",
        },
    )
    assert ok.status_code == 302
    assert django_user_model.objects.filter(username="newbie").exists()


def test_a_reset_does_not_skip_the_code_step(client, bob, mailbox, settings):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "TWO_FACTOR_ROLES": ("supervisor",)}
    TOTPDevice.objects.create(user=bob, name="Authenticator app", confirmed=True)
    ask(client, "bob@putright.example")
    path = reset_link(mailbox, "bob@putright.example").split("127.0.0.1:8000", 1)[1]
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    signed_in = client.post(reverse("login"), {"username": "bob", "password": NEW})
    assert signed_in["Location"] == reverse("two_factor_code") + "?next=%2Fcases%2F"
    assert client.get("/cases/")["Location"].startswith(reverse("two_factor_code"))
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_code"))


def test_the_demo_logins_meet_the_rules():
    from django.contrib.auth.models import User

    from putright.demo import content

    members = content.staff()
    assert len(members) == 7
    for member in members:
        person = User(
            username=member.username,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
        )
        assert validate_password(member.password, person) is None, member.username


def test_the_worker_sends_nothing_to_an_account_closed_since_the_request(alice, mailbox):
    from putright.authority.password_reset import send_reset_email

    alice.is_active = False
    alice.save()
    assert send_reset_email.call(alice.pk) == "skipped"
    assert mailbox.to("alice@putright.example") == []
    alice.is_active = True
    alice.save()
    assert send_reset_email.call(alice.pk) == "sent"
    assert len(mailbox.to("alice@putright.example")) == 1


def test_the_page_queues_the_mail_for_the_worker_with_no_link_in_the_queue(client, alice, mailbox, settings):
    from putright.jobs.models import Job

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["mail", "analysis"]}
    }
    assert ask(client, "nobody@putright.example").status_code == 302
    assert ask(client, "alice@putright.example").status_code == 302
    assert mailbox.to("alice@putright.example") == []
    queued = Job.objects.get()
    assert (queued.task, queued.args, queued.queue, queued.status) == (
        "putright.authority.password_reset.send_reset_email",
        [alice.pk],
        "mail",
        "pending",
    )
