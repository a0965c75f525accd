"""The customer's e-mailed link: followed once, it grants this browser the case and leaves the address.

``/track/<token>/`` checks the token, records a grant in the session and redirects to the token-free
``/my-case/<reference>/``; every page and answer there checks the grant (putright/portal/grants.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from putright import clock
from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.channels.models import Alert, Message
from putright.channels.portal_links import portal_path, portal_token
from putright.portal import grants
from putright.vocab import Understanding
from tests.conftest import aware
from tests.customer_link import my_case, open_case

pytestmark = pytest.mark.django_db

NO_ACCESS = "Please open your case from our email"
# Every token-free address: the pages (GET) and the answers (POST) with data each would accept.
PAGES = ["case", "record", "report_thanks"]
ANSWERS = [
    ("understanding", {"confirm": "yes"}),
    ("agreement", {"agree": "yes"}),
    ("counter_offer", {"amount": "50.00"}),
    ("satisfaction", {"resolved": "yes"}),
    ("message", {"body": "Hello, it is me."}),
    ("reopen", {"body": "It leaks again.", "not_put_right": "yes"}),
]


@pytest.fixture
def awaiting_understanding(report_case, alice):
    case = report_case(subject="Washing machine leaks", customer_email="priya@example.com")
    services.case_summarise_understanding(actor=alice, case=case, summary="Your machine leaks.")
    case.refresh_from_db()
    return case


def snapshot(case) -> tuple:
    """What any answer could change, to prove a refused one changed nothing."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.understanding,
        case.updated_at,
        case.portal_nonce,
        Event.objects.filter(case=case).count(),
        Message.objects.filter(case=case).count(),
        Alert.objects.filter(case=case).count(),
    )


def request(client: Client, case, name: str, data: dict | None):
    address = my_case(case, name)
    return client.get(address) if data is None else client.post(address, data)


def assert_refused(response, *cases) -> None:
    assert response.status_code == 403
    body = response.content.decode()
    assert NO_ACCESS in body
    for case in cases:
        assert case.reference not in body and case.subject not in body
    assert response["Cache-Control"] == "no-store, private"


def without_csrf_token(response) -> str:
    # Each browser has its own CSRF token in every page; the rest of two refusals must be the same.
    return re.sub(r'"X-CSRFToken": "\w+"', "", response.content.decode())


EVERY_ADDRESS = [(name, None) for name in PAGES] + ANSWERS


# ---------------------------------------------------------------- following the link


def test_following_the_link_grants_the_case_on_a_new_session_key_and_redirects_without_the_token(
    client, awaiting_understanding
):
    case = awaiting_understanding
    client.get(reverse("portal:report"))  # a session may exist before the link is followed
    client.session.save()
    before_key = client.session.session_key

    response = client.get(portal_path(case))

    assert (response.status_code, response["Location"]) == (303, f"/my-case/{case.reference}/")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Robots-Tag"] == "noindex"
    assert client.session.session_key != before_key
    assert list(client.session[grants.SESSION_KEY]) == [str(case.pk)]
    assert SessionStore(session_key=before_key).get(grants.SESSION_KEY) is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.subject in page.content.decode()


def test_the_session_cookie_is_httponly_lax_and_lives_as_long_as_the_grant(client, settings, report_case):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_SESSION_DAYS": 7}
    response = client.get(portal_path(report_case()))

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"]) == (True, "Lax", "")
    assert cookie["max-age"] == 7 * 24 * 60 * 60


def test_the_session_cookie_is_secure_where_sessions_are(client, settings, report_case):
    settings.SESSION_COOKIE_SECURE = True
    response = client.get(portal_path(report_case()), secure=True)
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["secure"] is True


def test_the_token_is_in_no_page_the_customer_sees_after_the_redirect(client, awaiting_understanding):
    case = awaiting_understanding
    token = portal_token(case)
    open_case(client, case)
    pages = [client.get(my_case(case, name)) for name in PAGES]
    # An answer's re-shown page too (refused as invalid, 400), and where an answer lands.
    pages.append(client.post(my_case(case, "understanding"), {"confirm": "no", "correction": ""}))
    redirect = client.post(my_case(case, "understanding"), {"confirm": "yes"})

    assert [p.status_code for p in pages] == [200, 200, 200, 400]
    assert redirect["Location"] == my_case(case) + "#status"
    for page in pages:
        html = page.content.decode()
        assert token not in html
        assert "/track/" not in html


