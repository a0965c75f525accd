"""Who else has the case open (issue 12 §3): the case page reports in (when it opens, then every 20 seconds
through htmx) and shows the colleagues seen on the case in the last minute. Reporting in is not a change of
the case: no event, no change to the case row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from putright import clock
from putright.cases.models import CasePresence
from putright.cases.services import sweep_run
from tests.conftest import _user, aware

pytestmark = pytest.mark.django_db

T0 = aware(2026, 12, 7, 10, 42)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sam(django_user_model):
    user = _user(django_user_model, "sam", "agent", "Sam")
    user.last_name = "Agent"
    user.save(update_fields=["last_name"])
    return user


@pytest.fixture
def case(report_case):
    with clock.frozen(T0 - timedelta(hours=1)):
        return report_case()


def presence_url(case) -> str:
    return reverse("cases:presence_report", args=[case.reference])


def detail_url(case) -> str:
    return reverse("cases:detail", args=[case.reference])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_people_on_one_case_each_see_the_other(alice, sam, case):
    alice_client, sam_client = as_user(alice), as_user(sam)
    with clock.frozen(T0):
        first = alice_client.post(presence_url(case), **HTMX)
    assert first.status_code == 200
    assert "also working on this case" not in first.content.decode()  # nobody else yet
    with clock.frozen(T0 + timedelta(seconds=15)):
        seen_by_sam = sam_client.post(presence_url(case), **HTMX).content.decode()
    assert "<strong>Alice</strong> is also working on this case" in seen_by_sam
    assert '(since <time datetime="2026-12-07T10:42:00+00:00">10:42</time>)' in seen_by_sam
    with clock.frozen(T0 + timedelta(seconds=20)):
        seen_by_alice = alice_client.post(presence_url(case), **HTMX).content.decode()
    assert "<strong>Sam Agent</strong> is also working on this case" in seen_by_alice
    assert "10:42</time>)" in seen_by_alice
    assert "Alice</strong>" not in seen_by_alice  # never yourself


def test_the_first_render_shows_who_is_there_without_javascript(alice, sam, case):
    with clock.frozen(T0):
        as_user(sam).get(detail_url(case))
    with clock.frozen(T0 + timedelta(seconds=30)):
        html = as_user(alice).get(detail_url(case)).content.decode()
    assert "<strong>Sam Agent</strong> is also working on this case" in html
    # The page reports in when it loads and every 20 seconds after.
    assert f'hx-post="{presence_url(case)}" hx-trigger="load, every 20s" hx-swap="innerHTML"' in html
    assert "Reports in when the page opens" not in html  # the template's comment stays a comment


def test_someone_not_seen_for_over_a_minute_is_no_longer_shown(alice, sam, case):
    with clock.frozen(T0):
        as_user(sam).post(presence_url(case), **HTMX)
    with clock.frozen(T0 + timedelta(seconds=60)):
        assert "Sam Agent" in as_user(alice).post(presence_url(case), **HTMX).content.decode()
    with clock.frozen(T0 + timedelta(seconds=61)):
        assert "Sam Agent" not in as_user(alice).post(presence_url(case), **HTMX).content.decode()


def test_staying_on_the_case_keeps_the_time_it_began_and_a_return_starts_afresh(alice, sam, case):
    for seconds in (0, 20, 40, 60):
        with clock.frozen(T0 + timedelta(seconds=seconds)):
            as_user(sam).post(presence_url(case), **HTMX)
    row = CasePresence.objects.get(case=case, user=sam)
    assert (row.since, row.seen_at) == (T0, T0 + timedelta(seconds=60))
    back = T0 + timedelta(minutes=10)
    with clock.frozen(back):
        as_user(sam).post(presence_url(case), **HTMX)
    row.refresh_from_db()
    assert (row.since, row.seen_at) == (back, back)
    assert CasePresence.objects.count() == 1


def test_reporting_in_is_not_a_change_of_the_case(alice, case):
    events, updated = case.events.count(), case.updated_at
    with clock.frozen(T0):
        as_user(alice).post(presence_url(case), **HTMX)
    case.refresh_from_db()
    assert (case.events.count(), case.updated_at) == (events, updated)


def test_people_without_a_role_get_403_and_nothing_is_written(charlie, case):
    client = as_user(charlie)
    assert client.post(presence_url(case), **HTMX).status_code == 403
    assert client.get(detail_url(case)).status_code == 403
    assert CasePresence.objects.count() == 0


def test_signed_out_people_are_sent_to_sign_in_and_nothing_is_written(client, case):
    response = client.post(presence_url(case), **HTMX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert CasePresence.objects.count() == 0


def test_a_report_without_the_csrf_token_is_refused(alice, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(presence_url(case), **HTMX).status_code == 403
    assert CasePresence.objects.count() == 0


def test_an_unknown_case_is_404_and_a_get_goes_to_the_case(alice, case):
    client = as_user(alice)
    assert client.post(reverse("cases:presence_report", args=["PR-2026-999999"])).status_code == 404
    assert client.post(reverse("cases:presence_report", args=["nonsense"])).status_code == 404
    response = client.get(presence_url(case))
    assert (response.status_code, response["Location"]) == (302, detail_url(case))
    assert CasePresence.objects.count() == 0


@pytest.mark.parametrize("others", [1, 4])
def test_the_query_count_of_reporting_in_does_not_grow_with_the_people_there(
    django_user_model, alice, case, others, django_assert_num_queries
):
    for n in range(others):
        colleague = _user(django_user_model, f"colleague{n}", "agent", f"Colleague {n}")
        with clock.frozen(T0):
            as_user(colleague).post(presence_url(case), **HTMX)
    client = as_user(alice)
    with clock.frozen(T0 + timedelta(seconds=5)):
        client.post(presence_url(case), **HTMX)  # the stretch begins
    # Session, user, roles, the case, the presence update, the others with their names.
    with clock.frozen(T0 + timedelta(seconds=25)), django_assert_num_queries(6):
        response = client.post(presence_url(case), **HTMX)
    assert response.content.decode().count("is also working on this case") == others


def test_the_sweep_forgets_presence_older_than_a_day(alice, sam, case):
    with clock.frozen(T0):
        as_user(sam).post(presence_url(case), **HTMX)
    with clock.frozen(T0 + timedelta(hours=23)):
        as_user(alice).post(presence_url(case), **HTMX)
    sweep_run(now=T0 + timedelta(days=1, minutes=1))
    assert list(CasePresence.objects.values_list("user__username", flat=True)) == ["alice"]