def test_a_browser_may_hold_grants_for_several_cases(client, report_case):
    first = report_case(subject="Lamp arrived broken")
    second = report_case(subject="Sofa in the wrong colour")
    open_case(client, first)
    open_case(client, second)

    assert "Lamp arrived broken" in client.get(my_case(first)).content.decode()
    assert "Sofa in the wrong colour" in client.get(my_case(second)).content.decode()


def test_a_browser_keeps_only_its_newest_grants(client, report_case):
    cases = [report_case() for _ in range(grants.MAX_GRANTS + 1)]
    for case in cases:
        open_case(client, case)

    assert client.get(my_case(cases[0])).status_code == 403
    assert [client.get(my_case(case)).status_code for case in cases[1:]] == [200] * grants.MAX_GRANTS


def test_a_report_sent_from_this_browser_grants_it_the_new_case(client):
    response = client.post(
        reverse("portal:report"),
        {
            "name": "Sam Okafor",
            "email": "sam@example.com",
            "subject": "Lamp arrived broken",
            "description": "The lamp I ordered arrived with its base snapped in two.",
            "desired_outcome": "A replacement lamp, please.",
            "consent": "on",
        },
    )

    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (303, my_case(case, "report_thanks"))
    assert client.get(my_case(case)).status_code == 200
    assert_refused(Client().get(my_case(case)), case)


# ---------------------------------------------------------------- no grant, no case


@pytest.mark.parametrize(("name", "data"), EVERY_ADDRESS)
def test_without_a_grant_every_token_free_address_is_refused_and_changes_nothing(
    client, awaiting_understanding, name, data
):
    case = awaiting_understanding
    before = snapshot(case)

    assert_refused(request(client, case, name, data), case)
    assert snapshot(case) == before


@pytest.mark.parametrize(("name", "data"), EVERY_ADDRESS)
def test_a_grant_for_one_case_never_opens_another_by_its_reference(
    client, report_case, awaiting_understanding, name, data
):
    mine = report_case(subject="Lamp arrived broken", customer_email="sam@example.com")
    theirs = awaiting_understanding
    open_case(client, mine)
    before = snapshot(theirs)

    assert_refused(request(client, theirs, name, data), theirs)
    assert snapshot(theirs) == before


def test_an_unknown_reference_is_refused_exactly_like_one_not_granted(client, awaiting_understanding):
    open_case(client, awaiting_understanding)
    real = Client().get(my_case(awaiting_understanding))
    made_up = client.get(reverse("portal:case", kwargs={"reference": "PR-2099-999999"}))

    assert (made_up.status_code, real.status_code) == (403, 403)
    assert without_csrf_token(made_up) == without_csrf_token(real)


def test_an_altered_session_cookie_opens_nothing(client, awaiting_understanding):
    case = awaiting_understanding
    open_case(client, case)
    name = django_settings.SESSION_COOKIE_NAME
    key = client.cookies[name].value
    client.cookies[name] = key[:-1] + ("a" if key[-1] != "a" else "b")
    before = snapshot(case)

    assert_refused(client.get(my_case(case)), case)
    assert_refused(client.post(my_case(case, "understanding"), {"confirm": "yes"}), case)
    assert snapshot(case) == before


def _stored_grants(case, kind: str):
    digest, pk, far = grants._nonce_digest(case), str(case.pk), 9_999_999_999
    return {
        "genuine": {pk: {"nonce": digest, "until": far}},
        "not-a-dict": "granted",
        "another-case": {"0": {"nonce": digest, "until": far}},
        "not-an-entry": {pk: "granted"},
        "until-not-a-time": {pk: {"nonce": digest, "until": "forever"}},
        "expired": {pk: {"nonce": digest, "until": 0}},
        "wrong-nonce": {pk: {"nonce": "0" * 64, "until": far}},
    }[kind]


@pytest.mark.parametrize(
    ("kind", "opens"),
    [
        ("genuine", True),  # the shape a grant has, so the refusals below are refusals of that one fault
        ("not-a-dict", False),
        ("another-case", False),
        ("not-an-entry", False),
        ("until-not-a-time", False),
        ("expired", False),
        ("wrong-nonce", False),
    ],
)
def test_only_a_well_formed_live_grant_for_this_case_opens_it(client, awaiting_understanding, kind, opens):
    """Whatever sits in the session under the grants' key, only a grant for this case, now, opens it."""
    case = awaiting_understanding
    session = client.session
    session[grants.SESSION_KEY] = _stored_grants(case, kind)
    session.save()
    before = snapshot(case)

    page = client.get(my_case(case))
    answer = client.post(my_case(case, "message"), {"body": "Hello"})

    if opens:
        assert (page.status_code, answer.status_code) == (200, 303)
    else:
        assert_refused(page, case)
        assert_refused(answer, case)
        assert snapshot(case) == before


def test_renewing_the_link_ends_the_grants_the_old_one_gave(client, awaiting_understanding, alice):
    case = awaiting_understanding
    open_case(client, case)
    assert client.get(my_case(case)).status_code == 200

    services.case_portal_link_renew(actor=alice, case=case, reason="The email was forwarded")
    case.refresh_from_db()

    assert_refused(client.get(my_case(case)), case)
    assert client.get(portal_path(case))["Location"] == my_case(case)
    assert client.get(my_case(case)).status_code == 200


def test_a_grant_lasts_the_configured_days_then_the_link_is_needed_again(client, settings, report_case):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_SESSION_DAYS": 2}
    case = report_case()
    with clock.frozen(aware(2030, 1, 10, 9)):
        open_case(client, case)
    with clock.frozen(aware(2030, 1, 12, 8, 59)):
        assert client.get(my_case(case)).status_code == 200
    with clock.frozen(aware(2030, 1, 12, 9, 0)):
        assert_refused(client.get(my_case(case)), case)
        assert client.get(portal_path(case))["Location"] == my_case(case)
        assert client.get(my_case(case)).status_code == 200


def test_a_grant_stops_when_the_closed_case_s_link_expires(client, settings, case_with_options, alice):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_LINK_DAYS_AFTER_CLOSURE": 10, "CASE_SESSION_DAYS": 60}
    case = case_with_options
    with clock.frozen(aware(2030, 3, 4, 9)):
        services.case_close_unresolved(
            reason_code="other",
            upheld="not_upheld",
            actor=alice,
            case=case,
            reasons="The fault is outside the warranty.",
            other_routes=["Your home insurer"],
        )
        open_case(client, case)
    with clock.frozen(aware(2030, 3, 14, 9, 1)):
        responses = [client.get(my_case(case, name)) for name in PAGES]
        responses.append(client.post(my_case(case, "message"), {"body": "Still there?"}))

    assert [r.status_code for r in responses] == [410] * 4
    assert "This case link has expired" in responses[0].content.decode()
    assert "outside the warranty" not in responses[0].content.decode()


# ---------------------------------------------------------------- the old e-mailed addresses


@pytest.mark.parametrize(
    ("page", "lands_on"),
    [
        ("record", "record"),
        ("understanding", "case"),
        ("agreement", "case"),
        ("counter-offer", "case"),
        ("satisfaction", "case"),
        ("message", "case"),
    ],
)
def test_an_old_sub_address_still_opens_the_case_without_its_token(
    client, awaiting_understanding, page, lands_on
):
    case = awaiting_understanding
    response = client.get(portal_path(case) + f"{page}/")

    assert (response.status_code, response["Location"]) == (303, my_case(case, lands_on))
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.get(response["Location"]).status_code == 200


def test_an_unknown_sub_address_of_a_good_link_is_a_404_and_grants_nothing(client, awaiting_understanding):
    response = client.get(portal_path(awaiting_understanding) + "settings/")
    assert response.status_code == 404
    assert client.get(my_case(awaiting_understanding)).status_code == 403


def test_a_message_posted_to_an_old_address_is_kept_and_lands_on_the_token_free_page(
    client, awaiting_understanding, alice
):
    case = awaiting_understanding
    response = client.post(portal_path(case) + "message/", {"body": "Sent from a page loaded last week."})

    assert (response.status_code, response["Location"]) == (303, my_case(case) + "#status")
    assert Message.objects.filter(case=case, body="Sent from a page loaded last week.").count() == 1
    assert client.get(my_case(case)).status_code == 200


def test_an_answer_posted_to_an_old_address_is_recorded(client, awaiting_understanding):
    case = awaiting_understanding
    response = client.post(portal_path(case) + "understanding/", {"confirm": "yes"})

    assert (response.status_code, response["Location"]) == (303, my_case(case) + "#status")
    case.refresh_from_db()
    assert case.understanding == Understanding.CONFIRMED


def test_an_invalid_answer_at_an_old_address_is_shown_with_forms_that_post_token_free(
    client, awaiting_understanding
):
    case = awaiting_understanding
    before = snapshot(case)
    response = client.post(portal_path(case) + "understanding/", {"confirm": "no", "correction": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert portal_token(case) not in html
    assert f'action="{my_case(case, "understanding")}"' in html
    # It re-shows forms, so same-origin: under no-referrer their POSTs would carry "Origin: null".
    assert response["Referrer-Policy"] == "same-origin"
    assert snapshot(case) == before


@pytest.mark.parametrize("page", ["", "record/"])
def test_a_post_to_an_old_address_that_never_took_one_is_405_and_changes_nothing(
    client, awaiting_understanding, page
):
    case = awaiting_understanding
    before = snapshot(case)
    response = client.post(portal_path(case) + page, {"body": "Hello"})
    assert response.status_code == 405
    assert snapshot(case) == before


def test_the_message_limit_holds_across_old_and_new_addresses(client, settings, awaiting_understanding):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "MESSAGES_PER_CASE_PER_HOUR": 2}
    case = awaiting_understanding
    with clock.frozen(aware(2030, 5, 6, 10)):
        assert client.post(open_case(client, case, "message"), {"body": "One"}).status_code == 303
        assert client.post(portal_path(case) + "message/", {"body": "Two"}).status_code == 303
        new = client.post(my_case(case, "message"), {"body": "Three, new address"})
        old = client.post(portal_path(case) + "message/", {"body": "Three, old address"})

    assert (new.status_code, old.status_code) == (429, 429)
    assert "Three, new address" in new.content.decode() and "Three, old address" in old.content.decode()
    assert portal_token(case) not in old.content.decode()
    assert list(Message.objects.filter(case=case, direction="in").values_list("body", flat=True)) == [
        "One",
        "Two",
    ]


# ---------------------------------------------------------------- staff in the same browser


def test_a_signed_in_staff_member_who_follows_a_customer_link_stays_signed_in(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    staff_age = client.session.get_expiry_age()

    open_case(client, case)

    assert client.get(my_case(case)).status_code == 200
    assert client.get(reverse("cases:queue")).status_code == 200
    assert client.session.get_expiry_age() == staff_age
    assert "Sign out" in client.get(reverse("cases:queue")).content.decode()


def test_a_grant_ends_when_the_staff_member_signs_out(client, alice, report_case):
    case = report_case()
    client.force_login(alice)
    open_case(client, case)
    client.logout()
    assert client.get(my_case(case)).status_code == 403


def test_a_customer_s_session_is_kept_for_the_grant_s_days(client, settings, report_case):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_SESSION_DAYS": 45}
    open_case(client, report_case())
    assert client.session.get_expiry_age() == int(timedelta(days=45).total_seconds())


# ---------------------------------------------------------------- the setting


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (None, "30"),
        ("7", "7"),
        ("0", "PUTRIGHT_CASE_SESSION_DAYS=0 must be at least 1"),
        ("a month", "PUTRIGHT_CASE_SESSION_DAYS='a month' is not an integer"),
    ],
)
def test_the_grant_s_days_come_from_the_environment_and_a_bad_value_is_refused(tmp_path, raw, shown):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PUTRIGHT_"))}
    env["PUTRIGHT_VAR_DIR"] = str(tmp_path)
    if raw is not None:
        env["PUTRIGHT_CASE_SESSION_DAYS"] = raw
    show = "from putright import settings; print(settings.PUTRIGHT['CASE_SESSION_DAYS'])"
    result = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if shown.isdigit():
        assert (result.returncode, result.stdout.strip()) == (0, shown), result.stderr
    else:
        assert result.returncode != 0
        assert shown in result.stderr


def test_staff_signing_in_after_following_a_customer_link_get_the_staff_session_age_back(
    client, settings, alice, report_case
):
    settings.PUTRIGHT = {**settings.PUTRIGHT, "CASE_SESSION_DAYS": 45}
    case = report_case()
    open_case(client, case)
    assert client.session.get_expiry_age() == int(timedelta(days=45).total_seconds())
    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.get(reverse("cases:queue")).status_code == 200
